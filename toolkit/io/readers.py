"""Readers: input paths (files, directories, globs, ``-`` for stdin) -> Documents.

Reading never raises for a bad file: an unreadable input becomes a failed
:class:`~toolkit.document.Document` carrying a one-line error that names the file, so
one bad input never stops a batch. Only usage errors (a named path that does not exist,
a glob that matches nothing) raise :class:`~toolkit.errors.ConfigError`.

Readers are found by file suffix in :data:`READERS` (``"module:function"`` strings,
imported on first use). A reader is ``read(data: bytes, source: str, options) ->
Iterator[Document]``.
"""

from __future__ import annotations

import dataclasses
import glob
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..document import Document
from ..errors import ConfigError, InputError
from .decode import Decoded, decode, plausibility

Reader = Callable[[bytes, str, "ReadOptions"], Iterator[Document]]

#: suffix -> "module:function" of the reader for it.
READERS: dict[str, str] = {
    ".txt": "toolkit.io.readers:read_text",
    ".text": "toolkit.io.readers:read_text",
    ".html": "toolkit.io.readers:read_html",
    ".htm": "toolkit.io.readers:read_html",
    ".xhtml": "toolkit.io.readers:read_html",
    ".jsonl": "toolkit.inputs:read_jsonl",  # records: documents, ninjs items, text records
    ".ndjson": "toolkit.inputs:read_jsonl",
    ".json": "toolkit.feeds.ninjs:read_json",
    ".xml": "toolkit.inputs:read_xml",  # by root element: feeds, NewsML-G2 (toolkit.newsml.read), XHTML
    ".rss": "toolkit.feeds.rss:read_feed",
    ".atom": "toolkit.feeds.rss:read_feed",
}

#: File names never taken as input when walking a directory (documentation next to data).
IGNORED_NAMES = re.compile(r"^(readme|license|licence|copying|changelog|notice)(\..*)?$", re.IGNORECASE)

#: Inputs larger than this are refused (a safety net against runaway files).
MAX_INPUT_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ReadOptions:
    encoding: str | None = None  # force an encoding for text and HTML inputs
    max_bytes: int = MAX_INPUT_BYTES
    origin: str | None = None  # path of the file being read (set by read_source; None for stdin)
    whole_folder: bool = False  # every file of the origin's folder is read in this run (a directory walk)


@dataclass(frozen=True, slots=True)
class Source:
    """One input: a file path, or stdin (``path is None``)."""

    path: str | None
    display: str
    supported: bool = True  # False: a file met in a directory walk that no reader handles
    walked: bool = False  # met in a directory walk or a glob: its folder is read as a whole

    @property
    def is_stdin(self) -> bool:
        return self.path is None


# -- finding inputs ----------------------------------------------------------------------------


def _has_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def _supported(path: str) -> bool:
    return Path(path).suffix.lower() in READERS


def iter_sources(inputs: Iterable[str], *, exclude: Iterable[str | os.PathLike[str]] = ()) -> Iterator[Source]:
    """Expand inputs into sources: directories are walked (sorted, hidden entries
    skipped), globs expanded, ``-`` is stdin. ``exclude`` lists directories to leave out
    (such as the output directory)."""
    excluded = {os.path.realpath(p) for p in exclude}
    seen: set[str] = set()
    for item in inputs:
        if item == "-":
            yield Source(None, "<stdin>")
            continue
        if os.path.isdir(item):
            yield from _walk(item, excluded, seen)
        elif os.path.exists(item):
            real = os.path.realpath(item)
            if real not in seen:
                seen.add(real)
                yield Source(item, item)
        elif _has_glob(item):
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise ConfigError(f"no input matches {item!r}")
            for match in matches:
                if os.path.isdir(match):
                    yield from _walk(match, excluded, seen)
                else:
                    real = os.path.realpath(match)
                    if real not in seen:
                        seen.add(real)
                        yield Source(match, match, _supported(match), walked=True)
        else:
            raise ConfigError(f"input not found: {item}")


