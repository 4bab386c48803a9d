"""A drop-folder service: files dropped into an inbox come out as outputs, exactly once.

Layout (defaults; ``processed`` and ``failed`` can live elsewhere)::

    INBOX/               files are dropped here (top level only)
    INBOX/.work/ID/      files claimed by the watcher instance ID (ID.lock is held while it runs)
    INBOX/processed/     inputs whose documents were all written (or were duplicates)
    INBOX/failed/        inputs with at least one failed document, each with NAME.error.json beside it

How an item is never lost and never emitted twice:

* **Claim** by renaming the file into the instance's work folder: a rename is atomic, so two
  watchers on one inbox never process the same file.
* **Stable files only**: a file is taken once its size and modification time have not changed
  for ``settle`` seconds; temporary names (``.*``, ``*.part``, ``*.tmp``, ``*~``, ...) are left alone.
* **Outputs** are written atomically, named by guid/id + language, and the document is
  recorded as finished last (the output folder's journal, :mod:`toolkit.io.journal`). A
  document recorded with all its outputs present is a duplicate: an identical re-delivery
  produces no new output.
* **Crash recovery**: each instance holds an ``flock`` on ``.work/ID.lock``. At start (and on
  every scan) a watcher adopts the work folders whose lock is free (their owner died) and
  finishes those files first. Because outputs are idempotent, redoing a file that was
  half-done gives exactly the outputs of an uninterrupted run.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import logging
import os
import re
import signal
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .document import Document
from .errors import ConfigError, OutputError, os_reason, printable
from .io.readers import FOLLOW_LINKS_HINT, ReadOptions, Source, is_within, read_source
from .io.writers import atomic_write
from .pipeline import PipelineSpec
from .report import IDEMPOTENT, PARTIAL
from .text import json_dumps
from .worker import OutputSpec, Result, Worker

log = logging.getLogger(__name__)

WORK_DIR = ".work"
TEMP_NAME = re.compile(r"^[.~]|(\.(part|partial|tmp|temp|crdownload|download|swp|filepart|inprogress)|~)$", re.I)


@dataclass(slots=True)
class Stats:
    files: int = 0
    documents: int = 0
    ok: int = 0
    failed: int = 0
    duplicates: int = 0
    skipped: int = 0
    stuck: int = 0  # files processed but not moved out of the work folder (see Watcher._finish)
    partial: int = 0  # documents written with a requested translation missing
    started: float = field(default_factory=time.monotonic)

    def as_dict(self) -> dict[str, Any]:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        return {
            "files": self.files,
            "documents": self.documents,
            "ok": self.ok,
            "failed": self.failed,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "stuck": self.stuck,
            "partial": self.partial,
            "rate": round(self.documents / elapsed, 2),
        }


@dataclass(slots=True)
class Scan:
    """One look at the top of an inbox: which files may be taken, which wait, and why."""

    ready: list[Path] = field(default_factory=list)  # complete by every test: may be claimed now
    settling: list[Path] = field(default_factory=list)  # changed within the settle time (or first seen)
    writing: list[Path] = field(default_factory=list)  # still open for writing by some process
    unmarked: list[Path] = field(default_factory=list)  # waiting for their ready marker
    ignored: int = 0  # temporary names, ignored suffixes, marker files
    special: int = 0  # FIFOs, sockets, devices: never taken

    @property
    def to_take(self) -> list[Path]:
        """The files this watcher will take once they are complete (all but those without a marker)."""
        return sorted([*self.ready, *self.settling, *self.writing])


class Inbox:
    """The folders of one inbox, seen by one watcher instance.

    What a producer may do, and what is taken when (see the README's drop-folder section):

    * files are taken from the top of the inbox only, once their size and modification time
      have not changed for ``settle`` seconds;
    * temporary names are never taken (:data:`TEMP_NAME`, and any suffix of ``ignore_suffixes``),
      so writing ``NAME.part`` (or ``.NAME``) and renaming it when complete is always safe;
    * with ``marker`` (``".done"``), a file is taken only once its marker ``NAME.done`` (or
      ``STEM.done``) exists and is at least as new as the file, whatever the pauses of its producer:
      the convention for producers that reopen a file to append to it. Markers are removed once
      the files they mark are gone;
    * where the platform tells (Linux: :func:`open_for_writing`), a file that some process still
      holds open for writing is never taken, however long the producer pauses.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        processed: str | os.PathLike[str] | None = None,
        failed: str | os.PathLike[str] | None = None,
        settle: float = 1.0,
        instance: str | None = None,
        ignore_suffixes: Iterable[str] = (),
        marker: str | None = None,
        check_writers: bool = True,
    ) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise ConfigError(f"inbox is not a directory: {self.root}")
        self.work_root = self.root / WORK_DIR
        self.processed = Path(processed) if processed else self.root / "processed"
        self.failed = Path(failed) if failed else self.root / "failed"
        self.settle = settle
        self.instance = instance or f"{socket.gethostname()}-{os.getpid()}"
        self.work = self.work_root / self.instance
        self.ignore_suffixes = tuple(s.lower() for s in ignore_suffixes if s)
        for suffix in (*self.ignore_suffixes, marker or ""):
            if "/" in suffix or suffix in (".", ".."):
                raise ConfigError(f"not a file-name suffix: {suffix!r}")
        self.marker = marker or None
        self.check_writers = check_writers
        self._lock_fd: int | None = None
        self._seen: dict[str, tuple[int, int, float]] = {}
        self._writers_unknown: str | None = None  # why open files cannot be detected here (said once)
        for folder, what in ((self.processed, "processed"), (self.failed, "failed")):
            if _real(folder) == _real(self.root):
                raise ConfigError(f"the {what} folder cannot be the inbox itself: its files would be taken again")

    # -- instance lock -----------------------------------------------------------------------

    def open(self) -> None:
        self.check_devices()  # before creating anything
        for folder in (self.work_root, self.processed, self.failed):
            folder.mkdir(parents=True, exist_ok=True)
        self.check_moves()
        lock = self.work_root / f"{self.instance}.lock"
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise ConfigError(f"another watcher already runs as instance {self.instance}") from None
        self._lock_fd = fd
        self.work.mkdir(exist_ok=True)

    def check_moves(self) -> None:
        """Refuse (:class:`ConfigError`) processed/failed folders a claimed file cannot be renamed
        into: on another file system than the inbox (a rename cannot cross one, and every file
        would stay stuck in the work folder), or not writable. Tried for real with an empty file."""
        for folder, what in ((self.processed, "processed"), (self.failed, "failed")):
            probe = self.work_root / f".probe-{self.instance}-{what}"
            target = folder / f".toolkit-probe-{self.instance}"
            try:
                probe.touch()
            except OSError as exc:
                raise ConfigError(f"cannot write in the inbox {self.root}: {os_reason(exc)}") from None
            try:
                os.rename(probe, target)
            except OSError as exc:
                with contextlib.suppress(OSError):
                    probe.unlink()
                if exc.errno == errno.EXDEV:
                    raise ConfigError(
                        f"the {what} folder {folder} is on another file system than the inbox {self.root}: "
                        "files cannot be moved there in one atomic step; choose a folder on the inbox's file system"
                    ) from None
                raise ConfigError(f"cannot move files into the {what} folder {folder}: {os_reason(exc)}") from None
            with contextlib.suppress(OSError):
                target.unlink()

    def check_layout(self, outdir: str | os.PathLike[str]) -> None:
        """Refuse an output folder that is the inbox, lies inside it, or holds it: a watcher must
        never meet its own outputs among its inputs (``watch inbox -o inbox`` re-read them for ever)."""
        out, inbox = _real(outdir), _real(self.root)
        if is_within(out, inbox) or is_within(inbox, out):
            where = (
                "is the inbox"
                if out == inbox
                else "lies inside the inbox"
                if is_within(out, inbox)
                else "holds the inbox"
            )
            raise ConfigError(
                f"the output folder {outdir} {where} {self.root}: the watcher would take its own outputs; "
                "choose an output folder apart from the inbox"
            )

    def check_devices(self) -> None:
        """Without writing anything: refuse processed/failed folders on another file system (st_dev;
        :meth:`check_moves` tries a rename for real when the service starts)."""
        device = os.stat(self.root).st_dev
        for folder, what in ((self.processed, "processed"), (self.failed, "failed")):
            existing = folder
            while not existing.exists() and existing != existing.parent:
                existing = existing.parent
            if os.stat(existing).st_dev != device:
                raise ConfigError(
                    f"the {what} folder {folder} is on another file system than the inbox {self.root}: "
                    "files cannot be moved there in one atomic step; choose a folder on the inbox's file system"
                )

    def close(self) -> None:
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                if not any(self.work.iterdir()):
                    self.work.rmdir()
                    (self.work_root / f"{self.instance}.lock").unlink()
            os.close(self._lock_fd)
            self._lock_fd = None

    def adopt_orphans(self) -> int:
        """Move files claimed by dead instances into our work folder; return how many."""
        adopted = 0
        for folder in sorted(p for p in self.work_root.iterdir() if p.is_dir() and p.name != self.instance):
            lock = self.work_root / f"{folder.name}.lock"
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # its owner is alive
                for path in sorted(folder.iterdir()):
                    target = self._unique(self.work / path.name)
                    with contextlib.suppress(FileNotFoundError):
                        os.rename(path, target)
                        adopted += 1
                with contextlib.suppress(OSError):
                    folder.rmdir()
                    lock.unlink()
            finally:
                os.close(fd)
        return adopted

    def orphaned(self) -> int:
        """Files claimed by watchers that have stopped (adopted by the next one to start); reads only."""
        count = 0
        try:
            folders = [p for p in self.work_root.iterdir() if p.is_dir() and p.name != self.instance]
        except FileNotFoundError:
            return 0
        for folder in folders:
            try:
                fd = os.open(self.work_root / f"{folder.name}.lock", os.O_RDONLY)
            except OSError:
                count += sum(1 for _ in folder.iterdir())  # no lock file: nobody holds it
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                count += sum(1 for _ in folder.iterdir())
            except OSError:
                pass  # its owner is alive
            finally:
                os.close(fd)
        return count

    # -- scanning and claiming -----------------------------------------------------------------

    def ignored_name(self, name: str) -> bool:
        """Names never taken: temporary names, the ignored suffixes, marker files."""
        if TEMP_NAME.search(name):
            return True
        if self.ignore_suffixes and name.lower().endswith(self.ignore_suffixes):
            return True
        return self.marker is not None and name.endswith(self.marker)

    def scan(self, *, check_writers: bool = False, observe: bool = True) -> Scan:
        """Look at the top of the inbox once: one listing and one ``lstat`` per file.

        ``observe``: remember sizes and times (a file is settled once seen unchanged for
        ``settle`` seconds); without it (a dry run), a file is settled when its modification
        time is older than ``settle``, and nothing is changed. ``check_writers``: also ask the
        system which files are open for writing (taking a file asks it anyway: :meth:`claim`)."""
        now, wall = time.monotonic(), time.time()
        result = Scan()
        try:
            with os.scandir(self.root) as it:
                entries = sorted(it, key=lambda e: e.name)
        except FileNotFoundError:
            return result
        names = {e.name for e in entries} if self.marker else set()
        present: set[str] = set()
        markers: list[os.DirEntry[str]] = []
        for entry in entries:
            name = entry.name
            if self.marker is not None and name.endswith(self.marker) and not TEMP_NAME.search(name):
                markers.append(entry)
                result.ignored += 1
                continue
            if self.ignored_name(name):
                result.ignored += 1
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    continue
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
                result.special += 1  # a FIFO, socket or device: opening it could block the service forever
                continue
            path = Path(entry.path)
            present.add(name)
            if self.marker is not None:
                if not self._marked(name, st, names):
                    result.unmarked.append(path)
                    continue
            elif not self._settled(name, st, now, wall, observe):
                result.settling.append(path)
                continue
            if check_writers and stat.S_ISREG(st.st_mode) and self.writing(path):
                result.writing.append(path)
                continue
            result.ready.append(path)
        if observe:
            for name in list(self._seen):
                if name not in present:
                    del self._seen[name]
            self._sweep_markers(markers, present, wall)
        return result

    def candidates(self) -> list[Path]:
        """Files at the top of the inbox that look complete (see :meth:`scan`)."""
        return self.scan().ready

    def _settled(self, name: str, st: os.stat_result, now: float, wall: float, observe: bool) -> bool:
        if not observe:
            return self.settle <= 0 or wall - st.st_mtime >= self.settle
        key = (st.st_size, st.st_mtime_ns)
        seen = self._seen.get(name)
        if seen is None or seen[:2] != key:
            self._seen[name] = (*key, now)
            return self.settle <= 0
        return now - seen[2] >= self.settle and wall - st.st_mtime >= self.settle

    def _marker_names(self, name: str) -> tuple[str, ...]:
        assert self.marker is not None
        stem = os.path.splitext(name)[0]
        return (name + self.marker, stem + self.marker) if stem and stem != name else (name + self.marker,)

    def _marked(self, name: str, st: os.stat_result, names: set[str]) -> bool:
        """Whether the file has its ready marker, written after it (a marker older than the file is
        stale: left by an earlier file of that name)."""
        for marker in self._marker_names(name):
            if marker in names:
                try:
                    if os.stat(self.root / marker).st_mtime_ns >= st.st_mtime_ns:
                        return True
                except OSError:
                    continue
        return False

    def _sweep_markers(self, markers: list[os.DirEntry[str]], present: set[str], wall: float) -> None:
        """Remove the markers whose files have all been taken (after ``settle``: a producer writing
        the marker just before the file is not robbed of it)."""
        if not markers:
            return
        assert self.marker is not None
        stems = {os.path.splitext(n)[0] for n in present}
        for entry in markers:
            base = entry.name[: -len(self.marker)]
            if base in present or base in stems:
                continue
            with contextlib.suppress(OSError):
                if wall - entry.stat(follow_symlinks=False).st_mtime >= max(self.settle, 1.0):
                    os.unlink(entry.path)

    def writing(self, path: Path) -> bool:
        """Whether some process holds ``path`` open for writing (False when the system cannot tell)."""
        fd, state = self._lease(path)
        if fd is not None:
            _release(fd)
        return state == "busy"

    def _lease(self, path: Path) -> tuple[int | None, str]:
        if not self.check_writers:
            return None, "unknown"
        fd, state, reason = take_read_lease(path)
        if reason and self._writers_unknown is None:
            self._writers_unknown = reason
            log.warning(
                "cannot tell whether files in %s are still open for writing (%s): relying on the settle time "
                "(%.1f s); producers should write under a temporary name, or use a marker",
                self.root,
                reason,
                self.settle,
                extra={"event": "no-open-check", "error": reason},
            )
        return fd, state

    def claim(self, path: Path) -> Path | None:
        """Atomically take ``path`` into our work folder; None when another watcher was faster, or
        when the file is still open for writing (or changed since it was seen settled).

        Where the system offers leases, the rename happens under a read lease: a producer that
        opens the file for writing at that moment waits for the lease, and the file is given back
        under its name instead of being taken half-written."""
        target = self._unique(self.work / path.name)
        fd, state = self._lease(path)
        if state == "busy":
            return None
        try:
            seen = self._seen.get(path.name)
            if seen is not None:
                st = os.fstat(fd) if fd is not None else os.lstat(path)
                if (st.st_size, st.st_mtime_ns) != seen[:2]:
                    self._seen.pop(path.name, None)  # changed since it was seen settled: settles again
                    return None
            try:
                os.rename(path, target)
            except FileNotFoundError:
                return None
            if fd is not None and lease_broken(fd):
                self._give_back(target, path)
                return None
        finally:
            if fd is not None:
                _release(fd)
        self._seen.pop(path.name, None)
        return target

    def _give_back(self, target: Path, path: Path) -> None:
        """Put a file a writer opened as it was taken back under its name (never over a new file)."""
        try:
            os.link(target, path)
        except FileExistsError:
            return  # a new file took the name: keep this one claimed (it was complete when seen settled)
        except OSError:
            if path.exists():
                return
            os.rename(target, path)
            return
        os.unlink(target)
        log.info("%s was opened for writing as it was taken: left in the inbox", printable(path.name))

    def claimed(self) -> list[Path]:
        return sorted(p for p in self.work.iterdir() if p.is_file() or p.is_symlink())

    def source(self, path: Path, *, follow_links: bool = False) -> Source:
        """How to read a claimed file. The work folder holds exactly one batch: a package and its
        items claimed together are read together. A symbolic link is followed to a target inside
        the inbox (resolved from the inbox, where it was dropped), elsewhere only with
        ``follow_links``: the same policy as :func:`toolkit.io.readers.iter_sources`. Anything
        but a regular file is refused by the reader, unopened."""
        display = f"{self.root.name}/{path.name}"
        if not path.is_symlink():
            return Source(str(path), display, walked=True)
        try:
            target = os.path.realpath(os.path.join(self.root, os.readlink(path)))
        except OSError as exc:
            return Source(str(path), display, refused=f"cannot read the symbolic link: {exc.strerror or exc}")
        if follow_links or is_within(target, os.path.realpath(self.root)):
            return Source(target, display)
        refused = f"symbolic link to {target}, outside the inbox {self.root}: not followed ({FOLLOW_LINKS_HINT})"
        return Source(str(path), display, refused=refused)

    # -- finishing -------------------------------------------------------------------------------

    def done(self, path: Path) -> Path:
        target = self._unique(self.processed / path.name)
        os.rename(path, target)
        return target

    def fail(self, path: Path, errors: list[dict[str, Any]]) -> Path:
        target = self._unique(self.failed / path.name, reserve=len(ERROR_SUFFIX))
        report = {"input": path.name, "failed": target.name, "errors": errors}
        atomic_write(target.with_name(target.name + ERROR_SUFFIX), json_dumps(report, indent=1) + "\n")
        os.rename(path, target)
        return target

    @staticmethod
    def _unique(path: Path, *, reserve: int = 0) -> Path:
        """``path``, or a free variant (``NAME~1.txt``, ...), short enough for the file system
        with ``reserve`` more bytes appended (a name at the limit must not crash the service)."""
        candidate = path.with_name(fit_name(path.name, reserve))
        if not candidate.exists() and not candidate.is_symlink():
            return candidate
        for n in range(1, 1_000_000):
            tag = f"~{n}"
            stem, suffix = os.path.splitext(fit_name(path.name, reserve + len(tag)))
            candidate = path.with_name(f"{stem}{tag}{suffix}")
            if not candidate.exists() and not candidate.is_symlink():
                return candidate
        raise OSError(f"too many files named {path.name}")


