"""Inputs cut into shards for an engine that runs batches on other machines (``--dask``).

A shard is a list of batches, each of ``batch_size`` inputs as ``--jobs`` cuts them (so the
documents of a batch, processed together, are the same whatever the engine): runs of small
files, which travel as names (:class:`~toolkit.io.readers.Source` for local paths,
:class:`~toolkit.io.objectstore.RemoteFile` for URLs) and are read where they are processed;
runs of ``batch_size`` records of a large JSONL file (:class:`Lines`: a byte range and the
number of its first line, found by reading the file once here); batches of the documents of
another large file (a feed), read here. Consecutive batches are grouped up to a number of
batches and of input bytes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Any

from .batch import WORKER_READ_BYTES
from .document import Document
from .errors import ConfigError, InputError
from .inputs import jsonl_documents
from .io.objectstore import RemoteFile, filesystem, is_url, list_inputs, local_path, read_remote
from .io.readers import ReadOptions, Source, iter_sources, read_source
from .pipeline import chunks
from .report import RunReport

#: Batches in one shard, at most.
SHARD_BATCHES = 2
#: Input bytes in one shard, at most (a shard holds at least one batch).
SHARD_BYTES = 16 << 20
JSONL_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True, slots=True)
class Lines:
    """A run of records of a JSONL file: bytes ``start`` to ``end``, the first on line ``first_line``."""

    location: str  # a local path or a URL
    display: str
    start: int
    end: int
    first_line: int


#: What a shard holds.
Item = Source | RemoteFile | Lines | Document


def _open(location: str, storage_options: Mapping[str, Any] | None) -> Any:
    path = local_path(location)
    if path is not None:
        return open(path, "rb")
    fs, inner = filesystem(location, storage_options)
    return fs.open(inner, "rb")


def read_lines(item: Lines, storage_options: Mapping[str, Any] | None = None) -> Iterator[Document]:
    """The documents of a run of JSONL records, named ``FILE:LINE`` as a whole-file read names
    them; a bad record fails alone, a run that cannot be read fails as one document."""
    try:
        with _open(item.location, storage_options) as fh:
            fh.seek(item.start)
            data = fh.read(item.end - item.start)
        text = data.decode("utf-8-sig" if item.start == 0 else "utf-8")
    except UnicodeDecodeError as exc:
        where = f"{item.display}:{item.first_line}"
        error = InputError(f"JSONL must be UTF-8 (invalid byte at {item.start + exc.start})", path=item.display)
        yield Document.failed_input(where, error)
        return
    except (OSError, ConfigError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        yield Document.failed_input(item.display, InputError(f"cannot read: {reason}", path=item.display))
        return
    yield from jsonl_documents(text, item.display, item.first_line)


def jsonl_runs(
    location: str, display: str, records: int, storage_options: Mapping[str, Any] | None = None
) -> Iterator[Lines]:
    """A JSONL file cut into runs of ``records`` records (blank lines are not records), read
    once from start to end to number the lines. No run at all for a file with no record."""
    with _open(location, storage_options) as fh:
        start = offset = 0
        first = line = 1
        count = 0
        for raw in fh:
            if raw.strip():
                if count == 0:
                    start, first = offset, line
                count += 1
            offset += len(raw)
            line += raw.endswith(b"\n")
            if count >= records:
                yield Lines(location, display, start, offset, first)
                count = 0
        if count:
            yield Lines(location, display, start, offset, first)


def _size(item: Source | RemoteFile) -> int | None:
    if isinstance(item, RemoteFile):
        return item.size
    if item.path is None:
        return None  # stdin
    try:
        return os.stat(item.path).st_size
    except OSError:
        return 0  # the worker says why it cannot be read


def _suffix(item: Source | RemoteFile) -> str:
    name = item.url if isinstance(item, RemoteFile) else (item.path or "")
    return PurePosixPath(name).suffix.lower()


def batches(
    sources: Iterable[Source | RemoteFile],
    size: int,
    options: ReadOptions,
    report: RunReport,
    storage_options: Mapping[str, Any] | None = None,
) -> Iterator[tuple[list[Item], int]]:
    """(batch, its input bytes) in input order: runs of ``size`` small files, runs of ``size``
    records of a large JSONL file, batches of ``size`` documents of another large file (read
    here). Unsupported files are counted in ``report``."""
    files: list[Item] = []
    held = 0
    for source in sources:
        if not source.supported:
            report.ignored.append(source.display)
            continue
        nbytes = _size(source)
        if nbytes is not None and nbytes <= WORKER_READ_BYTES:
            files.append(source)
            held += nbytes
            if len(files) >= size:
                yield files, held
                files, held = [], 0
            continue
        if files:
            yield files, held
            files, held = [], 0
        location = source.url if isinstance(source, RemoteFile) else source.path
        if location is not None and _suffix(source) in JSONL_SUFFIXES:
            yield from _jsonl_batches(source, location, size, storage_options)
            continue
        docs = read_remote(source, options, storage_options) if isinstance(source, RemoteFile) else None
        for chunk in chunks(docs if docs is not None else read_source(source, options), size):
            yield list(chunk), sum(len(d.raw) for d in chunk)
    if files:
        yield files, held


def _jsonl_batches(
    source: Source | RemoteFile, location: str, size: int, storage_options: Mapping[str, Any] | None
) -> Iterator[tuple[list[Item], int]]:
    """The runs of a large JSONL file as batches; a file with no record, or one this process
    cannot read, goes whole to a worker, which reports why (the rest of a file that stops
    reading half-way fails as one document)."""
    sent = False
    try:
        for run in jsonl_runs(location, source.display, size, storage_options):
            sent = True
            yield [run], run.end - run.start
    except Exception as exc:  # OSError, or a file system's own errors
        if sent:
            reason = getattr(exc, "strerror", None) or str(exc)
            error = InputError(f"cannot read the rest of the file: {reason}", path=source.display)
            yield [Document.failed_input(source.display, error)], 0
            return
    if not sent:
        yield [source], 0


def shards(
    batched: Iterable[tuple[list[Item], int]], *, max_batches: int = SHARD_BATCHES, max_bytes: int = SHARD_BYTES
) -> Iterator[list[list[Item]]]:
    """Consecutive batches grouped into shards of at most ``max_batches`` batches and
    ``max_bytes`` input bytes (at least one batch each)."""
    shard: list[list[Item]] = []
    held = 0
    for batch, nbytes in batched:
        if shard and (len(shard) >= max_batches or held + nbytes > max_bytes):
            yield shard
            shard, held = [], 0
        shard.append(batch)
        held += nbytes
    if shard:
        yield shard


def sources(
    inputs: Sequence[str], exclude: str | None, storage_options: Mapping[str, Any] | None
) -> Iterator[Source | RemoteFile]:
    """The files of ``inputs`` in order: local paths, globs, ``-`` and ``file://`` URLs as
    :class:`~toolkit.io.readers.Source` (consecutive ones listed together, each file once),
    other URLs as :class:`~toolkit.io.objectstore.RemoteFile`; the output location ``exclude``
    is never read as input."""
    local: list[str] = []
    skip = exclude.rstrip("/") + "/" if exclude and is_url(exclude) else None
    for item in [*inputs, None]:
        path = local_path(item) if item is not None else None
        if item is not None and path is not None:
            local.append(path)
            continue
        if local:
            # a worker's current folder is not the driver's: it gets absolute paths (the names shown stay as given)
            for source in iter_sources(local, exclude=[out] if (out := exclude and local_path(exclude)) else []):
                yield source if source.path is None else replace(source, path=os.path.abspath(source.path))
            local = []
        if item is not None:
            for remote in list_inputs(item, storage_options):
                if skip is None or not remote.url.startswith(skip):
                    yield remote


__all__ = [
    "JSONL_SUFFIXES",
    "SHARD_BATCHES",
    "SHARD_BYTES",
    "Item",
    "Lines",
    "batches",
    "jsonl_runs",
    "read_lines",
    "shards",
    "sources",
]
