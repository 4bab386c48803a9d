"""A pool of worker processes that survives its workers and never outlives its parent.

``concurrent.futures.ProcessPoolExecutor`` breaks as a whole when one worker dies (the
out-of-memory killer, a segfault in a native library): every pending batch fails with
``BrokenProcessPool``. Its workers also live on when the parent is killed. This pool:

* gives each task to one known process, so when a process dies the pool knows which task it
  held: that task's inputs are run again one by one in a new process, and an input that
  kills a process a second time fails alone (``worker-died``); the run goes on;
* makes each worker die with its parent whatever killed the parent (``PR_SET_PDEATHSIG`` on
  Linux; elsewhere a watchdog thread that notices the parent is gone within a second);
* leaves Ctrl-C to the parent (workers ignore SIGINT, so no traceback from them): the parent
  stops the workers and reports what finished;
* returns results in task order, with at most a few tasks per worker outstanding (memory stays
  flat whatever the number of tasks).

Each process sets its :class:`~toolkit.worker.Worker` up once (models loaded once per
process), with its share of the cores.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from .document import Document
from .errors import ToolkitError, error_record
from .inputs import Input
from .io.readers import Source
from .worker import Result, Worker

#: Tasks given to one process ahead of the one it works on (keeps it busy while results travel).
PREFETCH = 1


class WorkerStartError(ToolkitError):
    """A worker process could not set itself up (the error it met is in the message)."""

    code = "worker-start"


def _die_with_parent(parent: int) -> None:
    """End this process when ``parent`` ends, whatever signal killed it."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGKILL, 0, 0, 0) == 0:  # PR_SET_PDEATHSIG
            if os.getppid() != parent:  # the parent died before prctl took effect
                os._exit(1)
            return
    except (OSError, AttributeError):
        pass

    def watch() -> None:  # other systems: poll
        while True:
            if os.getppid() != parent:
                os._exit(1)
            threading.Event().wait(1.0)

    threading.Thread(target=watch, name="toolkit-parent-watch", daemon=True).start()


def _child(conn: Connection, worker: Worker, cpus: int, parent: int) -> None:
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        worker.setup(cpus=cpus)
    except BaseException as exc:  # reported to the parent, which stops the run with it
        conn.send(("error", error_record(exc, processor="setup")))
        return
    conn.send(("ready", None))
    try:
        while True:
            try:
                message = conn.recv()
            except EOFError:
                break
            if message is None:
                break
            seq, items = message
            try:
                results = worker.process(items)
            except Exception as exc:  # a bug outside any document: the task's inputs fail with it
                results = [_failure(item, "internal", f"internal error: {type(exc).__name__}: {exc}") for item in items]
            conn.send((seq, results))
    finally:
        worker.close()


def _failure(item: Input, code: str, message: str) -> Result:
    if isinstance(item, Document):
        doc = item
    else:
        where = item.display if isinstance(item, Source) else str(getattr(item, "name", item))
        doc = Document.failed_input(where, ToolkitError(message, path=where))
    return Result("failed", doc.id, doc.source, code, message, "worker")


@dataclass(slots=True)
class _Task:
    seq: int
    items: list[Input]
    retry: bool = False  # a second try after its process died: dying again fails it
    results: list[Result] | None = None
    parts: list[_Task] = field(default_factory=list)  # after its process died: one task per input

    @property
    def done(self) -> bool:
        if self.parts:
            return all(p.done for p in self.parts)
        return self.results is not None

    def collect(self) -> list[Result]:
        if self.parts:
            return [r for p in self.parts for r in p.collect()]
        assert self.results is not None
        return self.results


class _Process:
    def __init__(self, ctx: Any, worker: Worker, cpus: int) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_child, args=(child, worker, cpus, os.getpid()), daemon=True)
        self.process.start()
        child.close()
        self.ready = False
        self.assigned: deque[_Task] = deque()


def _describe(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-exitcode).name}"
    return f"exit code {exitcode}"