def _real(path: str | os.PathLike[str]) -> str:
    return os.path.realpath(os.fspath(path))


# -- files still open for writing ------------------------------------------------------------------
#
# Linux read leases (fcntl F_SETLEASE, F_RDLCK). The kernel refuses a read lease with EAGAIN while
# any process has the file open for writing: it counts every writer of the inode, whatever its
# user, process or container on this kernel, and costs two system calls per file taken (about
# 10 us). The alternative, scanning /proc/*/fd, sees only the processes of our own user (unless
# root, who has CAP_LEASE anyway), costs a walk over every open file of the machine at each scan
# and still needs fdinfo to tell writers from readers. Leases need the file to be ours (or
# CAP_LEASE) and a local file system; elsewhere (EACCES, EINVAL on NFS or with leases disabled,
# other systems) the answer is "cannot tell" and the settle time alone decides, said once in the
# log. A lease held while the file is renamed also closes the race with a producer opening it at
# that moment: its open() waits for us, and we see the lease broken (F_GETLEASE).
#
# Breaking a lease signals its holder (SIGIO by default, which kills a process that does not
# handle it): the descriptor is set to signal SIGURG instead (F_SETSIG), ignored by default.

_LEASES = hasattr(fcntl, "F_SETLEASE") and hasattr(fcntl, "F_GETLEASE")


