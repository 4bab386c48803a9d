"""Output formats: a Document -> the files that stand for it. Formats render and nothing else.

A format reads no file, writes none and changes nothing on the document. What it needs of
earlier runs (the previous version of the story's items, to settle versions) it asks for
through a :data:`Lookup`: a callable that returns the bytes of the named earlier outputs it
can find. The output folder is one lookup (:class:`toolkit.io.sinks.FolderSink`); a
key-value or object store can be another; :data:`NO_PREVIOUS` knows nothing.

:meth:`Format.render` returns a :class:`Rendering`: the story key, the files (each knows
whether it differs from what the lookup holds under its name), the warnings, and a skip
notice when the document must not be written (an older version than the one already out).
Writing is a sink's job (:mod:`toolkit.io.sinks`).

File names start with the story key (``KEY.en.xml``), or, with the option ``names="input"``
(``--names input``), with a name made from the input file's stem (``story.en.xml`` for
``story.txt``): see :func:`name_base`, shared by every built-in format.

Built-in here: ``jsonl`` (the whole Document) and ``txt`` (cleaned text, one file per
language version). NewsML-G2 and ninjs live in :mod:`toolkit.newsml`; more come from the
``toolkit.formats`` entry point group (:data:`toolkit.registry.FORMATS`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol, runtime_checkable

from .document import Document, Notice
from .errors import ConfigError
from .story import DEFAULT_PROVIDER, NAMES_DIR, input_stem, safe_name, stem, story_key
from .text import utf8

#: Earlier outputs by name: called with the names a format wants, returns those that exist.
Lookup = Callable[[Sequence[str]], Mapping[str, bytes]]


def NO_PREVIOUS(names: Sequence[str]) -> Mapping[str, bytes]:
    """The lookup that knows no earlier output."""
    return {}


@dataclass(frozen=True, slots=True)
class OutputFile:
    """One output file: a name relative to the output folder, its bytes, and what it holds."""

    name: str
    data: bytes
    lang: str | None = None
    guid: str | None = None  # the item's guid (NewsML-G2, ninjs)
    version: int | None = None
    media_type: str = "application/octet-stream"
    changed: bool = True  # False: the lookup already holds these very bytes under this name


@dataclass(slots=True)
class Rendering:
    """What a format made of one document."""

    story: str  # the story key (the same in every format)
    files: list[OutputFile]
    warnings: list[Notice] = field(default_factory=list)
    skip: Notice | None = None  # set: nothing of the document is to be written (files is empty)

    @property
    def changed(self) -> list[OutputFile]:
        """The files that differ from the earlier outputs (those a sink has to write)."""
        return [f for f in self.files if f.changed]


@runtime_checkable
class Format(Protocol):
    """An output format (see the module documentation). A format may also have
    ``locks(doc) -> list[str]``: names a worker locks, besides the story key, while it renders
    and writes ``doc`` (the built-in formats lock the input's stem with ``names="input"``)."""

    name: str

    def story_key(self, doc: Document) -> str: ...

    def render(self, doc: Document, previous: Lookup = NO_PREVIOUS) -> Rendering: ...


def mark_unchanged(files: list[OutputFile], earlier: Mapping[str, bytes]) -> list[OutputFile]:
    """``files`` with ``changed=False`` on those whose bytes ``earlier`` already holds."""
    return [f if earlier.get(f.name) != f.data else replace(f, changed=False) for f in files]


# -- names ------------------------------------------------------------------------------------------

#: How output files are named: ``story`` (by the story key, the default) or ``input`` (after
#: the input file's stem).
NAMINGS = ("story", "input")


def check_naming(names: str) -> str:
    if names not in NAMINGS:
        raise ConfigError(f"unknown names option {names!r}: use one of {', '.join(NAMINGS)}")
    return names


def _short(key: str) -> str:
    """Eight characters that tell stories with one input stem apart (from the key: stable)."""
    if re.fullmatch(r"[0-9a-f]{16}", key):
        return key[:8]  # a content id: its own first characters, as in the key-named files
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def _record(kind: str, name: str) -> str:
    return f"{NAMES_DIR}/{kind}/{name}"


def name_locks(doc: Document, names: str) -> list[str]:
    """What a worker must lock besides the story while ``doc`` is rendered and written: with
    ``names="input"``, the input's stem (two stories claiming one name never race)."""
    if names != "input":
        return []
    return ["name:" + safe_name(input_stem(doc.source)[0] or doc.id)]


def name_base(doc: Document, key: str, previous: Lookup, names: str = "story") -> tuple[str, list[OutputFile]]:
    """What every file name of ``doc``'s story starts with, and the name records to write
    with the files.

    ``names="story"``: the story key. ``names="input"``: a name after the input's stem, kept by
    the story for good, so that its later versions (from whatever input) replace its files:

    * a story that has a name already (recorded in the output folder) keeps it;
    * else the stem of its input file (``story.txt`` -> ``story``), when no other story holds
      that name; a second story from an input of the same stem gets ``STEM-XXXXXXXX`` (eight
      characters from its key, so the same on every run);
    * an entry of a file that holds several (a feed, a JSONL file) is always ``STEM-XXXXXXXX``.

    Which story holds which name is kept in two small records under ``.toolkit/names/``,
    rendered here as files (the sink writes them with the outputs, atomically) and read back
    through ``previous``: the format still reads and writes nothing itself.
    """
    if names != "input":
        return key, []
    by_story = _record("story", safe_name(key))
    known = previous([by_story]).get(by_story)
    base = known.decode("utf-8", "replace").strip() if known else ""
    if not base or safe_name(base) != base:
        stem_, entry = input_stem(doc.source)
        first = safe_name(stem_) if stem_ else safe_name(key)
        candidates = ([] if entry else [first]) + [safe_name(f"{first}-{_short(key)}"), safe_name(f"{first}-{key}")]
        base = safe_name(key)
        for candidate in candidates:
            record = _record("name", candidate)
            owner = previous([record]).get(record)
            if owner is None or owner.decode("utf-8", "replace") == key:
                base = candidate
                break
    records = [
        OutputFile(by_story, base.encode("utf-8"), media_type="text/plain"),
        OutputFile(_record("name", base), key.encode("utf-8", "surrogatepass"), media_type="text/plain"),
    ]
    return base, records


def render_text(title: str | None, paragraphs: list[str]) -> str:
    """Cleaned text: the title, a blank line, then paragraphs separated by blank lines."""
    parts = ([title] if title else []) + paragraphs
    return "\n\n".join(parts) + "\n"


class _Plain:
    """Shared by the unversioned formats: story key from the provider, names, unchanged files marked."""

    name = ""

    def __init__(self, *, provider: str = DEFAULT_PROVIDER, names: str = "story") -> None:
        self.provider = provider
        self.names = check_naming(names)

    def story_key(self, doc: Document) -> str:
        return story_key(doc, self.provider)

    def locks(self, doc: Document) -> list[str]:
        return name_locks(doc, self.names)

    def files(self, doc: Document, base: str) -> list[OutputFile]:  # pragma: no cover - abstract
        raise NotImplementedError

    def render(self, doc: Document, previous: Lookup = NO_PREVIOUS) -> Rendering:
        key = self.story_key(doc)
        base, records = name_base(doc, key, previous, self.names)
        files = self.files(doc, base)
        if files:
            files += records
        return Rendering(key, mark_unchanged(files, previous([f.name for f in files])))


class NoFormat(_Plain):
    """Renders nothing: for runs that only want the results (``toolkit detect``)."""

    name = "none"

    def files(self, doc: Document, base: str) -> list[OutputFile]:
        return []


class JsonlFormat(_Plain):
    """One file per document holding one JSON line: the whole Document (``KEY.jsonl``)."""

    name = "jsonl"

    def files(self, doc: Document, base: str) -> list[OutputFile]:
        data = (doc.to_json() + "\n").encode("utf-8")
        return [OutputFile(f"{safe_name(base)}.jsonl", data, doc.lang, media_type="application/json")]


_TEXT = "text/plain; charset=utf-8"


class TextFormat(_Plain):
    """One ``KEY.LANG.txt`` file per language version (the original and each translation;
    ``KEY.txt`` for an original whose language is not known, e.g. after ``clean`` alone)."""

    name = "txt"

    def files(self, doc: Document, base: str) -> list[OutputFile]:
        text = render_text(doc.title, [p.text for p in doc.paragraphs])
        name = f"{stem(base, doc.lang)}.txt" if doc.lang else f"{safe_name(base)}.txt"
        out = [OutputFile(name, utf8(text), doc.lang, media_type=_TEXT)]
        for tlang, tr in sorted(doc.translations.items()):
            text = render_text(tr.title, [p.text for p in tr.paragraphs])
            out.append(OutputFile(f"{stem(base, tlang)}.txt", utf8(text), tlang, media_type=_TEXT))
        return out


__all__ = [
    "NAMINGS",
    "NO_PREVIOUS",
    "Format",
    "JsonlFormat",
    "Lookup",
    "NoFormat",
    "OutputFile",
    "Rendering",
    "TextFormat",
    "mark_unchanged",
    "name_base",
    "name_locks",
    "render_text",
]
