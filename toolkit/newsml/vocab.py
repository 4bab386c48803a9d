"""Namespaces, IPTC codes and our own controlled vocabularies, in one place.

IPTC QCodes used here (``ninat:``, ``stat:``, ``sig:``, ``drol:``, ``hopaction:``,
``hatarget:``, ``pgrmod:``, ``group:``) resolve through the IPTC catalog referenced by
:data:`IPTC_CATALOG`. Where IPTC has no code (an item that is the machine translation of
another item, the role of a translation engine, the web page an item was cleaned from) we
declare our own schemes in an inline ``catalog`` (:data:`OWN_SCHEMES`), so every QCode in
an item resolves.
"""

from __future__ import annotations

from dataclasses import dataclass

NAR = "http://iptc.org/std/nar/2006-10-01/"
XHTML = "http://www.w3.org/1999/xhtml"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_LANG = f"{{{XML_NS}}}lang"

STANDARD = "NewsML-G2"
STANDARD_VERSION = "2.35"
CONFORMANCE = "power"

#: The IPTC catalog of NewsML-G2 standard schemes (the one IPTC's own 2.35 material uses).
IPTC_CATALOG = "http://www.iptc.org/std/catalog/catalog.IPTC-G2-Standards_40.xml"

NEWSITEM_TYPE = "application/vnd.iptc.g2.newsitem+xml"
XHTML_TYPE = "application/xhtml+xml"
TEXT_TYPE = "text/plain"

# IPTC codes
ITEM_TEXT = "ninat:text"
ITEM_COMPOSITE = "ninat:composite"
STAT_USABLE = "stat:usable"
SIG_UPDATE = "sig:update"
DESC_SUMMARY = "drol:summary"
HOP_CREATED = "hopaction:created"
HOP_TRANSFORMED = "hopaction:transformed"
TARGET_CONTENT = "hatarget:content"
GROUP_MAIN = "group:main"
MODE_ALT = "pgrmod:alt"

# Our own codes (declared in OWN_SCHEMES)
REL_TRANSLATION_OF = "tkrel:translationOf"
REL_SOURCE = "tkrel:source"
ROLE_TRANSLATOR = "tkrole:translator"
ROLE_SOURCE = "tkrole:source"

#: The item relation codes the reader recognises as "translation of", whoever declared them.
TRANSLATION_RELS = ("translationOf", "translatedFrom")

GENERATOR = "toolkit"


@dataclass(frozen=True, slots=True)
class Scheme:
    alias: str
    uri: str
    name: str
    definition: str


#: Our own schemes, declared inline in every item (URNs: they name, they are not fetched).
OWN_SCHEMES: tuple[Scheme, ...] = (
    Scheme(
        "tkrel",
        "urn:x-toolkit:cv:itemrelation:",
        "toolkit item relations",
        "translationOf: the item is a machine translation of the referenced item. "
        "source: the web page or feed entry the item's text was taken from.",
    ),
    Scheme(
        "tkrole",
        "urn:x-toolkit:cv:partyrole:",
        "toolkit party roles",
        "translator: the machine translation engine and model that translated the text. "
        "source: the publisher the text was taken from.",
    ),
)

#: Languages written right to left (``dir="rtl"`` on items in them).
RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "ks", "ku-Arab", "ps", "sd", "ug", "ur", "yi"})


def q(tag: str, ns: str = NAR) -> str:
    """Clark notation ``{ns}tag``."""
    return f"{{{ns}}}{tag}"
