"""NewsML-G2 as agencies send it: vendor bodies in inlineXML, old item-class aliases, flashes,
planning and concept items, packages and messages. Small fixtures, one per failure class."""

from __future__ import annotations

import pytest

from toolkit.feeds.body import read_body, text_body, wire_paragraphs
from toolkit.io.readers import ReadOptions
from toolkit.io.xmlsafe import parse_xml
from toolkit.newsml.read import read_newsml

NAR = "http://iptc.org/std/nar/2006-10-01/"


def item(
    body: str,
    *,
    contenttype: str = "application/xhtml+xml",
    headline: str | None = "Parliament passes the budget",
    item_class: str = "ninat:text",
    guid: str = "urn:newsml:wire.example:2025:1",
    version: str = "2",
    extra_meta: str = "",
    root: str = "newsItem",
) -> bytes:
    head = f"<headline>{headline}</headline>" if headline is not None else ""
    content = f'<contentSet><inlineXML contenttype="{contenttype}">{body}</inlineXML></contentSet>' if body else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="{NAR}" guid="{guid}" version="{version}" standard="NewsML-G2" standardversion="2.12" xml:lang="sv">
<itemMeta><itemClass qcode="{item_class}"/><provider literal="wire"/>{extra_meta}</itemMeta>
<contentMeta><language tag="sv"/>{head}</contentMeta>{content}</{root}>""".encode()


def read(data: bytes, source: str = "wire/item.xml"):  # type: ignore[no-untyped-def]
    return list(read_newsml(data, source, ReadOptions()))


def texts(doc) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.text for p in doc.paragraphs]


# -- bodies in any vocabulary ------------------------------------------------------------------------


def test_tt_nitf_variant_with_upper_case_elements():
    body = """<nitf><head><title>Riksdagen klubbade budgeten</title></head>
    <BODY><BODY.HEAD><HEDLINE><HL1>Riksdagen klubbade budgeten</HL1></HEDLINE>
    <BYLINE>Anna Svensson/TT</BYLINE></BODY.HEAD>
    <TEXT><P>Riksdagen röstade på onsdagen igenom regeringens budget.</P>
    <P>Oppositionen <PERSON>Magdalena</PERSON> reserverade sig.</P><HL2>Nästa steg</HL2>
    <P>Beslutet gäller från januari.</P></TEXT>
    </BODY></nitf>"""
    (doc,) = read(item(body, contenttype="application/ttnitf+xml", headline="Riksdagen klubbade budgeten"))
    assert doc.status == "ok"
    assert texts(doc) == [
        "Riksdagen röstade på onsdagen igenom regeringens budget.",
        "Oppositionen Magdalena reserverade sig.",
        "Nästa steg",
        "Beslutet gäller från januari.",
    ]
    assert doc.title == "Riksdagen klubbade budgeten" and doc.meta.byline == "Anna Svensson/TT"


def test_namespaced_nitf_keeps_structure():
    body = """<nitf xmlns="http://iptc.org/std/NITF/2006-10-18/"><body>
      <body.head><hedline><hl1>Budget passes</hl1><hl2>Vote was close</hl2></hedline>
        <byline>By A. Writer</byline><abstract><p>The budget passed.</p></abstract>
        <dateline><location>STOCKHOLM</location></dateline></body.head>
      <body.content><p>First paragraph
          of the story, pretty-printed.</p><block><p>Second.</p><ul><li>One</li><li>Two</li></ul></block>
        <media media-type="image"><media-caption>A caption</media-caption></media></body.content>
      <body.end><tagline>(Reporting by B)</tagline></body.end></body></nitf>"""
    (doc,) = read(item(body, contenttype="application/nitf+xml", headline=None))
    assert doc.title == "Budget passes"  # no headline in contentMeta: the body's hl1
    assert texts(doc) == [
        "Vote was close",
        "First paragraph of the story, pretty-printed.",
        "Second.",
        "One",
        "Two",
        "(Reporting by B)",
    ]
    assert doc.meta.byline == "By A. Writer" and doc.meta.description == "The budget passed."


def test_unknown_vocabulary_gives_its_text_blocks_in_order():
    body = """<story xmlns="urn:vendor:story"><lead>Lead sentence of the <org>Acme</org> story.</lead>
      <section><para>Body one.</para><para>Body two with a <company>Vendor Co</company> name.</para></section>
      <facts><fact>Fact A</fact><fact>Fact B</fact></facts></story>"""
    (doc,) = read(item(body, contenttype="application/vnd.vendor.story+xml"))
    assert texts(doc) == [
        "Lead sentence of the Acme story.",
        "Body one.",
        "Body two with a Vendor Co name.",
        "Fact A",
        "Fact B",
    ]


def test_xhtml_header_furniture_is_not_text_and_the_repeated_headline_is_dropped():
    body = """<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Parliament passes the budget</title></head>
      <body><header><ul class="slugline"><li>Politics</li><li>Budget</li></ul><time>10:00</time>
      <h1>Parliament passes the budget</h1><p class="byline">By C. Reporter</p></header>
      <section class="main"><p><span class="dateline">Oslo (wire) - </span>The vote was 90 to 79.</p>
      <h2>Reactions</h2><p>The opposition objected.</p></section></body></html>"""
    (doc,) = read(item(body))
    assert texts(doc) == ["Oslo (wire) - The vote was 90 to 79.", "Reactions", "The opposition objected."]
    assert doc.meta.byline == "By C. Reporter"


def test_wire_copy_in_one_paragraph_is_split_at_its_indented_lines():
    wire = """(Adds quote)
    * Gold rises
    * Dollar falls

    By A. Reporter
    LONDON, Jan 30 (Reuters) - Gold rose on Tuesday on safe
