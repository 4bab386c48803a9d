from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolkit.document import Document

from .conftest import run_toolkit

PAGES = {
    "tr.txt": "Başlık\n\nİstanbul'da yeni metro hattı açıldı.\n\nHat günde 200 bin yolcu taşıyacak.\n".encode("cp1254"),
    "ru.txt": "Заголовок\n\nВ Москве открылся форум.\n".encode("cp1251"),
    "en.html": b"<html><body><h1>Title</h1><p>Body paragraph.</p></body></html>",
    "kk.txt": "Тақырып\n\nАстанада форум басталды.\n".encode("utf-16"),
}


def make_inputs(root: Path, broken: bool = True) -> Path:
    src = root / "in"
    src.mkdir()
    for name, data in PAGES.items():
        (src / name).write_bytes(data)
    if broken:
        (src / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01")
        (src / "empty.txt").write_bytes(b"")
    (src / "README.md").write_text("not a document")
    return src


def outputs(outdir: Path) -> dict[str, bytes]:
    """Every file written, except the toolkit's own records (.toolkit/: see ``completed``) and the
    run index (index.ndjson: one line per document of every run, with the run's id and time)."""
    return {
        p.relative_to(outdir).as_posix(): p.read_bytes()
        for p in sorted(outdir.rglob("*"))
        if p.is_file() and not p.relative_to(outdir).as_posix().startswith(".toolkit/") and p.name != "index.ndjson"
    }


def completed(outdir: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    """The documents recorded as finished: id -> (configuration fingerprint, outputs)."""
    from toolkit.io.journal import DoneJournal

    return DoneJournal(outdir / ".toolkit" / "done").completed()


def test_convert_writes_one_output_per_document(cli, tmp_path):
    src = make_inputs(tmp_path, broken=False)
    out = tmp_path / "out"
    result = cli("convert", src, "-o", out, "-f", "jsonl")
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.glob("*.jsonl"))
    assert len(files) == 4
    docs = [Document.from_json(p.read_text("utf-8")) for p in out.glob("*.jsonl")]
    by_source = {Path(d.source).name: d for d in docs}
    assert by_source["tr.txt"].encoding == "cp1254"
    # the default pipeline cleans: the first line is the title, not a paragraph
    assert by_source["tr.txt"].title == "Başlık"
    assert by_source["tr.txt"].paragraphs[0].text == "İstanbul'da yeni metro hattı açıldı."
    assert by_source["ru.txt"].encoding == "cp1251"
    assert by_source["kk.txt"].encoding == "utf-16"
    assert by_source["en.html"].raw_format == "html"
    assert all(f == f"{d.id}.jsonl" for f, d in zip(sorted(files), sorted(docs, key=lambda d: d.id), strict=True))
    assert not (out / "failures.jsonl").exists()
    assert "4 documents, 4 ok, 0 failed" in result.output


def test_bad_inputs_fail_alone(cli, tmp_path):
    src = make_inputs(tmp_path)
    out = tmp_path / "out"
    result = cli("convert", src, "-o", out, "-f", "jsonl")
    assert result.exit_code == 1
    assert len([p for p in out.glob("*.jsonl") if p.name != "failures.jsonl"]) == 4  # every good document still written
    failures = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
    assert {Path(f["input"]).name: f["code"] for f in failures} == {
        "broken.txt": "binary-input",
        "empty.txt": "empty-input",
    }
    assert all(f["error"].startswith(str(src)) for f in failures)  # messages name the file
    assert "FAILED" in result.output and "broken.txt" in result.output


def test_rerun_overwrites_instead_of_adding(cli, tmp_path):
    src = make_inputs(tmp_path, broken=False)
    out = tmp_path / "out"
    cli("convert", src, "-o", out)
    first, records = outputs(out), completed(out)
    cli("convert", src, "-o", out)
    assert outputs(out) == first and completed(out) == records


def test_resume_skips_complete_documents(cli, tmp_path):
    src = make_inputs(tmp_path, broken=False)
    out = tmp_path / "out"
    cli("convert", src, "-o", out, "-f", "jsonl")
    victim = next(out.glob("*.jsonl"))
    victim.unlink()  # as if the run had been killed before writing it
    result = cli("convert", src, "-o", out, "--resume", "-f", "jsonl")
    assert result.exit_code == 0
    assert "3 already done" in result.output
    assert victim.exists()
    # another configuration is not "already done"
    result = cli("convert", src, "-o", out, "--resume", "--format", "txt")
    assert "already done" not in result.output


def test_jobs_give_identical_outputs(cli, tmp_path):
    src = make_inputs(tmp_path)
    one, two = tmp_path / "one", tmp_path / "two"
    r1 = cli("convert", src, "-o", one, "--jobs", "1", "-f", "jsonl")
    r2 = cli("convert", src, "-o", two, "--jobs", "2", "--batch-size", "1", "-f", "jsonl")
    assert r1.exit_code == r2.exit_code == 1
    assert outputs(one) == outputs(two) and completed(one) == completed(two)
    assert not (one / ".toolkit" / "tmp").exists() and not (two / ".toolkit" / "tmp").exists()  # staging cleared


def test_txt_format(cli, tmp_path):
    src = make_inputs(tmp_path, broken=False)
    out = tmp_path / "out"
    assert cli("convert", src, "-o", out, "-f", "txt").exit_code == 0
    texts = [p.read_text("utf-8") for p in out.glob("*.tr.txt")]  # named by the language langid found
    assert any(t.startswith("Başlık\n\nİstanbul'da") for t in texts)


def test_stdin(cli, tmp_path):
    out = tmp_path / "out"
    result = cli("convert", "-", "-o", out, "-f", "jsonl", input="Tek satır haber.\n".encode())
    assert result.exit_code == 0
    (doc,) = [Document.from_json(p.read_text()) for p in out.glob("*.jsonl")]
    assert doc.source == "<stdin>" and doc.paragraphs[0].text == "Tek satır haber."


def test_jsonl_round_trip_between_commands(cli, tmp_path):
    src = make_inputs(tmp_path, broken=False)
    first, second = tmp_path / "first", tmp_path / "second"
    cli("convert", src, "-o", first, "-f", "jsonl")
    joined = tmp_path / "all.jsonl"
    joined.write_text("".join(p.read_text() for p in sorted(first.glob("*.jsonl"))))
    assert cli("convert", joined, "-o", second, "-f", "jsonl").exit_code == 0
    assert {p.name: Document.from_json(p.read_text()) for p in first.glob("*.jsonl")} == {
        p.name: Document.from_json(p.read_text()) for p in second.glob("*.jsonl")
    }


def test_fail_fast_stops(cli, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_bytes(b"")
    (src / "b.txt").write_text("fine")
    result = cli("convert", src, "-o", tmp_path / "out", "--fail-fast")
    assert result.exit_code == 1 and "--fail-fast" in result.output
    assert [p.name for p in (tmp_path / "out").glob("*.jsonl")] == ["failures.jsonl"]


def test_config_file(cli, tmp_path):
    src = make_inputs(tmp_path, broken=False)
    config = tmp_path / "pipeline.toml"
    config.write_text('[pipeline]\nsteps = ["segment"]\n[output]\nformat = "txt"\n')
    assert cli("convert", src, "-o", tmp_path / "out", "--config", config).exit_code == 0
    assert list((tmp_path / "out").glob("*.txt"))


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["convert", "missing-dir", "-o", "out"], "input not found"),
        (["convert", "{src}", "-o", "out", "--format", "nope"], "unknown format 'nope'"),
        (["convert", "{src}", "-o", "out", "--steps", "segment,nope"], "unknown processor 'nope'"),
        (["convert", "{src}", "-o", "out", "--config", "none.toml"], "config file not found"),
        (["convert", "{src}", "-o", "out", "--encoding", "klingon"], "unknown encoding 'klingon'"),
        (["convert", "{src}"], "Missing option"),
    ],
)
def test_usage_errors_exit_2(cli, tmp_path, monkeypatch, args, fragment):
    src = make_inputs(tmp_path, broken=False)
    monkeypatch.chdir(tmp_path)
    result = cli(*[a.replace("{src}", str(src)) for a in args])
    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert [line for line in result.output.splitlines() if line.startswith("Error")] == [
        next(line for line in result.output.splitlines() if fragment in line)
    ]


def test_output_into_unwritable_place(cli, tmp_path):
    src = make_inputs(tmp_path, broken=False)
    blocker = tmp_path / "file"
    blocker.write_text("a file where the output directory should be")
    result = cli("convert", src, "-o", blocker / "out")
    assert result.exit_code == 1
    assert "cannot create the output directory" in result.output


def test_python_dash_m(tmp_path):
    proc = run_toolkit("--version")
    assert proc.returncode == 0 and b"toolkit" in proc.stdout
