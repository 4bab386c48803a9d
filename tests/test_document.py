from __future__ import annotations

import json

import pytest

from toolkit.document import Document, Metadata, Paragraph, Translation, content_id
from toolkit.errors import DocumentFormatError


def full_document() -> Document:
    doc = Document.from_text("Başlık\n\nİlk paragraf.\n\nİkinci.", source="x/tr.txt", encoding="cp1254")
    doc.title = "Başlık"
    doc.title_derived = True
    doc.paragraphs = [Paragraph("İlk paragraf.", "tr", "Latn", 0.98), Paragraph("Второй.", "ru", "Cyrl", 0.5)]
    doc.lang, doc.lang_confidence, doc.mixed = "tr", 0.9, True
    doc.meta = Metadata(
        published="2024-11-18",
        byline="A. Yazar",
        photo_credits=["Derya Soysal"],
        copyright_holder="S-B-E Ltd",
        copyright_year=2025,
        provider="AA",
        keywords=["forum"],
        guid="urn:x",
        version=3,
        extra={"nested": {"a": [1, 2.5, None]}},
    )
    doc.log_removal("© 2025 S-B-E Ltd", "copyright", "copyright line", line=1)
    doc.translations["kk-Cyrl"] = Translation(
        "kk-Cyrl",
        "Тақырып",
        [Paragraph("Бірінші.", "kk-Cyrl")],
        source_lang="tr",
        engine="ctranslate2",
        model="m",
        model_version="1",
        route=["tr", "en", "kk"],
    )
    doc.warn("encoding", "uncertain", processor="read")
    doc.add_error("x", "boom", processor="clean", type="ValueError")
    doc.skip("duplicate", "seen before", processor="dedupe")
    doc.extra["anything"] = [1, "two"]
    return doc


def test_round_trip_is_lossless():
    doc = full_document()
    again = Document.from_dict(json.loads(json.dumps(doc.to_dict())))
    assert again == doc
    assert again.to_dict() == doc.to_dict()
    assert Document.from_json(doc.to_json()) == doc


def test_empty_document_round_trip():
    doc = Document(id="abc")
    assert Document.from_dict(doc.to_dict()) == doc


def test_id_is_content_derived_and_stable():
    a = Document.from_text("Title\r\n\r\nBody.\r\n")
    b = Document.from_text("\ufeffTitle\n\nBody.\n")
    c = Document.from_text("Title\n\nOther body.")
    assert a.id == b.id == content_id("Title\n\nBody.")
    assert a.id != c.id
    assert len(a.id) == 16 and int(a.id, 16) >= 0


def test_status():
    doc = Document(id="a")
    assert doc.status == "ok"
    doc.skip("dup", "dup")
    assert doc.status == "skipped"
    doc.add_error("e", "bad")
    assert doc.status == "failed"


def test_from_dict_fills_id_from_raw():
    doc = Document.from_dict({"raw": "Hello"})
    assert doc.id == content_id("Hello")


@pytest.mark.parametrize(
    "data, fragment",
    [
        ([], "JSON object"),
        ({"title": "x"}, "'id'"),
        ({"id": "a", "bogus": 1}, "unknown field"),
        ({"id": "a", "title": 5}, "document.title"),
        ({"id": "a", "mixed": "yes"}, "document.mixed"),
        ({"id": "a", "paragraphs": [{"lang": "en"}]}, "paragraphs[0]"),
        ({"id": "a", "paragraphs": "text"}, "expected a list"),
        ({"id": "a", "meta": {"copyright_year": "2025"}}, "meta.copyright_year"),
        (
            {"id": "a", "translations": {"kk": {"lang": "kk", "title": None, "paragraphs": [{"text": 1}]}}},
            "translations",
        ),
        ({"id": "a", "schema": 99}, "schema version"),
    ],
)
def test_from_dict_rejects_bad_input(data, fragment):
    with pytest.raises(DocumentFormatError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        Document.from_dict(data)


def test_from_json_reports_position():
    with pytest.raises(DocumentFormatError, match="line 1"):
        Document.from_json("{not json")


def test_text_joins_paragraphs():
    doc = Document(id="a", paragraphs=[Paragraph("One."), Paragraph("Two.")])
    assert doc.text == "One.\n\nTwo."


def test_fake_translator_for_users_tests():
    from toolkit import Pipeline
    from toolkit.testing import FakeTranslator, assert_valid_newsml

    pipeline = Pipeline.from_names(["clean", "langid"])
    pipeline.add(FakeTranslator(["kk-Cyrl", "ru"]), name="translate")
    doc = pipeline.process_text("Astana hosts a forum\n\nThe forum opened today in the capital.\n\nIt lasts two days.")
    assert sorted(doc.translations) == ["kk-Cyrl", "ru"]
    assert doc.translations["ru"].paragraphs[0].text == "[ru] The forum opened today in the capital."
    assert doc.translations["ru"].route == ["en", "ru"]
    from toolkit.newsml.format import NewsMLFormat

    for out in NewsMLFormat().render(doc).files:
        assert_valid_newsml(out.data)
