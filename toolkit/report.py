"""One report per run, whoever runs the workers: the counts, the summary line, ``failures.jsonl``.

An engine (the local process pool, a Dask client, a stream consumer) feeds every
:class:`~toolkit.worker.Result` to one :class:`RunReport`, in input order where it has
one, and finishes it once: so a run has one summary and one ``failures.jsonl`` however
many workers, partitions or calls it took.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .errors import OutputError
from .io.writers import atomic_write
from .text import json_dumps
from .worker import Result

FAILURES_FILE = "failures.jsonl"
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
    report_error: str | None = None  # failures.jsonl could not be written (e.g. disk full)
    started: float = field(default_factory=time.perf_counter)
    seconds: float = 0.0

    def add(self, result: Result) -> None:
        self.documents += 1
        if result.status == "ok":
            self.ok += 1
        elif result.status == "skipped":
            self.skipped[result.code or "skipped"] += 1
            if result.code not in IDEMPOTENT:
                self.failures.append(result)
        else:
            self.failed += 1
            self.failures.append(result)
        if any(w.code == PARTIAL for w in result.warnings):
            self.partial += 1
        self.files_written += sum(1 for o in result.outputs if o.written) if result.status == "ok" else 0

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
        """Stop the clock and write ``failures.jsonl`` (or remove a stale one) into ``outdir``."""
        self.seconds = time.perf_counter() - self.started
        if self.outdir is not None:
            try:
                write_failures(self.outdir, self.failures)
            except OutputError as exc:
                self.report_error = str(exc)
        return self


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


__all__ = ["FAILURES_FILE", "IDEMPOTENT", "PARTIAL", "RunReport", "write_failures"]
