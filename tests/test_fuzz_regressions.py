"""Regression tests for the bugs the property-based tests found (tests/test_fuzz_components.py):
each was an internal error (an exception that is not a toolkit error) on some input."""

from __future__ import annotations

import json

import pytest

from toolkit.document import Document, Paragraph, Translation
from toolkit.testing import assert_valid_newsml

NOW = "2025-03-01T10:00:00Z"
TEXT = "Алматыда жаңа метро желісі ашылды. Қала тұрғындары қуанышты."


@pytest.mark.parametrize(
    "page",
    [
        "<html><head></head><body><P/>\x08 Алматыда метро ашылды.</body></html>",
        "<html><body><p>a&#8;b Алматыда</p><p>c&#x1b;d метро</p></body></html>",
    ],
)
def test_segment_html_with_control_characters(page):
    """lxml let the control character in (raw, or as a character reference), then refused it
    when segment assigned the element's tail back: ValueError."""
    from toolkit.pipeline import Pipeline

    doc = Pipeline.from_names(["segment"])(Document.from_text(page, raw_format="html"))
    assert doc.status == "ok", doc.errors
    assert all(not any(ord(ch) < 32 for ch in p.text) for p in doc.paragraphs)
    assert "control-characters" in {w.code for w in doc.warnings}


def test_segment_keeps_text_before_a_block_apart_from_it():
    from toolkit.processors.segment import html_to_blocks

    text = html_to_blocks("<div>intro<p>first</p>tail</div><ul><li>one</li><li>two <b>bold</b></li></ul>")
    assert [b.strip() for b in text.split("\n\n") if b.strip()] == ["intro", "first", "tail", "one", "two bold"]


def _document(**extra) -> Document:  # type: ignore[no-untyped-def]
    doc = Document.from_text(TEXT)
    doc.paragraphs = [Paragraph(TEXT)]
    doc.lang, doc.title = "kk", "Метро"
    doc.meta.guid, doc.meta.version = "tag:wire.example,2025:1", 2
    doc.meta.extra.update(extra)
    return doc


@pytest.mark.parametrize(
    "newsml",
    [
        {"schemes": True},
        {"catalog_refs": 5},
        {"links": "rel"},
        {"contributors": 1},
        {"links": {"rel": "x:y"}},
        {"version_created": []},
        {"first_created": {"a": 1}},
        {"contributors": [{"name": False, "uri": True}]},  # found by the long run
        {"schemes": [{"alias": "a", "uri": 1}]},
        {"provider": {"uri": ["x"], "name": 3}},
        {"links": [{"rel": "x:y", "href": 5, "lang": 7, "version": True}]},
        {"version_created": "0001-01-01T00:00:00+05:00"},
        {"version_created": "9999-12-31T23:59:59-05:00"},
    ],
)
def test_newsml_writer_with_any_extra_read_from_json(newsml):
    """A document read from JSONL may hold anything in meta.extra["newsml"]: iterating a bool,
    calling .strip() on a list, or a date with no UTC equivalent raised."""
    from toolkit.newsml.format import NewsMLFormat

    doc = Document.from_dict(json.loads(_document(newsml=newsml).to_json()))
    for out in NewsMLFormat(now=NOW).render(doc).files:
        assert_valid_newsml(out.data)


def test_dates_that_cannot_be_written():
    from toolkit.newsml.model import utc_datetime, xs_date_or_datetime

    assert utc_datetime("0001-01-01T00:00:00+05:00") is None  # no UTC time: OverflowError
    assert utc_datetime("0999-01-01T00:00:00Z") is None  # not a four-digit year
    assert utc_datetime([]) is None and xs_date_or_datetime(5) is None  # type: ignore[arg-type]
    assert utc_datetime("2025-01-01T10:00:00+05:00") == "2025-01-01T05:00:00Z"


@pytest.mark.parametrize("from_feed", [5, True, {"lang": 1}, "lang", None])
def test_langid_with_any_from_feed(from_feed):
    """'lang' in 5 raised TypeError when a document read from JSON had a non-list from_feed."""
    from toolkit.processors.langid import LangId

    doc = _document(from_feed=from_feed)
    doc.lang = "ru"
    out = LangId()(doc)
    assert out.lang == "kk-Cyrl"  # the feed's word counts only when from_feed lists 'lang'


def test_text_outputs_of_a_document_with_lone_surrogates():
    """A \\ud800 from JSON input (or a file name that is not UTF-8) failed jsonl and txt outputs."""
    from toolkit.registry import FORMATS

    doc = _document()
    doc.source = "in/bad\udcffname.txt"
    doc.title = "Метро \ud800"
    doc.translations["ru"] = Translation("ru", "Метро \udfff", [Paragraph("Текст")])
    (jsonl,) = FORMATS.create("jsonl").render(doc).files
    assert Document.from_dict(json.loads(jsonl.data)) == doc  # lossless
    for out in FORMATS.create("txt").render(doc).files:
        assert "\ufffd" in out.data.decode("utf-8")


def test_a_reader_bug_fails_its_file_only(cli, tmp_path, monkeypatch):
    """The safety net behind the fixes above: an unexpected exception in a reader is reported as an
    internal error of that file (failures.jsonl, exit 1), and the rest of the batch is converted."""
    from toolkit.io import readers

    def broken(data, source, options):  # type: ignore[no-untyped-def]
        raise RecursionError("maximum recursion depth exceeded")
        yield  # pragma: no cover

    real = readers._load_reader
    monkeypatch.setitem(readers.READERS, ".boom", "tests:broken")
    monkeypatch.setattr(readers, "_load_reader", lambda target: broken if target == "tests:broken" else real(target))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.boom").write_text("x")
    (tmp_path / "in" / "b.txt").write_text(TEXT)
    result = cli("convert", tmp_path / "in", "-o", tmp_path / "out", "-f", "jsonl")
    assert result.exit_code == 1
    (failure,) = [json.loads(line) for line in (tmp_path / "out" / "failures.jsonl").read_text().splitlines()]
    assert failure["code"] == "internal" and "RecursionError" in failure["error"]
    assert len(list((tmp_path / "out").glob("*.jsonl"))) == 2  # b.txt's document and failures.jsonl
