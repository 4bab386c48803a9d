from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from toolkit.errors import OutputError
from toolkit.formats import OutputFile
from toolkit.io.writers import atomic_write
from toolkit.story import safe_name


def test_atomic_write_replaces_and_leaves_no_temp(tmp_path):
    target = tmp_path / "sub" / "out.xml"
    atomic_write(target, "one")
    atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert os.listdir(target.parent) == ["out.xml"]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # like a plain open(), not mkstemp's 0600


def test_failure_mid_write_leaves_old_content_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "out.txt"
    atomic_write(target, "complete old content")

    real_fsync = os.fsync

    def crash(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OutputError, match="disk full"):
        atomic_write(target, "new content that never lands")
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert target.read_text() == "complete old content"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_read_only_directory(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root ignores directory permissions")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="cannot write"):
            atomic_write(ro / "x.txt", "data")
    finally:
        ro.chmod(0o700)


def test_killed_writer_never_leaves_a_partial_file(tmp_path):
    """SIGKILL a process in the middle of writing big files: the target is old or new, never partial."""
    target = tmp_path / "big.bin"
    old = b"o" * 1000
    atomic_write(target, old)
    script = textwrap.dedent(f"""
        import sys
        from toolkit.io.writers import atomic_write
        print("ready", flush=True)
        while True:
            atomic_write({str(target)!r}, b"n" * 20_000_000)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"ready"
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    data = target.read_bytes()
    assert data == old or data == b"n" * 20_000_000
    # leftover temp files are hidden and never mistaken for outputs
    assert all(name == "big.bin" or name.startswith(".") for name in os.listdir(tmp_path))


@pytest.mark.parametrize(
    "hostile",
    [
        "../../etc/passwd",
        "/abs/path",
        "a/b",
        "..",
        ".",
        "",
        "CON",
        "nul.txt",
        "x" * 500,
        "urn:newsml:example.com:2024:1",
        "\x00evil",
        "ğüşİ",
    ],
)
def test_safe_name_never_escapes(hostile):
    name = safe_name(hostile)
    assert name and "/" not in name and "\\" not in name and name not in (".", "..")
    assert not name.startswith(".") and len(name) <= 120
    assert name.isascii()


def test_safe_name_keeps_plain_names_and_separates_distinct_ones():
    assert safe_name("4f2a9c0d1e2b3a4c") == "4f2a9c0d1e2b3a4c"
    assert safe_name("kk-Cyrl") == "kk-Cyrl"
    assert safe_name("a/b") != safe_name("a_b")


def test_sweep_removes_only_temp_files_of_dead_writers(tmp_path):
    from toolkit.io.writers import sweep_temp_files

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    (tmp_path / f".out.xml.{dead_pid}.abc123.tmp").write_text("partial")
    (tmp_path / f".out.xml.{os.getpid()}.def456.tmp").write_text("being written by us")
    (tmp_path / "out.xml").write_text("complete")
    (tmp_path / ".hidden-but-not-ours").write_text("x")
    assert sweep_temp_files(tmp_path) == 1
    assert sorted(os.listdir(tmp_path)) == sorted(
        [f".out.xml.{os.getpid()}.def456.tmp", "out.xml", ".hidden-but-not-ours"]
    )


def test_temporary_names_skip_leftovers_and_are_recognised_by_the_sweep(tmp_path, monkeypatch):
    import itertools

    from toolkit.io import writers

    target = tmp_path / "new" / "out.xml"
    monkeypatch.setattr(writers, "_TEMP_COUNTER", itertools.count())
    fd, first = writers._create_temp(target)  # creates the missing folder
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(first).st_mode & 0o777 == 0o666 & ~umask  # the kernel applies the umask: no os.umask() here
    assert writers._TEMP.match(os.path.basename(first))  # a crashed writer's file would be swept
    Path(first).write_bytes(b"left by a killed writer")
    monkeypatch.setattr(writers, "_TEMP_COUNTER", itertools.count())  # the same names again
    fd, second = writers._create_temp(target)
    os.close(fd)
    assert second != first and Path(first).read_bytes() == b"left by a killed writer"
    atomic_write(target, "done")
    assert sorted(os.listdir(target.parent)) == sorted(["out.xml", os.path.basename(first), os.path.basename(second)])


def test_outputs_are_staged_in_a_folder_per_process_and_nothing_is_left(tmp_path, monkeypatch):
    from toolkit.document import Document
    from toolkit.io import sinks

    out = sinks.FolderSink(tmp_path)
    out.open()
    staged = []
    real_stage = sinks.stage_file

    def spy(target, data, folder=None):
        path = real_stage(target, data, folder)
        staged.append(path)
        return path

    monkeypatch.setattr(sinks, "stage_file", spy)
    doc = Document.from_text("Body.")
    entry = sinks.SinkEntry(doc.id, None, doc.id, [OutputFile(f"sub/{doc.id}.txt", b"x")])
    assert out.write_batch([entry]) == [None]  # the folder is created
    assert Path(staged[0]).parent == tmp_path / ".toolkit" / "tmp" / str(os.getpid())
    assert (tmp_path / "sub" / f"{doc.id}.txt").read_bytes() == b"x"
    # a writer that died mid-batch: its staging folder and temporary file are cleared next time
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = tmp_path / ".toolkit" / "tmp" / dead.stdout.strip()
    left.mkdir()
    (left / f".x.txt.{dead.stdout.strip()}.ab1.tmp").write_text("partial")
    out.close()
    assert not (tmp_path / ".toolkit" / "tmp").exists()


def test_outputs_are_staged_beside_their_target_when_the_staging_folder_is_elsewhere(tmp_path, monkeypatch):
    """.toolkit on another file system (a mount, a link): a rename could not move the file."""
    from toolkit.document import Document
    from toolkit.io import sinks

    monkeypatch.setattr(sinks, "same_device", lambda a, b: False)
    folders = []
    real_stage = sinks.stage_file

    def spy(target, data, folder=None):
        folders.append(folder)
        return real_stage(target, data, folder)

    monkeypatch.setattr(sinks, "stage_file", spy)
    out = sinks.FolderSink(tmp_path)
    out.open()
    doc = Document.from_text("Body.")
    assert out.write_batch([sinks.SinkEntry(doc.id, None, doc.id, [OutputFile(f"{doc.id}.txt", b"x")])]) == [None]
    assert folders == [None] and (tmp_path / f"{doc.id}.txt").read_bytes() == b"x"
    out.close()
    assert not (tmp_path / ".toolkit" / "tmp").exists()


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs /proc")
def test_a_killed_writer_not_yet_reaped_counts_as_gone():
    from toolkit.io.writers import alive as _alive

    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert _alive(proc.pid)
        proc.kill()
        deadline = time.monotonic() + 10
        while b") Z" not in Path(f"/proc/{proc.pid}/stat").read_bytes() and time.monotonic() < deadline:
            time.sleep(0.01)  # a zombie now: it can write nothing more, its files may be swept
        assert not _alive(proc.pid)
    finally:
        proc.kill()
        proc.wait()
    assert not _alive(proc.pid)
