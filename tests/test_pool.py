"""The worker pool behind `--jobs`: a dead worker does not end the run, workers end with their
parent whatever killed it, Ctrl-C and SIGTERM end with a summary."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from toolkit.batch import convert
from toolkit.pipeline import PipelineSpec, Processor
from toolkit.registry import PROCESSORS
from toolkit.worker import OutputSpec

from .conftest import ROOT

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="process signals and /proc (Linux)")


class Crash(Processor):
    """Kills its own process on a document whose text says so: ``KILL`` every time, ``ONCE``
    the first time only (a marker file remembers), as the out-of-memory killer would."""

    name = "crash"

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __call__(self, doc):  # type: ignore[no-untyped-def]
        if "KILL" in doc.raw:
            os.kill(os.getpid(), signal.SIGKILL)
        if "ONCE" in doc.raw and not os.path.exists(self.marker):
            Path(self.marker).write_text("died once")
            os._exit(3)
        return doc


@pytest.fixture
def crash():  # type: ignore[no-untyped-def]
    PROCESSORS.register("crash", Crash)
    yield
    PROCESSORS.unregister("crash")


def stories(src: Path, n: int, special: dict[int, str] | None = None) -> list[str]:
    src.mkdir()
    for i in range(n):
        word = (special or {}).get(i, "")
        (src / f"{i:04d}.txt").write_text(f"Story {i} {word}\n\nThe council met on Monday about budget {i}.\n")
    return sorted(str(p) for p in src.iterdir())


def test_a_worker_killed_mid_batch_costs_only_the_input_that_killed_it(tmp_path, crash):
    src = tmp_path / "in"
    stories(src, 40, {7: "KILL", 23: "ONCE"})
    spec = PipelineSpec.from_names(["segment", "crash"], {"crash": {"marker": str(tmp_path / "marker")}}, batch_size=4)
    seen = []
    report = convert([str(src)], spec, OutputSpec(str(tmp_path / "out"), "jsonl"), jobs=2, on_result=seen.append)
    assert [Path(r.source).name for r in seen] == sorted(p.name for p in src.iterdir())  # every input, in order
    failed = [(Path(r.source).name, r.code) for r in seen if r.status == "failed"]
    assert failed == [("0007.txt", "worker-died")]  # killed twice: it fails alone, named
    assert "killed by SIGKILL" in next(r.message for r in seen if r.status == "failed")
    assert report.ok == 39 and report.failed == 1  # 0023 killed its first worker, then went through
    assert len(list((tmp_path / "out").glob("*.jsonl"))) == 39 + 1  # outputs + failures.jsonl


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_bytes()
            except OSError:
                continue
            fields = stat.rsplit(b")", 1)[1].split()
            if int(fields[1]) == pid:
                out.append(int(entry))
    return out


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return True
    return state in (b"Z", b"X")


def _start(tmp_path: Path) -> tuple[subprocess.Popen[bytes], list[int]]:
    """`convert --jobs 2` on enough documents to take seconds; returns once both workers run."""
    src = tmp_path / "in"
    stories(src, 3000)
    proc = subprocess.Popen(
        [sys.executable, "-m", "toolkit", "convert", str(src), "-o", str(tmp_path / "out"), "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        workers = _children(proc.pid)
        if len(workers) >= 2 and len(list((tmp_path / "out").glob("*.xml"))) > 20:  # at work
            return proc, workers
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the run did not start")


def _all_gone(pids: list[int], within: float = 2.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if all(_gone(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_end_with_their_parent_and_a_reader_gets_eof(tmp_path, sig):
    proc, workers = _start(tmp_path)
    assert len(workers) == 2
    os.kill(proc.pid, sig)  # the main process only
    _, err = proc.communicate(timeout=10)  # EOF on stdout and stderr: no worker holds them
    assert _all_gone(workers), [w for w in workers if not _gone(w)]
    if sig == signal.SIGTERM:
        text = err.decode()
        assert proc.returncode == 128 + signal.SIGTERM
        assert "documents," in text and "--resume" in text and "Traceback" not in text


def test_ctrl_c_prints_the_summary_and_the_resume_hint_without_tracebacks(tmp_path):
    proc, workers = _start(tmp_path)
    # a batch journalled as done first: outputs seen on disk may all belong to batches still in
    # flight (seen in CI on a loaded machine), which Ctrl-C abandons and --resume redoes
    journal = tmp_path / "out" / ".toolkit" / "done"
    deadline = time.monotonic() + 60
    while not any(p.stat().st_size for p in journal.glob("*.jsonl")) and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends: the whole foreground group
    _, err = proc.communicate(timeout=10)
    text = err.decode()
    assert proc.returncode == 130, text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text
    assert "documents," in text and "Interrupted: run the same command with --resume" in text
    assert _all_gone(workers)
    again = subprocess.run(
        [sys.executable, "-m", "toolkit", "convert", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--resume"],
        capture_output=True,
        cwd=ROOT,
        timeout=300,
    )
    assert again.returncode == 0 and b"already done" in again.stderr


class _SlowFirst:
    """Stands in for a Worker in the pool: the first task is slow, every other one instant, so
    the other process finishes every task queued behind it meanwhile."""

    def setup(self, cpus: int = 1) -> None:
        pass

    def close(self) -> None:
        pass

    def process(self, items):  # type: ignore[no-untyped-def]
        if items[0] == 0:
            time.sleep(0.5)
        return items


def test_a_slow_task_with_every_task_behind_it_done_does_not_stall_the_run():
    """Found in CI: a process held one slow task while the other finished the five behind it;
    when the slow one came back all six were reported at once and the pool waited for results
    no process owed it (the run hung for ever)."""
    import threading

    from toolkit.pool import WorkerPool

    got: list[int] = []
    done = threading.Event()

    def run() -> None:
        WorkerPool(_SlowFirst(), 2).run(([n] for n in range(40)), lambda results: bool(got.extend(results)))
        done.set()

    threading.Thread(target=run, daemon=True).start()
    assert done.wait(30), f"the pool stalled after {len(got)} of 40 results"
    assert got == list(range(40))
