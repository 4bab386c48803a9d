"""Batch conversion on a Dask cluster (``toolkit convert --dask local:N | tcp://HOST:PORT``).

The same :class:`~toolkit.worker.Worker` as every other command runs on each Dask worker
process; this module only cuts the inputs into shards, hands them to the cluster, and feeds
the results, in input order, to one :class:`~toolkit.report.RunReport` as shards finish.

* **Setup once per worker process**: a Dask worker plugin (:class:`ToolkitPlugin`) sets the
  toolkit worker up when the Dask worker starts (models loaded, output opened, with the
  worker's own cores for translation), and again on every worker that joins or is restarted.
  Processors and formats registered in this process (``PROCESSORS.register``) are registered
  there too. A process runs one shard at a time.
* **Shards**: whole batches (``batch_size`` inputs, as ``--jobs`` cuts them) grouped up to
  ``shard_batches`` batches and ``shard_bytes`` bytes. Small files travel as names and are read
  by the worker; a large JSONL file travels as byte ranges of ``batch_size`` records each (this
  process reads it once to find them); another large file (a feed) is read here and its
  documents travel in batches.
* **Recomputation is harmless**: outputs are idempotent (the same names, and a version is only
  added when the content changed), and each batch's results are recorded next to the outputs
  (``.toolkit/runs/RUN/``) as soon as it is written, so a shard run again (Dask re-runs a task
  whose result sat on a worker that died) returns the same results and every document is
  counted once.
* **A worker that dies** inside a shard: Dask runs the shard again (once, on a cluster this
  module starts), keeping the batches it had finished; when it kills a worker again, the rest
  of its inputs run one by one, and an input that kills a worker alone fails (``worker-died``),
  as with ``--jobs``.

Dask is imported only when a cluster is used (``pip install 'toolkit[dask]'``).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .batch import available_cpus
from .document import Document
from .errors import ConfigError, ToolkitError
from .inputs import Input
from .io.objectstore import (
    INSTALL_HINT,
    META,
    ObjectStoreSink,
    RemoteFile,
    filesystem,
    local_path,
    read_remote,
)
from .io.readers import ReadOptions, Source
from .pipeline import PipelineSpec
from .registry import FORMATS, PROCESSORS
from .report import RunReport, failure_record
from .shards import SHARD_BATCHES, SHARD_BYTES, Item, Lines, batches, read_lines, shards, sources
from .text import json_dumps
from .worker import OutputSpec, Result, Worker

#: Scheduler setting of the clusters started here: a shard whose worker died is run again
#: once by Dask before its inputs are run one by one.
LOCAL_ALLOWED_FAILURES = 1
#: Times a shard is sent again when its result was lost or it only waited on a dying worker.
RESUBMIT_LIMIT = 5


class EngineError(ToolkitError):
    """The cluster cannot run the toolkit (a worker without its setup, a lost scheduler)."""

    code = "engine"


# -- on the workers -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Ledger:
    """Each finished batch's results (``KEY-N.json``), kept beside the outputs until the run
    ends, so a shard run again answers what it answered the first time (a lost record only
    means the batch runs again); ``KEY.started`` marks an input run alone that started."""

    root: str  # a local folder or a URL
    storage_options: Mapping[str, Any] = field(default_factory=dict)

    def _fs(self) -> tuple[Any, str]:
        return filesystem(self.root, self.storage_options)

    def get(self, key: str) -> list[Result] | None:
        fs, root = self._fs()
        try:
            data = fs.cat_file(f"{root}/{key}.json")
            return [Result.from_dict(r) for r in json.loads(data)]
        except Exception:  # missing, torn or unreadable: run the shard
            return None

    def put(self, key: str, results: list[Result]) -> None:
        fs, root = self._fs()
        with contextlib.suppress(Exception):
            fs.pipe_file(f"{root}/{key}.json", json.dumps([Result.to_dict(r) for r in results]).encode("utf-8"))

    def start(self, key: str) -> None:
        """Note that a shard started running (its worker dying then is its own doing)."""
        fs, root = self._fs()
        with contextlib.suppress(Exception):
            fs.pipe_file(f"{root}/{key}.started", b"")

    def started(self, key: str) -> bool:
        fs, root = self._fs()
        try:
            return bool(fs.exists(f"{root}/{key}.started"))
        except Exception:
            return True

    def create(self) -> None:
        fs, root = self._fs()
        fs.makedirs(root, exist_ok=True)

    def remove(self) -> None:
        """Remove this run's records (and the folder of runs, when no other run uses it)."""
        fs, root = self._fs()
        with contextlib.suppress(Exception):
            fs.rm(root, recursive=True)
        with contextlib.suppress(Exception):
            fs.rmdir(root.rstrip("/").rsplit("/", 1)[0])


