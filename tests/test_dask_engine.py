"""`convert --dask`: a real Dask LocalCluster (2 worker processes), fsspec's local and in-memory
file systems, a worker killed mid-run, a processor that ends its process."""

from __future__ import annotations

import collections
import functools
import json
import os
import signal
import sys

import pytest

pytest.importorskip("distributed")
fsspec = pytest.importorskip("fsspec")

from toolkit import dask_engine  # noqa: E402
from toolkit import shards as sharding  # noqa: E402
from toolkit.batch import convert as local_convert  # noqa: E402
from toolkit.inputs import read_jsonl  # noqa: E402
from toolkit.io.objectstore import ObjectJournal, ObjectStoreSink  # noqa: E402
from toolkit.io.readers import ReadOptions, Source, iter_sources  # noqa: E402
from toolkit.pipeline import PipelineSpec  # noqa: E402
from toolkit.registry import PROCESSORS  # noqa: E402
from toolkit.report import INDEX_FILE, RunReport  # noqa: E402
from toolkit.worker import OutputSpec, Worker  # noqa: E402

from .conftest import run_toolkit  # noqa: E402
from .dask_processors import Poison, Sleepy, Slow  # noqa: E402

NOW = "2024-05-01T12:00:00Z"
BROKEN = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01"


def story(i: int, extra: str = "") -> str:
    return (
        f"Story number {i}\n\nThe council of district {i} met on Monday and approved budget {i} "
        f"for the year {1990 + i}.{extra}\n"
    )


