"""The public worker: driven by an engine of one's own, it gives what `toolkit convert` gives."""

from __future__ import annotations

import json
import pickle
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

import toolkit
from toolkit.document import Document
from toolkit.errors import ConfigError
from toolkit.inputs import Raw
from toolkit.io.sinks import MemorySink
from toolkit.pipeline import PipelineSpec
from toolkit.report import RunReport
from toolkit.worker import OutputSpec, Worker

from .conftest import SAMPLES, run_toolkit
from .test_cli_convert import outputs

NOW = "2025-03-01T10:00:00Z"


def corpus(root: Path) -> Path:
    """Sample pages, copies with an update line (so more stories), and three bad inputs."""
    src = root / "in"
    src.mkdir()
    for i, page in enumerate(sorted(SAMPLES.glob("*.txt")) + sorted(SAMPLES.glob("*.html"))):
        shutil.copyfile(page, src / f"{i:02d}_{page.name}")
        data = page.read_bytes()
        (src / f"{i:02d}b_{page.name}").write_bytes(data.replace(b"</body>", b"<p>Update.</p></body>") + b"\n")
    (src / "50_broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01")
    (src / "51_empty.txt").write_bytes(b"")
    (src / "52_boilerplate.txt").write_text("Ana Sayfa\n\nPaylaş\n\n© 2024 Site\n", "utf-8")
    return src


# -- a process pool of one's own ---------------------------------------------------------------------------------------

_MINE: Worker | None = None


def _start(worker: Worker) -> None:
    """A pool process's initializer: the worker set up once in this process."""
    global _MINE
    _MINE = worker.setup(cpus=1)


def _partition(paths: list[str]) -> list[toolkit.Result]:
    assert _MINE is not None
    return _MINE.process(paths)


def test_a_process_pool_of_ones_own_gives_what_convert_gives(tmp_path):
    src = corpus(tmp_path)
    spec = PipelineSpec.from_names(["clean", "langid"])
    out = tmp_path / "mine"
    worker = Worker(spec, OutputSpec(str(out), "newsml", {"now": NOW}))
    files = sorted(str(p) for p in src.iterdir())
    parts = [files[i::4] for i in range(4)]  # 4 partitions, interleaved: none holds a run of its own
    report = RunReport(str(out))
    with ProcessPoolExecutor(max_workers=2, initializer=_start, initargs=(worker,)) as pool:
        for results in pool.map(_partition, parts):
            for result in results:
                report.add(result)
    report.finish()

    config = tmp_path / "clock.toml"
    config.write_text(f'[output]\noptions = {{ now = "{NOW}" }}\n', "utf-8")
    reference = tmp_path / "reference"
    proc = run_toolkit("convert", src, "-o", reference, "--config", config)
    assert proc.returncode == 1, proc.stderr.decode()

    mine, theirs = outputs(out), outputs(reference)
    failures = {json.loads(line)["input"] for line in mine.pop("failures.jsonl").decode().splitlines()}
    expected = {json.loads(line)["input"] for line in theirs.pop("failures.jsonl").decode().splitlines()}
    assert mine == theirs  # byte for byte
    # failed, and skipped for a reason of its own (only boilerplate): both listed
    assert failures == expected == {str(src / n) for n in ("50_broken.txt", "51_empty.txt", "52_boilerplate.txt")}
    summary = proc.stderr.decode().strip().splitlines()[-1]
    assert report.line().split(";")[0] == summary.split(";")[0]  # one summary, the same counts
    assert report.documents == len(files) and report.failed == 2 and report.skipped["empty-document"] == 1
    assert report.ok + report.skipped["unchanged"] == len(files) - 3  # unchanged: copies that differ by a newline


