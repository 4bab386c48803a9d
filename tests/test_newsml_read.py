"""Reading NewsML-G2: IPTC's valid examples, our own output (items and bundles), hostile XML."""

from __future__ import annotations

import io

import pytest
from lxml import etree

import toolkit
from toolkit.errors import InputError, UnsafeInputError
from toolkit.io.readers import ReadOptions, Source, read_source, sniff_reader
from toolkit.io.xmlsafe import parse_xml
from toolkit.newsml.read import read_newsml
from toolkit.newsml.versioning import xml_digest
from toolkit.testing import make_document

from .conftest import shared
from .newsml_support import NOW, NS, add_translation, assert_official_valid, snapshot

# The examples the shared README lists as valid, and what must come out of each.
IPTC_VALID = {
    "LISTING_1_A_NewsML-G2_News_Item.xml": ("ok", "urn:newsml:acmenews.com:20161018:US-FINANCE-FED", 11, "en-GB"),
    "LISTING_2_NewsML-G2_Text_Document.xml": ("ok", "urn:newsml:acmenews.com:20161121:US-FINANCE-FED", 11, "en-US"),
    "LISTING_3_Photo_in_NewsML-G2.xml": ("skipped", "tag:gettyimages.com,2010:GYI0062134533", 11, "en-US"),
    "LISTING_6_Simple_NewsML-G2_Package.xml": (
        "skipped",
        "tag:example.com,2008:UK-NEWS-TOPTEN:UK20081220098658",
        11,
        None,
    ),
    "LISTING_26_Embedded_photo_metadata_fields_mapped_to_NewsML-G2.xml": (
        "skipped",
        "tag:acmenews.com,2008:WORLD-NEWS:USA20081208098658",
        11,
        None,
    ),
    # a text item with no headline and no body (the example shows a hop history only): nothing to convert
    "LISTING_29_Hop_History.xml": ("skipped", "urn:newsml:acmenews.com:20161019T1205:HOP-HISTORY-EXAMPLE", 11, "en-US"),
}
OWN_EXAMPLES = ["00_bare_minimum.xml", "01_kk_translation.xml", "02_package_languages.xml", "03_minimal_text.xml"]


def read(path):  # type: ignore[no-untyped-def]
    return list(toolkit.read(path))


@pytest.mark.parametrize("name", sorted(IPTC_VALID))
def test_iptc_valid_examples_parse_as_input(name):
    status, guid, version, lang = IPTC_VALID[name]
    (doc,) = read(shared("newsml-g2", "examples", name))
    assert not doc.errors
    assert doc.status == status
    assert (doc.meta.guid, doc.meta.version, doc.lang) == (guid, version, lang)


def test_iptc_text_item_keeps_feed_metadata():
    (doc,) = read(shared("newsml-g2", "examples", "LISTING_2_NewsML-G2_Text_Document.xml"))
    assert doc.title == 'Fed to halt QE to avert "bubble"'
    assert len(doc.paragraphs) == 2 and doc.paragraphs[0].text.startswith("(New York, NY - October 21) Et, sent")
    assert "  " not in doc.paragraphs[0].text  # NITF line breaks and indentation normalised
    assert doc.meta.published == "2016-11-21T15:21:06-05:00"
    assert doc.meta.modified == "2018-11-21T16:22:45-05:00"
    assert doc.meta.byline == "Meredith Jameson"
    assert doc.meta.provider == "Associated Press"
    assert (doc.meta.copyright_holder, doc.meta.copyright_year) == ("Acme News and Media LLC", 2017)
    extra = doc.meta.extra["newsml"]
    assert extra["version_created"] == "2018-11-21T16:25:32-05:00"
    assert extra["provider"] == {"uri": "http://www.acmenews.com/about/"}
    (caption,) = read(shared("newsml-g2", "examples", "LISTING_3_Photo_in_NewsML-G2.xml"))
    assert caption.skipped.code == "newsml-not-text" and caption.meta.byline == "Spencer Platt"
    assert "business" in caption.meta.keywords and caption.meta.photo_credits == ["Getty Images"]


