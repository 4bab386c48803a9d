"""Skipped is not failed, in every command; `--fail-fast` writes and reports what came before the
failure and nothing after it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import run_toolkit

STORY = "Metro opens in Almaty\n\nThe new line links five districts of the city, officials said on Monday.\n"
LATER = "Budget passes\n\nThe parliament passed the 2025 budget on Tuesday after a long debate.\n"
BOILERPLATE = "Ana Sayfa > Ekonomi\n\nPaylaş\n\n© 2024 Site. Tüm hakları saklıdır.\n"
BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01"


def inputs(root: Path, *, broken: bool) -> Path:
    src = root / "in"
    src.mkdir()
    (src / "1_story.txt").write_text(STORY, "utf-8")
    (src / "2_boilerplate.txt").write_text(BOILERPLATE, "utf-8")
    if broken:
        (src / "3_broken.txt").write_bytes(BINARY)
    (src / "4_later.txt").write_text(LATER, "utf-8")
    return src


@pytest.mark.parametrize("command", [["convert", "-f", "jsonl"], ["clean", "-f", "jsonl"]])
def test_a_skip_is_counted_and_exit_code_0(tmp_path, command):
    src = inputs(tmp_path, broken=False)
    out = tmp_path / "out"
    proc = run_toolkit(command[0], src, "-o", out, *command[1:])
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    assert "3 documents, 2 ok, 0 failed, 1 skipped (1 empty-document)" in err
    (line,) = (out / "failures.jsonl").read_text().splitlines()
    assert json.loads(line)["status"] == "skipped" and json.loads(line)["code"] == "empty-document"


def test_detect_stream_and_translate_skip_without_failing(tmp_path):
    src = inputs(tmp_path, broken=False)
    detect = run_toolkit("detect", src)
    assert detect.returncode == 0 and len(detect.stdout.splitlines()) == 2
    assert b"skipped" in detect.stderr and b"2_boilerplate.txt" in detect.stderr
    lines = [json.dumps({"text": t}) for t in (STORY, BOILERPLATE, LATER)]
    stream = run_toolkit("stream", "-f", "txt", input=("\n".join(lines) + "\n").encode())
    records = [json.loads(line) for line in stream.stdout.splitlines()]
    assert stream.returncode == 0 and [r["status"] for r in records] == ["ok", "skipped", "ok"]
    assert records[1]["error"]["code"] == "empty-document"
    config = tmp_path / "clean.toml"
    config.write_text('[pipeline]\nsteps = ["clean"]\n', "utf-8")  # clean before translating
    page = src / "2_boilerplate.txt"
    translate = run_toolkit("translate", page, "--to", "uz-Cyrl", "--from", "uz", "-c", config)
    assert translate.returncode == 0 and translate.stdout == b"", translate.stderr
    assert b"SKIPPED" in translate.stderr and b"empty-document" not in translate.stdout


def test_watch_moves_a_skipped_file_to_processed(tmp_path):
    inbox = inputs(tmp_path, broken=False)
    proc = run_toolkit("watch", inbox, "-o", tmp_path / "out", "--once", "--settle", "0")
    assert proc.returncode == 0, proc.stderr.decode()
    processed = sorted(p.name for p in (inbox / "processed").iterdir())
    assert processed == ["1_story.txt", "2_boilerplate.txt", "4_later.txt"]
    assert not list((inbox / "failed").iterdir())


@pytest.mark.parametrize(
    "command",
    [
        ["convert", "-f", "jsonl", "-o", "{out}"],
        ["convert", "-f", "jsonl", "-o", "{out}", "--jobs", "2"],
        ["clean", "-o", "{out}"],
        ["detect"],
    ],
)
def test_fail_fast_stops_after_what_came_before_the_failure(tmp_path, command):
    src = inputs(tmp_path, broken=True)
    out = tmp_path / "out"
    args = [a.format(out=out) for a in command]
    proc = run_toolkit(args[0], src, *args[1:], "--fail-fast")
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert "3_broken.txt" in err and "4_later.txt" not in err + proc.stdout.decode()
    if "-o" in args:
        written = "".join(p.read_text("utf-8") for p in out.iterdir() if p.is_file() and p.name != "failures.jsonl")
        assert "Metro opens" in written and "Budget passes" not in written  # before: written; after: not
        records = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
        assert [(Path(r["input"]).name, r["status"]) for r in records] == [
            ("2_boilerplate.txt", "skipped"),
            ("3_broken.txt", "failed"),
        ]
    else:
        assert "1_story.txt" in proc.stdout.decode()


def test_fail_fast_in_translate_stops_at_the_failure(tmp_path):
    src = tmp_path / "in.jsonl"
    records = [{"text": "Salom dunyo.", "lang": "uz-Latn"}, {"foo": 1}, {"text": "Xayr.", "lang": "uz-Latn"}]
    src.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    proc = run_toolkit("translate", src, "--to", "uz-Cyrl", "--fail-fast")
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 1 and len(out) == 1 and out[0]["translations"]["uz-Cyrl"]
    assert b"in.jsonl:2" in proc.stderr


def test_convert_to_standard_output_through_the_stream_sink(tmp_path):
    src = inputs(tmp_path, broken=True)
    proc = run_toolkit("convert", src, "-o", "-", "-f", "txt")
    records = proc.stdout.split(b"\x1e")
    assert proc.returncode == 1 and records[0] == b""  # each output preceded by the record separator
    assert [r.decode().splitlines()[0] for r in records[1:]] == ["Metro opens in Almaty", "Budget passes"]
    err = proc.stderr.decode()
    assert "3_broken.txt" in err and "4 documents, 2 ok, 1 failed, 1 skipped (1 empty-document)" in err
    assert not (tmp_path / "-").exists() and not list(tmp_path.glob("failures.jsonl"))
    refused = run_toolkit("convert", src, "-o", "-", "--jobs", "2")
    assert refused.returncode == 2 and b"neither --resume, --jobs nor --dask" in refused.stderr
