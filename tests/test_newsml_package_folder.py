"""The package reader looks for a packageItem's items in its folder: it must never open anything but
regular files (a FIFO named ``*.xml`` hung ``convert`` and ``detect`` for ever), and must list the
folder once, not once per file (20,000 NewsML-G2 files took 20,000 listings: quadratic)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from toolkit.io.readers import read_inputs
from toolkit.newsml.folder import read_regular

NAR = "http://iptc.org/std/nar/2006-10-01/"
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")


def news_item(guid: str, text: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<newsItem xmlns="{NAR}" guid="{guid}" version="1" standard="NewsML-G2" standardversion="2.35" xml:lang="en">
<itemMeta><itemClass qcode="ninat:text"/></itemMeta><contentMeta><headline>{text}</headline></contentMeta>
<contentSet><inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml"><body>
<p>{text} body.</p></body></html></inlineXML></contentSet></newsItem>"""


def package(guid: str, refs: list[str]) -> str:
    items = "".join(f'<itemRef residref="{ref}"/>' for ref in refs)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<packageItem xmlns="{NAR}" guid="{guid}" version="1" standard="NewsML-G2" standardversion="2.35">
<itemMeta><itemClass qcode="ninat:composite"/></itemMeta>
<groupSet root="G1"><group id="G1" role="group:main">{items}</group></groupSet></packageItem>"""


def folder_with_package(path, n: int = 2):  # type: ignore[no-untyped-def]
    path.mkdir()
    refs = [f"urn:newsml:wire.example:{i}" for i in range(n)]
    for i, ref in enumerate(refs):
        (path / f"item{i:05d}.xml").write_text(news_item(ref, f"Story {i}"), encoding="utf-8")
    (path / "package.xml").write_text(package("urn:newsml:wire.example:pkg", refs), encoding="utf-8")
    return path


@needs_fifo
def test_a_fifo_beside_a_package_is_never_opened(tmp_path):
    folder = folder_with_package(tmp_path / "in")
    os.mkfifo(folder / "zz-pipe.xml")
    # in a child process: before the fix, opening the FIFO blocked for ever
    code = (
        "import sys, toolkit; docs = list(toolkit.read(sys.argv[1])); "
        "print(sorted(d.title for d in docs if d.status == 'ok'))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(folder / "package.xml")], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['Story 0', 'Story 1']"


@needs_fifo
def test_convert_of_a_folder_with_a_fifo_finishes(tmp_path):
    folder = folder_with_package(tmp_path / "in")
    os.mkfifo(folder / "pipe.xml")
    proc = subprocess.run(
        [sys.executable, "-m", "toolkit", "convert", str(folder), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "2 ok" in proc.stderr  # the two stories, through their package (the items alone: skipped)


@needs_fifo
def test_read_regular_refuses_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / "x.xml"
    os.mkfifo(fifo)
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(read_regular(fifo, 100)), daemon=True)
    thread.start()
    thread.join(10)
    if thread.is_alive():  # unblock the reader so the test run can end, then fail
        with open(fifo, "wb"):
            pass
        pytest.fail("read_regular blocked on a FIFO")
    assert result == [None]
    regular = tmp_path / "y.xml"
    regular.write_bytes(b"<x/>" * 10)
    assert read_regular(regular, 8) == b"<x/><x/>"
    assert read_regular(tmp_path, 8) is None and read_regular(tmp_path / "missing.xml", 8) is None


def test_a_folder_is_listed_once_however_many_files_it_holds(tmp_path, monkeypatch):
    n = 60
    folder = folder_with_package(tmp_path / "in", n)
    for i in range(n):  # files no package refers to: each looks up its folder's packages too
        (folder / f"other{i:05d}.xml").write_text(news_item(f"urn:other:{i}", f"Other {i}"), encoding="utf-8")
    listings: list[str] = []
    real_scandir = os.scandir

    def counting_scandir(path="."):  # type: ignore[no-untyped-def]
        listings.append(os.path.realpath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", counting_scandir)
    started = time.perf_counter()
    docs = list(read_inputs([str(folder)]))
    elapsed = time.perf_counter() - started
    assert len(docs) == 2 * n + n  # items skipped as "read through the package", its n stories, the others
    assert sum(d.status == "ok" for d in docs) == 2 * n
    assert sum(d.skipped is not None and d.skipped.code == "newsml-in-package" for d in docs) == n
    # the walk lists it once, the package index once: not once per file
    assert listings.count(os.path.realpath(folder)) <= 2, (len(listings), elapsed)


def test_the_index_follows_a_folder_that_changes(tmp_path):
    folder = folder_with_package(tmp_path / "in", 1)
    (doc,) = [d for d in read_inputs([str(folder / "package.xml")]) if d.status == "ok"]
    time.sleep(0.01)
    (folder / "item00000.xml").unlink()  # the folder changes: its index is built again
    (doc,) = list(read_inputs([str(folder / "package.xml")]))
    assert doc.status == "skipped" and doc.skipped.code == "newsml-package"


def test_an_item_inside_a_message_is_not_taken_for_a_file_of_the_package(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    inner = news_item("urn:newsml:wire.example:0", "Inside").split("?>", 1)[1]
    (folder / "message.xml").write_text(f'<newsMessage xmlns="{NAR}"><itemSet>{inner}</itemSet></newsMessage>')
    (folder / "package.xml").write_text(package("urn:pkg", ["urn:newsml:wire.example:0"]))
    (doc,) = list(read_inputs([str(folder / "package.xml")]))
    assert doc.status == "skipped" and doc.skipped.code == "newsml-package"
