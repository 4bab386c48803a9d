"""Batch conversion: inputs -> pipeline -> atomic outputs, optionally in a process pool.

This is the library behind ``toolkit convert``. It streams: documents are read lazily,
sent to the pipeline in batches, written as soon as they are done, and only counters and
failures are kept, so memory does not grow with the number of documents.

With ``jobs > 1`` the main process reads inputs and hands batches of documents to worker
processes; each worker builds the pipeline and the output format once, processes its
batch, writes the outputs itself and returns a small result per document.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .document import Document
from .errors import OutputError, error_record
from .io.readers import ReadOptions, Source, iter_sources, read_source
from .io.writers import OutputDir, Rendered, atomic_write
from .pipeline import PipelineError, PipelineSpec, chunks
from .registry import FORMATS
from .text import json_dumps

FAILURES_FILE = "failures.jsonl"


@dataclass(frozen=True, slots=True)
class OutputSpec:
    """A picklable description of where and how outputs are written."""

    outdir: str
    format: str = "jsonl"
    options: dict[str, Any] = field(default_factory=dict)
    fsync: bool = True

    def fingerprint(self, pipeline: PipelineSpec) -> str:
        """Identifies the configuration that produced an output (for ``--resume``)."""
        config = {
            "toolkit": __version__,
            "steps": [[s.name, dict(s.options)] for s in pipeline.steps],
            "format": self.format,
            "options": self.options,
        }
        blob = json.dumps(config, sort_keys=True, default=str).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()[:16]

    def build(self, pipeline: PipelineSpec) -> OutputDir:
        fmt = FORMATS.create(self.format, outdir=self.outdir, **self.options)
        return OutputDir(self.outdir, fmt, fingerprint=self.fingerprint(pipeline), fsync=self.fsync)


@dataclass(slots=True)
class DocResult:
    """What happened to one document (small: this is what workers send back)."""

    source: str | None
    id: str
    status: str  # "ok" | "failed" | "skipped" | "resumed"
    outputs: list[str] = field(default_factory=list)
    error: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json_dumps(asdict(self))


@dataclass(slots=True)
class BatchSummary:
    documents: int = 0
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    resumed: int = 0
    ignored: list[str] = field(default_factory=list)  # files no reader handles
    seconds: float = 0.0
    failures: list[DocResult] = field(default_factory=list)
    stopped_early: bool = False  # fail-fast stopped the run
    report_error: str | None = None  # failures.jsonl could not be written (e.g. disk full)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or self.report_error else 0

    def add(self, result: DocResult) -> None:
        self.documents += 1
        if result.status == "ok":
            self.ok += 1
        elif result.status == "resumed":
            self.resumed += 1
        elif result.status == "skipped":
            self.skipped += 1
            self.failures.append(result)
        else:
            self.failed += 1
            self.failures.append(result)

    def line(self) -> str:
        rate = self.documents / self.seconds if self.seconds > 0 else 0.0
        parts = [f"{self.documents} documents", f"{self.ok} ok", f"{self.failed} failed"]
        if self.skipped:
            parts.append(f"{self.skipped} skipped")
        if self.resumed:
            parts.append(f"{self.resumed} already done")
        text = ", ".join(parts) + f" in {self.seconds:.2f} s ({rate:.1f} docs/s)"
        if self.ignored:
            text += f"; {len(self.ignored)} unsupported file(s) ignored"
        return text


def result_of(doc: Document, outputs: list[str] | None = None) -> DocResult:
    status = doc.status
    error = None
    if doc.errors:
        e = doc.errors[0]
        error = {"code": e.code, "message": e.message, "processor": e.processor, "type": e.type}
    elif doc.skipped is not None:
        s = doc.skipped
        error = {"code": s.code, "message": s.message, "processor": s.processor, "type": None}
    return DocResult(doc.source, doc.id, status, outputs or [], error, [w.message for w in doc.warnings])


class Converter:
    """Runs one pipeline into one output directory (used in-process and by each worker)."""

    def __init__(self, pipeline: PipelineSpec, output: OutputSpec, *, fail_fast: bool = False) -> None:
        self.pipeline_spec = pipeline
        self.pipeline = pipeline.build(fail_fast=fail_fast)
        self.outdir = output.build(pipeline)
        self.fail_fast = fail_fast

    def run(self, docs: list[Document]) -> list[DocResult]:
        """Process one batch and write it; one result per document, in order."""
        try:
            processed = list(self.pipeline.pipe(docs))
        except PipelineError as exc:  # fail-fast
            record = error_record(exc.cause, processor=exc.step)
            return [DocResult(exc.doc.source, exc.doc.id, "failed", [], record)]
        rendered: list[tuple[Document, list[Rendered]]] = []
        for doc in processed:
            if doc.status != "ok":
                continue
            try:
                rendered.append((doc, self.outdir.render(doc)))
            except Exception as exc:  # a rendering/validation error fails this document only
                self._fail(doc, exc)
        written = dict(zip((id(d) for d, _ in rendered), self.outdir.write_batch(rendered), strict=True))
        results = []
        for doc in processed:
            outcome = written.get(id(doc))
            if isinstance(outcome, OutputError):
                self._fail(doc, outcome)
                outcome = None
            results.append(result_of(doc, outcome))
            if self.fail_fast and doc.status == "failed":
                break
        return results

    def _fail(self, doc: Document, exc: BaseException) -> None:
        record = error_record(exc, processor="write")
        doc.add_error(record["code"] or "output", record["message"] or "", processor="write", type=record["type"])


# -- worker processes --------------------------------------------------------------------------

_WORKER: Converter | None = None


def _init_worker(pipeline: PipelineSpec, output: OutputSpec, fail_fast: bool, jobs: int) -> None:
    global _WORKER
    from .translate.threads import available_cpus, set_cpu_budget

    set_cpu_budget(max(1, available_cpus() // jobs))  # N workers never start N x cores threads
    _WORKER = Converter(pipeline, output, fail_fast=fail_fast)


def _work(docs: list[Document]) -> list[DocResult]:
    assert _WORKER is not None, "worker not initialised"
    return _WORKER.run(docs)


# -- the batch ----------------------------------------------------------------------------------


def _documents(sources: Iterable[Source], options: ReadOptions, summary: BatchSummary) -> Iterator[Document]:
    for source in sources:
        if not source.supported:
            summary.ignored.append(source.display)
            continue
        yield from read_source(source, options)


def convert(
    inputs: Iterable[str],
    pipeline: PipelineSpec,
    output: OutputSpec,
    *,
    jobs: int = 1,
    resume: bool = False,
    fail_fast: bool = False,
    read_options: ReadOptions | None = None,
    on_result: Callable[[DocResult], None] | None = None,
) -> BatchSummary:
    """Convert every input document; return a summary (failures included).

    Raises :class:`~toolkit.errors.ConfigError` for usage errors (missing input, unknown
    processor or format) before any document is processed.
    """
    started = time.perf_counter()
    summary = BatchSummary()
    read_options = read_options or ReadOptions()
    sources = iter_sources(inputs, exclude=[output.outdir])
    converter_local = Converter(pipeline, output, fail_fast=fail_fast) if jobs <= 1 else None
    probe = converter_local.outdir if converter_local else output.build(pipeline)  # validates the format now
    probe.prepare()

    def report(result: DocResult) -> bool:
        summary.add(result)
        if on_result is not None:
            on_result(result)
        return fail_fast and result.status == "failed"

    # With a pool, what is known while reading (unreadable inputs, documents already done)
    # waits in `met` and is reported just before the results of the batch being read, so
    # results (and failures.jsonl) come in the same order whatever the number of jobs.
    met: list[DocResult] | None = [] if converter_local is None else None

    def pending_docs() -> Iterator[Document]:
        for doc in _documents(sources, read_options, summary):
            if doc.status != "ok":  # unreadable input: report it here, it never reaches a worker
                if met is not None and not fail_fast:
                    met.append(result_of(doc))
                elif report(result_of(doc)):
                    summary.stopped_early = True
                    return
                continue
            if resume and probe.is_complete(doc.id):
                done = DocResult(doc.source, doc.id, "resumed")
                if met is not None:
                    met.append(done)
                else:
                    report(done)
                continue
            yield doc

    batches = chunks(pending_docs(), pipeline.batch_size)
    if converter_local is not None:
        for batch in batches:
            if any(report(r) for r in converter_local.run(batch)):
                summary.stopped_early = True
                break
    else:
        assert met is not None
        _run_pool(batches, met, pipeline, output, jobs, fail_fast, report, summary)

    summary.seconds = time.perf_counter() - started
    try:
        write_failures(output.outdir, summary.failures)
    except OutputError as exc:
        summary.report_error = str(exc)
    return summary


def _run_pool(
    batches: Iterator[list[Document]],
    met: list[DocResult],
    pipeline: PipelineSpec,
    output: OutputSpec,
    jobs: int,
    fail_fast: bool,
    report: Callable[[DocResult], bool],
    summary: BatchSummary,
) -> None:
    """Feed batches to the workers, at most ``2 * jobs`` at a time (memory stays flat), and
    report their results in input order (each batch's after what was met reading it)."""
    with ProcessPoolExecutor(
        max_workers=jobs, initializer=_init_worker, initargs=(pipeline, output, fail_fast, jobs)
    ) as pool:
        in_flight: deque[tuple[list[DocResult], Future[list[DocResult]]]] = deque()

        def report_oldest() -> bool:
            before, future = in_flight.popleft()
            stop = False
            for result in (*before, *future.result()):
                stop = report(result) or stop
            return stop

        stop = False
        for batch in batches:
            in_flight.append((met[:], pool.submit(_work, batch)))
            met.clear()
            if len(in_flight) >= 2 * jobs:
                stop = report_oldest()
                if stop:
                    break
        while in_flight and not stop:
            stop = report_oldest()
        if stop:
            summary.stopped_early = True
            for _, fut in in_flight:
                fut.cancel()
        else:
            for result in met:  # met after the last batch
                report(result)
            met.clear()


def write_failures(outdir: str | os.PathLike[str], failures: list[DocResult]) -> Path | None:
    """Write ``failures.jsonl`` (one line per failed or skipped input), or remove a stale one."""
    path = Path(outdir) / FAILURES_FILE
    if not failures:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise OutputError(f"cannot remove a stale failures file: {exc.strerror}", path=str(path)) from None
        return None
    lines = []
    for r in failures:
        error = r.error or {}
        lines.append(
            json_dumps(
                {
                    "input": r.source,
                    "id": r.id,
                    "status": r.status,
                    "code": error.get("code"),
                    "error": error.get("message"),
                    "processor": error.get("processor"),
                }
            )
        )
    atomic_write(path, "\n".join(lines) + "\n")
    return path
