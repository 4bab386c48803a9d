"""Inputs and outputs on any fsspec file system: object stores (``s3://``, ``gs://``, ``az://``),
``memory://``, ``file://``; what a cluster uses, since its workers share no folder.

* :func:`is_url`, :func:`local_path`: a URL, and the local path a ``file://`` URL stands for
  (local paths keep every feature of the folder sink: staged renames, fsync, story locks).
* :func:`list_inputs`: the files of input URLs (a file, a "folder" prefix walked like a
  directory, a glob), with their sizes, as :class:`RemoteFile`.
* :func:`read_remote`: the documents of one :class:`RemoteFile`, read on the worker (never raises).
* :class:`ObjectStoreSink`: a :class:`~toolkit.io.sinks.Sink` on a file system with no rename:
  one put per object, which an object store makes visible whole or not at all, so no output is
  ever half-written without staging. The resume journal is :class:`ObjectJournal`: one
  object per written batch (object stores cannot append), read back like the folder journal.

fsspec (``pip install 'toolkit[dask]'``) is imported only when one of these is used.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ..document import Document
from ..errors import ConfigError, InputError, OutputError
from .journal import COMPACT_AFTER, JOURNAL_SUFFIX, DoneJournal, Entry, Record, _line, _record
from .readers import IGNORED_NAMES, READERS, ReadOptions, read_data
from .sinks import SinkEntry, check_relative

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
#: ``.toolkit`` of the output, as in a folder sink.
META = ".toolkit"

#: What to install for URLs.
INSTALL_HINT = "pip install 'toolkit[dask]'"


def is_url(value: str | os.PathLike[str]) -> bool:
    """Whether ``value`` is a URL (``scheme://...``, or a chained fsspec URL ``a::b://...``)."""
    text = os.fspath(value)
    return bool(_SCHEME.match(text)) or ("::" in text and "://" in text)


def local_path(value: str) -> str | None:
    """The local path ``value`` names: a plain path, or a ``file://`` / ``local://`` URL; None for other URLs."""
    if not is_url(value):
        return value
    for scheme in ("file://", "local://"):
        if value.startswith(scheme):
            return value[len(scheme) :] or "/"
    return None


def filesystem(url: str, storage_options: Mapping[str, Any] | None = None) -> tuple[Any, str]:
    """(fsspec file system, path in it) for ``url``; a usage error when fsspec or the file
    system's own package is missing, or the protocol is unknown."""
    try:
        from fsspec.core import url_to_fs
    except ImportError:
        raise ConfigError(f"URL inputs and outputs need fsspec: {INSTALL_HINT}") from None
    options = dict(storage_options or {})
    if local_path(url) is not None:
        options.setdefault("auto_mkdir", True)  # a put makes its folder, as an object store needs none
    try:
        return url_to_fs(url, **options)
    except ImportError as exc:  # e.g. s3fs for s3://
        raise ConfigError(f"{url}: {exc}") from None
    except ValueError as exc:  # unknown protocol
        raise ConfigError(f"{url}: {exc}") from None


def _join(root: str, name: str) -> str:
    return f"{root.rstrip('/')}/{name}" if root else name


# -- inputs -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RemoteFile:
    """One input file on a file system named by URL (read by the worker that gets it)."""

    url: str
    size: int | None = None
    supported: bool = True  # False: met in a walk, no reader for its suffix

    @property
    def display(self) -> str:
        return self.url


def _supported(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() in READERS


def list_inputs(url: str, storage_options: Mapping[str, Any] | None = None) -> Iterator[RemoteFile]:
    """The files of an input URL, sorted: the file itself, every file under a folder prefix
    (hidden names, README/LICENSE files and ``failures.jsonl`` left out, as in a local walk), or
    the matches of a glob. A URL that names nothing is a usage error."""
    fs, path = filesystem(url, storage_options)
    if any(ch in path for ch in "*?["):
        found = fs.glob(path, detail=True)
        if not found:
            raise ConfigError(f"no input matches {url!r}")
        walked = True
    elif fs.isdir(path):
        found, walked = fs.find(path, detail=True), True
    elif fs.isfile(path):
        found, walked = {path: fs.info(path)}, False
    else:
        raise ConfigError(f"input not found: {url}")
    for name, info in sorted(found.items()):
        if info.get("type") == "directory":
            continue
        base = PurePosixPath(name).name
        if walked and (base.startswith(".") or IGNORED_NAMES.match(base) or base == "failures.jsonl"):
            continue
        if walked and any(part.startswith(".") for part in PurePosixPath(name).parts[:-1]):
            continue  # inside a hidden "folder" (an output's .toolkit among them)
        yield RemoteFile(fs.unstrip_protocol(name), info.get("size"), _supported(name) or not walked)


def read_remote(
    item: RemoteFile, options: ReadOptions, storage_options: Mapping[str, Any] | None = None
) -> Iterator[Document]:
    """The documents of a remote file (a failed document, naming it, when it cannot be read)."""
    try:
        fs, path = filesystem(item.url, storage_options)
        with fs.open(path, "rb") as fh:
            data = fh.read(options.max_bytes + 1)  # read_data refuses what is over the limit
    except ConfigError as exc:
        yield Document.failed_input(item.url, InputError(str(exc), path=item.url))
        return
    except Exception as exc:  # network, permissions, a file gone since it was listed
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        yield Document.failed_input(item.url, InputError(f"cannot read: {reason}", path=item.url))
        return
    yield from read_data(data, item.url, options)


# -- outputs ----------------------------------------------------------------------------------------


class ObjectJournal(DoneJournal):
    """The resume journal on an object store: each recorded batch is one new object
    ``<writer>-<n>.jsonl`` in ``.toolkit/done/`` (no appends there), holding the same lines as a
    folder journal; lookups read the objects (new ones again on a miss, at most every second,
    as the folder journal does). :meth:`compact` merges them into one, from one process (the
    run's driver): objects are never changed, so a merge can only leave a record twice."""

    def __init__(self, fs: Any, folder: str) -> None:
        super().__init__(folder)
        self.fs = fs
        self.root = folder
        self._writer = f"{os.getpid()}.{os.urandom(6).hex()}"
        self._count = 0

    def record(self, entries: list[Entry]) -> OutputError | None:
        if not entries:
            return None
        stamp = time.time_ns()
        data = "".join(_line(d, s, f, o, stamp, g) for d, s, f, o, g in entries).encode("ascii")
        if self._writer.split(".", 1)[0] != str(os.getpid()):  # a forked copy: a writer name of its own
            self._writer = f"{os.getpid()}.{os.urandom(6).hex()}"
        self._count += 1
        name = _join(self.root, f"{self._writer}-{self._count:08d}{JOURNAL_SUFFIX}")
        try:
            self.fs.pipe_file(name, data)
        except Exception as exc:
            return OutputError(f"cannot record finished documents: {exc}", path=name)
        if self._index is not None:
            for doc_id, _, fingerprint, outputs, digest in entries:
                self._index[doc_id] = (stamp, fingerprint, tuple(outputs), digest)
        return None

    def close(self) -> None:
        pass

    def _files(self) -> list[str]:
        try:
            listed = self.fs.ls(self.root, detail=False)
        except (FileNotFoundError, OSError):
            return []
        names = [PurePosixPath(p).name for p in listed]
        return sorted(n for n in names if n.endswith(JOURNAL_SUFFIX))

    def _read(self, path: Any, start: int = 0) -> tuple[list[Record], int]:  # type: ignore[override]
        if start > 0:
            return [], start  # an object never grows: read once
        name = _join(self.root, PurePosixPath(str(path)).name)
        try:
            data = self.fs.cat_file(name)
        except (FileNotFoundError, OSError):
            return [], 0
        records = []
        for raw in data.splitlines():
            with contextlib.suppress(ValueError):
                rec = _record(json.loads(raw))
                if rec is not None:
                    records.append(rec)
        return records, max(1, len(data))

    def compact(self) -> int:
        """Merge the journal objects into one once there are more than ``COMPACT_AFTER``;
        return how many were merged. Call it from one process, before workers write."""
        names = self._files()
        if len(names) <= COMPACT_AFTER:
            return 0
        latest = self._latest(names)
        lines = "".join(_line(d, s, fp, outs, stamp, g) for stamp, d, fp, outs, s, g in latest.values())
        merged = f"{self._writer}-m{time.time_ns()}{JOURNAL_SUFFIX}"
        try:
            self.fs.pipe_file(_join(self.root, merged), lines.encode("ascii"))
        except Exception:
            return 0  # upkeep only
        with contextlib.suppress(Exception):
            self.fs.rm([_join(self.root, n) for n in names])
        self._index = None
        return len(names)


class ObjectStoreSink:
    """Outputs on an fsspec file system (an object store): one put per output object.

    A put is atomic on an object store (the object appears whole or not at all), so nothing is
    staged or renamed; ``write_batch`` returns when every put of the batch has returned (an
    object store acknowledges a put once it is durable), and only then records the batch in the
    journal (:class:`ObjectJournal`). Earlier versions are looked up by reading the objects.

    Story locks: an object store has none. ``locker`` (a callable taking the story keys and
    returning a context manager) can provide them; by default stories are locked within this
    process only, so two processes writing versions of one story at the same moment may write
    them out of order (see the README's cluster section).
    """

    returns_data = False

    def __init__(
        self,
        url: str,
        *,
        fingerprint: str = "",
        storage_options: Mapping[str, Any] | None = None,
        locker: Callable[[Collection[str]], contextlib.AbstractContextManager[None]] | None = None,
    ) -> None:
        self.url = url
        self.fingerprint = fingerprint
        self.storage_options = dict(storage_options or {})
        self.locker = locker
        self._fs: Any = None
        self._root = ""
        self._journal: ObjectJournal | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "fingerprint": self.fingerprint,
            "storage_options": self.storage_options,
            "locker": self.locker,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(  # type: ignore[misc]
            state["url"],
            fingerprint=state["fingerprint"],
            storage_options=state["storage_options"],
            locker=state["locker"],
        )

    @property
    def fs(self) -> Any:
        if self._fs is None:
            self._fs, self._root = filesystem(self.url, self.storage_options)
            self._root = self._root.rstrip("/")
        return self._fs

    @property
    def journal(self) -> ObjectJournal:
        if self._journal is None:
            self._journal = ObjectJournal(self.fs, _join(self._root, f"{META}/done"))
        return self._journal

    def path(self, name: str) -> str:
        self.fs  # noqa: B018  (sets the root)
        return _join(self._root, check_relative(name))

    def open(self) -> None:
        try:
            self.fs.makedirs(self._root, exist_ok=True)  # a no-op on object stores
        except ConfigError:
            raise
        except Exception as exc:
            raise OutputError(f"cannot create the output location: {exc}", path=self.url) from None

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()

    def compact(self) -> int:
        """Merge the journal's objects (from one process, before a run's workers write)."""
        return self.journal.compact()

    def lookup(self, names: Sequence[str]) -> dict[str, bytes]:
        paths: dict[str, str] = {}
        for name in names:
            with contextlib.suppress(OutputError):
                paths[self.fs._strip_protocol(self.path(name))] = name
        if not paths:
            return {}
        try:
            found = self.fs.cat(list(paths), on_error="omit")
        except Exception:
            return {}  # unreadable: the format starts the versions again, the write says why if it fails
        return {paths[p]: data for p, data in found.items() if p in paths}

    def done(self, doc_id: str, digest: str | None = None) -> tuple[str, ...] | None:
        outputs = self.journal.outputs(doc_id, self.fingerprint, digest)
        if outputs is None:
            return None
        try:
            if not all(self.fs.exists(self.path(n)) for n in outputs):
                return None
        except Exception:
            return None
        return outputs

    def lock(self, stories: Collection[str]) -> contextlib.AbstractContextManager[None]:
        if self.locker is not None:
            return self.locker(stories)
        return self._lock

    def write_batch(self, entries: list[SinkEntry]) -> list[OutputError | None]:
        results: list[OutputError | None] = []
        for entry in entries:
            error: OutputError | None = None
            for out in entry.files:
                if not out.changed:
                    continue
                try:
                    self.fs.pipe_file(self.path(out.name), out.data)
                except OutputError as exc:
                    error = exc
                except Exception as exc:
                    error = OutputError(f"cannot write: {exc}", path=_join(self.url, out.name))
                if error is not None:
                    break
            results.append(error)
        records = [
            (e.doc_id, e.source, self.fingerprint, e.names, e.digest)
            for e, r in zip(entries, results, strict=True)
            if r is None
        ]
        error = self.journal.record(records)
        if error is not None:
            results = [error if r is None else r for r in results]
        return results

    # -- small files of the run (failures.jsonl, the engine's own records) ----------------------

    def put(self, name: str, data: bytes) -> None:
        self.fs.pipe_file(self.path(name), data)

    def remove(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm(self.path(name))


def iter_inputs(urls: Iterable[str], storage_options: Mapping[str, Any] | None = None) -> Iterator[RemoteFile]:
    """:func:`list_inputs` of each URL, in order, each file once."""
    seen: set[str] = set()
    for url in urls:
        for item in list_inputs(url, storage_options):
            if item.url not in seen:
                seen.add(item.url)
                yield item


__all__ = [
    "INSTALL_HINT",
    "ObjectJournal",
    "ObjectStoreSink",
    "RemoteFile",
    "filesystem",
    "is_url",
    "iter_inputs",
    "list_inputs",
    "local_path",
    "read_remote",
]
