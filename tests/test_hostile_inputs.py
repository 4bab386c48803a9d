"""Hostile input trees through ``convert``, ``detect``, ``clean`` and ``translate``: FIFOs named or met
in a walk (beside a NewsML-G2 package too), output folders inside the input folder, globs over
them, symbolic links out of the input folder, and links that loop. Nothing hangs, nothing is read
twice, nothing outside the input folder is read unless asked.

Every command runs in a subprocess with a timeout: a FIFO opened for reading blocks for ever.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .conftest import SAMPLES, run_toolkit

STORY = (
    "Алматыда жаңа метро желісі ашылды. Қала тұрғындары жаңа бекеттерге қуанышты.\n\n"
    "Әкімдік келесі жылы тағы үш бекет салынатынын хабарлады."
)
TIMEOUT = 60


def run(*args: str | Path, cwd: Path | None = None):  # type: ignore[no-untyped-def]
    return run_toolkit(*map(str, args), cwd=cwd, timeout=TIMEOUT)


def stories(folder: Path, n: int = 3) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"story{i}.txt").write_text(f"Жаңалық {i}\n\n{STORY} ({i})\n", encoding="utf-8")
    return folder


def output_count(folder: Path) -> int:
    """Outputs written (not the run's reports: failures.jsonl and the run index)."""
    return len([p for p in folder.iterdir() if p.is_file() and p.name not in ("failures.jsonl", "index.ndjson")])


# -- FIFOs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["convert", "{fifo}", "-o", "{out}"],
        ["convert", "{fifo}", "{good}", "-o", "{out}", "-f", "txt"],
        ["detect", "{fifo}"],
        ["detect", "--lines", "{fifo}"],
        ["clean", "{fifo}"],
        ["translate", "{fifo}", "--from", "uz", "--to", "uz-Cyrl"],
    ],
    ids=["convert", "convert-with-another", "detect", "detect-lines", "clean", "translate"],
)
def test_a_fifo_named_on_the_command_line_fails_with_one_line_instead_of_hanging(tmp_path, command):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    good = stories(tmp_path / "in", 1) / "story0.txt"
    args = [a.format(fifo=fifo, good=good, out=tmp_path / "out") for a in command]
    proc = run(*args)  # a FIFO opened for reading would block here until the timeout
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert f"{fifo}: not a regular file (a FIFO): only regular files are read" in err, err
    assert "stdin" in err  # says how to read a stream
    assert "Traceback" not in err
    if "convert-with-another" in " ".join(command) or "-f" in args:
        assert len(list((tmp_path / "out").glob("*.txt"))) == 1  # the other input is converted


def test_fifos_met_in_a_walk_or_a_glob_are_skipped(tmp_path):
    src = stories(tmp_path / "in")
    os.mkfifo(src / "pipe.txt")
    os.mkfifo(src / "pipe.xml")
    (src / "sub").mkdir()
    os.mkfifo(src / "sub" / "deep.html")
    for n, inputs in enumerate(([src], [f"{src}/*"], [f"{src}/**/*.*"])):
        proc = run("convert", *inputs, "-o", tmp_path / f"out{n}", "-f", "jsonl")
        assert proc.returncode == 0, proc.stderr.decode()
        assert proc.stderr.decode().strip().splitlines()[-1].startswith("3 documents, 3 ok")
    proc = run("detect", src)
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 3


def test_a_fifo_beside_a_newsml_package_does_not_block_its_reader(tmp_path):
    """The package reader indexes the ``.xml`` files of the package's folder: it must not open a FIFO."""
    src = tmp_path / "in"
    src.mkdir()
    for name in ("pkg_forum_package.xml", "pkg_forum_en.xml", "pkg_forum_ru.xml"):
        (src / name).write_bytes((SAMPLES / "feeds" / "newsml" / name).read_bytes())
    os.mkfifo(src / "zz_fifo.xml")
    os.mkfifo(src / "aa_fifo.xml")
    proc = run("convert", src, "-o", tmp_path / "out", "-f", "jsonl")
    assert proc.returncode == 0, proc.stderr.decode()
    assert output_count(tmp_path / "out") == 2  # the package's two stories
    proc = run("convert", src / "pkg_forum_package.xml", "-o", tmp_path / "out2", "-f", "jsonl")
    assert proc.returncode == 0, proc.stderr.decode()
    proc = run("detect", src)
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 2, proc.stderr.decode()


# -- output folders inside the input folder ----------------------------------------------------


@pytest.mark.parametrize("fmt", ["newsml", "ninjs", "jsonl", "txt"])
@pytest.mark.parametrize("how", ["folder", "glob", "recursive-glob"])
def test_outputs_inside_the_input_folder_are_never_read_again(tmp_path, fmt, how):
    src = stories(tmp_path / "in")
    out = src / "out"
    inputs = {"folder": str(src), "glob": f"{src}/*", "recursive-glob": f"{src}/**/*"}[how]
    counts = []
    for _ in range(3):
        proc = run("convert", inputs, "-o", out, "-f", fmt)
        assert proc.returncode == 0, proc.stderr.decode()
        assert proc.stderr.decode().strip().splitlines()[-1].startswith("3 documents"), proc.stderr.decode()
        counts.append(output_count(out))
    assert counts[0] > 0 and counts == [counts[0]] * 3, counts