def _walk(root: str, excluded: set[str], seen: set[str]) -> Iterator[Source]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and os.path.realpath(os.path.join(dirpath, d)) not in excluded
        )
        for name in sorted(filenames):
            if name.startswith(".") or IGNORED_NAMES.match(name) or name == "failures.jsonl":
                continue
            path = os.path.join(dirpath, name)
            real = os.path.realpath(path)
            if real in seen or not os.path.isfile(path):
                continue
            seen.add(real)
            yield Source(path, path, _supported(path), walked=True)


# -- reading ----------------------------------------------------------------------------------------


def _load_reader(target: str) -> Reader:
    from ..registry import _import_target

    return _import_target(target)  # type: ignore[no-any-return]


def read_source(
    source: Source, options: ReadOptions | None = None, *, stdin: BinaryIO | None = None
) -> Iterator[Document]:
    """Read one source into documents; failures become failed documents."""
    options = options or ReadOptions()
    if source.path is not None:
        options = dataclasses.replace(options, origin=source.path, whole_folder=source.walked)
    try:
        data = _read_bytes(source, options, stdin)
        if source.is_stdin:
            reader = sniff_reader(data)
        else:
            assert source.path is not None
            target = READERS.get(Path(source.path).suffix.lower())
            reader = _load_reader(target) if target else sniff_reader(data)
        yield from reader(data, source.display, options)
    except InputError as exc:
        if exc.path is None:
            exc.path = source.display
        yield Document.failed_input(source.display, exc)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        yield Document.failed_input(source.display, InputError(f"cannot read: {reason}", path=source.display))
    except Exception as exc:  # a reader's bug must not kill the batch: reported as an internal error
        yield Document.failed_input(source.display, exc)


def read_inputs(
    inputs: Iterable[str],
    options: ReadOptions | None = None,
    *,
    exclude: Iterable[str | os.PathLike[str]] = (),
    stdin: BinaryIO | None = None,
) -> Iterator[Document]:
    """All documents from the given inputs, lazily (unsupported files are skipped)."""
    for source in iter_sources(inputs, exclude=exclude):
        if source.supported:
            yield from read_source(source, options, stdin=stdin)


def _read_bytes(source: Source, options: ReadOptions, stdin: BinaryIO | None) -> bytes:
    if source.is_stdin:
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = stream.read(options.max_bytes + 1)
    else:
        assert source.path is not None
        with open(source.path, "rb") as fh:
            data = fh.read(options.max_bytes + 1)
    if len(data) > options.max_bytes:
        raise InputError(f"input larger than {options.max_bytes // (1024 * 1024)} MiB", path=source.display)
    return data


def read_source_bytes(source: Source, options: ReadOptions, stdin: BinaryIO | None = None) -> bytes:
    """The bytes of one source, within the size limit (for readers of other shapes than documents)."""
    return _read_bytes(source, options, stdin)


