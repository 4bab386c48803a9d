"""A process pool reports results in the order one process does: the same failures.jsonl."""

from __future__ import annotations

from toolkit.batch import convert
from toolkit.pipeline import PipelineSpec
from toolkit.worker import OutputSpec


def _corpus(root):
    src = root / "in"
    src.mkdir()
    for i in range(12):
        if i % 3 == 1:
            (src / f"{i:02d}_broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01")
        elif i % 4 == 2:
            (src / f"{i:02d}_blank.txt").write_text("   \n\n", encoding="utf-8")  # fails in the pipeline
        else:
            (src / f"{i:02d}_story.txt").write_text(
                f"Story {i}\n\nThe council met on Monday and approved budget number {i} for the year.\n",
                encoding="utf-8",
            )
    return src


def test_jobs_2_reports_as_one_process_does(tmp_path):
    src = _corpus(tmp_path)
    spec = PipelineSpec.from_names(["clean"], batch_size=2)
    runs = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        seen = []
        summary = convert([str(src)], spec, OutputSpec(str(out), "jsonl"), jobs=jobs, on_result=seen.append)
        failures = (out / "failures.jsonl").read_text("utf-8")
        runs[jobs] = ([(r.source, r.status) for r in seen], failures, (summary.ok, summary.failed))
    assert runs[1] == runs[2]
    _, _, (ok, failed) = runs[1]
    assert ok == 6 and failed == 6


def test_results_come_in_input_order_with_read_failures_in_place(tmp_path):
    src = _corpus(tmp_path)
    spec = PipelineSpec.from_names(["clean"], batch_size=2)
    for jobs in (1, 2):
        seen = []
        convert([str(src)], spec, OutputSpec(str(tmp_path / f"o{jobs}"), "jsonl"), jobs=jobs, on_result=seen.append)
        assert [r.source for r in seen] == sorted(str(p) for p in src.iterdir())


def test_large_files_are_shared_out_and_small_ones_read_by_the_workers(tmp_path, monkeypatch):
    import json

    from toolkit import batch

    src = _corpus(tmp_path)
    records = [
        {"id": f"wire-{i}", "text": f"Wire story {i}. The minister said on Monday that talks go on."} for i in range(9)
    ]
    records.insert(4, {"text": ""})  # a record that fails in the pipeline
    (src / "05_wire.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    spec = PipelineSpec.from_names(["clean"], batch_size=3)
    monkeypatch.setattr(batch, "WORKER_READ_BYTES", 200)  # the JSONL is read by the main process
    tasks = []
    real = batch.pool_tasks

    def spy(*args):
        for task in real(*args):
            kinds = {type(item).__name__ for item in task}
            assert len(kinds) == 1, kinds
            tasks.append(("files" if kinds == {"Source"} else "documents", len(task)))
            yield task

    monkeypatch.setattr(batch, "pool_tasks", spy)
    runs = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        seen = []
        summary = batch.convert([str(src)], spec, OutputSpec(str(out), "jsonl"), jobs=jobs, on_result=seen.append)
        runs[jobs] = ([(r.source, r.id, r.status) for r in seen], (out / "failures.jsonl").read_text("utf-8"))
        assert summary.documents == 12 + 10
    assert runs[1] == runs[2]
    names = [r[0].rsplit("/", 1)[-1].split(":")[0] for r in runs[2][0]]
    assert names == sorted(names) and names.count("05_wire.jsonl") == 10  # input order, records in place
    assert [r[2] for r in runs[2][0] if r[0].startswith(str(src / "05_wire.jsonl"))].count("failed") == 1
    # small files go to the workers by name (3 a batch), the JSONL's records are read here and shared out
    assert tasks == [("files", 3)] * 2 + [("documents", 3)] * 3 + [("documents", 1)] + [("files", 3)] * 2


def test_resume_in_a_pool_skips_what_is_done_in_place(tmp_path):
    src = _corpus(tmp_path)
    spec = PipelineSpec.from_names(["clean"], batch_size=2)
    out = tmp_path / "out"
    first = convert([str(src)], spec, OutputSpec(str(out), "jsonl"), jobs=2)
    seen = []
    again = convert([str(src)], spec, OutputSpec(str(out), "jsonl"), jobs=2, resume=True, on_result=seen.append)
    assert again.skipped["already-done"] == first.ok == 6 and again.failed == first.failed
    assert [r.source for r in seen] == sorted(str(p) for p in src.iterdir())


def test_fail_fast_in_a_pool_reads_nothing_after_an_unreadable_file(tmp_path):
    src = _corpus(tmp_path)  # 00 story, 01 broken, ...
    spec = PipelineSpec.from_names(["clean"], batch_size=4)
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        seen = []
        summary = convert(
            [str(src)], spec, OutputSpec(str(out), "jsonl"), jobs=jobs, fail_fast=True, on_result=seen.append
        )
        assert summary.stopped == "fail-fast" and [(r.source.rsplit("/", 1)[-1], r.status) for r in seen] == [
            ("00_story.txt", "ok"),
            ("01_broken.txt", "failed"),
        ]
        written = [p.name for p in out.iterdir() if p.suffix == ".jsonl" and p.name != "failures.jsonl"]
        assert len(written) == 1  # 00 only: nothing after the unreadable file was read or processed