def test_another_output_folder_inside_the_input_folder_is_skipped(tmp_path, cli):
    src = stories(tmp_path / "in")
    assert cli("convert", src, "-o", src / "txt", "-f", "txt").exit_code == 0
    result = cli("convert", src, "-o", src / "json", "-f", "jsonl")  # in/txt holds the last run's outputs
    assert result.exit_code == 0 and result.output.strip().splitlines()[-1].startswith("3 documents"), result.output
    result = cli("detect", src)
    assert len(result.stdout.splitlines()) == 3
    result = cli("convert", src / "txt", "-o", tmp_path / "again", "-f", "jsonl")  # named: read as asked
    assert result.exit_code == 0 and result.output.strip().splitlines()[-1].startswith("3 documents"), result.output


@pytest.mark.parametrize("inputs", ["{src}", "{src}/*.txt"])
def test_the_output_folder_being_the_input_folder_is_a_usage_error(tmp_path, inputs):
    src = stories(tmp_path / "in")
    proc = run("convert", inputs.format(src=src), "-o", src, "-f", "txt")
    assert proc.returncode == 2
    assert "is also an input folder" in proc.stderr.decode()
    assert output_count(src) == 3  # nothing written


# -- links that loop -------------------------------------------------------------------------------


def test_links_that_loop_end_a_walk_and_a_recursive_glob(tmp_path):
    """Two links back to the top: the standard glob walks 2^n paths until names get too long."""
    src = stories(tmp_path / "in", 1)
    (src / "a").mkdir()
    (src / "a" / "story.txt").write_text(STORY)
    for name in ("l1", "l2", "l3"):
        (src / "a" / name).symlink_to("..")
    expected = {str(src): 2, f"{src}/**/*.txt": 2, f"{src}/*/*/*/*.txt": 1}
    for inputs, count in expected.items():
        proc = run("detect", inputs)
        assert proc.returncode == 0, proc.stderr.decode()
        assert len(proc.stdout.decode().splitlines()) == count, proc.stdout.decode()


def test_a_link_inside_the_folder_is_followed_and_each_file_read_once(tmp_path):
    src = stories(tmp_path / "in", 2)
    (src / "link.txt").symlink_to(src / "story0.txt")  # inside the folder: followed; the same file, read once
    proc = run("detect", "--format", "json", src, src / "story1.txt")
    assert proc.returncode == 0, proc.stderr.decode()
    records = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [Path(r["source"]).name for r in records] == ["link.txt", "story1.txt"]


# -- symbolic links out of the input folder -------------------------------------------------------

SECRET = "root:x:0:0:this secret must never be published"


def linked_tree(tmp_path: Path) -> Path:
    """An input folder with links out of it: to a file (named .txt) and to a folder."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd").write_text(SECRET + "\n")
    (outside / "other.txt").write_text(f"Басқа жаңалық\n\n{STORY} outside\n")
    src = stories(tmp_path / "in", 2)
    (src / "passwd.txt").symlink_to(outside / "passwd")
    (src / "elsewhere").symlink_to(outside)
    return src


@pytest.mark.parametrize("inputs", ["{src}", "{src}/*", "{src}/**/*.txt"])
def test_convert_does_not_follow_links_out_of_the_input_folder(tmp_path, inputs):
    src = linked_tree(tmp_path)
    out = tmp_path / "out"
    proc = run("convert", inputs.format(src=src), "-o", out, "-f", "txt")
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert f"{src}/passwd.txt: symbolic link to {tmp_path}/outside/passwd, outside the input folder" in err, err
    assert "use --follow-links to read it" in err
    if "**" not in inputs:  # `**` does not descend into a link out of its folder at all
        assert f"{src}/elsewhere: symbolic link to the folder {tmp_path}/outside" in err, err
    written = "".join(p.read_text() for p in out.glob("*.txt"))
    assert "secret" not in written and "outside" not in written
    assert output_count(out) == 2
    codes = {json.loads(line)["code"] for line in (out / "failures.jsonl").read_text().splitlines()}
    assert codes == {"unsafe-input"}


def test_follow_links_reads_them(tmp_path):
    src = linked_tree(tmp_path)
    out = tmp_path / "out"
    proc = run("convert", src, "-o", out, "-f", "txt", "--follow-links")
    assert proc.returncode == 0, proc.stderr.decode()
    written = "".join(p.read_text() for p in out.glob("*.txt"))
    assert "secret" in written and "outside" in written  # asked for: both links read


@pytest.mark.parametrize("command", [["detect"], ["detect", "--lines"], ["clean", "-o", "{out}"]])
def test_detect_and_clean_share_the_policy(tmp_path, command):
    src = linked_tree(tmp_path)
    args = [a.format(out=tmp_path / "out") for a in command]
    proc = run(*args, src)
    err, out = proc.stderr.decode(), proc.stdout.decode()
    assert proc.returncode == 1, err
    assert "passwd.txt: symbolic link to" in err and "use --follow-links to read it" in err, err
    assert "secret" not in out and "secret" not in "".join(p.read_text() for p in tmp_path.glob("out/*.txt"))
    proc = run(*args, src, "--follow-links")
    assert proc.returncode == 0, proc.stderr.decode()


def test_a_link_named_on_the_command_line_is_read(tmp_path):
    src = linked_tree(tmp_path)
    proc = run("detect", src / "passwd.txt")  # named as such: the user chose it
    assert proc.returncode == 0, proc.stderr.decode()
