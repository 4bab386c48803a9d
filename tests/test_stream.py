from __future__ import annotations

import json
import subprocess
import sys

from toolkit.testing import assert_valid_newsml

from .conftest import SAMPLES


def records() -> list[str]:
    lines = (SAMPLES / "feeds" / "en_records.jsonl").read_text("utf-8").splitlines()
    return [*lines, json.dumps({"text": "Yerevan hosts a regional film week.\n\nScreenings run until Sunday."})]


def test_stream_results_per_line_and_bad_lines_go_on(cli):
    lines = records()
    bad = ["{not json", json.dumps({"text": ""}), json.dumps([1, 2])]
    result = cli("stream", input="\n".join([lines[0], bad[0], lines[1], bad[1], bad[2], lines[2]]) + "\n")
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["status"] for r in out] == ["ok", "failed", "ok", "failed", "failed", "ok"]
    assert [r["line"] for r in out] == [1, 2, 3, 4, 5, 6]
    assert "invalid JSON" in out[1]["error"]["message"] and "<stdin>:2" in out[1]["error"]["message"]
    outputs = out[0]["outputs"]
    assert {o["lang"] for o in outputs} >= {"en"} and any(o["name"].endswith(".package.xml") for o in outputs)
    for o in outputs:
        assert_valid_newsml(o["content"].encode())
    item = next(o["content"] for o in outputs if o["lang"] == "en")
    assert "<headline>Central Asian broadcasters sign content-sharing pact</headline>" in item
    assert "FAILED" in result.stderr


def test_stream_flushes_each_item_before_the_next_arrives():
    proc = subprocess.Popen(
        [sys.executable, "-m", "toolkit", "stream"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        for line in records():
            proc.stdin.write(line.encode() + b"\n")
            proc.stdin.flush()
            answer = proc.stdout.readline()  # would block forever if results were buffered
            assert json.loads(answer)["status"] == "ok"
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    assert proc.returncode == 0


def test_stream_batches_lines_already_waiting():
    data = ("\n".join(records() * 10) + "\n").encode()
    proc = subprocess.run(
        [sys.executable, "-m", "toolkit", "stream", "--batch-size", "8"], input=data, capture_output=True, timeout=60
    )
    assert proc.returncode == 0
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["line"] for r in out] == list(range(1, 31))  # order kept across batches


def test_record_separator_output(cli):
    result = cli("stream", "--rs", "-f", "txt", input="\n".join(records()) + "\n")
    assert result.exit_code == 0
    items = [chunk for chunk in result.stdout.split("\x1e") if chunk]
    assert len(items) == 3
    assert items[0].startswith("Central Asian broadcasters sign content-sharing pact")
