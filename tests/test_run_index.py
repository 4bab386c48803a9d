"""The run index (OUTDIR/index.ndjson): every document of every run, input -> story -> outputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import toolkit
from toolkit.report import INDEX_FILE

from .conftest import SAMPLES


def index(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / INDEX_FILE).read_text("utf-8").splitlines()]


def test_convert_appends_one_line_per_document_and_run(cli, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(SAMPLES / "kk_weather.html", src / "weather.html")
    shutil.copy(SAMPLES / "kk_weather.html", src / "weather_copy.html")  # an identical copy: merged
    shutil.copy(SAMPLES / "feeds" / "ru_atom.xml", src / "feed.xml")  # two entries
    (src / "empty.txt").write_bytes(b"")  # fails
    out = tmp_path / "out"
    assert cli("convert", src, "-o", out).exit_code == 1
    first = index(out)
    assert len(first) == 5 and len({r["run"] for r in first}) == 1
    by_input = {Path(r["input"]).name: r for r in first}
    assert set(by_input) == {"weather.html", "weather_copy.html", "feed.xml#1", "feed.xml#2", "empty.txt"}
    ok = by_input["weather.html"]
    assert ok["status"] == "ok" and ok["code"] is None and ok["written"] == 2
    assert ok["outputs"] == [f"{ok['story']}.kk-Cyrl.xml", f"{ok['story']}.package.xml"]
    assert all((out / name).is_file() for r in first for name in r["outputs"])
    copy = by_input["weather_copy.html"]
    assert (copy["status"], copy["code"]) == ("skipped", "duplicate") and copy["outputs"] == ok["outputs"]
    assert copy["story"] == ok["story"] and copy["written"] == 0
    failed = by_input["empty.txt"]
    assert (failed["status"], failed["code"], failed["outputs"]) == ("failed", "empty-input", [])
    assert "empty file" in failed["message"]
    assert all(r["time"].endswith("Z") for r in first)
    # a second run appends its own lines under a new run id; nothing is rewritten
    assert cli("convert", src, "-o", out).exit_code == 1
    both = index(out)
    assert both[:5] == first and len(both) == 10
    assert len({r["run"] for r in both}) == 2
    assert {(Path(r["input"]).name, r["code"]) for r in both[5:]} >= {("weather.html", "unchanged")}


def test_the_index_traces_an_output_back_to_its_input(cli, tmp_path):
    out = tmp_path / "out"
    assert cli("convert", SAMPLES, "-o", out, "-f", "txt").exit_code == 0
    wanted = next(out.glob("*.uz-Cyrl.txt"))  # some output: which input was it?
    (line,) = [r for r in index(out) if wanted.name in r["outputs"]]
    assert line["input"].endswith("uz_cyrl_railway.txt")


def test_clean_to_a_folder_and_the_library_report_write_the_index(cli, tmp_path):
    out = tmp_path / "clean"
    assert cli("clean", SAMPLES / "tr_festival.html", SAMPLES / "ky_crafts.txt", "-o", out).exit_code == 0
    assert [Path(r["input"]).name for r in index(out)] == ["tr_festival.html", "ky_crafts.txt"]
    assert cli("clean", SAMPLES / "ky_crafts.txt").exit_code == 0  # stdout: no folder, no index

    lib = tmp_path / "lib"
    report = toolkit.RunReport(str(lib))
    with toolkit.Worker(toolkit.PipelineSpec.from_names(["segment"]), toolkit.OutputSpec(str(lib), "txt")) as worker:
        for result in worker.process([toolkit.Raw("wire-1.txt", b"Metro opens.\n\nFive stations.")]):
            report.add(result)
    report.finish()
    (line,) = index(lib)
    assert line["input"] == "wire-1.txt" and line["run"] == report.run_id and len(line["outputs"]) == 1


def test_an_index_that_cannot_be_written_is_reported(cli, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / INDEX_FILE).mkdir()  # in the way
    result = cli("convert", SAMPLES / "ky_crafts.txt", "-o", out)
    assert result.exit_code == 1
    assert f"{INDEX_FILE}: cannot append" in result.stderr
    assert len(list(out.glob("*.xml"))) == 2  # the outputs themselves are there


def test_an_output_folder_named_as_input_is_read_without_its_index(cli, tmp_path):
    from toolkit.io.readers import RUN_INDEX

    assert RUN_INDEX == INDEX_FILE
    out = tmp_path / "out"
    assert cli("convert", SAMPLES / "ky_crafts.txt", "-o", out, "-f", "jsonl").exit_code == 0
    again = cli("convert", out, "-o", tmp_path / "again", "-f", "jsonl")  # the folder named: read as asked
    assert again.exit_code == 0 and again.stderr.strip().splitlines()[-1].startswith("1 documents"), again.stderr
    own = tmp_path / "mine"  # a user's own file of that name, outside an output folder, is an input
    own.mkdir()
    (own / INDEX_FILE).write_text('{"text": "Metro opens.\\n\\nFive stations."}\n')
    assert cli("convert", own, "-o", tmp_path / "third").stderr.strip().splitlines()[-1].startswith("1 documents")
