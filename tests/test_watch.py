"""The drop-folder service, driven through real processes and a real temporary inbox."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from toolkit.io.journal import DoneJournal
from toolkit.testing import assert_valid_newsml

from .conftest import SAMPLES
from .translate_helpers import models_dir, packages  # noqa: F401  (fixtures)

GOOD = (
    sorted(p for p in SAMPLES.glob("*") if p.suffix in (".txt", ".html"))
    + sorted(p for p in (SAMPLES / "feeds").glob("*") if p.is_file())
    + [SAMPLES / "feeds" / "newsml" / "tr_item.xml", SAMPLES / "feeds" / "newsml" / "message_uz_kk.xml"]
)


def start_watcher(inbox: Path, outbox: Path, *extra: str) -> subprocess.Popen[bytes]:
    args = [
        sys.executable,
        "-m",
        "toolkit",
        "--log-format",
        "json",
        "watch",
        str(inbox),
        "-o",
        str(outbox),
        "--poll",
        "0.1",
        "--settle",
        "0.3",
        *extra,
    ]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def run_once(inbox: Path, outbox: Path, *extra: str, json_logs: bool = False) -> subprocess.CompletedProcess[bytes]:
    """`toolkit watch --once --settle 0`: process what is in the inbox, then exit."""
    logs = ["--log-format", "json"] if json_logs else []
    args = [sys.executable, "-m", "toolkit", *logs, "watch", str(inbox), "-o", str(outbox), "--once", "--settle", "0"]
    return subprocess.run([*args, *extra], capture_output=True, timeout=180)


def wait_until(predicate, timeout: float = 60.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def drop(inbox: Path, name: str, data: bytes) -> None:
    """Drop a file the way well-behaved senders do: write a temp name, then rename."""
    tmp = inbox / f".{name}.part"
    tmp.write_bytes(data)
    os.replace(tmp, inbox / name)


def finished(inbox: Path) -> int:
    return len(list((inbox / "processed").glob("*"))) + len(list((inbox / "failed").glob("*.error.json")))


# The only bytes allowed to differ between two runs: NewsML-G2 creation times.
_STAMPS = re.compile(rb"<(versionCreated|firstCreated)>[^<]*</\1>|timestamp=\"[^\"]*\"")


def outputs(outbox: Path) -> dict[str, bytes]:
    """Every file written, except the toolkit's own records (.toolkit/: see ``completed``) and the
    run index (index.ndjson: a line per document of every run, with the run's id and time)."""
    return {
        p.relative_to(outbox).as_posix(): _STAMPS.sub(b"", p.read_bytes())
        for p in sorted(outbox.rglob("*"))
        if p.is_file() and not p.relative_to(outbox).as_posix().startswith(".toolkit/") and p.name != "index.ndjson"
    }


def completed(outbox: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    return DoneJournal(outbox / ".toolkit" / "done").completed()


def mixed_items(n: int) -> list[tuple[str, bytes]]:
    """n items: variants of every sample (distinct content), broken files, and repeats."""
    items: list[tuple[str, bytes]] = []
    i = 0
    while len(items) < n:
        for sample in GOOD:
            if len(items) >= n:
                break
            data = sample.read_bytes()
            if sample.suffix == ".txt" and sample.parent == SAMPLES:
                marker = f"\n\nEditor's note {i}: this is variant {i} of the story.\n"
                data = data + marker.encode(_encoding(sample))
            items.append((f"{i:03d}_{sample.name}", data))
            i += 1
            if i % 17 == 0 and len(items) < n:
                items.append((f"{i:03d}_broken.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(64)))
            if i % 23 == 0 and len(items) < n:
                items.append((f"{i:03d}_empty.txt", b""))
    return items


def _encoding(sample: Path) -> str:
    expectations = json.loads((Path(__file__).parent / "expectations" / "samples.json").read_text("utf-8"))
    enc = expectations.get(sample.name, {}).get("encoding", "utf-8")
    return "utf-8" if enc == "utf-8-sig" else enc


def stop(proc: subprocess.Popen[bytes]) -> tuple[int, list[dict]]:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    events = [json.loads(line) for line in err.decode().splitlines() if line.startswith("{")]
    return proc.returncode, events


def test_200_mixed_items_each_exactly_once(tmp_path):
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    items = mixed_items(200)
    broken = {name for name, _ in items if "broken" in name or "empty" in name}
    proc = start_watcher(inbox, outbox, "--batch-size", "8", "--health-every", "50")
    try:
        # a half-written file: grows for a while, must only be taken once complete
        slow = inbox / "zz_slow_item.txt"
        with open(slow, "wb") as fh:
            fh.write(b"Slowly written story\n\nFirst paragraph arrives first.\n")
            fh.flush()
            for name, data in items:
                drop(inbox, name, data)
            time.sleep(0.2)
            fh.write(b"\nSecond paragraph arrives a moment later.\n")
        (inbox / "ignored.part").write_bytes(b"still uploading")
        total = len(items) + 1
        assert wait_until(
            lambda: (
                len(list((inbox / "processed").glob("*")))
                + len([p for p in (inbox / "failed").glob("*") if not p.name.endswith(".error.json")])
                >= total
            ),
            timeout=120,
        ), "the watcher did not finish"
    finally:
        code, events = stop(proc)
    assert code == 1  # broken items failed
    processed = {p.name for p in (inbox / "processed").iterdir()}
    failed = {p.name for p in (inbox / "failed").iterdir() if not p.name.endswith(".error.json")}
    assert failed == broken
    assert processed == {name for name, _ in items} - broken | {"zz_slow_item.txt"}
    for name in failed:  # the reason sits beside each failed input
        report = json.loads((inbox / "failed" / f"{name}.error.json").read_text())
        assert report["errors"] and report["errors"][0]["code"] in ("binary-input", "empty-input")
    assert (inbox / "ignored.part").exists()  # temporary names are left alone
    assert not any((inbox / ".work").rglob("*.txt"))  # nothing left claimed
    # every good item produced valid NewsML-G2 exactly once: no output name written twice,
    # repeated deliveries of the same items recognised as duplicates, every file valid
    written = [o for e in events if e.get("event") == "processed" for o in e["outputs"]]
    assert written and len(written) == len(set(written))
    files = sorted(outbox.glob("*.xml"))
    assert {p.name for p in files} == set(written)
    for path in files:
        assert_valid_newsml(path)
    package_files = [p for p in files if p.name.endswith(".package.xml")]
    assert len(package_files) == len(completed(outbox))
    health = [e for e in events if e.get("event") == "health"]
    assert health and health[-1]["duplicates"] > 0  # the repeated feed files
    slow = [p for p in files if b"Slowly written story" in p.read_bytes() and not p.name.endswith("package.xml")]
    assert len(slow) == 1 and b"Second paragraph arrives" in slow[0].read_bytes()
    per_file = [e for e in events if e.get("event") in ("processed", "failed")]
    assert len(per_file) == total and len({e["file"] for e in per_file}) == total


def test_identical_redelivery_produces_no_new_output(tmp_path):
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    sample = SAMPLES / "000_ab90c8014bb1237b.txt"
    drop(inbox, "story.txt", sample.read_bytes())
    proc = run_once(inbox, outbox)
    assert proc.returncode == 0, proc.stderr
    before = {p: p.stat().st_mtime_ns for p in outbox.rglob("*") if p.is_file() and p.name != "index.ndjson"}
    drop(inbox, "story.txt", sample.read_bytes())
    proc = run_once(inbox, outbox, json_logs=True)
    assert proc.returncode == 0
    after = {p: p.stat().st_mtime_ns for p in outbox.rglob("*") if p.is_file() and p.name != "index.ndjson"}
    assert after == before  # nothing rewritten (the run index gained a line: the re-delivery, skipped)
    index = [json.loads(line) for line in (outbox / "index.ndjson").read_text().splitlines()]
    assert [(r["status"], r["code"]) for r in index] == [("ok", None), ("skipped", "already-done")]
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == ["story.txt", "story~1.txt"]
    health = [json.loads(line) for line in proc.stderr.decode().splitlines() if '"health"' in line][-1]
    assert health["duplicates"] == 1 and health["ok"] == 0


def test_sigkill_mid_batch_then_restart_equals_uninterrupted_run(tmp_path):
    items = mixed_items(60)
    reference_in, reference_out = tmp_path / "ref" / "inbox", tmp_path / "ref" / "outbox"
    reference_in.mkdir(parents=True)
    for name, data in items:
        drop(reference_in, name, data)
    proc = run_once(reference_in, reference_out)
    assert proc.returncode == 1

    inbox, outbox = tmp_path / "run" / "inbox", tmp_path / "run" / "outbox"
    inbox.mkdir(parents=True)
    for name, data in items:
        drop(inbox, name, data)
    kills = 0
    claimed_at_kill = []
    for fraction in (0.2, 0.5, 0.8):  # kill it three times at growing progress points
        proc = start_watcher(inbox, outbox, "--batch-size", "4")
        target = int(len(items) * fraction)
        wait_until(lambda target=target: finished(inbox) >= target, timeout=60, step=0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
        claimed_at_kill.append(len([p for p in (inbox / ".work").rglob("*") if p.is_file() and p.suffix != ".lock"]))
    assert sum(claimed_at_kill) > 0, claimed_at_kill  # killed with work in progress...
    proc = run_once(inbox, outbox)
    assert proc.returncode == 1, proc.stderr  # ...finished on restart
    assert kills == 3
    assert outputs(outbox) == outputs(reference_out)
    assert completed(outbox) == completed(reference_out)
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == sorted(
        p.name for p in (reference_in / "processed").iterdir()
    )
    assert sorted(p.name for p in (inbox / "failed").iterdir()) == sorted(
        p.name for p in (reference_in / "failed").iterdir()
    )
    assert not [p for p in (inbox / ".work").rglob("*") if p.is_file() and not p.name.endswith(".lock")]


def test_two_watchers_never_process_the_same_file(tmp_path):
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    items = [(n, d) for n, d in mixed_items(80) if "broken" not in n and "empty" not in n]
    a = start_watcher(inbox, outbox, "--batch-size", "2", "--instance", "a")
    b = start_watcher(inbox, outbox, "--batch-size", "2", "--instance", "b")
    try:
        for name, data in items:
            drop(inbox, name, data)
        assert wait_until(lambda: len(list((inbox / "processed").glob("*"))) >= len(items), timeout=120)
    finally:
        _, events_a = stop(a)
        _, events_b = stop(b)
    files_a = {e["file"] for e in events_a if e.get("event") == "processed"}
    files_b = {e["file"] for e in events_b if e.get("event") == "processed"}
    assert not files_a & files_b
    assert files_a | files_b == {name for name, _ in items}


def test_watch_follows_links_as_convert_does(tmp_path):
    """One policy with convert: a link out of the inbox is refused (failed/, with how to allow
    it), one inside it is followed (resolved from the inbox, where it was dropped), and
    --follow-links reads the first too."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    (inbox / "archive").mkdir(parents=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("Secret text\n\nThis secret text must not be published by the watcher.")
    (inbox / "archive" / "story.txt").write_text("Council approves budget\n\nThe council approved the budget.")
    (inbox / "link.txt").symlink_to(secret)
    (inbox / "inside.txt").symlink_to("archive/story.txt")  # relative to the inbox
    proc = run_once(inbox, outbox, "-f", "txt")
    assert proc.returncode == 1
    report = json.loads((inbox / "failed" / "link.txt.error.json").read_text())
    assert report["errors"][0]["code"] == "unsafe-input"
    message = report["errors"][0]["message"]
    assert f"symbolic link to {secret}, outside the inbox" in message and "--follow-links" in message
    assert [p.name for p in (inbox / "processed").iterdir()] == ["inside.txt"]
    written = "".join(p.read_text() for p in outbox.glob("*.txt"))
    assert "council approved" in written and "secret" not in written
    os.replace(inbox / "failed" / "link.txt", inbox / "link.txt")
    assert run_once(inbox, outbox, "-f", "txt", "--follow-links").returncode == 0
    assert "must not be published" in "".join(p.read_text() for p in outbox.glob("*.txt"))  # asked for


def test_usage_errors(cli, tmp_path):
    result = cli("watch", tmp_path / "missing", "-o", tmp_path / "out")
    assert result.exit_code == 2


@pytest.mark.parametrize("name", ["a.part", ".hidden.txt", "b.tmp", "c.txt~", "d.crdownload"])
def test_temporary_names_are_left_alone(tmp_path, name):
    from toolkit.watch import TEMP_NAME

    assert TEMP_NAME.search(name)
    assert not TEMP_NAME.search("story.txt") and not TEMP_NAME.search("feed.xml")


def test_copy_of_samples_dir_matches_convert(tmp_path, cli):
    """Watch and convert give the same outputs for the same files."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for path in (SAMPLES / "feeds").iterdir():
        if path.is_file():
            shutil.copy(path, inbox / path.name)
    # JSONL: NewsML-G2 items carry the time they were made, which differs between two runs
    assert cli("convert", inbox, "-o", tmp_path / "converted", "-f", "jsonl").exit_code == 0
    proc = run_once(inbox, tmp_path / "watched", "-f", "jsonl")
    assert proc.returncode == 0, proc.stderr
    conv = outputs(tmp_path / "converted")
    watched = outputs(tmp_path / "watched")
    assert conv.keys() == watched.keys()


def test_higher_version_replaces_older_output(tmp_path):
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    item = json.loads((SAMPLES / "feeds" / "kk_ninjs31.json").read_text("utf-8"))
    drop(inbox, "item.json", json.dumps(item, ensure_ascii=False).encode())
    assert run_once(inbox, outbox).returncode == 0
    (first,) = [p for p in outbox.glob("*.xml") if not p.name.endswith("package.xml")]
    assert b'version="2"' in first.read_bytes()  # the agency's own version is kept
    item["version"] = "3"
    item["bodies"][0]["value"] += "<p>Жаңартылған ақпарат: әкімдік қосымша 50 техника сатып алды.</p>"
    drop(inbox, "item.json", json.dumps(item, ensure_ascii=False).encode())
    assert run_once(inbox, outbox).returncode == 0
    (second,) = [p for p in outbox.glob("*.xml") if not p.name.endswith("package.xml")]
    assert second.name == first.name  # replaced in place, not added
    data = second.read_bytes()
    assert b'version="3"' in data and "қосымша 50 техника".encode() in data
    assert_valid_newsml(second)


def test_changed_feed_entry_bumps_our_version(tmp_path):
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    feed = (SAMPLES / "feeds" / "ru_atom.xml").read_text("utf-8")
    drop(inbox, "feed.xml", feed.encode())
    assert run_once(inbox, outbox).returncode == 0
    before = {p.name: p.read_bytes() for p in outbox.glob("*.xml")}
    changed = feed.replace("Форум продлится до четверга.", "Форум продлится до пятницы.")
    drop(inbox, "feed.xml", changed.encode())
    assert run_once(inbox, outbox).returncode == 0
    after = {p.name: p.read_bytes() for p in outbox.glob("*.xml")}
    assert after.keys() == before.keys()  # same stories, same files
    bumped = [n for n in after if after[n] != before[n]]
    story = [n for n in bumped if not n.endswith("package.xml")]
    assert len(story) == 1 and b'version="2"' in after[story[0]] and b"sig:update" in after[story[0]]
    for name, data in after.items():
        assert_valid_newsml(data)
        if name not in bumped:
            assert data == before[name]  # the unchanged entry is untouched


def test_package_and_its_items_dropped_together_are_one_story_each(tmp_path):
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    folder = SAMPLES / "feeds" / "newsml"
    names = ["pkg_forum_package.xml", "pkg_forum_en.xml", "pkg_forum_ru.xml"]
    for name in names:
        drop(inbox, name, (folder / name).read_bytes())
    proc = run_once(inbox, outbox)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == sorted(names)  # skipped is not failed
    items = sorted(p for p in outbox.glob("*.xml") if not p.name.endswith("package.xml"))
    guids = sorted(re.search(rb'guid="([^"]+)"', p.read_bytes()).group(1) for p in items)
    assert guids == [b"urn:newsml:wire.example.org:20241118:forum-en", b"urn:newsml:wire.example.org:20241118:forum-ru"]
    for path in outbox.glob("*.xml"):
        assert_valid_newsml(path)


def test_package_without_its_items_is_skipped_not_failed(tmp_path):
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    drop(inbox, "pkg.xml", (SAMPLES / "feeds" / "newsml" / "pkg_forum_package.xml").read_bytes())
    proc = run_once(inbox, outbox)
    assert proc.returncode == 0, proc.stderr
    assert [p.name for p in (inbox / "processed").iterdir()] == ["pkg.xml"]
    assert not list(outbox.glob("*.xml"))


def test_watch_translates_with_models_loaded_once(tmp_path, packages, models_dir, cli):  # noqa: F811
    """`watch --to`: every item gets its translations (tiny real models, installed offline)."""
    for key in ("kk_en", "en_ru"):
        assert cli("models", "install", packages[key]).exit_code == 0
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    for i in range(5):
        record = {
            "text": f"Жаңа сауда ережелері {i}\n\nҮкімет дүйсенбі күні жаңа сауда ережелерін жариялады.",
            "lang": "kk",
            "guid": f"urn:test:trade:{i}",
        }
        drop(inbox, f"item{i}.jsonl", json.dumps(record, ensure_ascii=False).encode())
    proc = run_once(inbox, outbox, "--to", "en,ru", json_logs=True)
    assert proc.returncode == 0, proc.stderr
    langs = sorted(p.name.split(".")[1] for p in outbox.glob("*.xml"))
    assert langs == sorted(["kk-Cyrl", "en", "ru", "package"] * 5)
    for path in outbox.glob("*.xml"):
        assert_valid_newsml(path)
    loads = [line for line in proc.stderr.decode().splitlines() if "loading translation model" in line]
    assert len(loads) == 2  # one per model (kk->en, en->ru) for the life of the service, not one per item


def watch_in_process(inbox: Path, outbox: Path, rounds: int = 1):  # type: ignore[no-untyped-def]
    """A cleaning watcher run ``rounds`` times in this process: (inbox, watcher, [(file, event)])."""
    from toolkit.pipeline import PipelineSpec
    from toolkit.watch import Inbox, Watcher
    from toolkit.worker import OutputSpec

    seen: list[tuple[str, str]] = []
    box = Inbox(inbox, settle=0)
    watcher = Watcher(
        box,
        PipelineSpec.from_names(["clean"]),
        OutputSpec(str(outbox), "jsonl"),
        on_file=lambda p, s, r: seen.append((p.name, s)),
    )
    box.open()
    try:
        for _ in range(rounds):
            watcher.run_once()
    finally:
        box.close()
    return box, watcher, seen


def test_a_file_that_cannot_be_moved_out_stays_claimed_and_the_service_goes_on(tmp_path, monkeypatch, caplog):
    from toolkit.watch import Inbox

    inbox, outbox = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    story = "Council approves budget\n\nThe council approved the budget for next year on Monday evening.\n"
    drop(inbox, "a.txt", story.encode())
    drop(inbox, "b.txt", story.replace("budget", "school plan").encode())
    real_done = Inbox.done

    def done(self, path):
        if path.name == "a.txt":  # processed/ refuses this one (read-only, full, ...)
            raise OSError(30, "Read-only file system")
        return real_done(self, path)

    monkeypatch.setattr(Inbox, "done", done)
    box, watcher, seen = watch_in_process(inbox, outbox, rounds=2)  # a stuck file is not processed again
    assert sorted(seen) == [("a.txt", "stuck"), ("b.txt", "processed")]
    assert watcher.stats.stuck == 1 and watcher.stats.ok == 2
    assert [p.name for p in box.claimed()] == ["a.txt"]  # kept, nothing lost: a restart adopts it
    assert (inbox / "processed" / "b.txt").exists()
    assert any("cannot move a.txt to processed/" in r.getMessage() for r in caplog.records)


def test_a_failed_file_whose_report_cannot_be_written_stays_claimed(tmp_path, monkeypatch, caplog):
    from toolkit import watch
    from toolkit.errors import OutputError

    inbox, outbox = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    drop(inbox, "broken.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")  # fails: goes to failed/ with a report
    drop(inbox, "good.txt", b"Council approves budget\n\nThe council approved the budget on Monday evening.\n")

    def refuse(path, data, **kwargs):  # failed/ is read-only: the .error.json cannot be written
        raise OutputError("cannot write: Read-only file system", path=str(path))

    monkeypatch.setattr(watch, "atomic_write", refuse)
    box, watcher, seen = watch_in_process(inbox, outbox)
    assert sorted(seen) == [("broken.txt", "stuck"), ("good.txt", "processed")]
    assert [p.name for p in box.claimed()] == ["broken.txt"] and watcher.stats.stuck == 1
    assert any("cannot move broken.txt to failed/: cannot write: Read-only" in r.getMessage() for r in caplog.records)


# -- producers: what is safe, and what the watcher must wait for -------------------------------------

PARAGRAPHS = [f"Paragraph {i} of the slowly written story about the council budget vote." for i in range(1, 5)]


def leases_work(folder: Path) -> bool:
    from toolkit.watch import _release, take_read_lease

    probe = folder / "lease-probe"
    probe.write_text("x")
    fd, state, _ = take_read_lease(probe)
    if fd is not None:
        _release(fd)
    probe.unlink()
    return state == "free"


def story_outputs(outbox: Path) -> list[str]:
    return [p.read_text() for p in outbox.glob("*.txt")]


def wait_processed(inbox: Path, count: int, timeout: float = 60) -> bool:
    return wait_until(lambda: (inbox / "processed").is_dir() and len(os.listdir(inbox / "processed")) >= count, timeout)


def test_a_file_held_open_for_writing_is_not_taken_however_long_the_producer_pauses(tmp_path):
    """The producer pauses five times the settle time between paragraphs while holding the file
    open: it was taken after the first pause (1 paragraph of 4 published); the kernel says it is
    still open for writing (a read lease is refused), so it waits until the file is closed."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    if not leases_work(inbox):
        pytest.skip("file leases are not available here: the settle time alone decides")
    proc = start_watcher(inbox, outbox, "-f", "txt")
    try:
        with open(inbox / "slow.txt", "w") as fh:
            fh.write("Council budget story\n\n")
            for paragraph in PARAGRAPHS:
                fh.write(paragraph + "\n\n")
                fh.flush()
                time.sleep(1.5)  # settle is 0.3 s
        assert wait_processed(inbox, 1)
        time.sleep(0.5)
    finally:
        _, events = stop(proc)
    assert [e["file"] for e in events if e.get("event") == "processed"] == ["slow.txt"]
    (text,) = story_outputs(outbox)
    assert all(p in text for p in PARAGRAPHS), text


def test_a_producer_that_reopens_to_append_is_one_input_with_a_marker(tmp_path):
    """Reopening by path to append after pauses longer than the settle time cut the story into
    fragments; with --marker the file is taken only once NAME.done is written, after the last append."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    proc = start_watcher(inbox, outbox, "-f", "txt", "--marker", ".done")
    try:
        (inbox / "story.txt").write_text("Council budget story\n\n")
        (inbox / "other.txt").write_text("Another story\n\nThe other story never gets a marker, so it stays.\n")
        for paragraph in PARAGRAPHS:
            time.sleep(1.0)  # settle is 0.3 s
            with open(inbox / "story.txt", "a") as fh:  # reopened by path each time
                fh.write(paragraph + "\n\n")
        (inbox / "story.txt.done").write_bytes(b"")
        assert wait_processed(inbox, 1)
        assert wait_until(lambda: not (inbox / "story.txt.done").exists(), timeout=10)  # markers are removed
    finally:
        _, events = stop(proc)
    assert [e["file"] for e in events if e.get("event") == "processed"] == ["story.txt"]
    (text,) = story_outputs(outbox)
    assert all(p in text for p in PARAGRAPHS), text
    assert (inbox / "other.txt").exists()  # no marker, never taken


def test_a_stale_marker_does_not_release_a_new_file_of_the_same_name(tmp_path):
    from toolkit.watch import Inbox

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "item.xml.done").write_bytes(b"")
    old = time.time() - 60
    os.utime(inbox / "item.xml.done", (old, old))  # left by an earlier item.xml
    (inbox / "item.xml").write_text("<newsItem/>")  # being written now
    (inbox / "item2.xml").write_text("<newsItem/>")
    (inbox / "item2.done").write_bytes(b"")  # STEM.done works too
    box = Inbox(inbox, settle=0, marker=".done")
    scan = box.scan()
    assert [p.name for p in scan.ready] == ["item2.xml"] and [p.name for p in scan.unmarked] == ["item.xml"]
    assert scan.ignored == 2  # markers are never inputs


def test_an_ignored_suffix_is_never_taken(tmp_path):
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    proc = start_watcher(inbox, outbox, "-f", "txt", "--ignore-suffix", ".uploading")
    try:
        upload = inbox / "story.txt.UPLOADING"  # suffixes match whatever their case
        upload.write_text("Council budget story\n\n")
        for paragraph in PARAGRAPHS:
            time.sleep(0.8)
            with open(upload, "a") as fh:
                fh.write(paragraph + "\n\n")
        os.replace(upload, inbox / "story.txt")
        assert wait_processed(inbox, 1)
    finally:
        _, events = stop(proc)
    assert [e["file"] for e in events if e.get("event") == "processed"] == ["story.txt"]
    (text,) = story_outputs(outbox)
    assert all(p in text for p in PARAGRAPHS)


# -- the start: layout, file systems, what is already there -------------------------------------------


def test_processed_or_failed_on_another_file_system_is_refused_at_start(tmp_path):
    other = Path("/dev/shm")
    if not other.is_dir() or os.stat(other).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no second file system at hand")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    drop(inbox, "story.txt", b"Council approves budget\n\nThe council approved the budget on Monday.\n")
    target = other / f"toolkit-test-{os.getpid()}-{tmp_path.name}"
    try:
        for option in ("--processed", "--failed"):
            for extra in ((), ("--dry-run",)):
                proc = run_once(inbox, tmp_path / "out", option, str(target), *extra)
                err = proc.stderr.decode()
                assert proc.returncode == 2, err
                assert f"{option[2:]} folder {target} is on another file system than the inbox" in err, err
                assert not target.exists()  # refused before anything is created
        assert (inbox / "story.txt").exists() and not (tmp_path / "out").exists()
    finally:
        shutil.rmtree(target, ignore_errors=True)


@pytest.mark.parametrize("outdir", ["inbox", "inbox/out", "."])
def test_an_output_folder_inside_the_inbox_or_around_it_is_refused(tmp_path, outdir):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    drop(inbox, "story.txt", b"Council approves budget\n\nThe council approved the budget on Monday.\n")
    proc = run_once(inbox, tmp_path / outdir)
    assert proc.returncode == 2 and "the watcher would take its own outputs" in proc.stderr.decode()
    assert sorted(os.listdir(inbox)) == ["story.txt"]


def test_processed_being_the_inbox_is_refused(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    proc = run_once(inbox, tmp_path / "out", "--processed", str(inbox))
    assert proc.returncode == 2 and "processed folder cannot be the inbox" in proc.stderr.decode()


def test_start_says_how_many_files_it_takes_and_dry_run_only_lists_them(tmp_path):
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    names = [f"page{i}.txt" for i in range(5)]
    for i, name in enumerate(names):
        drop(inbox, name, f"Council story {i}\n\nThe council approved budget number {i} on Monday.\n".encode())
    (inbox / "upload.part").write_bytes(b"half")
    os.mkfifo(inbox / "pipe.txt")
    before = sorted(os.listdir(inbox))
    proc = run_once(inbox, outbox, "--dry-run")
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().splitlines() == names
    assert "5 file(s) would be taken" in proc.stderr.decode() and "nothing was moved" in proc.stderr.decode()
    assert sorted(os.listdir(inbox)) == before and not outbox.exists()  # nothing taken, nothing created
    proc = run_once(inbox, outbox, json_logs=True)
    events = [json.loads(line) for line in proc.stderr.decode().splitlines() if line.startswith("{")]
    (backlog,) = [e for e in events if e.get("event") == "backlog"]
    assert backlog["files"] == 5 and "--dry-run" in backlog["msg"]
    assert sorted(os.listdir(inbox / "processed")) == names


def test_a_backlog_is_scanned_once_not_once_per_batch(tmp_path, monkeypatch):
    """`watch --once` on 40,000 files ran at a fifth of the speed of 5,000: the whole inbox was
    listed and stat'ed again for every batch of 32. Now one scan serves every batch."""
    from toolkit import watch

    inbox, outbox = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    for i in range(60):
        (inbox / f"{i:03d}.txt").write_text(f"Story {i}\n\nThe council approved budget number {i} on Monday.\n")
    listings = []
    real_scandir = os.scandir

    def counting_scandir(path="."):  # type: ignore[no-untyped-def]
        if Path(path) == inbox:
            listings.append(path)
        return real_scandir(path)

    monkeypatch.setattr(watch.os, "scandir", counting_scandir)
    _, watcher, seen = watch_in_process(inbox, outbox)
    assert len(seen) == 60 and watcher.batch_size == 32
    assert len(listings) <= 2, len(listings)  # one scan takes all; one more finds nothing new
