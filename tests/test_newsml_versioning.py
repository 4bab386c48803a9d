"""Versions on re-run: unchanged content keeps version and bytes; changed content is version+1."""

from __future__ import annotations

import re

from lxml import etree

from toolkit.document import Document
from toolkit.newsml.format import NewsMLFormat
from toolkit.newsml.versioning import xml_digest
from toolkit.pipeline import PipelineSpec
from toolkit.testing import make_document
from toolkit.worker import OutputSpec, Worker

from .newsml_support import NS, add_translation, assert_official_valid, snapshot


def story(second: str = "Second paragraph.") -> Document:
    doc = make_document("First paragraph of the story.", second, title="A headline", lang="en", id="story")
    doc.meta.copyright_holder = "Caspian Business Review"
    add_translation(doc, "ru")
    return doc


def write(outdir, doc, now, **options):  # type: ignore[no-untyped-def]
    """Write ``doc`` into ``outdir`` as NewsML-G2 with the clock at ``now``; its result."""
    output = OutputSpec(str(outdir), "newsml", {"now": now, **options}, fsync=False)
    with Worker(PipelineSpec(()), output) as worker:
        (result,) = worker.process([doc])
    assert result.status != "failed", result
    return result


def stamps(path) -> tuple[str, bool, str, str]:  # type: ignore[no-untyped-def]
    root = etree.fromstring(path.read_bytes())
    return (
        root.get("version"),
        root.find("n:itemMeta/n:signal[@qcode='sig:update']", NS) is not None,
        root.findtext("n:itemMeta/n:versionCreated", namespaces=NS),
        root.findtext("n:itemMeta/n:firstCreated", namespaces=NS),
    )


def test_identical_rerun_writes_identical_bytes(tmp_path):
    write(tmp_path, story(), "2025-01-01T00:00:00Z")
    first = snapshot(tmp_path)
    assert sorted(first) == ["story.en.xml", "story.package.xml", "story.ru.xml"]
    write(tmp_path, story(), "2025-06-01T00:00:00Z")  # later, same content
    assert snapshot(tmp_path) == first
    assert stamps(tmp_path / "story.en.xml") == ("1", False, "2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z")


def test_changed_content_is_a_new_version_with_update_signal(tmp_path):
    write(tmp_path, story(), "2025-01-01T00:00:00Z")
    write(tmp_path, story("Second paragraph, corrected."), "2025-02-01T00:00:00Z")
    for name in ("story.en.xml", "story.ru.xml", "story.package.xml"):
        assert stamps(tmp_path / name) == ("2", True, "2025-02-01T00:00:00Z", "2025-01-01T00:00:00Z"), name
        assert_official_valid(tmp_path / name, name)
    ru = etree.fromstring((tmp_path / "story.ru.xml").read_bytes())
    assert ru.find("n:itemMeta/n:link", NS).get("version") == "2"  # now a translation of version 2
    package = etree.fromstring((tmp_path / "story.package.xml").read_bytes())
    assert [r.get("version") for r in package.iterfind(".//n:itemRef", NS)] == ["2", "2"]
    # the same content again: version 2 stays, bytes stay
    before = snapshot(tmp_path)
    write(tmp_path, story("Second paragraph, corrected."), "2025-03-01T00:00:00Z")
    assert snapshot(tmp_path) == before
    # another change: version 3, still the first creation time
    write(tmp_path, story("Third text."), "2025-04-01T00:00:00Z")
    assert stamps(tmp_path / "story.en.xml") == ("3", True, "2025-04-01T00:00:00Z", "2025-01-01T00:00:00Z")


def test_only_the_changed_language_version_moves(tmp_path):
    write(tmp_path, story(), "2025-01-01T00:00:00Z")
    doc = story()
    doc.translations["ru"].title = "Исправленный заголовок"
    write(tmp_path, doc, "2025-02-01T00:00:00Z")
    assert stamps(tmp_path / "story.en.xml")[0] == "1"
    assert stamps(tmp_path / "story.ru.xml")[:2] == ("2", True)
    assert stamps(tmp_path / "story.package.xml")[0] == "2"  # it references ru version 2 now


def test_version_created_never_goes_back(tmp_path):
    write(tmp_path, story(), "2025-05-01T00:00:00Z")
    write(tmp_path, story("Changed."), "2025-01-01T00:00:00Z")  # a clock behind the last run
    assert stamps(tmp_path / "story.en.xml")[:3] == ("2", True, "2025-05-01T00:00:00Z")


def test_bundle_versions_follow_the_same_rule(tmp_path):
    write(tmp_path, story(), "2025-01-01T00:00:00Z", bundle=True)
    (bundle,) = tmp_path.glob("*.xml")
    assert bundle.name == "story.bundle.xml"
    first = bundle.read_bytes()
    write(tmp_path, story(), "2025-02-01T00:00:00Z", bundle=True)
    assert bundle.read_bytes() == first
    write(tmp_path, story("Changed."), "2025-03-01T00:00:00Z", bundle=True)
    root = assert_official_valid(bundle)
    versions = {el.get("guid").rsplit(":", 1)[1]: el.get("version") for el in root.find("n:itemSet", NS)}
    assert versions == {"package": "2", "en": "2", "ru": "2"}
    assert root.findtext("n:header/n:sent", namespaces=NS) == "2025-03-01T00:00:00Z"


def test_cli_rerun_overwrites_in_place(cli, tmp_path):
    src = tmp_path / "page.txt"
    src.write_text("Headline here\n\nBody text of the page.\n", "utf-8")
    out = tmp_path / "out"
    assert cli("convert", src, "-o", out).exit_code == 0
    first = snapshot(out)
    assert cli("convert", src, "-o", out).exit_code == 0
    assert snapshot(out) == first
    src.write_text("Headline here\n\nBody text of the page, updated.\n", "utf-8")
    assert cli("convert", src, "-o", out).exit_code == 0
    # the raw text changed, so did the content id: a new story (no URL or feed guid to tie them)
    assert len(snapshot(out)) == 4


def test_digest_ignores_stamps_and_indentation():
    doc = story()
    a = NewsMLFormat(now="2025-01-01T00:00:00Z").elements(doc)[0][1]
    b = NewsMLFormat(now="2030-01-01T00:00:00Z").elements(story())[0][1]
    assert xml_digest(a) == xml_digest(b)
    reparsed = etree.fromstring(etree.tostring(a, pretty_print=True))
    assert xml_digest(reparsed) == xml_digest(a)
    b.find(".//{http://www.w3.org/1999/xhtml}p").text = "Other text."
    assert xml_digest(a) != xml_digest(b)


def test_unreadable_previous_output_is_reported_not_fatal(tmp_path):
    write(tmp_path, story(), "2025-01-01T00:00:00Z")
    (tmp_path / "story.en.xml").write_bytes(b"<newsItem broken")
    result = write(tmp_path, story(), "2025-02-01T00:00:00Z")
    assert any(w.code == "previous-output" and "story.en.xml" in w.message for w in result.warnings)
    assert re.search(rb'version="1"', (tmp_path / "story.en.xml").read_bytes())
