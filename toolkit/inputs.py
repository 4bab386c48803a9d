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

import dataclasses
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO, Union

from .document import Document, Paragraph, content_id
from .errors import (
    DocumentFormatError,
    EmptyInputError,
    InputError,
    InvalidJSONError,
    ToolkitError,
    UnsupportedInputError,
)
from .io.decode import decode
from .io.readers import ReadOptions, Source, check_text, read_data, read_source, read_source_bytes


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


# -- records (JSONL lines, stream messages) ------------------------------------------------------


_NINJS_KEYS = {"uri", "headline", "headlines", "bodies", "body_html", "body_text", "versioncreated", "versionCreated"}
_TEXT_KEYS = {"text", "html", "source", "title", "lang", "guid", "id"}
_DOCUMENT_KEYS = {"schema", *(f.name for f in dataclasses.fields(Document))}
#: What a record must be, in the words of the people who send them.
RECORD_HELP = (
    'send {"text": "..."} or {"html": "..."} (optional "title", "lang", "guid", "source", "id"), '
    "a ninjs item, or a document as toolkit writes it (--format jsonl)"
)


def invalid_json(exc: json.JSONDecodeError, where: str) -> InvalidJSONError:
    """The error of a line that is not JSON (its own code, ``invalid-json``)."""
    return InvalidJSONError(f"invalid JSON: {exc.msg} (column {exc.colno}); one JSON object per line", path=where)


def record_to_document(record: object, where: str) -> Document:
    """One JSON record -> Document. Accepts a serialised Document, a ninjs item, or a
    simple ``{"text": ...}`` / ``{"html": ...}`` record (optional ``source``, ``title``,
    ``lang``, ``guid``)."""
    if not isinstance(record, dict):
        kind = "an array" if isinstance(record, list) else type(record).__name__
        raise DocumentFormatError(f"a record must be a JSON object, not {kind}: {RECORD_HELP}", path=where)
    if not set(record) & (_TEXT_KEYS | _NINJS_KEYS | _DOCUMENT_KEYS):
        shown = ", ".join(repr(k) for k in sorted(record)[:5]) or "none"
        raise DocumentFormatError(f"not a document (fields: {shown}): {RECORD_HELP}", path=where)
    if ("text" in record or "html" in record) and not ({"schema", "raw", "paragraphs"} & set(record)):
        kind = "html" if "html" in record else "text"
        body = record.get(kind)
        if not isinstance(body, str) or not body.strip():
            raise DocumentFormatError(f"'{kind}' must be a non-empty string", path=where)
        if kind == "text":
            check_text(body, where)
        unknown = sorted(set(record) - _TEXT_KEYS)
        if unknown:
            from .registry import did_you_mean

            hint = did_you_mean(unknown[0], sorted(_TEXT_KEYS))
            raise DocumentFormatError(
                f"unknown field(s) {', '.join(map(repr, unknown))}{hint}: {RECORD_HELP}", path=where
            )
        doc = Document.from_text(
            body,
            source=str(record.get("source") or where),
            raw_format=kind,
            id=str(record["id"]) if record.get("id") else None,
        )
        doc.title = str(record["title"]) if record.get("title") else None
        doc.lang = str(record["lang"]) if record.get("lang") else None
        doc.meta.guid = str(record["guid"]) if record.get("guid") else None
        return doc
    if _NINJS_KEYS & set(record) and "schema" not in record:
        from .feeds.ninjs import item_to_document

        return item_to_document(record, where)
    try:
        doc = Document.from_dict(record)
    except DocumentFormatError as exc:
        raise DocumentFormatError(exc.message, path=where) from None
    if doc.source is None:
        doc.source = where
    return doc


def read_jsonl(data: bytes, source: str, options: ReadOptions) -> Iterator[Document]:
    """One JSON record per line (documents, ninjs items, text records); a bad line fails alone."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"JSONL must be UTF-8 (invalid byte at {exc.start})", path=source) from None
    if not text.strip():
        raise EmptyInputError("empty file", path=source)
    yield from jsonl_documents(text, source)


def jsonl_documents(text: str, source: str, first_line: int = 1) -> Iterator[Document]:
    """The records of JSONL text, named ``SOURCE:LINE`` (lines numbered from ``first_line``); a
    bad record fails alone. Lines end at ``\n`` only: a JSON string may hold U+2028 and its kin."""
    for number, line in enumerate(text.split("\n"), first_line):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Document.failed_input(where, invalid_json(exc, where))
            continue
        try:
            yield record_to_document(record, where)
        except InputError as exc:
            exc.path = where
            yield Document.failed_input(where, exc)


# -- XML by its root element --------------------------------------------------------------------------

_ROOT = re.compile(rb"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)[\s/>]")
_SKIP = re.compile(rb"\s*(<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(\[.*?\])?\s*>)", re.S | re.IGNORECASE)

FEED_ROOTS = {"rss", "feed", "RDF"}
NEWSML_ROOTS = {"newsItem", "packageItem", "newsMessage", "planningItem", "conceptItem", "knowledgeItem", "catalogItem"}


def root_name(data: bytes) -> str | None:
    """The local name of the root element, from the first bytes (no full parse)."""
    head = data[:16384].lstrip(b"\xef\xbb\xbf")
    pos = 0
    while True:
        match = _SKIP.match(head, pos)
        if not match:
            break
        pos = match.end()
    match = _ROOT.match(head, pos) or _ROOT.search(head, pos)
    return match.group(2).decode("ascii", "replace") if match else None


def read_xml(data: bytes, source: str, options: ReadOptions) -> Iterator[Document]:
    from .io.xmlsafe import head_bytes, refuse_declarations

    if not data.strip():
        raise EmptyInputError("empty file", path=source)
    # before looking for the root: a long internal DTD subset would hide it, and none is allowed
    refuse_declarations(data, source, public_ids=None)
    root = root_name(data)
    if root is None:  # UTF-16/32: look again at the start transcoded to UTF-8
        root = root_name(head_bytes(data))
    if root in FEED_ROOTS:
        from .feeds.rss import read_feed

        yield from read_feed(data, source, options)
        return
    if root in NEWSML_ROOTS:
        from .newsml.read import read_newsml

        yield from read_newsml(data, source, options)
        return
    if root == "html":  # XHTML with an XML declaration
        from .io.readers import read_html

        yield from read_html(data, source, options)
        return
    raise UnsupportedInputError(f"unsupported XML document (root element {root or 'not found'!s})", path=source)


__all__ = [
    "Input",
    "Raw",
    "jsonl_documents",
    "read_bytes",
    "read_item",
    "read_jsonl",
    "read_lines",
    "read_path",
    "read_record",
    "read_xml",
    "record_to_document",
]
