"""The record of finished documents in an output folder: what ``--resume`` trusts.

Each writing process appends one JSON line per document to a journal of its own,
``.toolkit/done/<pid>.<token>.jsonl``, once every output of the document is in place (so a
line never describes outputs that could still be lost). A line holds the document id, its
source, the fingerprint of the configuration that wrote it, its output names and a
timestamp; when several lines name one document, the latest wins (a later run with another
configuration overwrote its outputs).

One appended line per document replaces the one small manifest file per document of earlier
versions: creating a file is the most expensive thing a file system does for us (up to a
millisecond of kernel time on some ext4 volumes, more than processing the document), and a
batch of lines costs one ``write``. Manifest files left by earlier versions are still read.

Appends are not fsynced: a torn or lost line only means the document is done again. Lines
that do not parse are ignored. Journals of writers that have exited are merged into one
when they pile up (:meth:`DoneJournal.compact`).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import time
import weakref
from pathlib import Path
from typing import Any

from ..errors import OutputError, os_reason
from .writers import alive, atomic_write, write_all

JOURNAL_SUFFIX = ".jsonl"
_JOURNAL = re.compile(r"^(\d+)\.[0-9a-f]+(?:-\d+)?" + re.escape(JOURNAL_SUFFIX) + "$")
_LEGACY = re.compile(r"^[^.].*\.json$")  # one manifest file per document (toolkit before 0.2)
#: Journals (and legacy manifest files) of finished writers merged into one past this many.
COMPACT_AFTER = 16
#: A lookup that misses reads what other writers appended at most this often.
REFRESH_SECONDS = 1.0
_ENCODE = json.JSONEncoder(ensure_ascii=True).encode  # lone surrogates in ids survive the round trip
_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _close(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


def _line(
    doc_id: str,
    source: str | None,
    fingerprint: str,
    outputs: list[str] | tuple[str, ...],
    stamp: int,
    digest: str | None,
) -> str:
    """One journal line (``json.dumps`` of the record, without building a dict per document)."""
    return (
        f'{{"id": {_ENCODE(doc_id)}, "source": {_ENCODE(source)}, "fingerprint": {_ENCODE(fingerprint)}, '
        f'"outputs": [{", ".join(map(_ENCODE, outputs))}], "digest": {_ENCODE(digest)}, "t": {stamp}}}\n'
    )


#: time, id, fingerprint, outputs, source, digest of the input
Record = tuple[int, str, str, tuple[str, ...], "str | None", "str | None"]
#: One document to record: id, source, fingerprint of the configuration, output names, digest of the input.
Entry = tuple[str, "str | None", str, "list[str]", "str | None"]


def _record(value: Any, stamp: int | None = None) -> Record | None:
    """(time, id, fingerprint, outputs, source, digest) of a parsed line or manifest; None when malformed."""
    if not isinstance(value, dict):
        return None
    doc_id, fingerprint, outputs = value.get("id"), value.get("fingerprint"), value.get("outputs")
    stamp = value.get("t", stamp)
    if not (isinstance(doc_id, str) and isinstance(fingerprint, str) and isinstance(outputs, list)):
        return None
    if not isinstance(stamp, int) or not all(isinstance(n, str) for n in outputs):
        return None
    source, digest = value.get("source"), value.get("digest")
    return (
        stamp,
        doc_id,
        fingerprint,
        tuple(outputs),
        source if isinstance(source, str) else None,
        digest if isinstance(digest, str) else None,
    )


class DoneJournal:
    """Appends and looks up the records of finished documents in one folder."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self._fd: int | None = None
        self._pid = 0
        self._path: Path | None = None
        # id -> (time, fingerprint, outputs, digest of the input)
        self._index: dict[str, tuple[int, str, tuple[str, ...], str | None]] | None = None
        self._offsets: dict[str, int] = {}  # journal -> bytes read (-1: a legacy manifest, read)
        self._refreshed = 0.0
        self._finalizer: weakref.finalize | None = None

    # -- writing ------------------------------------------------------------------------------

    def record(self, entries: list[Entry]) -> OutputError | None:
        """Append (id, source, fingerprint, outputs, digest) records with one write; the error if it failed."""
        if not entries:
            return None
        stamp = time.time_ns()
        data = "".join(_line(d, s, f, o, stamp, g) for d, s, f, o, g in entries).encode("ascii")
        try:
            write_all(self._open(), data)
        except OSError as exc:
            self.close()  # the next batch starts a new journal rather than append after a torn line
            return OutputError(
                f"cannot record finished documents: {os_reason(exc)}", path=str(self._path or self.folder)
            )
        if self._index is not None:
            for doc_id, _, fingerprint, outputs, digest in entries:
                self._index[doc_id] = (stamp, fingerprint, tuple(outputs), digest)
        return None

    def _open(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a forked child writes its own journal
            self.folder.mkdir(parents=True, exist_ok=True)
            self._pid = os.getpid()
            for _ in range(100):
                self._path = self.folder / f"{self._pid}.{os.urandom(4).hex()}{JOURNAL_SUFFIX}"
                try:
                    self._fd = os.open(self._path, _FLAGS | os.O_EXCL, 0o666)
                    break
                except FileExistsError:
                    continue
            else:
                raise FileExistsError(errno.EEXIST, "no free journal name", str(self.folder))
            self._finalizer = weakref.finalize(self, _close, self._fd)
        return self._fd

    def close(self) -> None:
        if self._finalizer is not None and self._pid == os.getpid():
            self._finalizer()
        self._fd = self._finalizer = None

    # -- reading ------------------------------------------------------------------------------

    def outputs(self, doc_id: str, fingerprint: str, digest: str | None = None) -> tuple[str, ...] | None:
        """The outputs recorded for ``doc_id`` by the configuration ``fingerprint`` (None if not done);
        with ``digest``, only when the recorded input had that digest too (records written before
        digests were kept match any).

        The journals are read on the first call; after that, a miss reads what other writers
        appended since, at most every :data:`REFRESH_SECONDS` (a long-running watcher sees the
        documents another watcher finished; a resumed batch of new documents stays cheap).
        """
        now = time.monotonic()
        if self._index is None:
            self._refresh(now)
        entry = self._lookup(doc_id, fingerprint, digest)
        if entry is None and now - self._refreshed >= REFRESH_SECONDS:
            self._refresh(now)
            entry = self._lookup(doc_id, fingerprint, digest)
        return entry

    def _lookup(self, doc_id: str, fingerprint: str, digest: str | None) -> tuple[str, ...] | None:
        assert self._index is not None
        entry = self._index.get(doc_id)
        if entry is None or entry[1] != fingerprint:
            return None
        if digest is not None and entry[3] is not None and entry[3] != digest:
            return None
        return entry[2]

    def completed(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Every document recorded: id -> (fingerprint, outputs), the latest record of each."""
        self._refresh(time.monotonic())
        assert self._index is not None
        return {doc_id: (fp, outputs) for doc_id, (_, fp, outputs, _) in self._index.items()}

    def _refresh(self, now: float) -> None:
        """Read what was appended to the journals since the last read (everything the first time)."""
        if self._index is None:
            self._index, self._offsets = {}, {}
        index, offsets = self._index, self._offsets
        fingerprints: dict[str, str] = {}  # one string per configuration, not one per document
        names = self._files()
        for name in names:
            start = offsets.get(name, 0)
            if start < 0:
                continue  # a legacy manifest: read once
            records, offsets[name] = self._read(self.folder / name, start)
            for stamp, doc_id, fp, outputs, _, digest in records:
                seen = index.get(doc_id)
                if seen is None or stamp >= seen[0]:
                    index[doc_id] = (stamp, fingerprints.setdefault(fp, fp), outputs, digest)
        for gone in offsets.keys() - set(names):  # merged into another journal meanwhile
            del offsets[gone]
        self._refreshed = now

    def _files(self) -> list[str]:
        try:
            return [e.name for e in os.scandir(self.folder) if _JOURNAL.match(e.name) or _LEGACY.match(e.name)]
        except OSError:
            return []

    def _latest(self, names: list[str]) -> dict[str, Record]:
        """The latest record of each document in these files."""
        latest: dict[str, Record] = {}
        for name in names:
            for rec in self._read(self.folder / name)[0]:
                seen = latest.get(rec[1])
                if seen is None or rec[0] >= seen[0]:
                    latest[rec[1]] = rec
        return latest

    @staticmethod
    def _read(path: Path, start: int = 0) -> tuple[list[Record], int]:
        """The records of a journal from byte ``start`` on (complete lines only), and where the
        next read starts; a legacy manifest file's record, and -1."""
        out = []
        if not path.name.endswith(JOURNAL_SUFFIX):
            with contextlib.suppress(OSError, ValueError):
                rec = _record(json.loads(path.read_bytes()), path.stat().st_mtime_ns)
                if rec is not None:
                    out.append(rec)
            return out, -1
        end = start
        try:
            with open(path, "rb") as fh:
                fh.seek(start)
                for raw in fh:
                    if not raw.endswith(b"\n"):
                        break  # a line still being written (or torn): read again next time
                    end += len(raw)
                    with contextlib.suppress(ValueError):
                        rec = _record(json.loads(raw))
                        if rec is not None:
                            out.append(rec)
        except OSError:
            pass
        return out, end

    # -- upkeep -------------------------------------------------------------------------------

    def compact(self) -> int:
        """Merge the journals of writers that have exited (and legacy manifest files) into one
        journal once there are more than :data:`COMPACT_AFTER`; return how many were merged
        (0 as well when the merged journal cannot be written).

        The merged journal is written and synced before the merged files are removed: a crash
        in between leaves some records twice, which reads the same.
        """
        finished = []
        for name in self._files():
            match = _JOURNAL.match(name)
            if match is None or not alive(int(match.group(1))):
                finished.append(name)
        if len(finished) <= COMPACT_AFTER:
            return 0
        latest = self._latest(finished)
        lines = "".join(
            _line(d, source, fp, outs, stamp, digest) for stamp, d, fp, outs, source, digest in latest.values()
        )
        target = self.folder / f"{os.getpid()}.{os.urandom(4).hex()}-{time.time_ns()}{JOURNAL_SUFFIX}"
        try:
            atomic_write(target, lines.encode("ascii"))
        except OutputError:  # upkeep only: the journals stay as they are
            return 0
        for name in finished:
            with contextlib.suppress(OSError):
                os.unlink(self.folder / name)
        return len(finished)