haven demand, traders said.
    "It is a flight to safety," said one."""
    assert wire_paragraphs(wire, blank_lines=False) == [
        "(Adds quote)",
        "* Gold rises",
        "* Dollar falls",
        "By A. Reporter",
        "LONDON, Jan 30 (Reuters) - Gold rose on Tuesday on safe haven demand, traders said.",
        '"It is a flight to safety," said one.',
    ]
    pretty = "First line of a paragraph\n        continued on an indented line\n        and another."
    assert wire_paragraphs(pretty, blank_lines=False) == [
        "First line of a paragraph continued on an indented line and another."
    ]


def test_markup_sent_as_plain_text_is_read_as_markup():
    body = text_body("<p>\n   (ANSA) - ROMA - First part,\nwrapped here.\n   Second paragraph.\n</p>")
    assert [b.text for b in body.blocks] == ["(ANSA) - ROMA - First part, wrapped here.", "Second paragraph."]
    plain = text_body("One.\n\nTwo & three < four.")
    assert [b.text for b in plain.blocks] == ["One.", "Two & three < four."]
    data = item("").replace(
        b"</contentMeta>",
        b'</contentMeta><contentSet><inlineData contenttype="text/plain"><![CDATA[<p>Escaped '
        b"HTML body.</p><p>Two.</p>]]></inlineData></contentSet>",
    )
    (doc,) = read(data)
    assert texts(doc) == ["Escaped HTML body.", "Two."]


def test_escaped_markup_inside_inline_xml_is_read_as_markup():
    (doc,) = read(item("<![CDATA[<p>First escaped.</p><p>Second escaped.</p>]]>", contenttype="text/html"))
    assert texts(doc) == ["First escaped.", "Second escaped."]
    (doc,) = read(item("Plain text in inlineXML.\n\nSecond block.", contenttype="text/plain"))
    assert texts(doc) == ["Plain text in inlineXML.", "Second block."]


def test_paragraph_languages_declared_in_the_body_are_kept():
    body = parse_xml(
        b'<x xmlns="http://www.w3.org/1999/xhtml"><p>Hello.</p><div xml:lang="ru"><p>Privet.</p></div></x>', "x"
    )
    assert [(b.text, b.lang) for b in read_body([body]).blocks] == [("Hello.", None), ("Privet.", "ru")]


# -- item classes ------------------------------------------------------------------------------------


def test_old_text_class_alias_is_text_and_media_aliases_are_skipped():
    (text,) = read(item("<p>Body.</p>", item_class="icls:text", guid="tag:reuters.com,2018:newsml_X", version="7"))
    assert text.status == "ok" and (text.meta.guid, text.meta.version) == ("tag:reuters.com,2018:newsml_X", 7)
    (picture,) = read(item("", item_class="icls:picture"))
    assert picture.status == "skipped" and picture.skipped.code == "newsml-not-text"
    (unknown,) = read(item("<p>Story text.</p>", item_class="vendor:story"))
    assert unknown.status == "ok" and any(w.code == "newsml-item-class" for w in unknown.warnings)


def test_flash_items_are_headline_only():
    (h1,) = read(
        item('<html xmlns="http://www.w3.org/1999/xhtml"><body><h1>Parliament passes the budget</h1></body></html>')
    )
    assert h1.status == "ok" and h1.title == "Parliament passes the budget" and h1.paragraphs == []
    (h2,) = read(item("<html><body><h2>Quake hits the coast</h2></body></html>", headline=None))
    assert h2.status == "ok" and h2.title == "Quake hits the coast" and h2.paragraphs == []
    (bare,) = read(item(""))
    assert bare.status == "ok" and bare.title == "Parliament passes the budget" and bare.raw == ""
    (empty,) = read(item("", headline=None))
    assert empty.status == "skipped" and empty.skipped.code == "newsml-empty"


@pytest.mark.parametrize(
    "root, code",
    [
        ("planningItem", "newsml-planning"),
        ("conceptItem", "newsml-concept"),
        ("knowledgeItem", "newsml-knowledge"),
        ("catalogItem", "newsml-catalog"),
    ],
)
def test_items_that_are_not_news_are_skipped_with_a_reason(root, code, tmp_path):
    data = item("", root=root, item_class="plinat:newscoverage")
    (doc,) = read(data)
    assert doc.status == "skipped" and doc.skipped.code == code and doc.meta.guid == "urn:newsml:wire.example:2025:1"
    path = tmp_path / "x.xml"  # through the .xml reader too (by root element)
    path.write_bytes(data)
    import toolkit

    (again,) = toolkit.read(path)
    assert again.status == "skipped" and again.skipped.code == code


def test_message_with_events_a_flash_and_a_package_of_absent_items():
    message = f"""<?xml version="1.0" encoding="UTF-8"?>
