"""Inputs of a worker: files, bytes and records read into Documents. Reading never raises.

Anything a worker is given is read here:

* a :class:`~toolkit.document.Document` (used as is);
* a path (``str`` or ``os.PathLike``) or a :class:`~toolkit.io.readers.Source`: the file, by
  its suffix (text, HTML, JSONL, ninjs, RSS/Atom, NewsML-G2);
* :class:`Raw`: bytes with a name (shown in messages, and whose suffix chooses the reader)
  and an optional format;
* a mapping: a record (a serialised Document, a ninjs item, or ``{"text": ...}`` /
  ``{"html": ...}``).

A bad input becomes a *failed* document that carries the reason (a one-line message naming
the input, and a stable code), so one bad input never stops a batch.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO, Union

from .document import Document, Paragraph, content_id
from .errors import InputError, ToolkitError
from .io.decode import decode
from .io.readers import ReadOptions, Source, read_data, read_source, read_source_bytes, record_to_document


@dataclass(frozen=True, slots=True)
class Raw:
    """Bytes to read as one input.

    ``format`` is a reader suffix (``txt``, ``html``, ``jsonl``, ``json``, ``xml``, ``rss``,
    ``atom``) or None: then the suffix of ``name`` decides, else the content is sniffed.
    """

    name: str
    data: bytes
    format: str | None = None


#: What :func:`read_item` (and so a worker) accepts.
Input = Union[Document, Source, Raw, str, "os.PathLike[str]", Mapping[str, Any]]


def read_path(path: str | os.PathLike[str], options: ReadOptions | None = None) -> Iterator[Document]:
    """The documents of one file; an unreadable file yields one failed document."""
    name = os.fspath(path)
    return read_source(Source(name, name), options or ReadOptions())


def read_bytes(
    data: bytes, name: str = "<bytes>", *, format: str | None = None, options: ReadOptions | None = None
) -> Iterator[Document]:
    """The documents held in ``data`` (see :class:`Raw`); bad data yields one failed document."""
    return read_data(data, name, options or ReadOptions(), format)


def read_record(record: Any, where: str = "<record>") -> Document:
    """One record (a serialised Document, a ninjs item, ``{"text": ...}``); a bad record is a
    failed document saying what a record must hold."""
    try:
        return record_to_document(record, where)
    except ToolkitError as exc:
        exc.path = exc.path or where
        return Document.failed_input(where, exc)
    except Exception as exc:  # a reader's bug must not stop the batch: an internal error on this record
        return Document.failed_input(where, exc)


def read_item(item: Input, options: ReadOptions | None = None, *, where: str | None = None) -> Iterator[Document]:
    """The documents of any :data:`Input`."""
    if isinstance(item, Document):
        yield item
    elif isinstance(item, Source):
        yield from read_source(item, options or ReadOptions())
    elif isinstance(item, Raw):
        yield from read_bytes(item.data, item.name, format=item.format, options=options)
    elif isinstance(item, (str, os.PathLike)):
        yield from read_path(item, options)
    elif isinstance(item, Mapping):
        yield read_record(dict(item), where or "<record>")
    else:
        shown = where or f"<{type(item).__name__}>"
        error = InputError(
            f"cannot read a {type(item).__name__}: give a Document, a path, toolkit.inputs.Raw(name, bytes) "
            "or a record (dict)",
            path=shown,
        )
        yield Document.failed_input(shown, error)


def read_lines(
    source: Source, options: ReadOptions | None = None, *, stdin: BinaryIO | None = None
) -> Iterator[Document]:
    """One document per line of a text input (``toolkit detect --lines``): the line is the
    document's only paragraph, blank lines included, so results stay aligned with the input.
    An unreadable input yields one failed document."""
    options = options or ReadOptions()
    try:
        data = read_source_bytes(source, options, stdin)
        text = decode(data, encoding=options.encoding, path=source.display).text if data else ""
    except InputError as exc:
        yield Document.failed_input(source.display, exc)
        return
    except OSError as exc:
        error = InputError(f"cannot read: {exc.strerror or exc}", path=source.display)
        yield Document.failed_input(source.display, error)
        return
    prefix = content_id(source.display)
    for number, line in enumerate(text.splitlines(), 1):
        doc = Document(id=f"{prefix}-{number}", raw=line, source=source.display, paragraphs=[Paragraph(line)])
        doc.extra["line"] = number
        yield doc


__all__ = ["Input", "Raw", "read_bytes", "read_item", "read_lines", "read_path", "read_record"]
