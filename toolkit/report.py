"""One report per run, whoever runs the workers: the counts, the summary line, ``failures.jsonl``
and the run index.

An engine (the local process pool, a Dask client, a stream consumer) feeds every
:class:`~toolkit.worker.Result` to one :class:`RunReport`, in input order where it has
one, and finishes it once: so a run has one summary and one ``failures.jsonl`` however
many workers, partitions or calls it took.

The run index, ``OUTDIR/index.ndjson``, traces outputs back to inputs: one JSON line per
document, appended by every run (never rewritten). Newline-delimited JSON, as JSONL is; the
``.ndjson`` suffix keeps it out of ``*.jsonl`` globs over the outputs of ``--format jsonl``::

    {"run": "20250301T100000Z-3f9a1c", "time": "2025-03-01T10:00:02Z", "input": "samples/kk_weather.html",
     "id": "83940fb9213e4952", "story": "83940fb9213e4952", "status": "ok", "code": null,
     "outputs": ["83940fb9213e4952.kk-Cyrl.xml", "83940fb9213e4952.package.xml"], "written": 2}

``run`` is the run's id (its start time and a random part), ``time`` when the document was
done, ``input`` where it came from (a file, ``FILE#N`` / ``FILE:N`` for an entry of a feed or
a JSONL line, or the source a record names), ``story`` the story key, ``outputs`` the names of
its files in the output folder (for a skipped duplicate or unchanged document, those already
there) and ``written`` how many of them this run wrote; a failed or skipped document has its
``code`` and ``message``. Lines are appended in batches once the documents' outputs are
durable, each batch with one ``O_APPEND`` write (on a local file system the lines of two runs
appending at once do not interleave).
"""

from __future__ import annotations

import os
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .errors import OutputError, os_reason
from .io.readers import RUN_INDEX
from .io.writers import append, atomic_write
from .text import json_dumps
from .worker import Result

FAILURES_FILE = "failures.jsonl"
INDEX_FILE = RUN_INDEX  # the name walks of an output folder skip
#: Index lines are appended when this many are waiting, or after INDEX_SECONDS.
INDEX_BATCH = 512
INDEX_SECONDS = 1.0
#: Skip codes that only say the output was already there: they are not listed in failures.jsonl.
IDEMPOTENT = ("duplicate", "unchanged", "already-done")
#: The warning a document carries when a requested translation could not be made.
PARTIAL = "translation-missing"
_WORDS = {
    "duplicate": "merged (identical copies)",
    "unchanged": "unchanged",
    "already-done": "already done",
    "stale-version": "stale versions",
}


