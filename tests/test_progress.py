"""Progress you can trust: a bar on a terminal (a real pseudo-terminal here), plain lines elsewhere,
nothing with -q; files counted from the inputs, documents and failures as they come."""

from __future__ import annotations

import fcntl
import io
import os
import re
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from toolkit.cli.progress import Progress
from toolkit.io.readers import iter_sources
from toolkit.worker import Result

from .conftest import SAMPLES


def run_on_terminal(*args: str, size: tuple[int, int] | None = (30, 120), timeout: float = 180) -> tuple[int, str]:
    """Run ``python -m toolkit ARGS`` with stderr on a pseudo-terminal of ``size`` (rows, columns;
    None: the 0 x 0 a bare pty reports); its exit code and everything it wrote there."""
    master, slave = os.openpty()
    if size is not None:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "toolkit", *args], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 1 << 16)
        except OSError:  # EIO: the terminal's other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return proc.wait(timeout=timeout), b"".join(chunks).decode("utf-8", "replace")


def inputs(tmp_path: Path) -> tuple[Path, int]:
    """A folder of pages, a feed (two documents in one file) and an empty file (fails); its file count."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("en_copyright_traps.txt", "kk_weather.html", "ru_forum_cp1251.txt", "uz_textile.html"):
        shutil.copy(SAMPLES / name, src / name)
    shutil.copy(SAMPLES / "feeds" / "ru_atom.xml", src / "feed.xml")
    (src / "zz_empty.txt").write_bytes(b"")
    return src, sum(1 for s in iter_sources([str(src)]) if s.supported)


@pytest.mark.parametrize("size", [(30, 120), None])
def test_convert_shows_a_bar_with_total_percent_rate_eta_and_failures_on_a_terminal(tmp_path, size):
    src, total = inputs(tmp_path)
    assert total == 6
    code, screen = run_on_terminal("convert", str(src), "-o", str(tmp_path / "out"), "--batch-size", "2", size=size)
    assert code == 1  # the empty file
    frames = [f for f in re.split(r"[\r\n]+", screen) if f.startswith("convert:")]
    assert frames, screen
    assert all(f"/{total} [" in f for f in frames)  # the total, from the start
    assert re.search(r"convert:\s+0%\|", frames[0])
    last = frames[-1]
    assert re.search(r"100%\|.*\| 6/6 \[\d\d:\d\d<\d\d:\d\d, +[\d.]+(s/file|file/s), 7 docs, 1 failed\]", last), last
    assert any(re.search(r"\d+%\|.*\| [1-5]/6 ", f) for f in frames)  # a step between 0 and 6
    assert "FAILED " in screen and "zz_empty.txt: empty file" in screen  # above the bar, on its own line
    assert re.search(r"7 documents, 6 ok, 1 failed; 12 files written", screen)  # the summary after the bar


def test_plain_lines_when_stderr_is_not_a_terminal(cli, tmp_path):
    src, _ = inputs(tmp_path)
    result = cli("convert", src, "-o", tmp_path / "out", "--batch-size", "2", "--progress-every", "0")
    lines = [line for line in result.stderr.splitlines() if line.startswith("convert: ")]
    assert lines and all(
        re.fullmatch(
            r"convert: \d/6 files \(\d+%\), \d documents, [01] failed, [\d.]+ files/s(, ETA \d:\d\d:\d\d)?", line
        )
        for line in lines
    ), lines
    assert lines[-1].startswith("convert: 6/6 files (100%), 7 documents, 1 failed")
    assert "\r" not in result.stderr  # no bar drawing in a log
    quiet = cli("convert", src, "-o", tmp_path / "out2", "--progress-every", "0", "-q")
    assert quiet.stderr.splitlines() == [line for line in quiet.stderr.splitlines() if line.startswith("FAILED")]
    assert "convert:" not in quiet.stderr and "documents" not in quiet.stderr  # -q: nothing but errors
    off = cli("convert", src, "-o", tmp_path / "out3", "--progress-every", "0", "--no-progress")
    assert "convert:" not in off.stderr and "7 documents" in off.stderr


def test_clean_to_a_folder_shows_progress_and_clean_to_stdout_does_not(cli, tmp_path):
    src, _ = inputs(tmp_path)
    to_folder = cli("clean", src, "-o", tmp_path / "clean", "--progress-every", "0")
    assert "clean: 6/6 files (100%)" in to_folder.stderr
    to_stdout = cli("clean", src / "kk_weather.html", "--progress-every", "0")
    assert "clean:" not in to_stdout.stderr


def test_a_watch_backlog_has_a_bar_that_ends_with_it(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("en_copyright_traps.txt", "ky_crafts.txt", "tr_festival.html"):
        shutil.copy(SAMPLES / name, inbox / name)
    code, screen = run_on_terminal("watch", str(inbox), "-o", str(tmp_path / "out"), "--once", "--settle", "0")
    assert code == 0, screen
    frames = [f for f in re.split(r"[\r\n]+", screen) if f.startswith("watch:")]
    assert frames and re.search(r"100%\|.*\| 3/3 ", frames[-1]), screen
    assert "processed ky_crafts.txt" in screen  # the service's own lines, above the bar


class _Source:
    def __init__(self, display: str) -> None:
        self.display, self.supported = display, True


def test_files_are_counted_done_as_results_show_it():
    meter = Progress(3, mode="lines", every=3600, stream=io.StringIO())
    taken = list(meter.track([_Source("a.txt"), _Source("feed.xml"), _Source("b.html")]))
    assert len(taken) == 3
    meter.update(Result("ok", "1", "a.txt"))
    assert (meter.files, meter.documents) == (1, 1)  # a file of one document: done with it
    meter.update(Result("ok", "2", "feed.xml#1"))
    meter.update(Result("failed", "3", "feed.xml#2"))
    assert (meter.files, meter.documents, meter.failed) == (1, 3, 1)  # a feed: not done yet
    meter.update(Result("ok", "4", "wire:en:4401"))  # a record naming its own source: a document
    assert (meter.files, meter.documents) == (1, 4)
    meter.update(Result("ok", "5", "b.html"))
    assert meter.files == 3  # the feed was done when the next file began
    assert meter.line().startswith("3/3 files (100%), 5 documents, 1 failed")


def test_a_watch_with_json_logs_writes_only_json_lines(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLES / "ky_crafts.txt", inbox / "a.txt")
    args = ["--log-format", "json", "watch", str(inbox), "-o", str(tmp_path / "out"), "--once", "--settle", "0"]
    proc = subprocess.run(
        [sys.executable, "-m", "toolkit", *args, "--progress-every", "0"], capture_output=True, timeout=180
    )
    assert proc.returncode == 0
    lines = proc.stderr.decode().splitlines()
    assert lines and all(line.startswith("{") for line in lines), lines
