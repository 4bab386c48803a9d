"""Sinks: where rendered outputs go. A sink writes, and returns only when what it wrote is durable.

A sink is the only part of the toolkit that writes outputs. Formats render (they never
write); a :class:`~toolkit.worker.Worker` renders a batch, hands it to its sink, and reports
the batch's documents as done only after :meth:`Sink.write_batch` returned, so an engine can
acknowledge its messages (commit Kafka offsets, XACK a Redis stream) right after.

A sink also answers what it already holds, for the two questions of idempotent output:

* :meth:`Sink.lookup`: the bytes of earlier outputs by name (the previous version of a story,
  which the format settles versions against);
* :meth:`Sink.done`: whether a document (its id, the configuration's fingerprint and the
  digest of its input) was completely written before (``--resume``, duplicates in ``watch``);

and :meth:`Sink.lock` serialises writers of the same stories (two versions of one story
processed at once by two workers never write out of order).

Built in:

* :class:`FolderSink`: an output folder (atomic, staged, durable, journalled; see below);
* :class:`MemorySink`: a mapping (a dict, or any ``MutableMapping`` such as a key-value store
  client); with no mapping the outputs only travel back in the results;
* :class:`StreamSink`: a binary stream (stdout), flushed per batch.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Callable, Collection, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from ..errors import OutputError, os_reason
from ..formats import OutputFile
from .journal import DoneJournal
from .writers import (
    MANIFEST_DIR,
    discard,
    fsync_dir,
    make_durable,
    move_into_place,
    os_error,
    same_device,
    stage_file,
    sweep_staging,
    sweep_temp_files,
)


@dataclass(slots=True)
class SinkEntry:
    """The outputs of one document, handed to a sink."""

    doc_id: str
    source: str | None
    story: str
    files: list[OutputFile]  # every output of the document; those with ``changed`` are (re)written
    digest: str | None = None  # digest of the input (what ``done`` compares)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.files]


@runtime_checkable
class Sink(Protocol):
    """Where a worker's outputs go (see the module documentation)."""

    #: Whether results should carry the outputs' bytes (a sink that keeps nothing readable
    #: elsewhere, such as a memory sink without a mapping).
    returns_data: bool

    def open(self) -> None:
        """Get ready to write (once per process): create what is missing, clear what writers
        that died left behind."""

    def lookup(self, names: Sequence[str]) -> Mapping[str, bytes]:
        """The earlier outputs among ``names`` (name -> bytes)."""

    def lock(self, stories: Collection[str]) -> contextlib.AbstractContextManager[None]:
        """Hold off other writers of these stories until the block ends."""

    def done(self, doc_id: str, digest: str | None) -> tuple[str, ...] | None:
        """The outputs of a document completely written before with this configuration, else None."""

    def write_batch(self, entries: list[SinkEntry]) -> list[OutputError | None]:
        """Write the changed files of every entry; return when they are durable, one result per
        entry (None, or the error that kept that entry from being written)."""

    def close(self) -> None:
        """Flush and release what the sink holds (once per process)."""


def _stripe(story: str) -> int:
    """The byte of the lock file that stands for ``story`` (2**31 stripes: two stories share
    one only by a hash collision, which costs a wait, never a wrong result)."""
    return int.from_bytes(hashlib.blake2b(story.encode("utf-8", "surrogatepass"), digest_size=4).digest()) >> 1


def check_relative(name: str) -> str:
    """``name`` when it stays inside the output folder, else an :class:`OutputError`."""
    if name not in ("", ".", "..") and not any(sep in name for sep in "/\\:"):
        return name  # one plain component (the usual case): nothing to resolve
    parts = Path(name).parts
    if not parts or Path(name).is_absolute() or any(p in ("..", ".", "") for p in parts):
        raise OutputError(f"refusing to write outside the output directory: {name!r}")
    return name


