"""Batch conversion: inputs -> pipeline -> atomic outputs, optionally in a process pool.

This is the library behind ``toolkit convert``. It streams: documents are read lazily,
sent to the pipeline in batches, written as soon as they are done, and only counters and
failures are kept, so memory does not grow with the number of documents.

With ``jobs > 1`` the main process lists the inputs and hands batches to worker processes:
batches of small files, which the worker reads itself (reading and decoding are then done in
parallel too, and nothing but file names crosses between processes), and batches of documents
of large files (a big JSONL or feed), which the main process reads and shares out so that one
file is still processed by every worker. Each worker builds the pipeline and the output
format once, processes its batch, writes the outputs itself and returns a small result per
document, in input order.
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
from .pipeline import PipelineError, PipelineSpec
from .registry import FORMATS
from .text import json_dumps

FAILURES_FILE = "failures.jsonl"
#: With a pool, files up to this size are read by the workers; larger ones by the main
#: process, which shares their documents out in batches.
WORKER_READ_BYTES = 1 << 20


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


def _work_sources(sources: list[Source], options: ReadOptions, resume: bool) -> list[DocResult]:
    """Read a batch of files and process their documents; one result per document, in input
    order (read failures and documents already done in place)."""
    assert _WORKER is not None, "worker not initialised"
    known = _known(_WORKER.outdir, resume)
    docs = [doc for source in sources for doc in read_source(source, options)]
    slots = [known(doc) for doc in docs]
    batch = [doc for doc, slot in zip(docs, slots, strict=True) if slot is None]
    return _merge(slots, _WORKER.run(batch) if batch else [])


def _known(outdir: OutputDir, resume: bool) -> Callable[[Document], DocResult | None]:
    """The result of a document that needs no processing (unreadable, or done by an earlier
    run with ``--resume``), else None."""

    def known(doc: Document) -> DocResult | None:
        if doc.status != "ok":
            return result_of(doc)
        if resume and outdir.is_complete(doc.id):
            return DocResult(doc.source, doc.id, "resumed")
        return None

    return known


def _in_order(
    docs: Iterable[Document], size: int, fail_fast: bool, known: Callable[[Document], DocResult | None]
) -> Iterator[tuple[list[DocResult | None], list[Document]]]:
    """Cut documents into batches of at most ``size`` to process, each with its slots: the
    results known already, and None where the next processed result goes (see :func:`_merge`).
    With ``fail_fast`` an unreadable document ends the batch and the stream: nothing after it is
    read (or sent to a worker)."""
    slots: list[DocResult | None] = []
    batch: list[Document] = []
    for doc in docs:
        result = known(doc)
        slots.append(result)
        if result is None:
            batch.append(doc)
        if fail_fast and result is not None and result.status == "failed":
            yield slots, batch
            return
        if len(batch) >= size:
            yield slots, batch
            slots, batch = [], []
    if slots:
        yield slots, batch


def _merge(slots: list[DocResult | None], processed: list[DocResult]) -> list[DocResult]:
    """The results of a batch in input order. Processing that stopped early (fail-fast) gives
    fewer results: the batch ends there."""
    results = iter(processed)
    out: list[DocResult] = []
    for slot in slots:
        if slot is None:
            slot = next(results, None)
            if slot is None:
                break
        out.append(slot)
    return out


# -- the batch ----------------------------------------------------------------------------------


def _supported(sources: Iterable[Source], summary: BatchSummary) -> Iterator[Source]:
    """The sources a reader handles; the others are counted as ignored."""
    for source in sources:
        if source.supported:
            yield source
        else:
            summary.ignored.append(source.display)


def _documents(sources: Iterable[Source], options: ReadOptions, summary: BatchSummary) -> Iterator[Document]:
    for source in _supported(sources, summary):
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
    sources = iter_sources(inputs, exclude=[output.outdir], follow_links=read_options.follow_links)
    converter_local = Converter(pipeline, output, fail_fast=fail_fast) if jobs <= 1 else None
    probe = converter_local.outdir if converter_local else output.build(pipeline)  # validates the format now
    probe.prepare()

    def report(result: DocResult) -> bool:
        summary.add(result)
        if on_result is not None:
            on_result(result)
        return fail_fast and result.status == "failed"

    # Results are reported in input order, whatever the number of jobs: documents that need no
    # processing (unreadable, or done with --resume) in their place among the processed ones.
    known = _known(probe, resume)
    if converter_local is not None:
        for slots, batch in _in_order(
            _documents(sources, read_options, summary), pipeline.batch_size, fail_fast, known
        ):
            if any(report(r) for r in _merge(slots, converter_local.run(batch) if batch else [])):
                summary.stopped_early = True
                break
    else:
        if fail_fast:  # stops at the first failure: documents are read here, one batch at a time
            docs = _documents(sources, read_options, summary)
            tasks: Iterator[_Task] = (
                (slots, _work, (batch,)) for slots, batch in _in_order(docs, pipeline.batch_size, True, known)
            )
        else:
            tasks = _pool_tasks(sources, read_options, resume, summary, pipeline.batch_size, known)
        _run_pool(tasks, pipeline, output, jobs, fail_fast, report, summary)
    probe.finish()

    summary.seconds = time.perf_counter() - started
    try:
        write_failures(output.outdir, summary.failures)
    except OutputError as exc:
        summary.report_error = str(exc)
    return summary


#: A pool task: (the slots of its results or None when the worker returns them all in order,
#: the function, its arguments).
_Task = tuple[list[DocResult | None] | None, Callable[..., list[DocResult]], tuple[Any, ...]]


def _pool_tasks(
    sources: Iterator[Source],
    options: ReadOptions,
    resume: bool,
    summary: BatchSummary,
    size: int,
    known: Callable[[Document], DocResult | None],
) -> Iterator[_Task]:
    """The pool's tasks, in input order: runs of small files, which the worker reads
    (``_work_sources``), and batches of the documents of a large file, read here (``_work``)."""
    files: list[Source] = []
    for source in _supported(sources, summary):
        try:
            small = source.path is not None and os.stat(source.path).st_size <= WORKER_READ_BYTES
        except OSError:
            small = True  # the worker reports why it cannot be read
        if small:
            files.append(source)
            if len(files) >= size:
                yield None, _work_sources, (files, options, resume)
                files = []
            continue
        if files:
            yield None, _work_sources, (files, options, resume)
            files = []
        for slots, batch in _in_order(read_source(source, options), size, False, known):
            yield slots, _work, (batch,)
    if files:
        yield None, _work_sources, (files, options, resume)


def _run_pool(
    tasks: Iterator[_Task],
    pipeline: PipelineSpec,
    output: OutputSpec,
    jobs: int,
    fail_fast: bool,
    report: Callable[[DocResult], bool],
    summary: BatchSummary,
) -> None:
    """Feed tasks to the workers, at most ``2 * jobs`` at a time (memory stays flat), and
    report their results in input order."""
    with ProcessPoolExecutor(
        max_workers=jobs, initializer=_init_worker, initargs=(pipeline, output, fail_fast, jobs)
    ) as pool:
        in_flight: deque[tuple[list[DocResult | None] | None, Future[list[DocResult]]]] = deque()

        def report_oldest() -> bool:
            slots, future = in_flight.popleft()
            results = future.result() if slots is None else _merge(slots, future.result())
            return any(report(result) for result in results)

        stop = False
        for slots, fn, args in tasks:
            in_flight.append((slots, pool.submit(fn, *args)))
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