class WorkerPool:
    """``jobs`` processes running one :class:`~toolkit.worker.Worker` each (see the module doc)."""

    def __init__(self, worker: Worker, jobs: int, *, cpus_each: int = 1) -> None:
        self.worker = worker
        self.jobs = max(1, jobs)
        self.cpus_each = cpus_each
        self._ctx = multiprocessing.get_context()
        self._procs: list[_Process] = []
        self.deaths = 0

    def _spawn(self) -> _Process:
        proc = _Process(self._ctx, self.worker, self.cpus_each)
        self._procs.append(proc)
        return proc

    def run(self, tasks: Iterable[list[Input]], on_results: Callable[[list[Result]], bool]) -> None:
        """Run every task; call ``on_results`` with each task's results in task order. It returns
        True to stop the run (the tasks not yet reported are dropped)."""
        source: Iterator[list[Input]] = iter(tasks)
        order: deque[_Task] = deque()  # tasks not yet reported, in order
        queue: deque[_Task] = deque()  # tasks waiting for a process
        limit = self.jobs * (2 + PREFETCH)
        seq = 0
        exhausted = False
        stopped = True
        try:
            for _ in range(self.jobs):
                self._spawn()
            while True:
                # report first, then refill: the tasks reported here (a slow one and all those a
                # faster process finished behind it) may be every task there was
                while order and order[0].done:
                    if on_results(order.popleft().collect()):
                        return
                while not exhausted and len(order) < limit:
                    items = next(source, None)
                    if items is None:
                        exhausted = True
                        break
                    task = _Task(seq, list(items))
                    seq += 1
                    order.append(task)
                    queue.append(task)
                if not order:  # every task reported
                    stopped = False
                    return
                self._dispatch(queue)
                self._wait(queue)
        finally:
            if stopped:  # stopped early (fail-fast, an error, Ctrl-C): what the workers hold is dropped
                self.stop()
            else:
                self.close()

    def _dispatch(self, queue: deque[_Task]) -> None:
        for proc in self._procs:
            while queue and proc.ready and len(proc.assigned) <= PREFETCH:
                task = queue.popleft()
                proc.conn.send((task.seq, task.items))
                proc.assigned.append(task)

    def _wait(self, queue: deque[_Task]) -> None:
        conns = {p.conn: p for p in self._procs}
        sentinels = {p.process.sentinel: p for p in self._procs}
        for ready in wait(list(conns) + list(sentinels)):
            proc = conns.get(ready) or sentinels[ready]  # type: ignore[call-overload]
            if ready in conns:
                try:
                    kind, payload = proc.conn.recv()
                except (EOFError, OSError):
                    continue  # the process is gone: its sentinel says so
                if kind == "ready":
                    proc.ready = True
                elif kind == "error":
                    raise WorkerStartError(f"a worker process could not start: {payload['message']}")
                else:
                    task = proc.assigned.popleft()
                    task.results = payload
            elif not proc.process.is_alive():
                self._buried(proc, queue)

    def _buried(self, proc: _Process, queue: deque[_Task]) -> None:
        """A worker process died: run what it held again (its current task input by input),
        fail an input that killed a process twice, and start a new process."""
        # results it sent before dying are still in the pipe
        with contextlib.suppress(EOFError, OSError):
            while proc.conn.poll():
                kind, payload = proc.conn.recv()
                if kind not in ("ready", "error"):
                    proc.assigned.popleft().results = payload
        self._procs.remove(proc)
        proc.conn.close()
        how = _describe(proc.process.exitcode)
        if not proc.ready:
            raise WorkerStartError(f"a worker process died while starting ({how})")
        self.deaths += 1
        if proc.assigned:
            current = proc.assigned.popleft()
            if current.retry:
                message = f"the worker process died ({how}) while processing this input, twice: not written"
                current.results = [_failure(item, "worker-died", message) for item in current.items]
            else:
                current.parts = [_Task(current.seq, [item], retry=True) for item in current.items]
                queue.extendleft(reversed(current.parts))
            for task in reversed(proc.assigned):  # not started: they go back first in line
                queue.appendleft(task)
        self._spawn()

    def close(self) -> None:
        """Stop every worker process: politely (end of input), then SIGTERM, then SIGKILL."""
        for proc in self._procs:
            with contextlib.suppress(OSError, ValueError):
                proc.conn.send(None)
        for proc in self._procs:
            proc.process.join(timeout=2.0)
            if proc.process.is_alive():
                proc.process.terminate()
                proc.process.join(timeout=1.0)
            if proc.process.is_alive():
                proc.process.kill()
                proc.process.join()
            with contextlib.suppress(OSError):
                proc.conn.close()
        self._procs.clear()

    def stop(self) -> None:
        """Stop at once (Ctrl-C, SIGTERM): the workers are killed, their batches are not reported."""
        for proc in self._procs:
            with contextlib.suppress(OSError):
                proc.process.kill()
        self.close()


__all__ = ["WorkerPool", "WorkerStartError"]