class FolderSink:
    """Writes outputs into a folder and records each finished document in its journal.

    Every output is staged in a temporary file first (in ``.toolkit/tmp/PID``, a folder per
    process: creating a file locks its folder, which made ``--jobs`` workers wait for each
    other on slow file systems); the data of the whole batch is made durable with one
    file-system sync, then each file is renamed into place, and only then are the documents
    recorded as finished (one journal append for the batch, :mod:`.journal`). A record
    therefore never describes outputs that could still be lost, and no output is ever
    half-written. Files whose bytes are already there are not written again.

    Stories are locked with POSIX record locks on bytes of ``.toolkit/locks`` (one file, any
    number of stripes), which hold between processes on one machine and on NFS.
    """

    returns_data = False

    def __init__(self, root: str | os.PathLike[str], *, fingerprint: str = "", fsync: bool = True) -> None:
        self.root = Path(root)
        self.fingerprint = fingerprint
        self.fsync = fsync
        self._meta = self.root / MANIFEST_DIR
        self.journal = DoneJournal(self._meta / "done")
        self._staging_root = self._meta / "tmp"
        self._staging_folder: Path | None = None
        self._staging_pid = 0
        self._lock_fd: int | None = None
        self._lock_pid = 0

    # -- upkeep ---------------------------------------------------------------------------------

    def open(self) -> None:
        try:
            self.journal.folder.mkdir(parents=True, exist_ok=True)
            sweep_temp_files(self.root)
            sweep_temp_files(self.journal.folder)
            sweep_staging(self._staging_root)
        except OSError as exc:
            raise OutputError(f"cannot create the output directory: {os_reason(exc)}", path=str(self.root)) from None
        self.journal.compact()

    def close(self) -> None:
        """Remove the staging folders left empty by this process and by writers that have
        exited (the workers of a finished pool); let go of the lock file."""
        if self._staging_pid == os.getpid() and self._staging_folder is not None:
            with contextlib.suppress(OSError):
                os.rmdir(self._staging_folder)
            self._staging_pid = 0  # made again if this process writes more
        with contextlib.suppress(OSError):
            sweep_staging(self._staging_root)
            os.rmdir(self._staging_root)
        if self._lock_fd is not None and self._lock_pid == os.getpid():
            with contextlib.suppress(OSError):
                os.close(self._lock_fd)
        self._lock_fd = None
        self.journal.close()

    def _staging(self) -> Path | None:
        """This process's own folder for staged outputs (``.toolkit/tmp/PID``), or None to
        stage each output beside its target (when that folder cannot be made, or lies on
        another file system than the outputs, where a rename could not move the file)."""
        pid = os.getpid()
        if self._staging_pid != pid:  # once per process (a forked worker gets its own)
            folder = self._staging_root / str(pid)
            try:
                folder.mkdir(parents=True, exist_ok=True)
                same = same_device(folder, self.root)
            except OSError:
                same = False
            if not same:
                with contextlib.suppress(OSError):
                    folder.rmdir()
            self._staging_folder, self._staging_pid = (folder if same else None), pid
        return self._staging_folder

    # -- questions --------------------------------------------------------------------------------

    def lookup(self, names: Sequence[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for name in names:
            try:
                with open(self.root / check_relative(name), "rb") as fh:
                    found[name] = fh.read()
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                continue
            except OSError:
                continue  # unreadable: the format starts the versions again, the write says why if it fails
        return found

    def done(self, doc_id: str, digest: str | None = None) -> tuple[str, ...] | None:
        outputs = self.journal.outputs(doc_id, self.fingerprint, digest)
        if outputs is None or not all((self.root / n).is_file() for n in outputs):
            return None
        return outputs

    @contextlib.contextmanager
    def lock(self, stories: Collection[str]) -> Iterator[None]:
        if not stories:
            yield
            return
        fd = self._locks()
        if fd is None:  # no lock file (read-only folder): writing will fail and say why
            yield
            return
        stripes = sorted({_stripe(s) for s in stories})  # one order for every process: no deadlock
        taken: list[int] = []
        try:
            for stripe in stripes:
                fcntl.lockf(fd, fcntl.LOCK_EX, 1, stripe)
                taken.append(stripe)
            yield
        finally:
            for stripe in reversed(taken):
                with contextlib.suppress(OSError):
                    fcntl.lockf(fd, fcntl.LOCK_UN, 1, stripe)

    def _locks(self) -> int | None:
        pid = os.getpid()
        if self._lock_fd is None or self._lock_pid != pid:
            try:
                self._meta.mkdir(parents=True, exist_ok=True)
                self._lock_fd = os.open(
                    self._meta / "locks", os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666
                )
            except OSError:
                return None
            self._lock_pid = pid
        return self._lock_fd

    # -- writing ----------------------------------------------------------------------------------

    def write_batch(self, entries: list[SinkEntry]) -> list[OutputError | None]:
        results: list[OutputError | None] = []
        staged: list[list[tuple[str, Path]]] = []
        staging = self._staging()
        for entry in entries:
            temps: list[tuple[str, Path]] = []
            try:
                for out in entry.files:
                    if out.changed:
                        target = self.root / check_relative(out.name)
                        temps.append((stage_file(target, out.data, staging), target))
            except OutputError as exc:
                discard(temps)
                temps = []
                results.append(exc)
            else:
                results.append(None)
            staged.append(temps)
        try:
            if self.fsync:
                make_durable([tmp for temps in staged for tmp, _ in temps], self.root)
        except OutputError as exc:
            for temps in staged:
                discard(temps)
            return [exc] * len(entries)
        for i, temps in enumerate(staged):
            for n, (tmp, target) in enumerate(temps):
                try:
                    move_into_place(tmp, target)
                except OSError as exc:
                    discard(temps[n:])
                    results[i] = os_error(exc, target)
                    break
        if self.fsync and any(staged):
            fsync_dir(self.root)
        records = [
            (e.doc_id, e.source, self.fingerprint, e.names, e.digest)
            for e, r in zip(entries, results, strict=True)
            if r is None
        ]
        error = self.journal.record(records)  # no fsync: a lost record only means "do it again"
        if error is not None:
            results = [error if r is None else r for r in results]
        return results


@dataclass(slots=True)
class MemorySink:
    """Outputs into a mapping (name -> bytes): a dict, or a key-value store client. Without a
    mapping, outputs only travel back in the results (``Result.files``)."""

    store: MutableMapping[str, bytes] | None = None
    fingerprint: str = ""
    records: dict[str, tuple[str, tuple[str, ...], str | None]] = field(default_factory=dict)

    @property
    def returns_data(self) -> bool:  # type: ignore[override]
        return self.store is None

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def lookup(self, names: Sequence[str]) -> dict[str, bytes]:
        if self.store is None:
            return {}
        return {n: self.store[n] for n in names if n in self.store}

    def done(self, doc_id: str, digest: str | None = None) -> tuple[str, ...] | None:
        record = self.records.get(doc_id)
        if record is None or record[0] != self.fingerprint or (digest and record[2] and record[2] != digest):
            return None
        if self.store is not None and not all(n in self.store for n in record[1]):
            return None
        return record[1]

    def lock(self, stories: Collection[str]) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()

    def write_batch(self, entries: list[SinkEntry]) -> list[OutputError | None]:
        for entry in entries:
            if self.store is not None:
                for out in entry.files:
                    if out.changed:
                        self.store[out.name] = out.data
            self.records[entry.doc_id] = (self.fingerprint, tuple(entry.names), entry.digest)
        return [None] * len(entries)


class StreamSink:
    """Outputs written one after the other to a binary stream (stdout), flushed per batch.

    ``frame(entry, file)`` gives bytes written before each file (a record separator, a
    header naming the source); unchanged files are written too (a stream keeps nothing).
    """

    returns_data = False

    def __init__(self, stream: BinaryIO, frame: Callable[[SinkEntry, OutputFile], bytes] | None = None) -> None:
        self.stream = stream
        self.frame = frame

    def open(self) -> None:
        pass

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.stream.flush()

    def lookup(self, names: Sequence[str]) -> dict[str, bytes]:
        return {}

    def done(self, doc_id: str, digest: str | None) -> tuple[str, ...] | None:
        return None

    def lock(self, stories: Collection[str]) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()

    def write_batch(self, entries: list[SinkEntry]) -> list[OutputError | None]:
        try:
            for entry in entries:
                for out in entry.files:
                    if self.frame is not None:
                        self.stream.write(self.frame(entry, out))
                    self.stream.write(out.data)
            self.stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            return [OutputError(f"cannot write: {os_reason(exc)}", path="<stream>")] * len(entries)
        return [None] * len(entries)


__all__ = ["FolderSink", "MemorySink", "Sink", "SinkEntry", "StreamSink", "check_relative"]
