from __future__ import annotations

import json

import pytest

from toolkit.io.readers import Source, read_source

from .conftest import SAMPLES


def read(path):
    return list(read_source(Source(str(path), str(path))))


def test_rss_items_keep_feed_metadata():
    docs = read(SAMPLES / "feeds" / "tr_anadolu_rss.xml")
    assert len(docs) == 2
    first = docs[0]
    assert first.title == "Ankara'da yeni metro hattı hizmete girdi"
    assert first.lang == "tr" and first.raw_format == "html"
    assert first.meta.guid == "urn:baskenthaber:2024:12345"
    assert first.meta.published == "2024-11-18T06:15:00Z"  # +03:00 -> UTC
    assert first.meta.byline == "Elif Karaca"
    assert first.meta.provider == "Başkent Haber Ajansı - Son Dakika"
    assert first.meta.keywords == ["Ekonomi", "Ulaşım"]
    assert first.meta.description.startswith("Kızılay ile Etimesgut")
    assert "<p>Kızılay ile Etimesgut arasını" in first.raw
    assert "title" in first.meta.extra["from_feed"]
    assert docs[1].raw_format == "html" and "Meteoroloji" in docs[1].raw  # body from the description


def test_atom_entries():
    docs = read(SAMPLES / "feeds" / "ru_atom.xml")
    assert [d.meta.guid for d in docs] == [
        "tag:vestnik.example.ru,2024:news-88121",
        "tag:vestnik.example.ru,2024:news-88122",
    ]
    assert docs[0].lang == "ru" and docs[0].meta.byline == "Ирина Белова"
    assert docs[0].meta.published == "2024-11-18T00:10:00Z" and docs[0].meta.modified == "2024-11-18T01:25:00Z"
    assert docs[0].meta.copyright_notice.startswith("© 2024 ИА «Степной вестник»")
    assert docs[1].raw_format == "text" and "минус пяти градусов" in docs[1].raw


def test_ninjs_3_item():
    (doc,) = read(SAMPLES / "feeds" / "kk_ninjs31.json")
    assert doc.title == "Астанада қысқы маусымға дайындық басталды"
    assert doc.meta.guid == "urn:dalanews.example.kz:2024:kk:55120" and doc.meta.version == 2
    assert doc.meta.byline == "Айгерім Сәрсенова" and doc.meta.copyright_holder == "Дала Ньюс"
    assert doc.meta.published == "2024-11-18T04:00:00Z" and doc.meta.modified == "2024-11-18T05:12:00Z"
    assert doc.meta.description == "Қала әкімдігі қар тазалайтын 600 техника дайындады."
    assert doc.raw_format == "html" and doc.lang == "kk"


def test_ninjs_1_array():
    docs = read(SAMPLES / "feeds" / "uz_ninjs1_array.json")
    assert [d.meta.version for d in docs] == [1, 3]
    assert docs[0].raw_format == "text" and docs[1].raw_format == "html"
    assert docs[0].meta.byline == "Dilnoza Karimova"


def test_ninjs_examples_from_iptc_parse():
    from .conftest import shared

    for path in sorted(shared("ninjs", "examples").glob("*.json")):
        docs = read(path)
        assert docs and all(d.status == "ok" for d in docs), path


def test_jsonl_records():
    docs = read(SAMPLES / "feeds" / "en_records.jsonl")
    assert [d.meta.guid for d in docs] == ["urn:wire.example.org:2024:4401", "urn:wire.example.org:2024:4402"]
    assert docs[0].lang == "en" and docs[0].source == "wire:en:4401"
    assert docs[1].raw_format == "html"


def test_item_ids_are_stable_and_change_with_content(tmp_path):
    item = {"uri": "urn:x:1", "version": "1", "headline": "H", "body_text": "Body one."}
    path = tmp_path / "a.json"
    path.write_text(json.dumps(item))
    first = read(path)[0].id
    assert read(path)[0].id == first
    item["body_text"] = "Body two."
    item["version"] = "2"
    path.write_text(json.dumps(item))
    assert read(path)[0].id != first


@pytest.mark.parametrize(
    "data, fragment",
    [
        (
            b"<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]><rss version='2.0'>"
            b"<channel><item><title>&xxe;</title></item></channel></rss>",
            "entity",
        ),
        (
            b"<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;&lol;&lol;'>]>"
            b"<rss><channel><item><title>&lol2;</title></item></channel></rss>",
            "entity",
        ),
        (b"<?xml version='1.0'?><rss version='2.0'><channel><item><title>unclosed", "cannot parse feed"),
        (b"<?xml version='1.0'?><catalog><book/></catalog>", "unsupported XML"),
    ],
)
def test_hostile_or_broken_xml_fails_with_a_clear_error(tmp_path, data, fragment):
    path = tmp_path / "feed.xml"
    path.write_bytes(data)
    (doc,) = read(path)
    assert doc.status == "failed"
    assert fragment in doc.errors[0].message and str(path) in doc.errors[0].message
    assert "/etc/passwd" not in json.dumps(doc.to_dict()).replace("file:///etc/passwd", "")


@pytest.mark.parametrize(
    "data, fragment",
    [
        (b"[1, 2]", "JSON object"),
        (b'{"uri": "x"}', "without a body"),
        (b"{broken", "invalid JSON"),
        (b"[]", "empty JSON array"),
    ],
)
def test_bad_ninjs(tmp_path, data, fragment):
    path = tmp_path / "item.json"
    path.write_bytes(data)
    docs = read(path)
    assert docs and docs[0].status == "failed" and fragment in docs[0].errors[0].message


def test_convert_reads_every_feed_sample(cli, tmp_path):
    result = cli("convert", SAMPLES / "feeds", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    # 9 feed entries and records, 1 NewsML item, 2 stories of a package, 2 of a message; the
    # package's 2 item files are skipped on their own (read through the package)
    assert "16 documents, 14 ok, 0 failed, 2 skipped" in result.output


def test_feed_language_beats_the_guess(tmp_path):
    from toolkit import Pipeline

    item = {
        "uri": "urn:x:lang",
        "language": "ru",
        "headline": "Заголовок",
        "body_text": "Бүгін Астанада Орталық Азия медиа форумы басталды. Қазақстан делегациясы қатысты.",
    }
    path = tmp_path / "item.json"
    path.write_text(json.dumps(item, ensure_ascii=False))
    (doc,) = read(path)
    doc = Pipeline.default()(doc)
    assert doc.lang == "ru"  # the feed said so
    assert doc.extra["langid"]["detected"] == "kk-Cyrl"
    assert any(w.code == "lang-mismatch" for w in doc.warnings)
    assert doc.paragraphs[0].lang == "kk-Cyrl"  # paragraphs keep what they are
    item["language"] = "kk"
    path.write_text(json.dumps(item, ensure_ascii=False))
    (doc,) = read(path)
    assert Pipeline.default()(doc).lang == "kk-Cyrl"  # same language: the script is filled in
