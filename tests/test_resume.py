"""`convert --resume` after SIGKILL at random points ends with exactly the outputs of an uninterrupted run."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import SAMPLES
from .test_cli_convert import completed, outputs


def make_corpus(root: Path, n: int) -> Path:
    src = root / "corpus"
    src.mkdir()
    texts = sorted(SAMPLES.glob("*.txt"))
    for i in range(n):
        sample = texts[i % len(texts)]
        data = sample.read_bytes()
        (src / f"{i:04d}_{sample.name}").write_bytes(data + f"\n\nUpdate {i}.\n".encode("ascii"))
    (src / "zz_broken.txt").write_bytes(b"%PDF-1.7 binary")
    return src


def convert(src: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    # NewsML-G2 items carry the time they were made: a fixed clock makes runs comparable byte for byte
    config = src.parent / "fixed-clock.toml"
    config.write_text('[output]\nformat = "newsml"\noptions = { now = "2025-01-01T00:00:00Z" }\n')
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "toolkit",
            "convert",
            str(src),
            "-o",
            str(out),
            "--config",
            str(config),
            "--batch-size",
            "4",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: a kill takes the workers too
    )


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_resume_after_repeated_sigkill(tmp_path, jobs):
    src = make_corpus(tmp_path, 400)
    reference = tmp_path / "reference"
    ref = convert(src, reference)
    ref.communicate(timeout=300)
    assert ref.returncode == 1  # the broken file

    out = tmp_path / "out"

    def written() -> int:  # outputs in place so far (a package per document)
        return len(list(out.glob("*.package.xml"))) if out.exists() else 0

    rng = random.Random(7)
    kills = 0
    for _ in range(4):  # kill at a random point after some progress, four times
        before = written()
        proc = convert(src, out, "--resume", "--jobs", jobs)
        goal = before + rng.randint(5, 60)
        while proc.poll() is None and written() < goal:
            time.sleep(0.005)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the whole run at once, workers included
            kills += 1
        proc.communicate()
    final = convert(src, out, "--resume", "--jobs", jobs)
    _, err = final.communicate(timeout=300)
    assert final.returncode == 1, err
    assert kills >= 1
    assert outputs(out) == outputs(reference)  # no partial files, no duplicates, same bytes
    assert completed(out) == completed(reference)  # every document recorded once, as finished
    assert not (out / ".toolkit" / "tmp").exists()  # what the killed runs had staged is cleared
