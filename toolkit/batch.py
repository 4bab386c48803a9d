"""Batch conversion on one machine: inputs -> workers -> outputs, in this process or a pool.

This is the engine behind ``toolkit convert``. It cuts the inputs into tasks and runs each
on a :class:`~toolkit.worker.Worker` (the same runner every command and engine uses), in
this process or in a :class:`~toolkit.pool.WorkerPool` of ``jobs`` processes, and feeds the
results, in input order, to one :class:`~toolkit.report.RunReport`. It streams: inputs are
listed lazily, and only counters and failures are kept, so memory does not grow with the
number of documents.

Tasks are runs of small files, which the worker reads itself (reading and decoding then run
in parallel too, and nothing but file names crosses between processes), and batches of the
documents of a large file (a big JSONL or feed), which this process reads and shares out so
that one file is still processed by every worker.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator

from .document import Document
from .inputs import Input
from .io.readers import ReadOptions, Source, iter_sources, read_source
from .pipeline import PipelineSpec, chunks
from .pool import WorkerPool
from .report import RunReport
from .worker import OutputSpec, Result, Worker

#: With a pool, files up to this size are read by the workers; larger ones by this process,
#: which shares their documents out in batches.
WORKER_READ_BYTES = 1 << 20


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _supported(sources: Iterable[Source], report: RunReport) -> Iterator[Source]:
    for source in sources:
        if source.supported:
            yield source
        else:
            report.ignored.append(source.display)


def documents(sources: Iterable[Source], options: ReadOptions, report: RunReport) -> Iterator[Document]:
    """Every document of the supported sources, read lazily (unsupported files are counted)."""
    for source in _supported(sources, report):
        yield from read_source(source, options)


def pool_tasks(sources: Iterable[Source], size: int, options: ReadOptions, report: RunReport) -> Iterator[list[Input]]:
    """A pool's tasks in input order: runs of at most ``size`` small files (read by the worker),
    and batches of the documents of files over :data:`WORKER_READ_BYTES` and of stdin (read here)."""
    files: list[Input] = []
    for source in _supported(sources, report):
        large = True  # stdin: read here
        if source.path is not None:
            try:
                large = os.stat(source.path).st_size > WORKER_READ_BYTES
            except OSError:
                large = False  # the worker reports why it cannot be read
        if not large:
            files.append(source)
            if len(files) >= size:
                yield files
                files = []
            continue
        if files:
            yield files
            files = []
        yield from chunks(read_source(source, options), size)
    if files:
        yield files


def _feed(
    report: RunReport, on_result: Callable[[Result], None] | None, fail_fast: bool
) -> Callable[[list[Result]], bool]:
    """A function taking a batch's results into the report (and ``on_result``); True to stop."""

    def take(results: list[Result]) -> bool:
        for result in results:
            report.add(result)
            if on_result is not None:
                on_result(result)
            if fail_fast and result.status == "failed":
                report.stopped = "fail-fast"
                return True
        return False

    return take


def run_documents(
    worker: Worker,
    docs: Iterable[Document],
    *,
    report: RunReport | None = None,
    on_result: Callable[[Result], None] | None = None,
) -> RunReport:
    """Run ``worker`` in this process over documents already being read, in batches of the
    pipeline's batch size; see :func:`run`."""
    report = report if report is not None else RunReport()
    take = _feed(report, on_result, worker.fail_fast)
    try:
        with worker:
            for batch in chunks(docs, worker.pipeline_spec.batch_size):
                if take(worker.process_documents(batch)):
                    break
    except KeyboardInterrupt:
        report.stopped = "interrupted"
        report.finish()
        raise
    return report.finish()


def run(
    worker: Worker,
    sources: Iterable[Source],
    *,
    jobs: int = 1,
    report: RunReport | None = None,
    on_result: Callable[[Result], None] | None = None,
) -> RunReport:
    """Run ``worker`` over every document of ``sources``, in this process or in a pool of
    ``jobs`` processes; feed each result, in input order, to ``report`` (and ``on_result``).

    Usage errors (an unknown processor, format or option) raise
    :class:`~toolkit.errors.ConfigError` before any document is processed. A worker made with
    ``fail_fast`` stops the run at the first failed document, in this process (so nothing
    after it is written). On Ctrl-C (``KeyboardInterrupt``) the report says so (``stopped``)
    and is finished with what was done; the exception goes on to the caller.
    """
    report = report if report is not None else RunReport()
    if jobs <= 1 or worker.fail_fast:
        return run_documents(
            worker, documents(sources, worker.read_options, report), report=report, on_result=on_result
        )
    worker.validate()  # usage errors here, before any process starts
    pool = WorkerPool(worker, jobs, cpus_each=max(1, available_cpus() // jobs))  # never N x the cores
    tasks = pool_tasks(sources, worker.pipeline_spec.batch_size, worker.read_options, report)
    try:
        pool.run(tasks, _feed(report, on_result, fail_fast=False))
    except KeyboardInterrupt:
        report.stopped = "interrupted"
        report.finish()
        raise
    return report.finish()


def convert(
    inputs: Iterable[str],
    pipeline: PipelineSpec,
    output: OutputSpec,
    *,
    jobs: int = 1,
    resume: bool = False,
    fail_fast: bool = False,
    read_options: ReadOptions | None = None,
    on_result: Callable[[Result], None] | None = None,
    report: RunReport | None = None,
) -> RunReport:
    """Convert every document of ``inputs`` (files, folders, globs, ``-``) into ``output``;
    return the run's report (see :func:`run`). The output folder is never read as input."""
    read_options = read_options or ReadOptions()
    worker = Worker(pipeline, output, resume=resume, fail_fast=fail_fast, read_options=read_options)
    exclude = [output.outdir] if output.outdir else []
    sources = iter_sources(inputs, exclude=exclude, follow_links=read_options.follow_links)
    return run(worker, sources, jobs=jobs, report=report or RunReport(output.outdir), on_result=on_result)


__all__ = ["WORKER_READ_BYTES", "available_cpus", "convert", "documents", "pool_tasks", "run", "run_documents"]