def take_read_lease(path: str | os.PathLike[str]) -> tuple[int | None, str, str | None]:
    """(descriptor holding a read lease or None, "free" | "busy" | "unknown", why unknown or None).
    "busy": some process has the file open for writing. Release a descriptor with :func:`_release`."""
    if not _LEASES:
        return None, "unknown", "no file leases on this system"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError:
        return None, "unknown", None  # a link, gone, unreadable: reading it says why
    try:
        fcntl.fcntl(fd, fcntl.F_SETSIG, signal.SIGURG)
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
    except OSError as exc:
        os.close(fd)
        if exc.errno == errno.EAGAIN:
            return None, "busy", None
        return None, "unknown", f"file leases: {os_reason(exc)}"
    return fd, "free", None


def lease_broken(fd: int) -> bool:
    """Whether a process asked to open the leased file for writing since the lease was taken."""
    try:
        return fcntl.fcntl(fd, fcntl.F_GETLEASE) != fcntl.F_RDLCK
    except OSError:
        return True


def _release(fd: int) -> None:
    with contextlib.suppress(OSError):
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
    os.close(fd)


ERROR_SUFFIX = ".error.json"
NAME_MAX = 255  # bytes in one file name (Linux, macOS)


def fit_name(name: str, reserve: int = 0) -> str:
    """``name``, cut (keeping its extension, adding a hash of the whole) so that it and ``reserve``
    more bytes fit in a file name."""
    raw = os.fsencode(name)
    limit = NAME_MAX - reserve
    if len(raw) <= limit:
        return name
    stem, suffix = os.path.splitext(name)
    if len(os.fsencode(suffix)) > 16:
        stem, suffix = name, ""
    tail = f"-{hashlib.sha256(raw).hexdigest()[:8]}{suffix}"
    room = limit - len(os.fsencode(tail))
    while stem and len(os.fsencode(stem)) > room:  # cut whole characters, never half of one
        stem = stem[: -max(1, (len(os.fsencode(stem)) - room) // 4)]
    return stem + tail


class Watcher:
    """Runs a pipeline over an inbox until stopped. Build once: models load once."""

    def __init__(
        self,
        inbox: Inbox,
        pipeline: PipelineSpec,
        output: OutputSpec,
        *,
        batch_size: int = 32,
        poll: float = 2.0,
        health_every: int = 100,
        read_options: ReadOptions | None = None,
        on_file: Callable[[Path, str, list[Result]], None] | None = None,
    ) -> None:
        inbox.check_layout(output.outdir)  # refused before anything is created
        inbox.check_devices()
        self.inbox = inbox
        # resume: a document already written (the same input, with this configuration) is a
        # re-delivery, skipped; so is an identical copy within a batch
        self.worker = Worker(pipeline, output, resume=True, read_options=read_options)
        self.worker.setup()
        self.batch_size = max(1, batch_size)
        self.poll = poll
        self.health_every = health_every
        self.read_options = read_options or ReadOptions()
        self.on_file = on_file
        self.stats = Stats()
        self.stop_event = threading.Event()
        self._last_health = 0
        self._stuck: set[Path] = set()  # claimed files that could not be moved out: not retried now
        self._last_scan: Scan | None = None

    # -- one round ---------------------------------------------------------------------------------

    def process_files(self, files: list[Path]) -> None:
        """Process claimed files together (documents of all of them batched), then finish each."""
        per_file = [(path, self._read(path)) for path in files]
        results = iter(self.worker.process_documents([doc for _, docs in per_file for doc in docs]))
        for path, docs in per_file:
            self._finish(path, [next(results) for _ in docs])

    def _read(self, path: Path) -> list[Document]:
        source = self.inbox.source(path, follow_links=self.read_options.follow_links)
        return list(read_source(source, self.read_options))

    def _finish(self, path: Path, results: list[Result]) -> None:
        failed = [r for r in results if r.status == "failed"]
        self.stats.files += 1
        partial = [r for r in results if any(w.code == PARTIAL for w in r.warnings)]
        self.stats.partial += len(partial)
        for r in results:
            self.stats.documents += 1
            if r.status == "ok":
                self.stats.ok += 1
            elif r.code in IDEMPOTENT:  # a re-delivery or a copy: nothing new to write
                self.stats.duplicates += 1
            elif r.status == "skipped":
                self.stats.skipped += 1
            else:
                self.stats.failed += 1
        try:
            if not results:
                failed_errors = [{"code": "empty-input", "message": f"{path.name}: no documents in this file"}]
                self.stats.failed += 1
                status = "failed"
                self.inbox.fail(path, failed_errors)
            elif failed:
                status = "failed"
                self.inbox.fail(path, [{"source": r.source, "id": r.id, **(r.error or {})} for r in failed])
            else:
                status = "processed"
                self.inbox.done(path)
        except (OSError, OutputError) as exc:
            # processed/ or failed/ cannot take it (read-only, full, gone; the .error.json report is
            # written with atomic_write, which raises OutputError): the file stays claimed in the
            # work folder, nothing is lost, and the service goes on with the other files; it is
            # not tried again until the watcher restarts (which adopts the work folder)
            reason = exc.message if isinstance(exc, OutputError) else (exc.strerror or str(exc))
            self._stuck.add(path)
            self.stats.stuck += 1
            log.error(
                "cannot move %s to %s/: %s; it stays in %s",
                printable(path.name),
                status,
                reason,
                self.inbox.work,
                extra={"event": "stuck", "file": path.name, "error": reason},
            )
            status = "stuck"
        # failed and stuck files need someone to look at them: logged as errors (a monitor
        # alerting on the level sees them); a file written with a translation missing, a warning
        level = logging.ERROR if status in ("failed", "stuck") else logging.WARNING if partial else logging.INFO
        log.log(
            level,
            "%s %s",
            status,
            printable(path.name),  # one log line whatever the name holds (a newline, an escape)
            extra={
                "event": status,
                "file": path.name,
                "documents": len(results),
                "failed_documents": len(failed),
                "partial": len(partial),
                "outputs": [o for r in results for o in r.written],
            },
        )
        if self.on_file is not None:
            self.on_file(path, status, results)
        if self.health_every and self.stats.documents - self._last_health >= self.health_every:
            self.health()

    def health(self) -> None:
        self._last_health = self.stats.documents
        stats = self.stats.as_dict()
        log.info(
            "health: %(files)d files, %(documents)d documents, %(ok)d ok, %(failed)d failed, "
            "%(duplicates)d duplicates, %(skipped)d skipped, %(partial)d partial, %(rate).1f docs/s",
            stats,
            extra={"event": "health", **stats},
        )

    def run_once(self) -> int:
        """Finish orphaned work, then process every file ready now. Returns files handled."""
        handled = 0
        if self.inbox.adopt_orphans():
            log.info("adopted files left by a stopped watcher")
        leftovers = [p for p in self.inbox.claimed() if p not in self._stuck]
        for start in range(0, len(leftovers), self.batch_size):
            if self.stop_event.is_set():
                return handled
            batch = leftovers[start : start + self.batch_size]
            self.process_files(batch)
            handled += len(batch)
        # One scan, then every file it found ready, batch after batch: a backlog costs one listing
        # and one stat per file (rescanning for every batch made it quadratic: 40,000 files,
        # 1,250 scans of the whole inbox). A new scan picks up what arrived meanwhile.
        while not self.stop_event.is_set():
            self._last_scan = self.inbox.scan()
            taken_any = False
            claimed: list[Path] = []
            for path in self._last_scan.ready:
                if self.stop_event.is_set():
                    break
                taken = self.inbox.claim(path)
                if taken is None:
                    continue
                claimed.append(taken)
                taken_any = True
                if len(claimed) >= self.batch_size:
                    self.process_files(claimed)
                    handled += len(claimed)
                    claimed = []
            if claimed:
                self.process_files(claimed)
                handled += len(claimed)
            if not taken_any:
                break
        return handled

    # -- the service loop ---------------------------------------------------------------------------

    def run(self, *, once: bool = False) -> Stats:
        """Process until :meth:`stop` (or, with ``once``, until nothing is left)."""
        self.inbox.open()
        try:
            self._announce()
            if once:
                self._drain()
                return self.stats
            for _ in self._wakeups():
                if self.stop_event.is_set():
                    break
                self.run_once()
        finally:
            self.inbox.close()
            self.worker.close()
            self.health()
        return self.stats

    def _announce(self) -> None:
        """Say at start how many files already in the inbox will be taken (and what waits)."""
        scan = self.inbox.scan(check_writers=True)
        take, orphans = len(scan.to_take), self.inbox.orphaned()
        if not (take or orphans or scan.unmarked):
            return
        waiting = f"; {len(scan.unmarked)} wait for their {self.inbox.marker} marker" if scan.unmarked else ""
        adopted = f" and {orphans} left claimed by a stopped watcher" if orphans else ""
        log.info(
            "%s holds %d file(s)%s: taking them now (list them first with --dry-run)%s",
            self.inbox.root,
            take,
            adopted,
            waiting,
            extra={"event": "backlog", "files": take, "orphans": orphans, "unmarked": len(scan.unmarked)},
        )

    def _drain(self) -> None:
        """``--once``: wait for the files present now to settle (or be closed by their writers),
        then process them all. Files waiting for a marker are left for a later run."""
        deadline = time.monotonic() + max(self.inbox.settle, 0) * 3 + 5
        while not self.stop_event.is_set():
            self.run_once()
            scan = self._last_scan
            if scan is None or not (scan.settling or scan.writing or scan.ready) or time.monotonic() > deadline:
                return
            self.stop_event.wait(min(0.2, max(self.inbox.settle, 0.05)))

    def _wakeups(self) -> Iterator[None]:
        """Yield whenever the inbox may have changed: file-system events, or every ``poll`` s."""
        yield None
        step = min(self.poll, max(self.inbox.settle / 2, 0.1))
        try:
            import watchfiles

            for _changes in watchfiles.watch(
                self.inbox.root,
                stop_event=self.stop_event,
                yield_on_timeout=True,
                rust_timeout=int(step * 1000),
                recursive=False,
                debounce=200,
                raise_interrupt=False,
                watch_filter=None,
            ):
                yield None
            return
        except Exception as exc:  # no inotify (or limits reached): fall back to polling
            if self.stop_event.is_set():
                return
            log.warning("file-system events unavailable (%s); polling every %.1f s", exc, step)
        while not self.stop_event.wait(step):
            yield None

    def stop(self) -> None:
        self.stop_event.set()
