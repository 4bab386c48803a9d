"""Story identity and the names of a story's outputs, the same in every output format.

A document is one version of a *story*. The story key depends only on what identifies the
story, never on the time of the run or on what the pipeline made of the text:

1. ``doc.meta.guid`` (a feed's or a NewsML-G2 item's guid). Our own guid read back gives
   back its key, so re-processing our output keeps every guid. Any other guid is hashed.
2. ``doc.meta.source_url`` (hashed): a page scraped again after an update keeps its key
   and gets a new version.
3. ``doc.id`` (itself derived from the raw content) when nothing else is known.

Every output file of a story is named ``KEY.SUFFIX.EXT`` (``KEY.en.xml``, ``KEY.ru.txt``,
``KEY.package.json``): the same key in every format, so an output can be traced to its
story whatever the format (and through the run index, ``index.ndjson``, to its input).
With ``names="input"`` a format puts a name made from the input file's stem in place of
the key (see :func:`toolkit.formats.name_base`); guids keep the key. :func:`safe_name`
makes sure no key, guid or language tag can name a file outside the output folder.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from .document import Document, content_id

_MAX_NAME = 120
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")
_OWN = re.compile(r"^urn:newsml:(?P<provider>[A-Za-z0-9.\-]+):(?P<key>[A-Za-z0-9._\-]+):(?P<suffix>[A-Za-z0-9\-]+)$")
#: Guids of other providers we keep as they are: URIs without white space.
FOREIGN_GUID = re.compile(r"^(?:urn:[A-Za-z0-9][A-Za-z0-9\-]{0,31}|tag|https?):\S+$")
MAX_GUID = 256
#: The provider id used in guids unless an output format is told another one.
DEFAULT_PROVIDER = "toolkit"


def safe_name(text: str, *, max_length: int = _MAX_NAME) -> str:
    """A portable file-name component derived from ``text`` (never ``..``, never a path).

    Keeps letters, digits, ``-`` ``_`` ``.``; anything else becomes ``_``. Long names are
    cut and suffixed with a hash so distinct inputs stay distinct.
    """
    norm = unicodedata.normalize("NFKC", text)
    name = re.sub(r"[^\w.\-]+", "_", norm, flags=re.ASCII).strip("._-") or "_"
    name = re.sub(r"\.{2,}", ".", name)
    if _RESERVED.match(name):
        name = "_" + name
    if name != text or len(name) > max_length:
        # the name had to change: a hash of the original keeps distinct inputs distinct
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        name = f"{name[: max_length - 9]}-{digest}"
    return name


def parse_own(guid: str, provider: str) -> tuple[str, str] | None:
    """(key, suffix) when ``guid`` is one of ours (``urn:newsml:PROVIDER:KEY:SUFFIX``), else None."""
    match = _OWN.match(guid)
    if match is None or match["provider"] != provider:
        return None
    return match["key"], match["suffix"]


@dataclass(frozen=True, slots=True)
class Identity:
    key: str  # story key: our guids and every file name of the story derive from it
    foreign_guid: str | None  # the original item's guid when it belongs to another provider
    base_version: int  # version of the original item when there is no previous output
    versioned: bool = False  # the input carried a version of its own (a feed's or an item's)


def identity(doc: Document, provider: str = DEFAULT_PROVIDER) -> Identity:
    """The story identity of ``doc`` (see the module documentation for the rules)."""
    guid = (doc.meta.guid or "").strip()
    version = doc.meta.version if isinstance(doc.meta.version, int) and doc.meta.version > 0 else None
    versioned = version is not None
    if guid:
        own = parse_own(guid, provider)
        if own is not None:
            return Identity(own[0], None, version or 1, versioned)
        if version is not None and FOREIGN_GUID.match(guid) and len(guid) <= MAX_GUID and guid.isprintable():
            return Identity(content_id(guid), guid, version, versioned)
        return Identity(content_id(guid), None, version or 1, versioned)
    url = (doc.meta.source_url or "").strip()
    if url:
        return Identity(content_id(url), None, 1)
    key = doc.id if _KEY.match(doc.id) else content_id(doc.id)
    return Identity(key, None, 1)


def story_key(doc: Document, provider: str = DEFAULT_PROVIDER) -> str:
    """The key every output of ``doc``'s story is named after."""
    return identity(doc, provider).key


def stem(key: str, suffix: str) -> str:
    """File name without extension for one output of a story (``KEY.LANG``, ``KEY.package``)."""
    return f"{safe_name(key)}.{safe_name(suffix)}"


#: Where formats keep, with ``names="input"``, which story holds which name: files they render
#: beside the outputs (written by the sink with them), never outputs themselves.
NAMES_DIR = ".toolkit/names"


def is_output(name: str) -> bool:
    """Whether ``name`` is an output (False for the name records kept under :data:`NAMES_DIR`)."""
    return not name.startswith(NAMES_DIR + "/")


_ENTRY = re.compile(r"^(?P<file>.+?)(?:#|:)(?P<n>[0-9]+)$")


def input_stem(source: str | None) -> tuple[str, bool]:
    """(the stem of the input file a document came from, whether it is one entry of several
    in that file): ``news/story.txt`` -> ``("story", False)``; ``feed.xml#3`` (an entry of a
    feed) and ``wire.jsonl:7`` (a JSONL line) -> ``("feed", True)``, ``("wire", True)``."""
    text = (source or "").strip()
    match = _ENTRY.match(text)
    entry = match is not None
    if match is not None:
        text = match["file"]
    name = text.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    base, dot, suffix = name.rpartition(".")
    return (base if dot and base and suffix else name), entry