def sniff_reader(data: bytes) -> Reader:
    """Choose a reader from the content (stdin, files with an unknown suffix)."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"{"):
        return _load_reader("toolkit.inputs:read_jsonl" if _looks_like_jsonl(data) else "toolkit.feeds.ninjs:read_json")
    if head.startswith((b"<!doctype html", b"<html")):
        return read_html
    # Specific sniffers before the loose HTML test: a NewsML-G2 item carries XHTML <p>s.
    for prefix, target in SNIFFERS:
        if re.search(prefix, head):
            return _load_reader(target)
    if re.search(rb"<(html|body|head|p|div|article)[\s>]", head):
        return read_html
    return read_text


#: (regex on the first bytes, lower-cased, "module:function"): extra content sniffers added by other
#: readers, tried in order before the loose HTML test (a NewsML-G2 item carries XHTML <p>s).
SNIFFERS: list[tuple[bytes, str]] = [
    (rb"<(?:[a-z0-9_.\-]+:)?(?:newsitem|packageitem|newsmessage)[\s>]", "toolkit.newsml.read:read_newsml"),
    (rb"^(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(rss|feed|rdf:rdf)[\s>]", "toolkit.feeds.rss:read_feed"),
    (rb"^(<\?xml[^>]*>\s*)", "toolkit.inputs:read_xml"),
    (rb"^\[\s*\{", "toolkit.feeds.ninjs:read_json"),
]


def _looks_like_jsonl(data: bytes) -> bool:
    for line in data.splitlines()[:5]:
        line = line.strip()
        if not line:
            continue
        try:
            if not isinstance(json.loads(line), dict):
                return False
        except ValueError:
            return False
    return True


def _decode(data: bytes, source: str, options: ReadOptions) -> Decoded:
    return decode(data, encoding=options.encoding, path=source)


def _document(decoded: Decoded, source: str, raw_format: str) -> Document:
    doc = Document.from_text(
        decoded.text,
        source=source,
        raw_format=raw_format,  # type: ignore[arg-type]
        encoding=decoded.encoding,
    )
    for message in decoded.warnings:
        doc.warn("encoding", message, processor="read")
    return doc


def read_text(data: bytes, source: str, options: ReadOptions) -> Iterator[Document]:
    """A plain-text page: one document."""
    yield _document(_decode(data, source, options), source, "text")


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)


def decode_html(data: bytes, source: str, options: ReadOptions) -> Decoded:
    """Decode an HTML page, taking its declared charset into account (but checking it)."""
    if options.encoding:
        return decode(data, encoding=options.encoding, path=source)
    decoded = decode(data, path=source)
    if decoded.encoding in ("utf-8", "utf-8-sig", "utf-16", "utf-32", "utf-16-le", "utf-16-be"):
        return decoded
    match = _META_CHARSET.search(data[:4096])
    if match:
        import codecs

        try:
            declared = codecs.lookup(match.group(1).decode("ascii")).name
            text = data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            return decoded
        # Pages labelled windows-1252 are often Turkish cp1254: keep the better reading.
        if plausibility(text[:65536]) >= plausibility(decoded.text[:65536]):
            return Decoded(text, declared)
    return decoded


def read_html(data: bytes, source: str, options: ReadOptions) -> Iterator[Document]:
    """An HTML page: one document (text extraction is the cleaner's job)."""
    yield _document(decode_html(data, source, options), source, "html")


__all__ = [
    "READERS",
    "SNIFFERS",
    "ReadOptions",
    "Source",
    "decode_html",
    "iter_sources",
    "read_data",
    "read_html",
    "read_inputs",
    "read_source",
    "read_source_bytes",
    "read_text",
    "sniff_reader",
]


def read_data(data: bytes, name: str, options: ReadOptions, fmt: str | None = None) -> Iterator[Document]:
    """Read bytes that came from somewhere else than a file (a message, a request body) into
    documents; ``fmt`` is a reader suffix (``"html"``, ``".xml"``), else ``name``'s suffix
    chooses the reader, else the content. Failures become failed documents."""
    try:
        if len(data) > options.max_bytes:
            raise InputError(f"input larger than {options.max_bytes // (1024 * 1024)} MiB", path=name)
        suffix = ("." + fmt.lstrip(".").lower()) if fmt else Path(name).suffix.lower()
        if fmt and suffix not in READERS:
            known = ", ".join(sorted(s.lstrip(".") for s in READERS))
            raise ConfigError(f"unknown input format {fmt!r} (known: {known})")
        target = READERS.get(suffix)
        reader = _load_reader(target) if target else sniff_reader(data)
        yield from reader(data, name, options)
    except InputError as exc:
        if exc.path is None:
            exc.path = name
        yield Document.failed_input(name, exc)
    except ConfigError:
        raise
    except Exception as exc:  # a reader's bug must not kill the batch: reported as an internal error
        yield Document.failed_input(name, exc)
