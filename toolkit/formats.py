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

Built-in here: ``jsonl`` (the whole Document) and ``txt`` (cleaned text, one file per
language version). NewsML-G2 and ninjs live in :mod:`toolkit.newsml`; more come from the
``toolkit.formats`` entry point group (:data:`toolkit.registry.FORMATS`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol, runtime_checkable

from .document import Document, Notice
from .story import DEFAULT_PROVIDER, safe_name, stem, story_key
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
    """An output format (see the module documentation)."""

    name: str

    def story_key(self, doc: Document) -> str: ...

    def render(self, doc: Document, previous: Lookup = NO_PREVIOUS) -> Rendering: ...


def mark_unchanged(files: list[OutputFile], earlier: Mapping[str, bytes]) -> list[OutputFile]:
    """``files`` with ``changed=False`` on those whose bytes ``earlier`` already holds."""
    return [f if earlier.get(f.name) != f.data else replace(f, changed=False) for f in files]


def render_text(title: str | None, paragraphs: list[str]) -> str:
    """Cleaned text: the title, a blank line, then paragraphs separated by blank lines."""
    parts = ([title] if title else []) + paragraphs
    return "\n\n".join(parts) + "\n"


class _Plain:
    """Shared by the unversioned formats: story key from the provider, unchanged files marked."""

    name = ""

    def __init__(self, *, provider: str = DEFAULT_PROVIDER) -> None:
        self.provider = provider

    def story_key(self, doc: Document) -> str:
        return story_key(doc, self.provider)

    def files(self, doc: Document, key: str) -> list[OutputFile]:  # pragma: no cover - abstract
        raise NotImplementedError

    def render(self, doc: Document, previous: Lookup = NO_PREVIOUS) -> Rendering:
        key = self.story_key(doc)
        files = self.files(doc, key)
        return Rendering(key, mark_unchanged(files, previous([f.name for f in files])))


class NoFormat(_Plain):
    """Renders nothing: for runs that only want the results (``toolkit detect``)."""

    name = "none"

    def files(self, doc: Document, key: str) -> list[OutputFile]:
        return []


class JsonlFormat(_Plain):
    """One file per document holding one JSON line: the whole Document (``KEY.jsonl``)."""

    name = "jsonl"

    def files(self, doc: Document, key: str) -> list[OutputFile]:
        data = (doc.to_json() + "\n").encode("utf-8")
        return [OutputFile(f"{safe_name(key)}.jsonl", data, doc.lang, media_type="application/json")]


class TextFormat(_Plain):
    """One ``KEY.LANG.txt`` file per language version (the original and each translation;
    ``KEY.txt`` for an original whose language is not known, e.g. after ``clean`` alone)."""

    name = "txt"

    def files(self, doc: Document, key: str) -> list[OutputFile]:
        text = render_text(doc.title, [p.text for p in doc.paragraphs])
        name = f"{stem(key, doc.lang)}.txt" if doc.lang else f"{safe_name(key)}.txt"
        out = [OutputFile(name, utf8(text), doc.lang, media_type="text/plain; charset=utf-8")]
        for tlang, tr in sorted(doc.translations.items()):
            text = render_text(tr.title, [p.text for p in tr.paragraphs])
            out.append(OutputFile(f"{stem(key, tlang)}.txt", utf8(text), tlang, media_type="text/plain; charset=utf-8"))
        return out


__all__ = [
    "NO_PREVIOUS",
    "Format",
    "JsonlFormat",
    "Lookup",
    "NoFormat",
    "OutputFile",
    "Rendering",
    "TextFormat",
    "mark_unchanged",
    "render_text",
]