def _registered() -> list[tuple[str, str, Any]]:
    """Processors and formats registered in this process (not built in, not entry points)."""
    out = []
    for kind, registry in (("processor", PROCESSORS), ("format", FORMATS)):
        for entry in registry.entries():
            if entry.origin == "registered":
                out.append((kind, entry.name, entry.target))
    return out


def _worker_plugin_base() -> type:
    try:
        from distributed import WorkerPlugin
    except ImportError:  # pragma: no cover - only without the extra
        return object
    return WorkerPlugin  # type: ignore[no-any-return]


class ToolkitPlugin(_worker_plugin_base()):  # type: ignore[misc]
    """Sets a toolkit :class:`~toolkit.worker.Worker` up once in each Dask worker process and
    runs shards on it, one at a time (see the module documentation)."""

    def __init__(
        self,
        worker: Worker,
        *,
        cpus: int | None = None,
        storage_options: Mapping[str, Any] | None = None,
        ledger: Ledger | None = None,
        registered: Sequence[tuple[str, str, Any]] = (),
    ) -> None:
        self.worker = worker
        self.cpus = cpus
        self.storage_options = dict(storage_options or {})
        self.ledger = ledger
        self.registered = list(registered)
        self._lock: threading.Lock | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_lock"] = None
        return state

    async def setup(self, worker: Any) -> None:
        """Register what the client registered, then set the toolkit up (models loaded) in a
        thread, so that the Dask worker goes on answering the scheduler meanwhile."""
        import asyncio

        for kind, name, factory in self.registered:
            (PROCESSORS if kind == "processor" else FORMATS).register(name, factory)
        if self._lock is None:
            self._lock = threading.Lock()
        state = getattr(worker, "state", None)
        cpus = self.cpus or getattr(state, "nthreads", None) or getattr(worker, "nthreads", None) or 1
        await asyncio.get_running_loop().run_in_executor(None, self._setup, cpus)

    def _setup(self, cpus: int) -> None:
        assert self._lock is not None
        with self._lock:
            self.worker.setup(cpus=cpus)

    def teardown(self, worker: Any) -> None:
        with contextlib.suppress(Exception):
            self.worker.close()

    def read(self, item: Item) -> list[Input]:
        if isinstance(item, RemoteFile):
            return list(read_remote(item, self.worker.read_options, self.storage_options))
        if isinstance(item, Lines):
            return list(read_lines(item, self.storage_options))
        return [item]

    def run(self, key: str, shard: list[list[Item]]) -> list[Result]:
        if self._lock is None:
            self._lock = threading.Lock()
        with self._lock:
            if self.ledger is not None and "." in key:  # an input run alone after a worker died
                self.ledger.start(key)
            results: list[Result] = []
            for i, batch in enumerate(shard):
                done = self.ledger.get(f"{key}-{i}") if self.ledger is not None else None
                if done is None:
                    done = self.worker.process([x for item in batch for x in self.read(item)])
                    if self.ledger is not None:
                        self.ledger.put(f"{key}-{i}", done)
                results.extend(done)
            return results


def run_shard(plugin: str, key: str, shard: list[list[Item]]) -> list[Result]:
    """The task: run ``shard`` on this Dask worker's toolkit worker."""
    from distributed import get_worker

    found = get_worker().plugins.get(plugin)
    if found is None:
        raise EngineError(f"the toolkit worker plugin {plugin!r} is not set up on this Dask worker")
    return found.run(key, shard)  # type: ignore[no-any-return]


# -- the driver ---------------------------------------------------------------------------------------


def _failure(item: Item, code: str, message: str) -> Result:
    if isinstance(item, Document):
        doc = item
    else:
        where = item.display if not isinstance(item, Lines) else f"{item.display}:{item.first_line}"
        doc = Document.failed_input(where, ToolkitError(message, path=where))
    return Result("failed", doc.id, doc.source, code, message, "worker")


@dataclass(slots=True)
class _Shard:
    key: str
    batches: list[list[Item]]
    retry: bool = False  # run alone after a worker died with it: dying again fails it
    attempt: int = 0
    results: list[Result] | None = None
    parts: list[_Shard] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return all(p.done for p in self.parts) if self.parts else self.results is not None

    def collect(self) -> list[Result]:
        if self.parts:
            return [r for p in self.parts for r in p.collect()]
        assert self.results is not None
        return self.results