@pytest.mark.parametrize("name", OWN_EXAMPLES)
def test_own_examples_parse_as_input(name):
    docs = read(shared("newsml-g2", "own-examples", name))
    assert docs and all(not d.errors and d.meta.guid.startswith("urn:newsml:example.kz:") for d in docs)
    if name.startswith("02_package"):  # a package follows its items that lie in the same folder
        assert sorted(d.meta.guid for d in docs) == [
            "urn:newsml:example.kz:20250301:a1b2c3:kk",
            "urn:newsml:example.kz:20250301:a1b2c3:ru",
        ]
        assert all(any(w.code == "newsml-package-incomplete" for w in d.warnings) for d in docs)  # en, uz absent
    else:
        assert len(docs) == 1


def test_wire_item_goes_through_convert_keeping_guid_version_and_catalogs(cli, tmp_path):
    out = tmp_path / "out"
    src = shared("newsml-g2", "examples", "LISTING_2_NewsML-G2_Text_Document.xml")
    assert cli("convert", src, "-o", out).exit_code == 0
    (item,) = [p for p in out.glob("*.xml") if not p.name.endswith(".package.xml")]
    assert item.name.endswith(".en.xml")  # the feed's en-US, in the project's canonical form after langid
    root = assert_official_valid(item)
    assert (root.get("guid"), root.get("version")) == ("urn:newsml:acmenews.com:20161121:US-FINANCE-FED", "11")
    hrefs = [c.get("href") for c in root.iterfind("n:catalogRef", NS)]
    assert "http://catalog.acmenews.com/news/ANM_G2_CODES_2.xml" in hrefs
    # a translation read alone keeps its link to its source and the scheme aliases it uses
    kk_src = shared("newsml-g2", "own-examples", "01_kk_translation.xml")
    assert cli("convert", kk_src, "-o", tmp_path / "kk").exit_code == 0
    (kk,) = (tmp_path / "kk").glob("*.xml")  # no package: the story's package belongs to its source
    kk_root = assert_official_valid(kk)
    assert kk_root.find("n:itemMeta/n:link", NS).get("rel") == "exrel:translationOf"
    assert {s.get("alias") for s in kk_root.iterfind("n:catalog/n:scheme", NS)} >= {"exrel", "exrole", "tkrel"}


def _own_story():  # type: ignore[no-untyped-def]
    doc = make_document("First paragraph here.", "Second paragraph.", title="Headline of the story", lang="en")
    doc.meta.source_url = "https://news.example/a/1"
    doc.meta.copyright_holder = "News Example"
    doc.meta.byline = "A. Writer"
    add_translation(doc, "ru", route=["en", "ru"])
    add_translation(doc, "tr", title=None)
    return doc


def test_own_bundle_reads_back_losslessly_and_rewrites_identical_bytes(cli, tmp_path):
    from toolkit.pipeline import PipelineSpec
    from toolkit.worker import OutputSpec, Worker

    out = tmp_path / "out"
    with Worker(PipelineSpec(()), OutputSpec(str(out), "newsml", {"bundle": True, "now": NOW}, fsync=False)) as worker:
        worker.process([_own_story()])
    (bundle,) = out.glob("*.bundle.xml")
    first = bundle.read_bytes()
    (doc,) = read(bundle)
    assert (doc.lang, doc.title, doc.meta.version, doc.meta.source_url) == (
        "en",
        "Headline of the story",
        1,
        "https://news.example/a/1",
    )
    assert sorted(doc.translations) == ["ru", "tr"]
    ru = doc.translations["ru"]
    assert ru.paragraphs[0].text == "[ru] First paragraph here." and ru.engine == "ctranslate2 en-ru 1.9"
    copy = tmp_path / "copy.xml"
    copy.write_bytes(first)
    assert cli("convert", copy, "-o", out, "--bundle").exit_code == 0
    assert bundle.read_bytes() == first  # same guids, versions, times: same bytes


