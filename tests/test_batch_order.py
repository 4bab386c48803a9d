"""A process pool reports results in the order one process does: the same failures.jsonl."""

from __future__ import annotations

from toolkit.batch import OutputSpec, convert
from toolkit.pipeline import PipelineSpec


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