class DaskRun:
    """One run on a cluster: submits shards, a window at a time, and reports them in order."""

    def __init__(
        self,
        client: Any,
        worker: Worker,
        *,
        cpus: int | None = None,
        storage_options: Mapping[str, Any] | None = None,
        ledger: Ledger | None = None,
        window: int | None = None,
    ) -> None:
        self.client = client
        self.worker = worker
        self.storage_options = dict(storage_options or {})
        self.ledger = ledger
        self.run_id = uuid.uuid4().hex[:12]
        self.plugin_name = f"toolkit-{self.run_id}"
        self.plugin = ToolkitPlugin(
            worker, cpus=cpus, storage_options=storage_options, ledger=ledger, registered=_registered()
        )
        threads = sum(client.nthreads().values()) or 1
        self.window = window or max(4, 3 * threads)
        self.deaths = 0
        self._futures: dict[Any, _Shard] = {}

    def run(self, shard_iter: Iterable[list[list[Item]]], take: Callable[[list[Result]], bool]) -> None:
        from distributed import as_completed

        try:
            self.client.register_plugin(self.plugin, name=self.plugin_name)
        except ToolkitError:
            raise
        except Exception as exc:
            raise EngineError(f"the Dask workers could not set the toolkit up: {exc}") from None
        source = iter(shard_iter)
        order: deque[_Shard] = deque()
        pending = as_completed()
        seq = 0
        exhausted = False
        try:
            while True:
                # report first, then refill (as the --jobs pool: the shards reported here may be
                # every shard submitted, and nothing would be left to wait for)
                while order and order[0].done:
                    if take(order.popleft().collect()):
                        return
                while not exhausted and len(self._futures) < self.window and len(order) < 4 * self.window:
                    shard = next(source, None)
                    if shard is None:
                        exhausted = True
                        break
                    task = _Shard(f"{seq:08d}", shard)
                    seq += 1
                    order.append(task)
                    self._submit(task, pending)
                if not order:  # every shard reported
                    return
                future = next(pending)
                self._finished(future, self._futures.pop(future), pending)
        finally:
            if self._futures:
                with contextlib.suppress(Exception):
                    self.client.cancel(list(self._futures))
            self._futures.clear()
            with contextlib.suppress(Exception):
                self.client.unregister_worker_plugin(self.plugin_name)

    def _submit(self, task: _Shard, pending: Any) -> None:
        key = f"toolkit-shard-{self.run_id}-{task.key}-{task.attempt}"
        future = self.client.submit(run_shard, self.plugin_name, task.key, task.batches, key=key, pure=False)
        self._futures[future] = task
        pending.add(future)

    def _finished(self, future: Any, task: _Shard, pending: Any) -> None:
        from distributed.scheduler import KilledWorker

        status, error = future.status, None
        if status == "finished":
            try:
                task.results = future.result()
                return
            except Exception as exc:  # lost on the way back (the worker holding it died)
                error = exc
        elif status == "error":
            error = future.exception()
        if isinstance(error, KilledWorker):
            self.deaths += 1
            self._killed(task, pending)
            return
        if isinstance(error, EngineError):
            raise error
        if status != "error" and task.attempt < RESUBMIT_LIMIT:  # cancelled or lost, not failed: again
            task.attempt += 1
            self._submit(task, pending)
            return
        text = " ".join(str(error).split()) or type(error).__name__
        message = f"internal error: {type(error).__name__}: {text}"
        task.results = [_failure(item, "internal", message) for batch in task.batches for item in batch]

    def _done(self, key: str) -> list[Result] | None:
        return self.ledger.get(key) if self.ledger is not None else None

    def _killed(self, task: _Shard, pending: Any) -> None:
        """Dask gave up on a shard whose workers died: keep its batches that were finished,
        run the others input by input; an input alone that started and died again fails."""
        if task.retry:
            done = self._done(f"{task.key}-0")
            if done is not None:  # it had finished: the worker died before its result was fetched
                task.results = done
            elif self.ledger is not None and not self.ledger.started(task.key) and task.attempt < RESUBMIT_LIMIT:
                task.attempt += 1  # it only waited on a worker that another input killed: again
                self._submit(task, pending)
            else:
                message = "the worker process died while processing this input, on its own too: not written"
                task.results = [_failure(item, "worker-died", message) for batch in task.batches for item in batch]
            return
        for i, batch in enumerate(task.batches):
            done = self._done(f"{task.key}-{i}")
            if done is not None:  # this batch was finished before the worker died
                task.parts.append(_Shard(f"{task.key}-{i}", [], results=done))
                continue
            singles = [x for item in batch for x in self._split(item)]
            task.parts.extend(_Shard(f"{task.key}.{i}.{j}", [[x]], retry=True) for j, x in enumerate(singles))
        for part in task.parts:
            if part.results is None:
                self._submit(part, pending)
        if not task.parts:
            task.results = []

    def _split(self, item: Item) -> list[Item]:
        """An input that can be run alone (a run of JSONL records becomes its documents)."""
        if isinstance(item, Lines):
            return list(read_lines(item, self.storage_options))
        return [item]