def corpus(root, n=12, broken=(), poison=(), jsonl=0):
    src = root / "in"
    src.mkdir()
    for i in range(n):
        if i in broken:
            (src / f"{i:03d}_broken.txt").write_bytes(BROKEN)
        else:
            (src / f"{i:03d}_story.txt").write_text(story(i, " POISON" if i in poison else ""), encoding="utf-8")
    if jsonl:
        lines = []
        for i in range(jsonl):
            if i == 3:
                lines.append("{not json")
            elif i == 6:
                lines.append(json.dumps({"text": ""}))
            else:
                lines.append(json.dumps({"id": f"wire-{i}", "text": story(100 + i)}))
            if i % 4 == 1:
                lines.append("")  # blank lines are not records
        (src / "zz_wire.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (src / "notes.bin").write_bytes(b"\x00\x01")  # no reader: ignored
    return src


def tree(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.relative_to(folder).as_posix().startswith(".toolkit") and p.name != INDEX_FILE
    }


def outcome(report, seen):
    counts = (report.documents, report.ok, report.failed, dict(report.skipped), len(report.ignored))
    return [(r.source, r.status, r.code) for r in seen], counts


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of 2 worker processes, started as `--dask local:2` starts it."""
    with dask_engine.connect("local:2") as (client, _cpus):
        yield client


def pids(client):
    client.wait_for_workers(2, timeout=60)
    return client.run(os.getpid)


# -- shards, without a cluster ------------------------------------------------------------------------


def test_a_large_jsonl_travels_as_runs_of_records_named_as_a_whole_read_names_them(tmp_path):
    path = tmp_path / "wire.jsonl"
    records = [json.dumps({"id": f"w{i}", "text": story(i)}) for i in range(11)]
    records[4] = "{broken"
    text = "\ufeff" + "\r\n".join(records[:5]) + "\r\n\r\n\n" + "\n".join(records[5:]) + "\n"
    path.write_text(text, encoding="utf-8")
    whole = list(read_jsonl(path.read_bytes(), str(path), ReadOptions()))
    runs = list(sharding.jsonl_runs(str(path), str(path), 3))
    assert [r.first_line for r in runs] == [1, 4, 9, 12]
    parts = [d for r in runs for d in sharding.read_lines(r)]
    assert [(d.id, d.source, d.status) for d in parts] == [(d.id, d.source, d.status) for d in whole]
    assert [d.source for d in parts if d.status == "failed"] == [f"{path}:5"]


def test_shards_hold_whole_batches_within_count_and_bytes(tmp_path, monkeypatch):
    src = corpus(tmp_path, n=10, jsonl=9)
    monkeypatch.setattr(sharding, "WORKER_READ_BYTES", 300)  # the JSONL is cut into runs
    report = RunReport()
    batched = list(sharding.batches(iter_sources([str(src)]), 3, ReadOptions(), report))
    kinds = [sorted({type(x).__name__ for x in batch}) for batch, _ in batched]
    assert kinds == [["Source"]] * 4 + [["Lines"]] * 3
    assert [len(b) for b, _ in batched[:4]] == [3, 3, 3, 1] and report.ignored == [str(src / "notes.bin")]
    shards = list(sharding.shards(batched, max_batches=2, max_bytes=10**9))
    assert [len(s) for s in shards] == [2, 2, 2, 1]
    small = list(sharding.shards(batched, max_batches=4, max_bytes=1))  # bytes cut too: one batch each
    assert len(small) == len(batched)


def test_a_large_jsonl_this_process_cannot_read_goes_whole_to_a_worker():
    from toolkit.io.objectstore import RemoteFile

    gone = RemoteFile("memory:///gone/wire.jsonl", size=10**7)
    assert list(sharding.batches([gone], 64, ReadOptions(), RunReport())) == [([gone], 0)]
    [doc] = sharding.read_lines(sharding.Lines(gone.url, gone.url, 0, 10, 1))
    assert doc.status == "failed" and doc.source == gone.url


# -- on a LocalCluster of 2 processes ------------------------------------------------------------------


def _environment():
    return {k: os.environ.get(k) for k in ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS")}


def test_local_workers_run_in_the_environment_of_jobs_workers(cluster):
    """Not Dask's MALLOC_TRIM_THRESHOLD_=65536 (10 to 30% more CPU per document here)."""
    assert list(cluster.run(_environment).values()) == [_environment()] * 2


def test_cluster_output_equals_jobs_1(tmp_path, cluster, monkeypatch):
    src = corpus(tmp_path, n=12, broken=(2, 7), jsonl=10)
    monkeypatch.setattr(sharding, "WORKER_READ_BYTES", 300)
    spec = PipelineSpec.from_names(["clean", "langid"], batch_size=4)
    runs = {}
    for engine in ("jobs", "dask"):
        out = tmp_path / engine
        seen: list = []
        output = OutputSpec(str(out), "newsml", {"now": NOW})
        if engine == "jobs":
            report = local_convert([str(src)], spec, output, jobs=1, on_result=seen.append)
        else:
            report = dask_engine.convert([str(src)], spec, output, dask=cluster, on_result=seen.append, shard_batches=2)
        runs[engine] = (tree(out), outcome(report, seen), report.exit_code)
        assert not (out / ".toolkit" / "runs").exists()  # the run's shard records are gone
    assert runs["dask"] == runs["jobs"]
    files, (results, (documents, _ok, failed, _skipped, ignored)), code = runs["dask"]
    assert (documents, failed, ignored, code) == (12 + 10, 2 + 2, 1, 1)
    failures = [json.loads(line) for line in files["failures.jsonl"].decode().splitlines()]
    assert [f["input"] for f in failures] == [s for s, status, _ in results if status == "failed"]
    assert len({f["input"] for f in failures}) == len(failures)


def test_a_shard_whose_documents_all_fail_does_not_stop_the_run(tmp_path, cluster):
    src = corpus(tmp_path, n=9, broken=(0, 1, 2))
    seen: list = []
    report = dask_engine.convert(
        [str(src)],
        PipelineSpec.from_names(["clean"], batch_size=3),
        OutputSpec(str(tmp_path / "out"), "jsonl"),
        dask=cluster,
        on_result=seen.append,
        shard_batches=1,
    )
    assert (report.documents, report.ok, report.failed, report.exit_code) == (9, 6, 3, 1)
    assert [r.status for r in seen] == ["failed"] * 3 + ["ok"] * 6
    lines = (tmp_path / "out" / "failures.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(line)["input"] for line in lines] == [str(src / f"{i:03d}_broken.txt") for i in range(3)]


def test_sigkill_of_a_worker_mid_run_loses_and_doubles_nothing(tmp_path, cluster):
    src = corpus(tmp_path, n=24, broken=(5, 17))
    PROCESSORS.register("slow", Slow)
    try:
        spec = PipelineSpec.from_names(["clean", "slow"], batch_size=2)
        before = pids(cluster)
        victim = next(iter(before.values()))
        seen: list = []

        def kill_once(result):
            seen.append(result)
            if len(seen) == 2:
                os.kill(victim, signal.SIGKILL)

        out = tmp_path / "out"
        report = dask_engine.convert(
            [str(src)], spec, OutputSpec(str(out), "jsonl"), dask=cluster, on_result=kill_once, shard_batches=1
        )
        reference = tmp_path / "ref"
        local_convert([str(src)], spec, OutputSpec(str(reference), "jsonl"), jobs=1)
    finally:
        PROCESSORS.unregister("slow")
    assert victim not in pids(cluster).values()  # it was killed (and its nanny started another)
    counts = collections.Counter(r.source for r in seen)
    assert sorted(counts) == sorted(str(p) for p in src.glob("*.txt")) and set(counts.values()) == {1}
    assert report.documents == 24 and report.failed == 2
    assert report.ok + report.skipped.get("unchanged", 0) == 22
    assert set(tree(out)) == set(tree(reference))
    failures = (out / "failures.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(f)["input"] for f in failures] == [str(src / "005_broken.txt"), str(src / "017_broken.txt")]


def test_a_processor_that_ends_its_process_fails_only_its_document(tmp_path, cluster):
    src = corpus(tmp_path, n=8, poison=(5,))
    PROCESSORS.register("poison", Poison)
    try:
        seen: list = []
        out = tmp_path / "out"
        report = dask_engine.convert(
            [str(src)],
            PipelineSpec.from_names(["clean", "poison"], batch_size=4),
            OutputSpec(str(out), "jsonl"),
            dask=cluster,
            on_result=seen.append,
        )
    finally:
        PROCESSORS.unregister("poison")
    assert [(r.status, r.code) for r in seen] == [("ok", None)] * 5 + [("failed", "worker-died")] + [("ok", None)] * 2
    assert seen[5].source == str(src / "005_story.txt") and "died" in (seen[5].message or "")
    assert (report.documents, report.ok, report.failed) == (8, 7, 1)
    assert len((out / "failures.jsonl").read_text("utf-8").splitlines()) == 1
    assert len([n for n in tree(out) if n.endswith(".jsonl") and n != "failures.jsonl"]) == 7


def test_object_store_sink_across_processes_and_resume(tmp_path, cluster):
    """The object-store sink (one put per object, a journal of objects) used by 2 processes on
    fsspec's local file system; a second run with resume finds every document done."""
    src = corpus(tmp_path, n=10, broken=(4,))
    spec = PipelineSpec.from_names(["clean"], batch_size=2)
    out = tmp_path / "store"
    output = OutputSpec(None, "newsml", {"now": NOW}, sink=functools.partial(ObjectStoreSink, f"file://{out}"))
    reports = []
    for resume in (False, True):
        worker = Worker(spec, output, resume=resume)
        ledger = dask_engine.Ledger(f"file://{out}/.toolkit/runs")
        reports.append(dask_engine.run(worker, iter_sources([str(src)]), cluster, ledger=ledger, shard_batches=1))
    first, again = reports
    assert (first.ok, first.failed) == (9, 1)
    assert (again.ok, again.failed, again.skipped["already-done"]) == (0, 1, 9)
    journals = list((out / ".toolkit" / "done").iterdir())
    assert len(journals) >= 2 and not list((out / ".toolkit").glob("runs/*"))
    reference = tmp_path / "folder"
    local_convert([str(src)], spec, OutputSpec(str(reference), "newsml", {"now": NOW}), jobs=1)
    assert {k: v for k, v in tree(out).items()} == {k: v for k, v in tree(reference).items() if k != "failures.jsonl"}


# -- fsspec's in-memory file system: a cluster whose workers share this process ----------------------


@pytest.fixture
def memory_cluster():
    from distributed import Client, LocalCluster

    fs = fsspec.filesystem("memory")
    fs.store.clear()
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=False,
            dashboard_address="127.0.0.1:0",
            scheduler_kwargs={"dashboard": False},
        ) as local,
        Client(local) as client,
    ):
        yield client, fs
    fs.store.clear()


def test_memory_urls_in_and_out_with_versions_and_resume(memory_cluster):
    client, fs = memory_cluster
    for i in range(6):
        fs.pipe_file(f"/in/{i:02d}.txt", story(i).encode())
    fs.pipe_file("/in/06_broken.txt", BROKEN)
    wire = [{"guid": "urn:wire:1", "text": story(50)}]
    fs.pipe_file("/in/wire.jsonl", "".join(json.dumps(r) + "\n" for r in wire).encode())
    spec = PipelineSpec.from_names(["clean", "langid"], batch_size=3)
    output = OutputSpec("memory://out", "newsml", {"now": NOW})
    seen: list = []
    report = dask_engine.convert(["memory://in"], spec, output, dask=client, on_result=seen.append)
    assert (report.documents, report.ok, report.failed) == (8, 7, 1)
    assert [r.source for r in seen if r.status == "failed"] == ["memory:///in/06_broken.txt"]
    failures = fs.cat_file("/out/failures.jsonl").decode().splitlines()
    assert [json.loads(f)["input"] for f in failures] == ["memory:///in/06_broken.txt"]
    items = {p: fs.cat_file(p) for p in fs.find("/out") if "/.toolkit/" not in p and p.endswith(".xml")}
    assert len(items) == 14 and not fs.find("/out/.toolkit/runs")

    # a later version of the wire story: looked up through the sink, written as version 2
    fs.pipe_file("/in/wire.jsonl", json.dumps({"guid": "urn:wire:1", "text": story(50, " Corrected.")}).encode())
    again = dask_engine.convert(["memory://in"], spec, output, dask=client, resume=True)
    assert again.skipped["already-done"] == 6 and again.ok == 1 and again.failed == 1
    changed = [p for p in fs.find("/out") if p.endswith(".xml") and fs.cat_file(p) != items.get(p)]
    assert changed and all(b'version="2"' in fs.cat_file(p) for p in changed if not p.endswith("package.xml"))


def test_object_journal_objects_are_merged_and_still_answer():
    fs = fsspec.filesystem("memory")
    fs.store.clear()
    journal = ObjectJournal(fs, "/j/.toolkit/done")
    for i in range(20):
        assert journal.record([(f"doc{i}", None, "fp", [f"{i}.xml"], "d")]) is None
    assert len(fs.ls("/j/.toolkit/done")) == 20
    assert ObjectJournal(fs, "/j/.toolkit/done").compact() == 20
    assert len(fs.ls("/j/.toolkit/done")) == 1
    fresh = ObjectJournal(fs, "/j/.toolkit/done")
    assert fresh.outputs("doc7", "fp", "d") == ("7.xml",) and fresh.outputs("doc7", "other") is None
    fs.store.clear()


# -- the command line ----------------------------------------------------------------------------------


def test_cli_dask_local_2_exit_codes_failures_and_resume(tmp_path):
    src = corpus(tmp_path, n=8, broken=(3,))
    config = tmp_path / "pinned.toml"
    config.write_text(f'[output]\noptions = {{now = "{NOW}"}}\n', encoding="utf-8")
    out = tmp_path / "out"
    proc = run_toolkit("convert", src, "-o", out, "--dask", "local:2", "-c", config, timeout=180)
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert f"FAILED {src / '003_broken.txt'}" in err and "8 documents, 7 ok, 1 failed" in err
    again = run_toolkit("convert", src, "-o", out, "--dask", "local:2", "-c", config, "--resume", timeout=180)
    assert again.returncode == 1 and "7 already done" in again.stderr.decode()
    reference = tmp_path / "ref"
    run_toolkit("convert", src, "-o", reference, "--jobs", "2", "-c", config)
    assert tree(out) == tree(reference)


def test_cli_usage_errors(tmp_path, cli):
    src = corpus(tmp_path, n=1)
    result = cli("convert", src, "-o", tmp_path / "o", "--dask", "local:2", "--fail-fast")
    assert result.exit_code == 2 and "--fail-fast" in result.output
    result = cli("convert", src, "-o", tmp_path / "o", "--dask", "local:zero")
    assert result.exit_code == 2 and "local:N" in result.output
    result = cli("convert", src, "-o", tmp_path / "o", "--dask", "local:2", "--jobs", "2")
    assert result.exit_code == 2 and "--jobs" in result.output
    result = cli("convert", src, "-o", "memory://out")
    assert result.exit_code == 2 and "need --dask" in result.output


def test_without_the_extra_a_usage_error_says_what_to_install(tmp_path):
    fake = tmp_path / "site"
    (fake / "distributed").mkdir(parents=True)
    (fake / "distributed" / "__init__.py").write_text("raise ImportError('No module named distributed')\n")
    src = corpus(tmp_path, n=1)
    env = {"PYTHONPATH": os.pathsep.join([str(fake), *sys.path])}
    proc = run_toolkit("convert", src, "-o", tmp_path / "o", "--dask", "local:2", env=env)
    assert proc.returncode == 2 and "pip install 'toolkit[dask]'" in proc.stderr.decode()


def test_help_does_not_import_dask_or_fsspec():
    code = (
        "import sys; from click.testing import CliRunner; from toolkit.cli import main; "
        "CliRunner().invoke(main, ['convert', '--help']); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'dask', 'distributed', 'fsspec'}))"
    )
    import subprocess

    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "[]", proc.stderr


def test_source_items_travel_as_names(tmp_path):
    """What is sent to workers for small files: the Source (a name), nothing read here."""
    src = corpus(tmp_path, n=2)
    batched = list(sharding.batches(iter_sources([str(src)]), 64, ReadOptions(), RunReport()))
    assert batched[0][0] == [Source(str(p), str(p), walked=True) for p in sorted(src.glob("*.txt"))]


# -- the README's cluster examples, as written ---------------------------------------------------------


def readme_block(name: str) -> list[str]:
    from .test_readme import README

    block = README.split(f"<!-- example:{name} -->\n```bash\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def as_args(line: str, cwd) -> list[str]:
    """A README command line as argv: `toolkit` and `dask` run from this interpreter, $PWD is ``cwd``."""
    words = line.rstrip(" &").replace("$PWD", str(cwd)).split()
    program = {"toolkit": [sys.executable, "-m", "toolkit"], "dask": [sys.executable, "-m", "dask"]}[words[0]]
    return program + words[1:]


def test_readme_local_cluster_examples_run_as_written(tmp_path):
    import shutil
    import subprocess

    from .conftest import SAMPLES

    shutil.copytree(SAMPLES, tmp_path / "samples")
    outputs = []
    for line in readme_block("dask-local"):
        proc = subprocess.run(as_args(line, tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=180)
        assert proc.returncode == 0, (line, proc.stderr[-2000:])
        outputs.append(proc.stderr.splitlines()[-1])
    assert "already done" in outputs[1] and " 0 failed" in outputs[0]
    assert set(tree(tmp_path / "out-cluster")) == set(tree(tmp_path / "out-urls"))  # clock not pinned


def test_readme_existing_scheduler_example_runs_as_written(tmp_path):
    """`dask scheduler`, `dask worker`, then `convert --dask tcp://...` (on a free port here)."""
    import shutil
    import socket
    import subprocess

    from .conftest import SAMPLES

    shutil.copytree(SAMPLES, tmp_path / "samples")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    lines = [line.replace("8786", port) for line in readme_block("dask-scheduler")]
    services = []
    try:
        for line in lines[:2]:
            args = as_args(line, tmp_path)
            if args[3:4] == ["scheduler"]:
                args += ["--dashboard-address", "127.0.0.1:0"]
            services.append(subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(f"tcp://127.0.0.1:{port}", timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        proc = subprocess.run(as_args(lines[2], tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=180)
    finally:
        for service in reversed(services):
            service.terminate()
        for service in services:
            try:
                service.wait(timeout=20)
            except subprocess.TimeoutExpired:
                service.kill()
                service.wait()
    assert proc.returncode == 0, proc.stderr[-2000:]
    reference = tmp_path / "ref"
    local_convert([str(tmp_path / "samples")], PipelineSpec.from_names(["clean", "langid"]), OutputSpec(str(reference)))
    assert set(tree(tmp_path / "out-cluster")) == set(tree(reference))


def test_readme_library_example_runs_as_written(tmp_path):
    import shutil
    import subprocess

    from .conftest import SAMPLES
    from .test_readme import example

    shutil.copytree(SAMPLES, tmp_path / "samples")
    script = tmp_path / "convert_archive.py"
    script.write_text(example("dask-library"), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert " 0 failed" in proc.stdout and len(list((tmp_path / "out-library").glob("*.xml"))) > 20


def test_a_slow_shard_with_every_shard_behind_it_done_does_not_end_the_run(tmp_path, cluster):
    """One worker holds a slow first shard while the other finishes every shard the window
    lets in behind it: when the slow one comes back, all are reported at once and the run
    must go on submitting (it used to wait on an empty set of futures and stop)."""
    src = tmp_path / "in"
    src.mkdir()
    for i in range(20):
        (src / f"{i:03d}.txt").write_text(story(i, " SLOW" if i == 0 else ""), encoding="utf-8")
    PROCESSORS.register("sleepy", Sleepy)
    try:
        worker = Worker(PipelineSpec.from_names(["clean", "sleepy"], batch_size=1), OutputSpec(None, "jsonl"))
        report = RunReport()
        work = sharding.shards(sharding.batches(iter_sources([str(src)]), 1, ReadOptions(), report), max_batches=1)
        seen: list = []
        dask_engine.DaskRun(cluster, worker, window=2).run(work, lambda results: bool(seen.extend(results)))
    finally:
        PROCESSORS.unregister("sleepy")
    assert [r.source for r in seen] == [str(src / f"{i:03d}.txt") for i in range(20)]
    assert {r.status for r in seen} == {"ok"}
