"""Item identity: story keys, guids and file stems, stable across runs.

Every language version of a story gets a guid ``urn:newsml:PROVIDER:KEY:LANG`` and the
package ``urn:newsml:PROVIDER:KEY:package``. ``KEY`` depends only on what identifies the
story, never on the time of the run or on what the pipeline made of the text:

1. ``doc.meta.guid`` (a feed's or a NewsML-G2 item's guid). Our own guid read back gives
   back its key, so re-processing our output keeps every guid. Any other guid is hashed.
2. ``doc.meta.source_url`` (hashed): a page scraped again after an update keeps its guid
   and gets a new version.
3. ``doc.id`` (itself derived from the raw content) when nothing else is known.

A NewsML-G2 item from another provider (a guid that is a URI, with a version) keeps its
guid and version for the original-language item: it is their item passing through us
(recorded in ``hopHistory``), so we never change its version. Our translations of it are
ours and get guids under our provider id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..document import Document, content_id
from ..errors import ConfigError
from ..io.writers import safe_name

PROVIDER_ID = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.\-]{0,62}[A-Za-z0-9])?$")
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")
_OWN = re.compile(r"^urn:newsml:(?P<provider>[A-Za-z0-9.\-]+):(?P<key>[A-Za-z0-9._\-]+):(?P<suffix>[A-Za-z0-9\-]+)$")
#: Guids of other providers we keep as they are: URIs without white space.
FOREIGN_GUID = re.compile(r"^(?:urn:[A-Za-z0-9][A-Za-z0-9\-]{0,31}|tag|https?):\S+$")
MAX_GUID = 256
PACKAGE_SUFFIX = "package"


def check_provider(provider: str) -> str:
    """A provider id usable in guids (a domain name or a short token)."""
    if not isinstance(provider, str) or not PROVIDER_ID.match(provider):
        raise ConfigError(
            f"invalid provider id {provider!r}: use a domain name or a token of letters, digits, '.' and '-'"
        )
    return provider


def item_guid(provider: str, key: str, suffix: str) -> str:
    return f"urn:newsml:{provider}:{key}:{suffix}"


def parse_own(guid: str, provider: str) -> tuple[str, str] | None:
    """(key, suffix) when ``guid`` is one of ours, else None."""
    match = _OWN.match(guid)
    if match is None or match["provider"] != provider:
        return None
    return match["key"], match["suffix"]


@dataclass(frozen=True, slots=True)
class Identity:
    key: str  # story key: our guids and every file name of the story derive from it
    foreign_guid: str | None  # the original item's guid when it belongs to another provider
    base_version: int  # version of the original item when there is no previous output


def identity(doc: Document, provider: str) -> Identity:
    """The story identity of ``doc`` (see the module documentation for the rules)."""
    guid = (doc.meta.guid or "").strip()
    version = doc.meta.version if isinstance(doc.meta.version, int) and doc.meta.version > 0 else None
    if guid:
        own = parse_own(guid, provider)
        if own is not None:
            return Identity(own[0], None, version or 1)
        if version is not None and FOREIGN_GUID.match(guid) and len(guid) <= MAX_GUID and guid.isprintable():
            return Identity(content_id(guid), guid, version)
        return Identity(content_id(guid), None, version or 1)
    url = (doc.meta.source_url or "").strip()
    if url:
        return Identity(content_id(url), None, 1)
    key = doc.id if _KEY.match(doc.id) else content_id(doc.id)
    return Identity(key, None, 1)


def stem(key: str, suffix: str) -> str:
    """File name without extension for one output of a story (``KEY.LANG``, ``KEY.package``)."""
    return f"{safe_name(key)}.{safe_name(suffix)}"
