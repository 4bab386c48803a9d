"""A headline with no body (an agency flash, a title-only feed entry) is news: written as a
headline-only item, valid against IPTC's schema and our profile, never failed as "empty"."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from toolkit.document import Document, Paragraph, Translation
from toolkit.errors import EmptyDocumentError, ValidationError
from toolkit.io.readers import ReadOptions
from toolkit.newsml.format import NewsMLFormat
from toolkit.newsml.ninjs import NinjsFormat, validate_ninjs
from toolkit.newsml.read import read_newsml
from toolkit.pipeline import Pipeline
from toolkit.processors.clean import Clean
from toolkit.processors.segment import Segment
from toolkit.testing import make_document

from .newsml_support import NOW, NS, assert_official_valid

FLASH = "Earthquake of magnitude 7.1 strikes off the coast"


def flash(raw: str = "", raw_format: str = "text") -> Document:
    doc = Document.from_text(raw, source="wire/flash-1", raw_format=raw_format)  # type: ignore[arg-type]
    doc.title = FLASH
    doc.lang = "en"
    return doc


@pytest.mark.parametrize("step", [Clean(), Segment()], ids=["clean", "segment"])
def test_a_given_headline_with_no_body_passes_the_text_steps(step):
    doc = step(flash())
    assert doc.status == "ok" and doc.paragraphs == [] and doc.title == FLASH
    with pytest.raises(EmptyDocumentError):  # without a headline, an empty document is still an error
        step(Document.from_text("", source="wire/empty"))


def test_a_body_that_cleans_to_nothing_leaves_the_given_headline():
    # a feed entry whose description is only an image and a line break
    doc = Clean()(flash('<img src="https://img.example/x.jpg"/><br/>', raw_format="html"))
    assert doc.status == "ok" and doc.paragraphs == [] and doc.title == FLASH
    batch = list(Clean().pipe([flash('<img src="https://img.example/x.jpg"/>', raw_format="html")]))
    assert batch[0].status == "ok" and batch[0].paragraphs == []


def test_default_pipeline_keeps_a_flash():
    doc = Pipeline.default()(flash())
    assert doc.status == "ok" and doc.lang == "en" and doc.title == FLASH


def test_newsml_flash_is_valid_for_iptc_and_our_profile_without_a_body():
    doc = Pipeline.default()(flash())
    item, package = NewsMLFormat(now=NOW).render(doc).files
    root = assert_official_valid(item.data, item.name)  # IPTC 2.35 and our profile
    assert root.findtext("n:contentMeta/n:headline", namespaces=NS) == FLASH
    assert root.find("n:contentSet", NS) is None  # no empty body: the headline is the story
    assert_official_valid(package.data, package.name)
    # read back: the same flash again
    (again,) = read_newsml(item.data, "flash.xml", ReadOptions())
    assert again.status == "ok" and again.title == FLASH and again.paragraphs == []


def test_newsml_flash_with_plain_text_option_and_a_translation():
    doc = make_document(title=FLASH, lang="en")
    doc.translations["ru"] = Translation("ru", "Землетрясение магнитудой 7,1 у побережья", [], source_lang="en")
    outputs = NewsMLFormat(now=NOW, plain_text=True).render(doc).files
    assert len(outputs) == 3
    for out in outputs:
        root = assert_official_valid(out.data, out.name)
        assert root.find("n:contentSet", NS) is None
    bundle = NewsMLFormat(now=NOW, bundle=True).render(doc).files[0]
    assert_official_valid(bundle.data, bundle.name)


def test_a_translation_without_text_of_a_story_with_a_body_is_still_refused():
    doc = make_document("A body.", title=FLASH, lang="en", source="in/x.txt")
    doc.translations["ru"] = Translation("ru", "Заголовок", [], source_lang="en")
    with pytest.raises(ValidationError, match="translation 'ru' has no text"):
        NewsMLFormat(now=NOW).render(doc)


def test_ninjs_flash_is_valid_and_has_no_bodies():
    doc = make_document(title=FLASH, lang="en")
    for out in NinjsFormat(now=NOW).render(doc).files:
        obj = json.loads(out.data)
        assert validate_ninjs(obj) == []
        assert "bodies" not in obj
    text = json.loads(NinjsFormat(now=NOW).render(doc).files[0].data)
    assert text["headlines"][0]["value"] == FLASH and text["type"] == "text"


def test_nothing_at_all_is_not_written():
    doc = make_document(lang="en", source="in/nothing.txt")
    doc.paragraphs = [Paragraph("\x00")]  # nothing printable left either
    with pytest.raises(ValidationError, match="no body text and no headline"):
        NewsMLFormat(now=NOW).render(doc)


def test_convert_writes_a_flash_from_an_xhtml_h1_body(cli, tmp_path):
    """A NewsML-G2 flash whose body is only an <h1> repeating its headline (APA's writer does this)."""
    src = tmp_path / "in" / "flash.xml"
    src.parent.mkdir()
    src.write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:newsml:wire.example:20250301:F1" version="3"
  standard="NewsML-G2" standardversion="2.28" conformance="power" xml:lang="en">
  <itemMeta><itemClass qcode="ninat:text"/><provider literal="wire.example"/>
    <versionCreated>2025-03-01T09:59:00Z</versionCreated></itemMeta>
  <contentMeta><urgency>1</urgency><headline>{FLASH}</headline></contentMeta>
  <contentSet><inlineXML contenttype="application/xhtml+xml">
    <html xmlns="http://www.w3.org/1999/xhtml"><head><title>{FLASH}</title></head>
    <body><h1>{FLASH}</h1></body></html>
  </inlineXML></contentSet>
</newsItem>""",
        encoding="utf-8",
    )
    result = cli("convert", src, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    (item,) = [p for p in (tmp_path / "out").glob("*.xml") if not p.name.endswith(".package.xml")]
    root = assert_official_valid(item.read_bytes(), item.name)
    assert (root.get("guid"), root.get("version")) == ("urn:newsml:wire.example:20250301:F1", "3")
    assert root.find("n:contentSet", NS) is None
    assert etree.QName(root).localname == "newsItem"