def test_own_items_read_back_keep_their_guids(cli, tmp_path):
    from toolkit.newsml.format import NewsMLFormat

    outputs = NewsMLFormat(now=NOW).render(_own_story()).files
    first = tmp_path / "first"
    first.mkdir()
    for out in outputs:
        (first / out.name).write_bytes(out.data)
    result = cli("convert", first / outputs[0].name, "-o", tmp_path / "second")
    assert result.exit_code == 0, result.output
    again = snapshot(tmp_path / "second")
    assert sorted(again) == sorted([outputs[0].name, outputs[-1].name])  # the item and a package
    before, after = etree.fromstring(outputs[0].data), etree.fromstring(again[outputs[0].name])
    assert (after.get("guid"), after.get("version")) == (before.get("guid"), "1")
    assert xml_digest(after) == xml_digest(before)  # the same content: only the stamps are new
    # a package follows its items in the same folder: the whole story (translations attached) again
    result = cli("convert", first / outputs[-1].name, "-o", tmp_path / "third")
    assert result.exit_code == 0, result.output
    assert sorted(snapshot(tmp_path / "third")) == sorted(out.name for out in outputs)
    # a package file alone (its items elsewhere) is reported as skipped, not failed
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / outputs[-1].name).write_bytes(outputs[-1].data)
    result = cli("convert", alone / outputs[-1].name, "-o", tmp_path / "fourth")
    assert result.exit_code == 0 and "1 skipped" in result.output


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="x" standard="NewsML-G2" standardversion="2.35">
<contentMeta><headline>&lol3;</headline></contentMeta></newsItem>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE newsItem [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="x">
<contentMeta><headline>&xxe;</headline></contentMeta></newsItem>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE newsItem SYSTEM "http://attacker.example/evil.dtd">
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="x"/>"""


@pytest.mark.parametrize(
    "data", [BOMB, XXE, EXTERNAL_DTD, BOMB.decode().encode("utf-16")], ids=["bomb", "xxe", "dtd", "utf16"]
)
def test_hostile_xml_is_refused_with_a_typed_error_naming_the_file(data, tmp_path):
    with pytest.raises(UnsafeInputError, match=r"^in/evil.xml: XML with a DOCTYPE"):
        parse_xml(data, "in/evil.xml")
    path = tmp_path / "evil.xml"
    path.write_bytes(data)
    (doc,) = read(path)
    assert doc.status == "failed" and doc.errors[0].code == "unsafe-input" and str(path) in doc.errors[0].message


def test_malformed_and_foreign_xml(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/"><headline>x</newsItem>')
    (doc,) = read(bad)
    assert (
        doc.errors[0].code == "input"
        and "not well-formed XML" in doc.errors[0].message
        and "line 1" in doc.errors[0].message
    )
    with pytest.raises(InputError) as info:
        parse_xml(bad.read_bytes(), "bad.xml")
    assert info.value.line == 1  # type: ignore[attr-defined]
    other = tmp_path / "catalog.xml"
    other.write_bytes(b"<catalog><book>t</book></catalog>")
    (doc,) = read(other)
    assert doc.errors[0].code == "unsupported-input" and "catalog" in doc.errors[0].message
    wrong_ns = tmp_path / "nons.xml"
    wrong_ns.write_bytes(b"<newsItem guid='x'/>")
    assert "not in the NewsML-G2 namespace" in read(wrong_ns)[0].errors[0].message
    xhtml = tmp_path / "page.xml"
    xhtml.write_bytes(b'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Hello</p></body></html>')
    (doc,) = read(xhtml)
    assert doc.raw_format == "html" and doc.status == "ok"


def test_stdin_and_unknown_suffix_are_sniffed(tmp_path):
    data = shared("newsml-g2", "own-examples", "03_minimal_text.xml").read_bytes()
    assert sniff_reader(data) is read_newsml
    (doc,) = list(read_source(Source(None, "<stdin>"), ReadOptions(), stdin=io.BytesIO(data)))
    assert doc.lang == "ru" and len(doc.paragraphs) == 2
    odd = tmp_path / "item.g2"
    odd.write_bytes(data)
    assert read(odd)[0].title.startswith("Экономика Казахстана")


def test_document_ids_follow_the_feed_convention(tmp_path):
    """Same item again: same id (a duplicate for watch/--resume); a new version or text: a new id."""
    data = shared("newsml-g2", "own-examples", "03_minimal_text.xml").read_bytes()
    (first,) = read_newsml(data, "a.xml", ReadOptions())
    (again,) = read_newsml(data, "b.xml", ReadOptions())
    (newer,) = read_newsml(data.replace(b'version="1"', b'version="2"'), "c.xml", ReadOptions())
    (edited,) = read_newsml(data.replace("Второй абзац".encode(), "Новый абзац".encode()), "d.xml", ReadOptions())
    assert first.id == again.id and len({first.id, newer.id, edited.id}) == 3
    assert {"title", "lang", "guid", "version"} <= set(first.meta.extra["from_feed"])  # beats guesses downstream
