"""The journal of finished documents: what `--resume` and the watcher's duplicate check trust."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys

from toolkit.formats import OutputFile
from toolkit.io import journal as journal_module
from toolkit.io.journal import COMPACT_AFTER, DoneJournal
from toolkit.io.sinks import FolderSink, SinkEntry

from .test_cli_convert import make_inputs


def _doc(doc_id: str, text: str = "Body."):
    from toolkit.document import Document

    doc = Document.from_text(text, source=f"in/{doc_id}.txt")
    doc.id = doc_id
    return doc


def _entry(doc, name=None, data=None) -> SinkEntry:
    name = name or f"{doc.id}.txt"
    return SinkEntry(doc.id, doc.source, doc.id, [OutputFile(name, data or doc.text.encode("utf-8"))])


def _write(sink: FolderSink, *ids: str) -> list:
    """The outputs written for each document (its names, or the error)."""
    entries = [_entry(_doc(i)) for i in ids]
    return [e.names if r is None else r for e, r in zip(entries, sink.write_batch(entries), strict=True)]


def test_one_line_per_document_one_file_per_process(tmp_path):
    out = FolderSink(tmp_path, fingerprint="A")
    out.open()
    assert _write(out, "a", "b") == [["a.txt"], ["b.txt"]]
    assert _write(out, "c") == [["c.txt"]]
    journals = list((tmp_path / ".toolkit" / "done").iterdir())
    assert len(journals) == 1 and journals[0].name.startswith(f"{os.getpid()}.")
    lines = [json.loads(line) for line in journals[0].read_text("ascii").splitlines()]
    assert [(r["id"], r["source"], r["fingerprint"], r["outputs"]) for r in lines] == [
        ("a", "in/a.txt", "A", ["a.txt"]),
        ("b", "in/b.txt", "A", ["b.txt"]),
        ("c", "in/c.txt", "A", ["c.txt"]),
    ]
    again = FolderSink(tmp_path, fingerprint="A")
    assert all(again.done(i) for i in "abc") and not again.done("d")
    (tmp_path / "b.txt").unlink()  # an output gone: not done
    assert not again.done("b")


def test_latest_record_wins_across_configurations(tmp_path):
    _write(FolderSink(tmp_path, fingerprint="A"), "x")
    _write(FolderSink(tmp_path, fingerprint="B"), "x")  # outputs overwritten by another configuration
    assert not FolderSink(tmp_path, fingerprint="A").done("x")
    assert FolderSink(tmp_path, fingerprint="B").done("x")


def test_latest_record_wins_whatever_order_the_journals_are_read_in(tmp_path):
    done = tmp_path / ".toolkit" / "done"
    done.mkdir(parents=True)
    for name in ("p", "q"):
        (tmp_path / f"{name}.txt").write_text(name)

    def line(doc_id, fingerprint, stamp):
        return json.dumps({"id": doc_id, "fingerprint": fingerprint, "outputs": [f"{doc_id}.txt"], "t": stamp}) + "\n"

    # p's latest record is in the first journal, q's in the second: one of them is read last
    (done / "1.aaaa.jsonl").write_text(line("p", "B", 2) + line("q", "A", 1))
    (done / "1.bbbb.jsonl").write_text(line("p", "A", 1) + line("q", "B", 2))
    reader = FolderSink(tmp_path, fingerprint="B")
    assert reader.done("p") and reader.done("q")
    assert {k: v[0] for k, v in DoneJournal(done).completed().items()} == {"p": "B", "q": "B"}


def test_torn_and_garbage_lines_are_ignored(tmp_path):
    out = FolderSink(tmp_path, fingerprint="A")
    _write(out, "a", "b")
    (journal,) = (tmp_path / ".toolkit" / "done").iterdir()
    with open(journal, "ab") as fh:  # a crash mid-append, garbage after a power loss
        fh.write(b'\x00\x00not json\n{"id": "c", "fingerprint": "A", "outputs": ["c.txt"], "t": 1}\n{"id": "d", "fing')
    (tmp_path / "c.txt").write_text("c")
    reader = FolderSink(tmp_path, fingerprint="A")
    assert reader.done("a") and reader.done("c") and not reader.done("d")


def test_a_line_being_written_is_read_once_complete(tmp_path, monkeypatch):
    monkeypatch.setattr(journal_module, "REFRESH_SECONDS", 0.0)
    done = tmp_path / ".toolkit" / "done"
    done.mkdir(parents=True)
    (tmp_path / "n.txt").write_text("n")
    line = json.dumps({"id": "n", "fingerprint": "A", "outputs": ["n.txt"], "t": 1}) + "\n"
    journal = done / "1.cccc.jsonl"
    journal.write_text(line[:20])  # another writer's append, half done
    reader = FolderSink(tmp_path, fingerprint="A")
    assert not reader.done("n")
    with open(journal, "a") as fh:
        fh.write(line[20:])
    assert reader.done("n")


def test_records_with_lone_surrogates_round_trip(tmp_path):
    out = FolderSink(tmp_path, fingerprint="A")
    doc = _doc("odd\udcff")
    assert out.write_batch([_entry(doc, "odd.txt", b"x")]) == [None]
    assert FolderSink(tmp_path, fingerprint="A").done("odd\udcff")


def test_manifest_files_of_earlier_versions_are_read(tmp_path):
    done = tmp_path / ".toolkit" / "done"
    done.mkdir(parents=True)
    (tmp_path / "old.txt").write_text("old")
    manifest = {"id": "old", "source": "in/old.txt", "fingerprint": "A", "outputs": ["old.txt"]}
    (done / "old.json").write_text(json.dumps(manifest, indent=1))
    (done / "broken.json").write_text("{")
    assert FolderSink(tmp_path, fingerprint="A").done("old")


def test_a_miss_sees_what_another_writer_appended_since(tmp_path, monkeypatch):
    monkeypatch.setattr(journal_module, "REFRESH_SECONDS", 0.0)
    watcher = FolderSink(tmp_path, fingerprint="A")
    assert not watcher.done("late")  # the journals are read now
    code = (
        "import sys; sys.path.insert(0, sys.argv[2]);"
        "from tests.test_journal import _write; from toolkit.io.sinks import FolderSink;"
        "_write(FolderSink(sys.argv[1], fingerprint='A'), 'late')"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    subprocess.run([sys.executable, "-c", code, str(tmp_path), root], check=True, timeout=60)
    assert watcher.done("late")


def test_journals_of_finished_writers_are_merged(tmp_path):
    done = tmp_path / ".toolkit" / "done"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    for n in range(COMPACT_AFTER + 4):  # one journal per finished run, the same document rewritten each time
        (tmp_path / f"doc{n}.txt").write_text("x")
        lines = [
            {"id": f"doc{n}", "source": None, "fingerprint": "A", "outputs": [f"doc{n}.txt"], "t": n},
            {"id": "up", "source": "in/up.txt", "fingerprint": "AB"[n % 2], "outputs": ["doc0.txt"], "t": n},
            {"id": "down", "source": None, "fingerprint": "AB"[n % 2], "outputs": ["doc0.txt"], "t": 100 - n},
        ]  # "up" was last written in the last journal, "down" in the first: any reading order meets both
        done.mkdir(parents=True, exist_ok=True)
        (done / f"{dead_pid}.{n:08x}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    live = FolderSink(tmp_path, fingerprint="B")
    _write(live, "mine")  # this process's own journal stays
    before = DoneJournal(done).completed()
    live.open()
    names = sorted(p.name for p in done.iterdir())
    assert len(names) == 2 and all(n.startswith(f"{os.getpid()}.") for n in names)
    assert DoneJournal(done).completed() == before
    assert before["up"] == ("B", ("doc0.txt",)) and before["down"] == ("A", ("doc0.txt",))  # the latest records
    assert live.done("up") and not live.done("down") and live.done("mine")


def test_a_failed_append_fails_the_batch_and_the_next_starts_a_new_journal(tmp_path, monkeypatch):
    out = FolderSink(tmp_path, fingerprint="A")
    _write(out, "a")
    real_write = os.write

    def full(fd, data):
        real_write(fd, bytes(data)[:10])  # a torn line, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(journal_module.os, "write", full)
    (result,) = _write(out, "b")
    monkeypatch.setattr(journal_module.os, "write", real_write)
    assert "cannot record finished documents: disk full" in str(result)
    assert _write(out, "c") == [["c.txt"]]
    assert len(list((tmp_path / ".toolkit" / "done").iterdir())) == 2
    reader = FolderSink(tmp_path, fingerprint="A")
    assert reader.done("a") and reader.done("c") and not reader.done("b")


def test_convert_resume_reads_journals_and_old_manifests(cli, tmp_path):
    src = make_inputs(tmp_path, broken=False)
    out = tmp_path / "out"
    assert cli("convert", src, "-o", out, "-f", "jsonl").exit_code == 0
    done = out / ".toolkit" / "done"
    (journal,) = done.iterdir()
    records = [json.loads(line) for line in journal.read_text("ascii").splitlines()]
    journal.unlink()
    for r in records:  # the same records as per-document manifest files (toolkit before the journal)
        del r["t"]
        (done / f"{r['id']}.json").write_text(json.dumps(r, indent=1))
    result = cli("convert", src, "-o", out, "--resume", "-f", "jsonl")
    assert result.exit_code == 0 and f"{len(records)} already done" in result.output
