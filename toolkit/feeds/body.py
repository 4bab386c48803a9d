"""The text of a wire item's body, whatever vocabulary it is written in.

A NewsML-G2 ``inlineXML`` (or a markup string in ninjs or in ``inlineData``) may hold XHTML,
NITF (namespaced or not, in any letter case: TT's ``<BODY><TEXT><P>``), or any vendor
vocabulary. :func:`read_body` walks it once and returns its text blocks in document order:

* every element starts and ends a block, except the inline elements of XHTML and NITF
  (``a``, ``em``, ``span``, ``person``, ``money``, ...), whose text joins the block around
  them; a single ``<br>`` is a line break, two or more end the block;
* known vocabularies keep their structure: headings (``h1``-``h6``, NITF ``hl1``/``hl2``) are
  marked as headings, so the reader can take the headline from them and drop a heading that
  repeats it; ``<head>`` gives only its title; NITF's ``byline`` and XHTML's ``class="byline"``
  give the byline and NITF's ``abstract`` the description, not body text; the slugline lists
  and times of an XHTML ``<header>``, scripts, styles, figures and NITF document data are
  left out;
* a block laid out as wire copy (hard-wrapped lines, each paragraph starting with an
  indented line) is split into its paragraphs.

Each block keeps the ``xml:lang`` declared on it or on an element around it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree

from ..text import normalize_line, normalize_newlines

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

#: Elements whose text belongs to the block around them (XHTML and NITF inline elements).
INLINE = frozenset(
    {
        # XHTML
        "a",
        "abbr",
        "acronym",
        "b",
        "bdi",
        "bdo",
        "big",
        "cite",
        "code",
        "data",
        "del",
        "dfn",
        "em",
        "font",
        "i",
        "ins",
        "kbd",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "time",
        "tt",
        "u",
        "var",
        "wbr",
        # NITF enriched text
        "chron",
        "classifier",
        "copyrite",
        "event",
        "function",
        "lang",
        "location",
        "money",
        "num",
        "object.title",
        "org",
        "person",
        "postaddr",
        "pronounce",
        "virtloc",
        "frac",
        "numer",
        "frac-sep",
        "denom",
        "city",
        "country",
        "region",
        "state",
        "postcode",
        "delivery.point",
        "delivery.office",
        "alt-code",
    }
)
#: Elements that are always blocks, even among text (XHTML and NITF block elements). Elements of other
#: vocabularies are inline in mixed content (beside text: a vendor's ``<Company>`` inside a ``<p>``) and
#: blocks elsewhere.
BLOCKS = frozenset(
    {
        "html", "body", "div", "p", "section", "article", "main", "aside", "header", "footer", "address",
        "blockquote", "bq", "pre", "ul", "ol", "li", "dl", "dt", "dd", "table", "caption", "thead", "tbody",
        "tfoot", "tr", "hr", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6",
        "nitf", "body.head", "body.content", "body.end", "hedline", "hl1", "hl2", "block", "tagline", "note",
        "credit", "fn", "nitf-table", "nitf-table-summary",
    }
)  # fmt: skip
#: Inline elements that stand between words: a space around them (table cells).
_SPACED = frozenset({"td", "th"})
#: Elements never read as body text.
SKIP = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "meta",
        "link",
        "base",
        "object",
        "embed",
        "iframe",
        "img",
        "audio",
        "video",
        "source",
        "figure",
        "nav",
        "docdata",  # NITF head metadata
        "dateline",  # NITF: the place and date line of body.head (metadata, not a paragraph)
        "media",  # NITF: an image, audio or video with its caption
        "pubdata",
        "revision-history",
        "distributor",
        "series",
        "rights",
        "bibliography",
    }
)
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6, "hl1": 1, "hl2": 2}
_BYLINES = frozenset({"byline"})
_DESCRIPTIONS = frozenset({"abstract"})
#: Inside an XHTML ``<header>``: furniture, not text (dpa's slugline lists and publication time).
_HEADER_FURNITURE = frozenset({"ul", "ol", "li", "time", "dl", "dd", "dt"})
_INDENTED = re.compile(r"^[ \t\u00a0]{2,}\S|^\t\S")


@dataclass(slots=True)
class Block:
    text: str
    lang: str | None = None
    heading: int = 0  # 1-6 for a heading (1: the main headline level), 0 for body text


@dataclass(slots=True)
class Body:
    blocks: list[Block] = field(default_factory=list)
    title: str | None = None  # a document title (XHTML <head><title>, NITF <head><title>)
    byline: str | None = None
    description: str | None = None


def _local(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return (tag.rsplit("}", 1)[-1] if tag[:1] == "{" else tag.rsplit(":", 1)[-1]).lower()


def _line(text: str) -> str:
    return normalize_line(" ".join(text.split()))


def wire_paragraphs(text: str, *, blank_lines: bool = True) -> list[str]:
    """Paragraphs of a text. Wire copy (hard-wrapped lines, most at the margin, each paragraph starting
    on an indented line) is split at its indented lines and at blank lines. Other text is split at
    blank lines when ``blank_lines`` (plain text), else kept as one paragraph (the text of an XML
    element, where line breaks and indentation are only layout: pretty-printed XML indents every
    line after the first)."""
    lines = normalize_newlines(text).split("\n")
    filled = [line for line in lines if line.strip()]
    if not filled:
        return []
    rest = filled[1:]
    indented = sum(1 for line in rest if _INDENTED.match(line))
    wire = 0 < indented < len(rest)
    if not wire and not blank_lines:
        return [_line(text)]
    out: list[str] = []
    current: list[str] = []
    for line in lines:
        if not line.strip() or (wire and _INDENTED.match(line)):
            if current:
                out.append(_line(" ".join(current)))
            current = [line] if line.strip() else []
        else:
            current.append(line)
    if current:
        out.append(_line(" ".join(current)))
    return [p for p in out if p]


class _Walker:
    """One pass over a body tree, collecting blocks (see the module documentation)."""

    def __init__(self) -> None:
        self.body = Body()
        self.parts: list[str] = []  # text of the block being built
        self.lang: str | None = None
        self.heading = 0
        self.breaks = 0  # consecutive <br/>

    def flush(self) -> None:
        raw = "".join(self.parts)
        self.parts = []
        self.breaks = 0
        if not raw.strip():
            self.heading = 0
            return
        texts = [_line(raw)] if self.heading else wire_paragraphs(raw, blank_lines=False)
        for text in texts:
            if text:
                self.body.blocks.append(Block(text, self.lang, self.heading))
        self.heading = 0

    def text(self, value: str | None) -> None:
        if value:
            if value.strip():
                self.breaks = 0
            self.parts.append(value)

    def walk(self, el: etree._Element, lang: str | None, *, in_header: bool = False, mixed: bool = False) -> None:
        name = _local(el)
        if not name:  # comments and processing instructions: only their tail is text
            return
        own_lang = el.get(XML_LANG) or el.get("lang")  # XHTML's lang too
        lang = own_lang.strip() if isinstance(own_lang, str) and own_lang.strip() else lang
        if name in SKIP or (in_header and name in _HEADER_FURNITURE):
            return
        if name == "head":  # the document head: its title only
            for child in el.iter():
                if _local(child) == "title" and not self.body.title:
                    self.body.title = _line("".join(child.itertext())) or None
            return
        if name in _BYLINES or "byline" in (el.get("class") or "").split():
            if not self.body.byline:
                self.body.byline = _line("".join(el.itertext())) or None
            return
        if name in _DESCRIPTIONS:
            if not self.body.description:
                self.body.description = _line("".join(el.itertext())) or None
            return
        if name == "br":
            self.breaks += 1
            self.parts.append("\n")
            if self.breaks >= 2:
                self.flush()
            return
        mixed_inside = _mixed(el)
        if name in INLINE or name in _SPACED or (mixed and name not in BLOCKS):
            if name in _SPACED:
                self.parts.append(" ")
            self.text(el.text)
            for child in el:
                self.walk(child, lang, in_header=in_header, mixed=True)
                self.text(child.tail)
            if name in _SPACED:
                self.parts.append(" ")
            return
        self.flush()  # a block element: it ends the block before it...
        previous = self.lang
        self.lang = lang
        self.heading = HEADINGS.get(name, 0)
        self.text(el.text)
        for child in el:
            self.walk(child, lang, in_header=in_header or name == "header", mixed=mixed_inside)
            if child.tail and child.tail.strip() and not self.parts:
                self.lang, self.heading = lang, 0  # text after a nested block belongs to this one
            self.text(child.tail)
        self.flush()  # ... and the block it holds
        self.lang = previous


def _mixed(el: etree._Element) -> bool:
    """Whether an element holds text beside its child elements (mixed content)."""
    if el.text and el.text.strip():
        return True
    return any(child.tail and child.tail.strip() for child in el)


def read_body(elements: Iterable[etree._Element], lang: str | None = None) -> Body:
    """The text blocks, title, byline and description of a body (the children of ``inlineXML``)."""
    walker = _Walker()
    for el in elements:
        if isinstance(el.tag, str):
            walker.walk(el, lang)
            walker.flush()
    return walker.body


_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z][\w.\-]*(\s[^<>]*)?/?\s*>")


def looks_like_markup(text: str) -> bool:
    """Whether a text (``inlineData`` text/plain, a JSON string) is in fact HTML or XML markup."""
    head = text.lstrip()[:2048]
    return head.startswith("<") and len(_MARKUP.findall(text[:65536])) >= 2


def parse_markup(text: str) -> list[etree._Element]:
    """An HTML or XML fragment (escaped markup in a text field) as elements, parsed leniently,
    offline, with libxml2's size and depth limits; comments and processing instructions dropped."""
    parser = etree.HTMLParser(no_network=True, huge_tree=False, remove_comments=True, remove_pis=True)
    root = etree.fromstring(f"<html><body>{text}</body></html>", parser)
    if root is None:
        return []
    body = root.find("body")
    return [body if body is not None else root]


def text_body(text: str) -> Body:
    """A plain-text body (``inlineData`` text/plain): paragraphs at blank lines and wire indents;
    markup sent as text is read as markup."""
    if looks_like_markup(text):
        return read_body(parse_markup(text))
    return Body([Block(p) for p in wire_paragraphs(text)])
