"""A full disk or a read-only output folder fails the affected documents, never corrupts what exists."""

from __future__ import annotations

import errno
import json
import os

from toolkit.io import writers

from .test_cli_convert import make_inputs, outputs


def test_disk_full_fails_affected_documents_only(cli, tmp_path, monkeypatch):
    src = make_inputs(tmp_path, broken=False)
    out = tmp_path / "out"
    assert cli("convert", src, "-o", out).exit_code == 0
    before = outputs(out)

    real_create = writers._create_temp  # every output file is created here
    calls = {"n": 0}

    def create_until_full(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 3:  # the disk fills up after a few files
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_create(*args, **kwargs)

    monkeypatch.setattr(writers, "_create_temp", create_until_full)
    (src / "new.txt").write_text("A new story arrives.\n\nIt needs space on the disk.")
    result = cli("convert", src, "-o", out, "-f", "txt")
    monkeypatch.undo()
    assert result.exit_code == 1
    assert "disk full" in result.output
    after = outputs(out)
    for name, data in before.items():  # nothing already written is corrupted
        if name != "failures.jsonl" and not name.startswith(".toolkit/"):  # manifests describe the last run
            assert after[name] == data
    assert not [n for n in os.listdir(out) if n.endswith(".tmp")]
    failed = [line for line in result.output.splitlines() if line.startswith("FAILED")]
    assert failed and all("disk full" in line for line in failed)
    assert "failures.jsonl: cannot write: disk full" in result.output  # the report could not be written either
    assert not (out / "failures.jsonl").exists()


def test_failures_report_lists_output_errors(cli, tmp_path, monkeypatch):
    src = make_inputs(tmp_path, broken=False)
    out = tmp_path / "out"
    real = os.replace

    def replace(a, b):
        if str(b).endswith(".txt"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(a, b)

    monkeypatch.setattr(os, "replace", replace)
    result = cli("convert", src, "-o", out, "-f", "txt")
    monkeypatch.undo()
    assert result.exit_code == 1
    failures = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
    assert len(failures) == 4 and all(f["code"] == "output" and "disk full" in f["error"] for f in failures)
    assert not list(out.glob("*.txt")) and not [n for n in os.listdir(out) if n.endswith(".tmp")]


def test_read_only_output_folder(cli, tmp_path, monkeypatch):
    src = make_inputs(tmp_path, broken=False)
    out = tmp_path / "out"
    assert cli("convert", src, "-o", out).exit_code == 0
    before = outputs(out)

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(writers, "_create_temp", refuse)
    result = cli("convert", src, "-o", out, "-f", "txt")
    monkeypatch.undo()
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("FAILED")]
    assert len(lines) == 4 and all("Read-only file system" in line for line in lines)
    assert outputs(out) == before