<newsMessage xmlns="{NAR}"><itemSet>
  <conceptItem guid="urn:ev:1" version="1" standard="NewsML-G2" standardversion="2.28"><itemMeta>
    <itemClass qcode="cinat:concept"/></itemMeta><concept><name>Event one</name></concept></conceptItem>
  <packageItem guid="urn:pkg:1" version="1" standard="NewsML-G2" standardversion="2.28"><groupSet root="G1">
    <group id="G1" role="group:main"><itemRef residref="urn:elsewhere:9"/></group></groupSet></packageItem>
  <newsItem guid="urn:text:1" version="4" standard="NewsML-G2" standardversion="2.28">
    <itemMeta><itemClass qcode="ninat:text"/></itemMeta><contentMeta><headline>Event Ref Test</headline></contentMeta>
    <contentSet><inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml">
    <body><h1>Event Ref Test</h1></body></html></inlineXML></contentSet></newsItem>
</itemSet></newsMessage>""".encode()
    docs = read(message, "wire/msg.xml")
    assert [(d.status, d.skipped.code if d.skipped else None) for d in docs] == [
        ("skipped", "newsml-concept"),
        ("skipped", "newsml-package"),
        ("ok", None),
    ]
    assert docs[2].title == "Event Ref Test" and docs[2].paragraphs == [] and docs[2].meta.version == 4
    assert docs[0].source == "wire/msg.xml#1" and docs[1].source == "wire/msg.xml#2"


def test_package_whose_items_travel_in_the_message_adds_nothing():
    message = f"""<newsMessage xmlns="{NAR}"><itemSet>
  <packageItem guid="urn:pkg:1" version="1"><groupSet root="G1"><group id="G1" role="group:main">
    <itemRef residref="urn:text:1"/></group></groupSet></packageItem>
  <newsItem guid="urn:text:1" version="1"><itemMeta><itemClass qcode="ninat:text"/></itemMeta>
    <contentMeta><headline>H</headline></contentMeta>
    <contentSet><inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml">
    <body><p>Text.</p></body></html></inlineXML></contentSet></newsItem></itemSet></newsMessage>""".encode()
    (doc,) = read(message)
    assert doc.status == "ok" and texts(doc) == ["Text."]


def test_elided_items_of_a_skeleton_message_are_skipped_not_failed():
    message = f"""<newsMessage xmlns="{NAR}"><header><sent>2018-10-19T11:17:00Z</sent></header><itemSet>
    <newsItem>.....</newsItem><newsItem>.....</newsItem></itemSet></newsMessage>""".encode()
    docs = read(message)
    assert [d.skipped.code for d in docs] == ["newsml-empty", "newsml-empty"]
