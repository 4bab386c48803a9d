"""Versions never go backwards: stale versions are skipped, changes become new versions, corrections
are not lost; across runs, with `--jobs 2`, and under the worker API."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

from lxml import etree

from toolkit.pipeline import PipelineSpec
from toolkit.worker import OutputSpec, Worker

from .conftest import run_toolkit
from .newsml_support import NS

GUID = "urn:newsml:afp.com:20250301:AB12"
NOW = "2025-03-02T00:00:00Z"


def item(version: int, body: str, *, created: str = "2025-03-01T08:00:00Z") -> bytes:
    """Another provider's NewsML-G2 item (a guid that is a URI, a version of its own)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="{GUID}" version="{version}" standard="NewsML-G2"
  standardversion="2.35" conformance="power" xml:lang="en">
  <itemMeta><itemClass qcode="ninat:text"/><provider literal="afp"/>
    <versionCreated>{created}</versionCreated><pubStatus qcode="stat:usable"/></itemMeta>
  <contentMeta><language tag="en"/><headline>Earthquake shakes Almaty</headline></contentMeta>
  <contentSet><inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml">
    <head><title>Earthquake shakes Almaty</title></head>
    <body><p>{body}</p><p>Emergency services reported no damage so far.</p></body></html></inlineXML></contentSet>
</newsItem>
""".encode()


def atom(author: str, updated: str, category: str) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title><id>tag:wire.example,2025:feed</id>
<updated>{updated}</updated>
<entry><id>tag:wire.example,2025:entry-7</id><title>Parliament passes the budget</title>
<updated>{updated}</updated><author><name>{author}</name></author><category term="{category}"/>
<content type="html">&lt;p&gt;The parliament passed the 2025 budget on Tuesday after a long debate.&lt;/p&gt;
&lt;p&gt;The vote was 80 to 12, with three abstentions.&lt;/p&gt;</content></entry></feed>
""".encode()


def written(out: Path) -> tuple[str, str]:
    """(version, first paragraph) of the story's original item as written."""
    (root,) = [r for r in (etree.parse(str(p)).getroot() for p in out.glob("*.en.xml")) if r.get("guid") == GUID]
    return root.get("version"), root.find(".//{http://www.w3.org/1999/xhtml}p").text


def convert(src: Path, out: Path, *extra: str) -> str:
    config = out.parent / "clock.toml"
    config.write_text(f'[output]\noptions = {{ now = "{NOW}" }}\n', "utf-8")
    proc = run_toolkit("convert", src, "-o", out, "--config", config, *extra)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stderr.decode()


def test_an_older_version_arriving_later_is_skipped_across_runs(tmp_path):
    v3, v1 = tmp_path / "v3.xml", tmp_path / "v1.xml"
    v3.write_bytes(item(3, "A magnitude 5.1 earthquake shook Almaty on Saturday."))
    v1.write_bytes(item(1, "An earthquake shook Almaty."))
    out = tmp_path / "out"
    convert(v3, out)
    assert written(out) == ("3", "A magnitude 5.1 earthquake shook Almaty on Saturday.")
    summary = convert(v1, out)
    assert "1 stale versions" in summary
    assert written(out) == ("3", "A magnitude 5.1 earthquake shook Almaty on Saturday.")  # not overwritten
    failures = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
    assert [(f["status"], f["code"]) for f in failures] == [("skipped", "stale-version")]
    assert "version 1 is older than version 3" in failures[0]["error"]


def test_the_same_version_with_other_content_becomes_the_next_version(tmp_path):
    first, fixed = tmp_path / "a.xml", tmp_path / "b.xml"
    first.write_bytes(item(2, "A magnitude 5.0 earthquake shook Almaty."))
    fixed.write_bytes(item(2, "A magnitude 5.1 earthquake shook Almaty."))  # corrected, not renumbered
    out = tmp_path / "out"
    convert(first, out)
    convert(fixed, out)
    version, text = written(out)
    assert (version, text) == ("3", "A magnitude 5.1 earthquake shook Almaty.")
    root = etree.parse(str(next(out.glob("*.en.xml")))).getroot()
    assert root.find("n:itemMeta/n:signal[@qcode='sig:update']", NS) is not None
    convert(fixed, out)  # the same correction again: nothing new
    assert written(out)[0] == "3"


def test_an_atom_correction_with_the_same_body_is_not_dropped(tmp_path):
    out = tmp_path / "out"
    feed = tmp_path / "wire.atom"
    feed.write_bytes(atom("Staff", "2025-03-01T08:00:00Z", "politics"))
    convert(feed, out)
    feed.write_bytes(atom("Aigerim Sadykova", "2025-03-01T09:30:00Z", "economy"))  # author, time, category fixed
    summary = convert(feed, out, "--resume")
    assert "1 ok" in summary, summary  # not "already done", not a duplicate
    (path,) = out.glob("*.en.xml")
    root = etree.parse(str(path)).getroot()
    assert root.get("version") == "2" and root.findtext("n:contentMeta/n:by", namespaces=NS) == "Aigerim Sadykova"
    older = tmp_path / "older.atom"
    older.write_bytes(atom("Staff", "2025-03-01T08:00:00Z", "politics"))  # the first delivery, again, late
    summary = convert(older, out)
    assert "1 stale versions" in summary and etree.parse(str(path)).getroot().get("version") == "2"


def test_versions_in_one_run_with_two_jobs_end_on_the_newest(tmp_path):
    """Two files carrying versions of one story, each in its own task: whatever order the two
    workers reach them in, the newest version stays and the older one is skipped as stale."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "a-v1.xml").write_bytes(item(1, "First report."))
    (src / "b-v4.xml").write_bytes(item(4, "Fourth report."))
    (src / "c-v2.xml").write_bytes(item(2, "Second report."))
    for n in range(8):  # other stories, so the tasks spread over both workers
        (src / f"d{n}.txt").write_text(f"Other story {n}\n\nThe council met on Monday about budget {n}.\n")
    out = tmp_path / "out"
    summary = convert(src, out, "--jobs", "2", "--batch-size", "1")
    assert written(out) == ("4", "Fourth report.")
    stale = summary.count("stale")
    assert stale == 0 or "stale versions" in summary  # an older one reached after the newest: skipped, said so


def _write_versions(outdir: str, versions: list[int]) -> None:
    worker = Worker(PipelineSpec.from_names(["clean"]), OutputSpec(outdir, "newsml", {"now": NOW}))
    with worker:
        for v in versions:
            worker.process([_raw(v)])


def _raw(version: int):  # type: ignore[no-untyped-def]
    from toolkit.inputs import Raw

    return Raw(f"v{version}.xml", item(version, f"Report number {version}."))


def test_workers_in_two_processes_on_one_folder_never_go_backwards(tmp_path):
    out = str(tmp_path / "out")
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=_write_versions, args=(out, [1, 3, 5, 7, 9])),
        ctx.Process(target=_write_versions, args=(out, [2, 4, 6, 8, 10])),
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    assert written(Path(out)) == ("10", "Report number 10.")
