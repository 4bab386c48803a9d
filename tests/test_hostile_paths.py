"""Output names from hostile ids, guids, titles, feed URIs, ninjs uris and language tags can
never write outside the output folder (``convert`` in every format, ``clean -o``), and hostile
file names dropped into a watched inbox (newlines, leading dashes, 255-byte names, names that
are not UTF-8, symlinks, FIFOs) never crash or block the watcher.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.document import Document, Paragraph, Translation
from toolkit.testing import assert_valid_newsml

TEXT = (
    "Алматыда жаңа метро желісі ашылды. Қала тұрғындары жаңа бекеттерге қуанышты.\n\n"
    "Әкімдік келесі жылы тағы үш бекет салынатынын хабарлады."
)
HOSTILE = [
    "../../../../tmp/evil",
    "/etc/passwd",
    "..",
    ".",
    "",
    'a/b\\c:d*e?f"g<h>i|j',
    "CON",
    "nul.txt",
    "aux",
    "COM1",
    "lpt9.xml",
    "x\x00y",
    "line\nbreak\r",
    "-rf --help",
    ".hidden",
    "~",
    "a" * 5000,
    "ş" * 300,
    "🦀" * 100,
    "\u202eevil\u202c.txt",
    "..\\..\\windows",
    "file:///etc/passwd",
    "urn:x:../../evil",
]


def hostile_inputs(folder: Path) -> int:
    """Files whose documents carry hostile ids, guids, titles, uris and tags; returns how many documents."""
    folder.mkdir()
    records = []
    for i, value in enumerate(HOSTILE):
        text = f"{TEXT} ({i})"
        records.append({"text": text, "id": value or "x", "guid": value or None, "title": value or None})
        records.append({"uri": value or "urn:x", "headline": value or "h", "body_text": text + " ninjs"})
    (folder / "records.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    docs = []
    for i, value in enumerate(HOSTILE[:8]):
        doc = Document.from_text(f"{TEXT} doc {i}", id=value or "y")
        doc.paragraphs = [Paragraph(p) for p in doc.raw.split("\n\n")]
        doc.lang = value or "kk"
        doc.title = value or "t"
        doc.meta.guid = value or None
        doc.meta.source_url = value or None
        doc.translations[value or "ru"] = Translation(value or "ru", "Заголовок", [Paragraph("Перевод текста.")])
        docs.append(doc.to_json())
    (folder / "documents.jsonl").write_text("\n".join(docs) + "\n")
    items = "".join(
        f"<item><title>{i}</title><guid>{json.dumps(value)[1:-1].replace('<', '').replace('&', '')}</guid>"
        f"<link>{value.replace('<', '').replace('&', '')}</link><description>{TEXT} rss {i}</description></item>"
        for i, value in enumerate(HOSTILE)
        if "\x00" not in value
    )
    (folder / "feed.rss").write_text(
        f"<?xml version='1.0'?><rss version='2.0'><channel><title>W</title>{items}</channel></rss>"
    )
    return len(records) + len(docs) + len([v for v in HOSTILE if "\x00" not in v])


def assert_contained(root: Path, out: Path) -> list[Path]:
    """Every file under ``root`` is an input or lies inside ``out``, with a portable name; returns the outputs."""
    outputs = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames + dirnames:
            path = Path(dirpath) / name
            assert len(os.fsencode(name)) <= 255
            if path.is_relative_to(root / "in"):
                continue
            assert path.is_relative_to(out), path
            assert not path.is_symlink()
            if path.is_file() and not path.is_relative_to(out / ".toolkit"):
                assert not name.startswith(".") and "\n" not in name and "\x00" not in name, name
                assert name.split(".")[0].upper() not in {"CON", "NUL", "AUX", "PRN", "COM1", "LPT9"}, name
                outputs.append(path)
    return outputs


@pytest.mark.parametrize("fmt", ["newsml", "ninjs", "jsonl", "txt"])
def test_hostile_names_stay_inside_the_output_folder(cli, tmp_path, fmt):
    total = hostile_inputs(tmp_path / "in")
    out = tmp_path / "out"
    result = cli("convert", tmp_path / "in", "-o", out, "-f", fmt)
    assert "internal error" not in result.output, result.output
    outputs = assert_contained(tmp_path, out)
    assert outputs and not (tmp_path / "evil").exists() and not Path("/tmp/evil").exists()
    summary = result.output.strip().splitlines()[-1]
    assert summary.startswith(f"{total} documents"), summary
    failed = (
        [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
        if (out / "failures.jsonl").exists()
        else []
    )
    assert all(f["code"] != "internal" for f in failed), failed
    if fmt == "newsml":
        for path in outputs:
            if path.suffix == ".xml":
                assert_valid_newsml(path)


def test_clean_output_folder_with_hostile_ids(cli, tmp_path):
    hostile_inputs(tmp_path / "in")
    out = tmp_path / "out"
    for fmt in ("txt", "jsonl"):
        result = cli("clean", tmp_path / "in" / "records.jsonl", "-o", out, "-f", fmt)
        assert "internal error" not in result.output
    assert len(assert_contained(tmp_path, out)) >= 2 * len(HOSTILE)


# -- watch ------------------------------------------------------------------------------------------------------


def run_watch(inbox: Path, outbox: Path, timeout: float = 90) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "toolkit", "watch", str(inbox), "-o", str(outbox), "--once", "--settle", "0"],
        capture_output=True,
        timeout=timeout,  # a FIFO opened for reading would block here for ever
    )


def test_hostile_file_names_in_the_inbox(tmp_path):
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    names = {
        "newline": "news\nitem.txt",
        "dash": "-rf.txt",
        "help": "--help.txt",
        "long": "a" * 251 + ".txt",
        "long-unicode": "ş" * 125 + ".txt",
        "escape": "\x1b[31mred.txt",
        "spaces": "  spaced  name .txt",
    }
    for i, name in enumerate(names.values()):
        (inbox / name).write_text(f"{TEXT} {i}")
    (inbox / os.fsdecode(b"latin1-\xe9t\xe9.txt")).write_text(f"{TEXT} latin")
    (inbox / ("b" * 251 + ".txt")).write_bytes(b"")  # fails: its error report needs 11 more bytes of name
    (inbox / ("c" * 251 + ".txt")).write_bytes(b"\x00\x01\x02" * 100)  # fails too
    secret = tmp_path / "secret.txt"
    secret.write_text("must not be read")
    (inbox / "link.txt").symlink_to(secret)
    os.mkfifo(inbox / "pipe.txt")
    proc = run_watch(inbox, outbox)
    log = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 1, log
    assert "Traceback" not in log
    processed = sorted(os.listdir(inbox / "processed"))
    assert len(processed) == len(names) + 1
    failed = sorted(p for p in os.listdir(inbox / "failed") if not p.endswith(".error.json"))
    assert len(failed) == 3 and "link.txt" in failed
    for name in failed:
        report = inbox / "failed" / (name + ".error.json")
        assert report.is_file() and len(os.fsencode(report.name)) <= 255
        assert json.loads(report.read_bytes())["errors"]
    assert (inbox / "pipe.txt").exists()  # a FIFO is never taken (reading it would block the service)
    assert not any((inbox / ".work").rglob("*.txt"))
    for line in log.splitlines():  # one line per file, whatever its name (failed files at level ERROR)
        assert line.startswith(("INFO", "WARNING", "ERROR")), line
    assert "must not be read" not in "".join(p.read_text() for p in outbox.glob("*.xml"))
    assert len([p for p in outbox.glob("*.xml") if not p.name.endswith(".package.xml")]) == len(names) + 1


def test_same_long_name_twice_and_identical_failing_copies(tmp_path):
    """Regressions: a second delivery under a 255-byte name needs ``~1`` in processed/ (it must
    fit); two identical files that fail in one batch both go to failed/ (the copy used to be
    called a duplicate and moved to processed/ with nothing written)."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    long_name = "d" * 251 + ".txt"
    (inbox / long_name).write_text(TEXT)
    assert run_watch(inbox, outbox).returncode == 0
    (inbox / long_name).write_text(TEXT + " again")
    too_large = "<html><body>" + "<p>x</p>" * 210_000 + "</body></html>"  # fails in cleaning: too many elements
    (inbox / "first.html").write_text(too_large)
    (inbox / "second.html").write_text(too_large)
    proc = run_watch(inbox, outbox)
    assert proc.returncode == 1, proc.stderr.decode()
    processed = os.listdir(inbox / "processed")
    assert len(processed) == 2 and all(len(os.fsencode(n)) <= 255 for n in processed)
    assert sorted(p for p in os.listdir(inbox / "failed") if not p.endswith(".json")) == ["first.html", "second.html"]


def test_validate_prints_one_line_per_file_whatever_its_name(cli, tmp_path):
    good = tmp_path / "new\nline.xml"
    good.write_text(
        '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:x:1" version="1" standard="NewsML-G2" '
        'standardversion="2.35"/>'
    )
    bad = tmp_path / "esc\x1b[31mape.xml"
    bad.write_text("<x")
    result = cli("validate", tmp_path)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith(str(tmp_path)) for line in lines), lines
    assert "\x1b" not in result.output and "esc\\x1b[31mape.xml:1" in result.stdout
    assert "new\\nline.xml" in result.stdout  # (invalid: a bare newsItem) named on its one line