def _feed(report: RunReport, on_result: Callable[[Result], None] | None) -> Callable[[list[Result]], bool]:
    def take(results: list[Result]) -> bool:
        for result in results:
            report.add(result)
            if on_result is not None:
                on_result(result)
        return False

    return take


def run(
    worker: Worker,
    sources: Iterable[Source | RemoteFile],
    client: Any,
    *,
    report: RunReport | None = None,
    on_result: Callable[[Result], None] | None = None,
    cpus: int | None = None,
    storage_options: Mapping[str, Any] | None = None,
    ledger: Ledger | None = None,
    shard_batches: int = SHARD_BATCHES,
    shard_bytes: int = SHARD_BYTES,
) -> RunReport:
    """Run ``worker`` over ``sources`` on the cluster of ``client`` (a ``distributed.Client``);
    feed each result, in input order, to ``report`` (and ``on_result``) as shards finish.

    Usage errors raise :class:`~toolkit.errors.ConfigError` before anything is sent. ``cpus``:
    cores each worker process gives translation (default: the Dask worker's threads).
    ``ledger``: where finished shards' results are kept during the run (see :class:`Ledger`).
    On Ctrl-C the report says so (``stopped``) and is finished; the exception goes on.
    """
    report = report if report is not None else RunReport()
    if worker.fail_fast:
        raise ConfigError("--fail-fast runs in one process: run without --dask")
    worker.validate()
    size = worker.pipeline_spec.batch_size
    work = shards(
        batches(sources, size, worker.read_options, report, storage_options),
        max_batches=shard_batches,
        max_bytes=shard_bytes,
    )
    if ledger is not None:
        ledger = replace(ledger, root=f"{ledger.root.rstrip('/')}/{uuid.uuid4().hex[:12]}")
        ledger.create()
    engine = DaskRun(client, worker, cpus=cpus, storage_options=storage_options, ledger=ledger)
    try:
        engine.run(work, _feed(report, on_result))
    except KeyboardInterrupt:
        report.stopped = "interrupted"
        report.finish()
        raise
    finally:
        if ledger is not None:
            ledger.remove()
    return report.finish()


# -- clusters ------------------------------------------------------------------------------------------


def parse_address(address: str) -> tuple[str, int | None]:
    """``("local", N)`` for ``local`` / ``local:N``, ``("remote", None)`` for a scheduler
    address (``tcp://host:8786``, ``tls://...``); a usage error otherwise."""
    if address == "local" or address.startswith("local:"):
        count = address.partition(":")[2]
        if not count:
            return "local", None
        if not count.isdigit() or int(count) < 1:
            raise ConfigError(f"--dask {address}: local:N needs a number of worker processes >= 1")
        return "local", int(count)
    if "://" in address:
        return "remote", None
    raise ConfigError(
        f"--dask {address!r}: give local:N (N worker processes here) or a scheduler address (tcp://HOST:PORT)"
    )