@dataclass(slots=True)
class RunReport:
    """Counts and failures of one run (see the module documentation)."""

    outdir: str | None = None  # where failures.jsonl goes (None: nowhere)
    allow_partial: bool = False  # a missing translation does not make the exit code 1
    documents: int = 0
    ok: int = 0
    failed: int = 0
    partial: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    files_written: int = 0
    ignored: list[str] = field(default_factory=list)  # inputs no reader handles
    failures: list[Result] = field(default_factory=list)
    stopped: str | None = None  # why the run ended early ("--fail-fast", "interrupted", ...)
    report_error: str | None = None  # failures.jsonl or index.ndjson could not be written (e.g. disk full)
    started: float = field(default_factory=time.perf_counter)
    seconds: float = 0.0
    index: bool = True  # append a line per document to OUTDIR/index.ndjson
    keep_failures: bool = True  # write failures.jsonl at finish (a service reports its failures its own way)
    run_id: str = field(default_factory=lambda: new_run_id())
    _pending: list[str] = field(default_factory=list, repr=False)
    _flushed: float = field(default_factory=time.monotonic, repr=False)

    def add(self, result: Result) -> None:
        if self.index and self.outdir is not None:
            self._pending.append(json_dumps(index_record(result, self.run_id)) + "\n")
            if len(self._pending) >= INDEX_BATCH or time.monotonic() - self._flushed >= INDEX_SECONDS:
                self.flush()
        self.documents += 1
        if result.status == "ok":
            self.ok += 1
        elif result.status == "skipped":
            self.skipped[result.code or "skipped"] += 1
            if result.code not in IDEMPOTENT and self.keep_failures:
                self.failures.append(result)
        else:
            self.failed += 1
            if self.keep_failures:
                self.failures.append(result)
        if any(w.code == PARTIAL for w in result.warnings):
            self.partial += 1
        if result.status == "ok":
            self.files_written += sum(1 for o in result.outputs if o.written)

    def flush(self) -> None:
        """Append the index lines waiting (one write); a failure is kept in ``report_error``."""
        self._flushed = time.monotonic()
        if not self._pending or self.outdir is None:
            return
        data, self._pending = "".join(self._pending).encode("utf-8", "surrogatepass"), []
        try:
            append(Path(self.outdir) / INDEX_FILE, data)
        except OSError as exc:
            where = Path(self.outdir) / INDEX_FILE
            self.report_error = self.report_error or f"{where}: cannot append: {os_reason(exc)}"

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    @property
    def exit_code(self) -> int:
        if self.failed or self.report_error or (self.partial and not self.allow_partial):
            return 1
        return 0

    def line(self) -> str:
        """The summary: documents, ok, each kind of skip with its count, failed, time and rate."""
        seconds = self.seconds or (time.perf_counter() - self.started)
        rate = self.documents / seconds if seconds > 0 else 0.0
        parts = [f"{self.documents} documents", f"{self.ok} ok", f"{self.failed} failed"]
        for code in (*IDEMPOTENT, "stale-version"):
            if self.skipped.get(code):
                parts.append(f"{self.skipped[code]} {_WORDS[code]}")
        other = {c: n for c, n in sorted(self.skipped.items()) if c not in _WORDS}
        if other:
            reasons = ", ".join(f"{n} {c}" for c, n in other.items())
            parts.append(f"{sum(other.values())} skipped ({reasons})")
        if self.partial:
            parts.append(f"{self.partial} with a translation missing")
        text = ", ".join(parts) + f"; {self.files_written} files written in {seconds:.2f} s ({rate:.1f} docs/s)"
        if self.ignored:
            text += f"; {len(self.ignored)} unsupported file(s) ignored"
        return text

    def finish(self) -> RunReport:
        """Stop the clock, append the last index lines, and write ``failures.jsonl`` (or remove
        a stale one) into ``outdir``."""
        self.seconds = time.perf_counter() - self.started
        self.flush()
        if self.outdir is not None and self.keep_failures:
            try:
                write_failures(self.outdir, self.failures)
            except OutputError as exc:
                self.report_error = str(exc)
        return self


def new_run_id() -> str:
    """A run's id: its start time (UTC) and a random part, e.g. ``20250301T100000Z-3f9a1c``."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)


def index_record(result: Result, run_id: str) -> dict[str, object]:
    """The index line of one document (see the module documentation)."""
    outputs = result.outputs  # outputs only: the worker leaves out the name records
    record: dict[str, object] = {
        "run": run_id,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "input": result.source,
        "id": result.id,
        "story": result.story,
        "status": result.status,
        "code": result.code,
        "outputs": [o.name for o in outputs],
        "written": sum(1 for o in outputs if o.written) if result.status == "ok" else 0,
    }
    if result.status != "ok":
        record["message"] = result.message
    return record


def failure_record(result: Result) -> dict[str, object]:
    return {
        "input": result.source,
        "id": result.id,
        "status": result.status,
        "code": result.code,
        "error": result.message,
        "processor": result.processor,
    }


def write_failures(outdir: str | os.PathLike[str], failures: list[Result]) -> Path | None:
    """Write ``failures.jsonl`` (one line per failed input, and per input skipped for a reason
    of its own), or remove a stale one."""
    path = Path(outdir) / FAILURES_FILE
    if not failures:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise OutputError(f"cannot remove a stale failures file: {exc.strerror}", path=str(path)) from None
        return None
    atomic_write(path, "".join(json_dumps(failure_record(r)) + "\n" for r in failures))
    return path


__all__ = ["FAILURES_FILE", "IDEMPOTENT", "INDEX_FILE", "PARTIAL", "RunReport", "index_record", "write_failures"]
