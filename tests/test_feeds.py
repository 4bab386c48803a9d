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
        (b"{broken", "invalid JSON"),
        (b"[]", "empty JSON array"),
        (b'[{"file": "a.xml", "sha256": "00"}]', "not a ninjs item"),
    ],
)
def test_bad_ninjs(tmp_path, data, fragment):
    path = tmp_path / "item.json"
    path.write_bytes(data)
    docs = read(path)
    assert docs and docs[0].status == "failed" and fragment in docs[0].errors[0].message


def test_ninjs_item_with_nothing_in_it_is_skipped_with_a_reason(tmp_path):
    path = tmp_path / "item.json"
    path.write_bytes(b'{"uri": "x"}')
    (doc,) = read(path)
    assert doc.status == "skipped" and doc.skipped.code == "ninjs-empty"


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


# -- agency files: the failure classes of issue 18 -------------------------------------------------------


def convert_one(cli, path, out):  # type: ignore[no-untyped-def]
    """Convert one file; return the exit code, the NewsML-G2 items written (roots) and failures.jsonl."""
    from lxml import etree

    from .newsml_support import assert_official_valid

    result = cli("convert", path, "-o", out)
    items = [
        assert_official_valid(p.read_bytes(), p.name)
        for p in sorted(out.glob("*.xml"))
        if not p.name.endswith(".package.xml")
    ]
    failures = out / "failures.jsonl"
    records = [json.loads(line) for line in failures.read_text().splitlines()] if failures.exists() else []
    assert all(isinstance(r, etree._Element) for r in items)
    return result, items, records


RSS_HEAD = b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Wire</title>
<link>https://wire.example/</link><language>en</language>"""


def test_title_only_entries_and_summaries_that_repeat_the_title_are_flashes(cli, tmp_path):
    from .newsml_support import NS

    feed = tmp_path / "flashes.rss"
    feed.write_bytes(
        RSS_HEAD
        + b"""<item><title>Central bank raises its key rate to 16.5 percent</title><guid>f1</guid></item>
<item><title>Parliament approves the new budget</title><description>Parliament approves the new budget</description>
<guid>f2</guid></item>
<item><title>Storm closes the port</title><description><![CDATA[<img src="https://img.example/p.jpg"/><br/>]]>
</description><guid>f3</guid></item></channel></rss>"""
    )
    result, items, records = convert_one(cli, feed, tmp_path / "out")
    assert result.exit_code == 0 and records == [], result.output
    assert sorted(r.findtext("n:contentMeta/n:headline", namespaces=NS) for r in items) == [
        "Central bank raises its key rate to 16.5 percent",
        "Parliament approves the new budget",
        "Storm closes the port",
    ]
    assert all(r.find("n:contentSet", NS) is None for r in items)


def test_links_that_are_not_clean_uris_are_percent_encoded(cli, tmp_path):
    from .newsml_support import NS

    feed = tmp_path / "links.rss"
    feed.write_bytes(
        RSS_HEAD
        + b"""<item><title>Two hashes in the link</title><link>https://wire.example/a#top#more</link>
<description>Body one of the story.</description></item>
<item><title>A link wrapped over two lines</title><link>https://wire.example/Internally.ht
ml</link><description>Body two of the story.</description></item>
<item><title>A stray percent</title><link>https://wire.example/100%/news?q=[x]</link>
<description>Body three of the story.</description></item></channel></rss>"""
    )
    result, items, records = convert_one(cli, feed, tmp_path / "out")
    assert result.exit_code == 0 and records == [], result.output
    hrefs = sorted(
        link.get("href")
        for r in items
        for link in r.iterfind("n:itemMeta/n:link", NS)
        if link.get("rel") == "tkrel:source"
    )
    assert hrefs == [
        "https://wire.example/100%25/news?q=%5Bx%5D",
        "https://wire.example/Internally.ht%20ml",
        "https://wire.example/a#top%23more",
    ]


@pytest.mark.parametrize("reference", [b"&#xD800;", b"&#55296;", b"&#x1;", b"&#x110000;", b"&#xFFFE;"])
def test_a_bad_character_reference_spoils_only_its_own_entry(cli, tmp_path, reference):
    feed = tmp_path / "feed.rss"
    feed.write_bytes(
        RSS_HEAD
        + b"<item><title>First entry</title><description>First body.</description><guid>e1</guid></item>"
        + b"<item><title>Second "
        + reference
        + b" entry</title><description>Second "
        + reference
        + b" body.</description><guid>e2</guid></item>"
        + b"<item><title>Third entry</title><description>Third body.</description><guid>e3</guid></item>"
        + b"</channel></rss>"
    )
    docs = read(feed)
    assert [d.status for d in docs] == ["ok", "ok", "ok"]
    assert docs[1].title == "Second entry" and "\ud800" not in docs[1].raw
    assert [w.code for w in docs[1].warnings] == ["invalid-character"]
    assert not docs[0].warnings and not docs[2].warnings
    result, items, records = convert_one(cli, feed, tmp_path / "out")
    assert result.exit_code == 0 and len(items) == 3 and records == [], result.output


def test_an_entry_with_nothing_in_it_is_skipped_with_a_reason(tmp_path):
    feed = tmp_path / "feed.rss"
    feed.write_bytes(RSS_HEAD + b"<item><title>News</title></item><item><guid>x</guid></item></channel></rss>")
    docs = read(feed)
    assert [d.status for d in docs] == ["ok", "skipped"] and docs[1].skipped.code == "feed-empty-entry"