@contextlib.contextmanager
def connect(address: str) -> Iterator[tuple[Any, int | None]]:
    """A ``distributed.Client`` for ``address`` (see :func:`parse_address`) and the cores each
    worker process may use for translation (None: the Dask worker's threads). A cluster
    started here (``local:N``: N processes of one thread) is closed at the end."""
    kind, count = parse_address(address)
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError(f"--dask needs Dask: {INSTALL_HINT}") from None
    if kind == "local":
        n = count or available_cpus()
        settings = {
            "distributed.scheduler.allowed-failures": LOCAL_ALLOWED_FAILURES,
            # background work every few milliseconds that feeds dashboards and diagnostics: with
            # Dask's defaults an idle local:2 cluster costs 8 to 10% of a core, with these 1.5%
            "distributed.worker.profile.enabled": False,
            "distributed.admin.tick.interval": "1s",
            "distributed.admin.system-monitor.interval": "5s",
            "distributed.worker.memory.monitor-interval": "1s",
            "distributed.scheduler.work-stealing-interval": "1s",
            # the environment of --jobs workers: Dask's default MALLOC_TRIM_THRESHOLD_=65536 costs
            # this workload 10 to 30% more CPU per document, and the toolkit sizes its own
            # translation threads (cpus), so no OMP_NUM_THREADS either
            "distributed.nanny.pre-spawn-environ": {},
        }
        with dask.config.set(settings):
            cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address="127.0.0.1:0",  # its HTTP server on a free loopback port
                scheduler_kwargs={"dashboard": False},
                silence_logs=logging.CRITICAL,
            )
        try:
            with Client(cluster) as client:
                yield client, max(1, available_cpus() // n)
        finally:
            cluster.close()
        return
    try:
        client = Client(address, timeout="15s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(f"--dask: cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        yield client, None
    finally:
        client.close()


def output_for(output: OutputSpec, storage_options: Mapping[str, Any] | None = None) -> OutputSpec:
    """``output`` with a URL ``outdir`` resolved: a local folder (``file://``) stays a folder
    (staged renames, fsync, story locks); any other URL becomes an :class:`ObjectStoreSink`."""
    if output.outdir is None:
        return output
    if (path := local_path(output.outdir)) is not None:  # absolute: a worker's current folder is not ours
        return replace(output, outdir=os.path.abspath(path))
    sink = functools.partial(ObjectStoreSink, output.outdir, storage_options=dict(storage_options or {}))
    return replace(output, outdir=None, sink=sink)


def _write_failures(url: str, report: RunReport, storage_options: Mapping[str, Any] | None) -> None:
    sink = ObjectStoreSink(url, storage_options=storage_options)
    try:
        if report.failures:
            sink.put("failures.jsonl", "".join(json_dumps(failure_record(r)) + "\n" for r in report.failures).encode())
        else:
            sink.remove("failures.jsonl")
    except Exception as exc:
        report.report_error = f"{url}/failures.jsonl: cannot write: {exc}"


def convert(
    inputs: Sequence[str],
    pipeline: PipelineSpec,
    output: OutputSpec,
    *,
    dask: str | Any,
    resume: bool = False,
    fail_fast: bool = False,
    read_options: ReadOptions | None = None,
    on_result: Callable[[Result], None] | None = None,
    report: RunReport | None = None,
    storage_options: Mapping[str, Any] | None = None,
    shard_batches: int = SHARD_BATCHES,
    shard_bytes: int = SHARD_BYTES,
) -> RunReport:
    """Convert every document of ``inputs`` (paths, globs, ``-``, fsspec URLs) into ``output``
    (its ``outdir`` a folder or a URL) on a Dask cluster: ``dask`` is an address for
    :func:`connect` or a ``distributed.Client``. One ``failures.jsonl`` and one report, as
    :func:`toolkit.batch.convert`."""
    if fail_fast:
        raise ConfigError("--fail-fast runs in one process: run without --dask")
    url = output.outdir
    resolved = output_for(output, storage_options)
    report = report if report is not None else RunReport()
    report.outdir = resolved.outdir  # failures.jsonl of a URL output is written below
    worker = Worker(pipeline, resolved, resume=resume, read_options=read_options)
    sink = resolved.build_sink(pipeline)
    if isinstance(sink, ObjectStoreSink):
        sink.compact()  # here, before any worker writes
    ledger = None
    if url is not None and not sink.returns_data:
        ledger = Ledger(f"{url.rstrip('/')}/{META}/runs", dict(storage_options or {}))
    listed = sources(list(inputs), url, storage_options)
    with contextlib.ExitStack() as stack:
        if isinstance(dask, str):
            client, cpus = stack.enter_context(connect(dask))
        else:
            client, cpus = dask, None
        run(
            worker,
            listed,
            client,
            report=report,
            on_result=on_result,
            cpus=cpus,
            storage_options=storage_options,
            ledger=ledger,
            shard_batches=shard_batches,
            shard_bytes=shard_bytes,
        )
    if url is not None and resolved.outdir is None:
        _write_failures(url, report, storage_options)
    return report


__all__ = [
    "DaskRun",
    "EngineError",
    "Ledger",
    "ToolkitPlugin",
    "connect",
    "convert",
    "output_for",
    "parse_address",
    "run",
    "run_shard",
]
