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
import fcntl
import hashlib
import logging
import os
import re
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .batch import Converter, DocResult, OutputSpec, result_of
from .document import Document
from .errors import ConfigError, OutputError, printable
from .io.readers import FOLLOW_LINKS_HINT, ReadOptions, Source, is_within, read_source
from .io.writers import atomic_write
from .pipeline import PipelineSpec
from .text import json_dumps

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
            "rate": round(self.documents / elapsed, 2),
        }


class Inbox:
    """The folders of one inbox, seen by one watcher instance."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        processed: str | os.PathLike[str] | None = None,
        failed: str | os.PathLike[str] | None = None,
        settle: float = 1.0,
        instance: str | None = None,
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
        self._lock_fd: int | None = None
        self._seen: dict[str, tuple[int, int, float]] = {}

    # -- instance lock -----------------------------------------------------------------------

    def open(self) -> None:
        for folder in (self.work_root, self.processed, self.failed):
            folder.mkdir(parents=True, exist_ok=True)
        lock = self.work_root / f"{self.instance}.lock"
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise ConfigError(f"another watcher already runs as instance {self.instance}") from None
        self._lock_fd = fd
        self.work.mkdir(exist_ok=True)

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

    # -- scanning and claiming -----------------------------------------------------------------

    def candidates(self) -> list[Path]:
        """Files at the top of the inbox that look complete (stable for ``settle`` seconds)."""
        now = time.monotonic()
        ready: list[Path] = []
        present: set[str] = set()
        try:
            entries = sorted(os.scandir(self.root), key=lambda e: e.name)
        except FileNotFoundError:
            return []
        for entry in entries:
            if TEMP_NAME.search(entry.name):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    continue
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
                continue  # a FIFO, socket or device: opening it could block the service forever
            present.add(entry.name)
            key = (st.st_size, st.st_mtime_ns)
            seen = self._seen.get(entry.name)
            if seen is None or seen[:2] != key:
                self._seen[entry.name] = (*key, now)
                if self.settle <= 0:
                    ready.append(Path(entry.path))
                continue
            if now - seen[2] >= self.settle and time.time() - st.st_mtime >= self.settle:
                ready.append(Path(entry.path))
        for name in list(self._seen):
            if name not in present:
                del self._seen[name]
        return ready

    def claim(self, path: Path) -> Path | None:
        """Atomically take ``path`` into our work folder; None when another watcher was faster."""
        target = self._unique(self.work / path.name)
        try:
            os.rename(path, target)
        except FileNotFoundError:
            return None
        self._seen.pop(path.name, None)
        return target

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
        on_file: Callable[[Path, str, list[DocResult]], None] | None = None,
    ) -> None:
        self.inbox = inbox
        self.converter = Converter(pipeline, output)
        self.converter.outdir.prepare()
        self.batch_size = max(1, batch_size)
        self.poll = poll
        self.health_every = health_every
        self.read_options = read_options or ReadOptions()
        self.on_file = on_file
        self.stats = Stats()
        self.stop_event = threading.Event()
        self._last_health = 0
        self._stuck: set[Path] = set()  # claimed files that could not be moved out: not retried now

    # -- one round ---------------------------------------------------------------------------------

    def process_files(self, files: list[Path]) -> None:
        """Process claimed files together (documents of all of them batched), then finish each."""
        per_file: list[tuple[Path, list[Document]]] = []
        pending: list[Document] = []
        first_copy: dict[str, Document] = {}  # doc id -> the copy processed in this batch
        for path in files:
            docs = self._read(path)
            per_file.append((path, docs))
            for doc in docs:
                if doc.status == "ok" and doc.id not in first_copy and not self._duplicate(doc):
                    first_copy[doc.id] = doc
                    pending.append(doc)
        results: dict[int, DocResult] = {}
        if pending:
            for doc, result in zip(pending, self.converter.run(pending), strict=True):
                results[id(doc)] = result
        for path, docs in per_file:
            file_results = []
            for doc in docs:
                first = results.get(id(first_copy[doc.id])) if doc.id in first_copy else None
                if id(doc) in results:
                    file_results.append(results[id(doc)])
                elif doc.status != "ok":
                    file_results.append(result_of(doc))
                elif first is not None and first.status != "ok":
                    # a copy of a document that failed (or was skipped) in this batch shares its fate:
                    # reporting it as a duplicate would move it to processed/ with no output written
                    file_results.append(DocResult(doc.source, doc.id, first.status, [], first.error, first.warnings))
                else:
                    file_results.append(DocResult(doc.source, doc.id, "duplicate"))
            self._finish(path, file_results)

    def _read(self, path: Path) -> list[Document]:
        source = self.inbox.source(path, follow_links=self.read_options.follow_links)
        return list(read_source(source, self.read_options))

    def _duplicate(self, doc: Document) -> bool:
        return self.converter.outdir.is_complete(doc.id)

    def _finish(self, path: Path, results: list[DocResult]) -> None:
        failed = [r for r in results if r.status == "failed"]
        self.stats.files += 1
        for r in results:
            self.stats.documents += 1
            if r.status == "ok":
                self.stats.ok += 1
            elif r.status == "duplicate":
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
        log.info(
            "%s %s",
            status,
            printable(path.name),  # one log line whatever the name holds (a newline, an escape)
            extra={
                "event": status,
                "file": path.name,
                "documents": len(results),
                "failed_documents": len(failed),
                "outputs": [o for r in results for o in r.outputs],
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
            "%(duplicates)d duplicates, %(rate).1f docs/s",
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
        while not self.stop_event.is_set():
            claimed: list[Path] = []
            for path in self.inbox.candidates():
                taken = self.inbox.claim(path)
                if taken is not None:
                    claimed.append(taken)
                if len(claimed) >= self.batch_size:
                    break
            if not claimed:
                break
            self.process_files(claimed)
            handled += len(claimed)
        return handled

    # -- the service loop ---------------------------------------------------------------------------

    def run(self, *, once: bool = False) -> Stats:
        """Process until :meth:`stop` (or, with ``once``, until nothing is left)."""
        self.inbox.open()
        try:
            if once:
                self._drain()
                return self.stats
            for _ in self._wakeups():
                if self.stop_event.is_set():
                    break
                self.run_once()
        finally:
            self.inbox.close()
            self.converter.outdir.finish()
            self.health()
        return self.stats

    def _drain(self) -> None:
        """``--once``: wait for the files present now to settle, then process them all."""
        deadline = time.monotonic() + max(self.inbox.settle, 0) * 3 + 5
        while not self.stop_event.is_set():
            self.run_once()
            waiting = [p for p in self.inbox.root.iterdir() if p.is_file() and not TEMP_NAME.search(p.name)]
            if not waiting or time.monotonic() > deadline:
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