def test_ninjs_3_collection_of_nested_text_items(tmp_path):
    timeline = {
        "uri": "urn:tt:timeline:1",
        "type": "composite",
        "version": "3",
        "language": "sv",
        "headlines": [{"role": "main", "contentType": "text/plain", "value": "Live: election night"}],
        "associations": [
            {
                "name": "entry-1",
                "uri": "urn:tt:entry:1",
                "type": "text",
                "version": "1",
                "headlines": [{"value": "Polls close"}],
                "bodies": [{"role": "main", "contentType": "text/plain", "value": "Polls closed at 20:00."}],
            },
            {
                "name": "entry-2",
                "uri": "urn:tt:entry:2",
                "type": "text",
                "version": "2",
                "headlines": [{"value": "First results"}],
                "bodies": [{"contentType": "application/xhtml+xml", "value": "<p>Turnout was 84 percent.</p>"}],
            },
            {"name": "photo", "uri": "urn:tt:photo:1", "type": "picture", "headlines": [{"value": "A photo"}]},
        ],
    }
    path = tmp_path / "timeline.json"
    path.write_text(json.dumps(timeline))
    docs = read(path)
    assert [(d.meta.guid, d.meta.version, d.title, d.status) for d in docs] == [
        ("urn:tt:entry:1", 1, "Polls close", "ok"),
        ("urn:tt:entry:2", 2, "First results", "ok"),
    ]
    assert docs[0].source.endswith("timeline.json#entry-1") and docs[1].raw_format == "html"
    assert all(d.lang == "sv" or d.lang is None for d in docs)


def test_ninjs_story_with_nested_stories_gives_both(tmp_path):
    story = {
        "uri": "urn:x:main",
        "version": 1,
        "headlines": [{"value": "Main story"}],
        "bodies": [{"contentType": "text/plain", "value": "Main body."}],
        "associations": {"update": {"uri": "urn:x:u", "headline": "An update", "body_text": "Update body."}},
    }
    path = tmp_path / "story.json"
    path.write_text(json.dumps(story))
    assert [d.title for d in read(path)] == ["Main story", "An update"]


def test_ninjs_event_timeline_gives_its_text_entries_and_skips_the_event(tmp_path):
    event = {
        "uri": "urn:tt:event:1",
        "type": "event",
        "headlines": [{"value": "Nobel prize announcement"}],
        "eventDetails": {"dates": {"startDate": "2025-10-06T11:30:00+02:00"}},
        "associations": [
            {
                "name": "u1",
                "type": "text",
                "uri": "urn:tt:u:1",
                "version": 1,
                "headlines": [{"value": "Prize goes to X"}],
                "bodies": [{"contentType": "text/plain", "value": "The prize in physics goes to X."}],
            },
        ],
    }
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    docs = read(path)
    assert [(d.status, d.title) for d in docs] == [("skipped", "Nobel prize announcement"), ("ok", "Prize goes to X")]
    assert docs[0].skipped.code == "ninjs-event"


def test_ap_media_api_envelopes(tmp_path):
    single = {
        "api_version": "2.1",
        "data": {"item": {"uri": "https://api.ap.org/c/1", "version": 8, "type": "text", "headline": "Police charged"}},
        "nitf": {"body_html": "<block>\n<p>BUFFALO (AP) — Two officers were charged.</p><p>They pleaded.</p></block>"},
    }
    path = tmp_path / "ap.json"
    path.write_text(json.dumps(single))
    (doc,) = read(path)
    assert (doc.meta.guid, doc.meta.version, doc.title) == ("https://api.ap.org/c/1", 8, "Police charged")
    assert doc.raw_format == "html" and "Two officers" in doc.raw
    feed = {
        "data": {
            "items": [
                {"meta": {}, "item": {"uri": "https://api.ap.org/c/2", "version": 0, "type": "text", "headline": "A"}},
                {"meta": {}, "item": {"uri": "https://api.ap.org/c/3", "type": "picture", "headline": "B"}},
            ]
        }
    }
    path.write_text(json.dumps(feed))
    docs = read(path)
    assert [(d.title, d.status) for d in docs] == [("A", "ok"), ("B", "skipped")]
    assert docs[0].meta.version is None  # AP counts versions from 0: not a NewsML-G2 version


@pytest.mark.parametrize(
    "item, code",
    [
        ({"uri": "u:1", "type": "picture", "headline": "A photo", "body_text": "caption"}, "ninjs-not-text"),
        ({"uri": "u:2", "type": "audio", "headlines": [{"value": "A clip"}]}, "ninjs-not-text"),
        ({"uri": "u:3", "type": "event", "headlines": [{"value": "Press conference"}]}, "ninjs-event"),
        ({"uri": "u:4", "title": "Match", "eventDetails": {"dates": {"startDate": "2023-10-04"}}}, "ninjs-event"),
    ],
)
def test_ninjs_items_that_are_not_text_are_skipped_with_a_reason(tmp_path, item, code):
    path = tmp_path / "item.json"
    path.write_text(json.dumps(item))
    (doc,) = read(path)
    assert doc.status == "skipped" and doc.skipped.code == code


def test_ninjs_1_body_xhtml_and_headline_only_items(tmp_path):
    path = tmp_path / "item.json"
    path.write_text(
        json.dumps([{"uri": "u:1", "headline": "H", "body_xhtml": "<p>Body.</p>"}, {"uri": "u:2", "headline": "Flash"}])
    )
    docs = read(path)
    assert docs[0].raw == "<p>Body.</p>" and docs[0].raw_format == "html"
    assert docs[1].status == "ok" and docs[1].raw == "" and docs[1].title == "Flash"