def test_calling_a_worker_once_per_partition_keeps_every_failure(tmp_path):
    """Several calls feed one report: one failures.jsonl with every failure (not the last call's)."""
    src = corpus(tmp_path)
    out = tmp_path / "out"
    worker = Worker(PipelineSpec.from_names(["clean"]), OutputSpec(str(out), "jsonl"))
    report = RunReport(str(out))
    with worker:
        for name in ("50_broken.txt", "00_000_ab90c8014bb1237b.txt", "51_empty.txt"):
            for result in worker.process([str(src / name)]):
                report.add(result)
    report.finish()
    lines = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
    assert [Path(r["input"]).name for r in lines] == ["50_broken.txt", "51_empty.txt"]
    assert len(list((out / ".toolkit" / "done").iterdir())) == 1  # one journal for this process


# -- inputs that never raise -------------------------------------------------------------------------------------------


def test_every_kind_of_input_and_bad_ones_become_results():
    spec = PipelineSpec.from_names(["clean", "langid"])
    items = [
        str(SAMPLES / "kk_weather.html"),
        Raw("wire.html", b"<html><body><h1>Metro opens</h1><p>The new line links five districts.</p></body></html>"),
        Raw("no-suffix", b"Metro opens in Almaty\n\nThe new line links five districts of the city.", format="txt"),
        {"text": "Astana hosts a media forum.\n\nIt lasts two days and gathers 300 editors.", "guid": "tag:x,1"},
        Document.from_text("Bishkek news\n\nThe city council met on Monday to approve a budget."),
        {"foo": 1},
        b"not wrapped",
        "/nonexistent/file.txt",
        Raw("x.bin", b"\x00\xff" * 50),
    ]
    with Worker(spec, OutputSpec(None, "txt")) as worker:
        results = worker.process(items)
    assert [r.status for r in results] == ["ok"] * 5 + ["failed"] * 4
    assert all(r.files and r.files[0].data for r in results[:5])  # no sink: the outputs come back
    assert [r.code for r in results[5:]] == ["document-format", "input", "input", "binary-input"]
    assert "<record 6>" in results[5].message and "Raw" in results[6].message
    with pytest.raises(ConfigError, match="unknown input format 'pdf'"):
        Worker(spec, OutputSpec(None, "txt")).process([Raw("x", b"y", format="pdf")])


def test_worker_pickles_as_its_specs_and_sets_up_again_where_it_lands():
    worker = Worker(PipelineSpec.from_names(["segment"]), OutputSpec(None, "jsonl"), resume=True).setup()
    again = pickle.loads(pickle.dumps(worker))
    assert worker.ready and not again.ready and again.resume
    (result,) = again.process([{"text": "One.\n\nTwo."}])
    assert result.status == "ok" and again.ready


def test_usage_errors_raise_at_setup_and_documents_never_do():
    with pytest.raises(ConfigError, match="unknown processor 'nope'"):
        Worker(PipelineSpec.from_names(["nope"]), OutputSpec(None, "txt")).setup()
    with pytest.raises(ConfigError, match="unknown format 'nope'"):
        Worker(PipelineSpec.from_names(["segment"]), OutputSpec(None, "nope")).validate()


def test_a_memory_sink_over_a_mapping_is_a_version_store():
    """Any MutableMapping can hold the outputs (a key-value store): versions are settled against it."""
    store: dict[str, bytes] = {}
    spec = PipelineSpec.from_names(["segment"])
    output = OutputSpec(None, "newsml", {"now": NOW}, sink=lambda: MemorySink(store))
    record = {"text": "Body of the story.\n\nSecond paragraph.", "guid": "tag:example.kz,2025:7", "title": "A story"}
    with Worker(spec, output) as worker:
        (first,) = worker.process([record])
        (same,) = worker.process([dict(record)])
        (changed,) = worker.process([{**record, "text": "Body of the story, corrected.\n\nSecond paragraph."}])
    assert first.status == "ok" and first.files is None and set(store) == set(first.names)
    assert same.status == "skipped" and same.code in ("duplicate", "unchanged")
    assert changed.status == "ok" and {o.version for o in changed.outputs} == {2}
