"""NewsML-G2 output: every item and package valid against IPTC's official 2.35 XSD and our
profile; language versions linked and packaged; content safety; stable identities."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import toolkit
from toolkit.document import Paragraph, Translation, content_id
from toolkit.errors import ConfigError, ValidationError
from toolkit.newsml.format import NewsMLFormat
from toolkit.newsml.model import shorten
from toolkit.testing import assert_valid_newsml, make_document

from .conftest import SAMPLES
from .newsml_support import (
    EXPECTATIONS,
    NOW,
    NS,
    XML_LANG,
    add_translation,
    assert_official_valid,
    by_name,
    cleaned_sample,
)

SAMPLE_NAMES = sorted(EXPECTATIONS)
URL = "https://dala.example/kk/news/42"
KEY = content_id(URL)  # the story key of _story(): from its source URL


def render(doc, **options):  # type: ignore[no-untyped-def]
    options.setdefault("now", NOW)
    return by_name(NewsMLFormat(**options).render(doc).files)


def test_every_sample_converts_to_valid_items_and_packages(cli, tmp_path):
    """The default pipeline and format on every sample page and feed: all valid."""
    out = tmp_path / "out"
    result = cli("convert", SAMPLES, "-o", out)
    assert result.exit_code == 0, result.output
    files = sorted(out.glob("*.xml"))
    packages = [p for p in files if p.name.endswith(".package.xml")]
    pages = sorted(SAMPLES.glob("*.txt")) + sorted(SAMPLES.glob("*.html"))
    assert len(packages) > len(pages) and len(files) == 2 * len(packages)  # one language version each
    for path in files:
        root = assert_official_valid(path, path.name)
        if path in packages:
            assert all((out / ref.get("href")).is_file() for ref in root.iterfind(".//n:itemRef", NS))
    # the headline is the title cleaning found, else the first sentence of the body
    for page in pages:
        doc = toolkit.process(page)
        outputs = render(doc)
        root = etree.fromstring(next(data for name, data in outputs.items() if not name.endswith(".package.xml")))
        headline = root.findtext("n:contentMeta/n:headline", namespaces=NS)
        if doc.title:
            assert headline == shorten(" ".join(doc.title.split())), page.name
        else:
            assert root.find(".//h:body/h:p", NS).text.startswith(headline.rstrip("…")), page.name


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_cleaned_sample_with_translations_validates(name):
    doc = cleaned_sample(name)
    targets = [lang for lang in ("en", "ru", "kk") if lang != doc.lang.split("-")[0]][:2]
    for lang in targets:
        add_translation(doc, lang, route=[doc.lang, "en", lang] if lang != "en" else [])
    outputs = render(doc)
    assert len(outputs) == 2 + len(targets)  # original, translations, package
    for file_name, data in outputs.items():
        assert_official_valid(data, f"{name} -> {file_name}")
    original = etree.fromstring(outputs[next(n for n in outputs if n.endswith(f".{doc.lang}.xml"))])
    headline = original.findtext("n:contentMeta/n:headline", namespaces=NS)
    title = EXPECTATIONS[name]["title"]
    if title is None:  # no title on the page: the first sentence, cut at a word boundary if long
        assert EXPECTATIONS[name]["paragraphs"][0].startswith(headline.rstrip("…")) and len(headline) <= 300
    else:
        assert headline == title
    body = [p.text for p in original.iterfind(".//h:body/h:p", NS)]
    assert body == EXPECTATIONS[name]["paragraphs"]
    credits = [c.text for c in original.iterfind("n:contentMeta/n:creditline", NS)]
    assert credits == list(dict.fromkeys(EXPECTATIONS[name]["credits"]))


def _story():  # type: ignore[no-untyped-def]
    doc = make_document(
        "Астанада халықаралық медиа форум ашылды. Оған 700 адам қатысты.",
        "Форум екі күнге созылады.",
        title="Астанада медиа форум ашылды",
        lang="kk-Cyrl",
        id="a1b2c3d4e5f60718",  # the content id: used only when there is no URL
    )
    meta = doc.meta
    meta.published = "2024-11-18T09:30:00+05:00"
    meta.byline = "Айгүл Сәрсенова"
    meta.photo_credits = ["Сурет: Ерлан Омаров"]
    meta.copyright_holder = "Dala Aqparat"
    meta.copyright_year = 2024
    meta.provider = "Dala Aqparat"
    meta.source_url = URL
    meta.description = "Форум туралы қысқаша."
    meta.keywords = ["форум", "медиа", "форум"]
    doc.translations["ru"] = Translation(
        "ru",
        "В Астане открылся медиафорум",
        [Paragraph("В Астане открылся международный медиафорум."), Paragraph("Форум продлится два дня.")],
        source_lang="kk-Cyrl",
        engine="ctranslate2",
        model="argos-kk-en+en-ru",
        model_version="1.9",
        route=["kk", "en", "ru"],
    )
    doc.translations["en"] = Translation(
        "en", None, [Paragraph("An international media forum opened in Astana. 700 people came.")], source_lang="kk"
    )
    return doc


def test_items_and_package_structure():
    outputs = render(_story(), provider="dala.example", provider_name="Dala Aqparat Syndication")
    assert sorted(outputs) == sorted(f"{KEY}.{suffix}.xml" for suffix in ("en", "kk-Cyrl", "package", "ru"))
    roots = {name: assert_official_valid(data, name) for name, data in outputs.items()}
    kk = roots[f"{KEY}.kk-Cyrl.xml"]
    assert kk.get("guid") == f"urn:newsml:dala.example:{KEY}:kk-Cyrl"
    assert (kk.get("version"), kk.get("standard"), kk.get("standardversion"), kk.get("conformance")) == (
        "1",
        "NewsML-G2",
        "2.35",
        "power",
    )
    # xml:lang on the root AND contentMeta/language
    assert kk.get(XML_LANG) == "kk-Cyrl"
    assert kk.find("n:contentMeta/n:language", NS).get("tag") == "kk-Cyrl"
    # catalogRef + inline catalog declaring every alias of our own that the items use
    assert kk.find("n:catalogRef", NS).get("href").startswith("http://www.iptc.org/std/catalog/catalog.IPTC-G2")
    aliases = {s.get("alias") for s in kk.iterfind("n:catalog/n:scheme", NS)}
    assert {"tkrel", "tkrole"} <= aliases
    # itemMeta in schema order, no update signal on version 1
    meta = [etree.QName(el).localname for el in kk.find("n:itemMeta", NS)]
    assert meta == ["itemClass", "provider", "versionCreated", "firstCreated", "pubStatus", "generator", "link"]
    assert kk.findtext("n:itemMeta/n:versionCreated", namespaces=NS) == NOW
    assert kk.find("n:itemMeta/n:generator", NS).text == "toolkit"
    assert kk.find("n:itemMeta/n:provider/n:name", NS).text == "Dala Aqparat Syndication"
    assert kk.find("n:itemMeta/n:link", NS).attrib == {"rel": "tkrel:source", "href": URL, "contenttype": "text/html"}
    # contentMeta
    content = kk.find("n:contentMeta", NS)
    assert content.findtext("n:contentCreated", namespaces=NS) == "2024-11-18T09:30:00+05:00"
    assert content.findtext("n:by", namespaces=NS) == "Айгүл Сәрсенова"
    assert content.findtext("n:creditline", namespaces=NS) == "Сурет: Ерлан Омаров"
    assert content.find("n:description", NS).get("role") == "drol:summary"
    assert [k.text for k in content.iterfind("n:keyword", NS)] == ["форум", "медиа"]
    assert content.findtext("n:infoSource/n:name", namespaces=NS) == "Dala Aqparat"
    assert kk.findtext("n:rightsInfo/n:copyrightNotice", namespaces=NS) == "© 2024 Dala Aqparat"
    # body: one XHTML root, a <p> per paragraph, in inlineXML
    inline = kk.find("n:contentSet/n:inlineXML", NS)
    assert inline.get("contenttype") == "application/xhtml+xml" and inline.get("wordcount") == "13"
    assert [p.text for p in inline.iterfind(".//h:p", NS)] == [
        "Астанада халықаралық медиа форум ашылды. Оған 700 адам қатысты.",
        "Форум екі күнге созылады.",
    ]
    # hop history: created by the source, transformed by us
    hops = kk.findall("n:hopHistory/n:hop", NS)
    assert [h.find("n:action", NS).get("qcode") for h in hops] == ["hopaction:created", "hopaction:transformed"]
    assert hops[0].get("timestamp") == "2024-11-18T09:30:00+05:00" and hops[1].get("timestamp") == NOW


def test_translation_links_relation_contributor_rights_and_package():
    outputs = render(_story())
    roots = {name.split(".")[1]: etree.fromstring(data) for name, data in outputs.items()}
    source_guid = f"urn:newsml:toolkit:{KEY}:kk-Cyrl"
    ru = roots["ru"]
    assert ru.get("guid") == f"urn:newsml:toolkit:{KEY}:ru" and ru.get(XML_LANG) == "ru"
    assert ru.findtext("n:contentMeta/n:headline", namespaces=NS) == "В Астане открылся медиафорум"
    link = ru.find("n:itemMeta/n:link", NS)
    assert link.get("rel") == "tkrel:translationOf"  # declared in our own inline catalog
    assert (link.get("residref"), link.get("version"), link.get(XML_LANG)) == (source_guid, "1", "kk-Cyrl")
    tkrel = ru.find("n:catalog/n:scheme[@alias='tkrel']", NS)
    assert tkrel is not None and tkrel.get("uri")
    contributor = ru.find("n:contentMeta/n:contributor", NS)
    assert contributor.get("role") == "tkrole:translator"
    assert contributor.findtext("n:name", namespaces=NS) == "ctranslate2 argos-kk-en+en-ru 1.9"
    assert "via en" in contributor.findtext("n:note", namespaces=NS)
    notices = ru.findall("n:rightsInfo/n:copyrightNotice", NS)
    assert notices[0].text == "© 2024 Dala Aqparat" and notices[0].get(XML_LANG) == "kk-Cyrl"
    assert notices[1].get(XML_LANG) == "en" and notices[1].text.startswith("Machine translation (kk-Cyrl → ru")
    assert "Dala Aqparat" in notices[1].text
    assert ru.findtext("n:rightsInfo/n:copyrightHolder/n:name", namespaces=NS) == "Dala Aqparat"
    assert ru.find("n:contentMeta/n:description", NS) is None  # the lede is not translated: left out
    assert [k.get(XML_LANG) for k in ru.iterfind("n:contentMeta/n:keyword", NS)] == ["kk-Cyrl", "kk-Cyrl"]
    # a translation without a title gets a headline from its first sentence
    assert (
        roots["en"].findtext("n:contentMeta/n:headline", namespaces=NS)
        == "An international media forum opened in Astana"
    )
    # the package groups every language version as alternatives
    package = roots["package"]
    assert package.get("guid") == f"urn:newsml:toolkit:{KEY}:package"
    assert package.find("n:itemMeta/n:itemClass", NS).get("qcode") == "ninat:composite"
    group = package.find("n:groupSet/n:group", NS)
    assert (group.get("mode"), group.get("role")) == ("pgrmod:alt", "group:main")
    refs = [
        (r.get("residref"), r.get("version"), r.get(XML_LANG), r.get("href")) for r in group.iterfind("n:itemRef", NS)
    ]
    assert refs == [
        (source_guid, "1", "kk-Cyrl", f"{KEY}.kk-Cyrl.xml"),
        (f"urn:newsml:toolkit:{KEY}:en", "1", "en", f"{KEY}.en.xml"),
        (f"urn:newsml:toolkit:{KEY}:ru", "1", "ru", f"{KEY}.ru.xml"),
    ]
    assert [r.findtext("n:title", namespaces=NS) for r in group.iterfind("n:itemRef", NS)][
        2
    ] == "В Астане открылся медиафорум"


def test_guid_is_stable_and_derives_from_url_then_id():
    doc = _story()
    again = _story()
    again.paragraphs[1].text = "Changed text, same page."
    again.id = "another-content-id"
    guid = etree.fromstring(render(doc)[f"{KEY}.kk-Cyrl.xml"]).get("guid")
    # same source URL: same story, same guids (and file names), whatever the content
    assert etree.fromstring(next(iter(render(again).values()))).get("guid") == guid
    doc.meta.source_url = None
    assert (
        etree.fromstring(next(iter(render(doc).values()))).get("guid") == "urn:newsml:toolkit:a1b2c3d4e5f60718:kk-Cyrl"
    )
    doc.meta.guid = "https://feed.example/items/77"  # a feed entry's guid beats both
    name = next(iter(render(doc)))
    assert not name.startswith("a1b2c3d4e5f60718")


def test_language_tags_with_scripts():
    doc = make_document("Oʻzbekiston poytaxti Toshkentda koʻrgazma ochildi.", lang="uz")
    add_translation(doc, "kk")
    doc.translations["kk"].paragraphs = [Paragraph("Qazaqstanda kórme ashyldy.")]
    add_translation(doc, "uz-cyrl")
    outputs = render(doc)
    assert sorted(n.split(".")[1] for n in outputs) == ["kk-Latn", "package", "uz-Cyrl", "uz-Latn"]
    for data in outputs.values():
        assert_valid_newsml(data)


def test_no_language_is_und_and_bad_tags_are_reported():
    doc = make_document("Text without a detected language.")
    assert etree.fromstring(next(iter(render(doc).values()))).get(XML_LANG) == "und"
    doc.lang = "english!"
    rendering = NewsMLFormat(now=NOW).render(doc)
    assert all(".und." in f.name or f.name.endswith(".package.xml") for f in rendering.files)
    assert any(w.code == "language" for w in rendering.warnings)
    assert not doc.warnings  # a format leaves the document as it is


def test_escaping_and_content_safety():
    long_paragraph = "Ұзын абзац " * 40000  # 440 kB in one paragraph
    doc = make_document(
        "A < B && C > D; \"quotes\" and 'apostrophes' </p><script>x</script>",
        "\x00Null\x01 and \x0bvertical\x1b[0m escape\x7f, \x85NEL kept",
        "\u200fשלום\u200e mixed \u202bRTL\u202c marks",
        long_paragraph,
        "\x07\x08",
        title="Title with <tags> & \x0c form feed",
        lang="en",
        id="unsafe",
    )
    doc.paragraphs[0].text += " lone \udc80 surrogate"
    add_translation(doc, "ar", title="عنوان <عربي> & علامات")
    rendering = NewsMLFormat(now=NOW, plain_text=True).render(doc)
    outputs = by_name(rendering.files)
    for data in outputs.values():
        assert_valid_newsml(data)
        assert_official_valid(data)
    root = etree.fromstring(outputs["unsafe.en.xml"])
    body = [p.text for p in root.iterfind(".//h:body/h:p", NS)]
    assert body[0] == "A < B && C > D; \"quotes\" and 'apostrophes' </p><script>x</script> lone surrogate"
    assert body[1] == "Null and vertical[0m escape, \x85NEL kept"
    assert body[2].startswith("\u200fשלום\u200e")
    assert body[3] == long_paragraph.strip()
    assert len(body) == 4  # the paragraph of control characters only is gone
    assert root.findtext("n:contentMeta/n:headline", namespaces=NS) == "Title with <tags> & form feed"
    assert b"&lt;tags&gt; &amp;" in outputs["unsafe.en.xml"]
    assert root.findtext("n:contentSet/n:inlineData", namespaces=NS).split("\n\n")[0] == body[0]
    warning = next(w for w in rendering.warnings if w.code == "control-characters")
    assert warning.processor == "newsml" and "removed 17 character" in warning.message  # 9 + 8 in the translation
    ar = etree.fromstring(outputs["unsafe.ar.xml"])
    assert ar.get("dir") == "rtl"


def test_long_title_is_shortened_and_reported():
    doc = make_document("Body.", title="word " * 100, lang="en")
    rendering = NewsMLFormat(now=NOW).render(doc)
    root = etree.fromstring(rendering.files[0].data)
    headline = root.findtext("n:contentMeta/n:headline", namespaces=NS)
    assert len(headline) <= 300 and headline.endswith("…")
    assert any(w.code == "headline" for w in rendering.warnings)


def test_a_document_without_text_is_not_written_and_names_the_file():
    doc = make_document(lang="en", source="inbox/empty.txt")
    with pytest.raises(ValidationError, match=r"inbox/empty.txt: no body text and no headline"):
        NewsMLFormat(now=NOW).render(doc)  # a title alone is a flash: see test_headline_only.py
    doc = make_document("Body.", lang="en", source="inbox/x.txt")
    doc.translations["ru"] = Translation("ru", "Заголовок", [Paragraph("\x00")])
    with pytest.raises(ValidationError, match="translation 'ru' has no text"):
        NewsMLFormat(now=NOW).render(doc)


def test_an_item_failing_the_schemas_is_reported_with_a_line_number(monkeypatch):
    from toolkit.newsml import build

    real = build.news_item

    def broken(item, stamp, **kwargs):  # type: ignore[no-untyped-def]
        root = real(item, stamp, **kwargs)
        root.find("{http://iptc.org/std/nar/2006-10-01/}contentMeta").insert(
            0, etree.Element("{http://iptc.org/std/nar/2006-10-01/}bogus")
        )
        return root

    monkeypatch.setattr(build, "news_item", broken)
    with pytest.raises(ValidationError) as info:
        NewsMLFormat(now=NOW).render(make_document("Body.", lang="en", source="in/a.txt"))
    message = str(info.value)
    assert message.startswith("in/a.txt: ") and re.search(r"\.en\.xml is not valid NewsML-G2: line \d+: ", message)
    assert "bogus" in message


def test_bad_options_are_usage_errors():
    with pytest.raises(ConfigError, match="invalid provider id"):
        NewsMLFormat(provider="has space")
    with pytest.raises(ConfigError, match="invalid 'now'"):
        NewsMLFormat(now="yesterday")


def test_bundle_is_one_valid_news_message():
    outputs = render(_story(), bundle=True)
    (name,) = outputs
    assert name == f"{KEY}.bundle.xml"
    root = assert_official_valid(outputs[name], name)
    assert etree.QName(root).localname == "newsMessage"
    assert root.findtext("n:header/n:sent", namespaces=NS) == NOW
    kinds = [etree.QName(el).localname for el in root.find("n:itemSet", NS)]
    assert kinds == ["packageItem", "newsItem", "newsItem", "newsItem"]
    refs = root.findall(".//n:itemRef", NS)
    assert all(r.get("href") is None for r in refs)  # the items travel in the message itself


def test_foreign_feed_item_keeps_its_guid_and_version():
    doc = make_document("Wire text.", title="Wire headline", lang="en")
    doc.meta.guid = "tag:wire.example,2025:ABC123"
    doc.meta.version = 7
    doc.meta.extra["newsml"] = {
        "version_created": "2025-02-27T08:00:00-05:00",
        "first_created": "2025-02-27T07:00:00-05:00",
        "provider": {"qcode": "nprov:WIRE", "name": "Wire Agency"},
    }
    add_translation(doc, "ru")
    outputs = render(doc)
    roots = {n.split(".")[1]: assert_official_valid(d, n) for n, d in outputs.items()}
    en = roots["en"]
    assert (en.get("guid"), en.get("version")) == ("tag:wire.example,2025:ABC123", "7")
    assert en.findtext("n:itemMeta/n:versionCreated", namespaces=NS) == "2025-02-27T13:00:00Z"  # in UTC
    assert en.find("n:itemMeta/n:provider", NS).get("qcode") == "nprov:WIRE"
    ru = roots["ru"]
    assert ru.get("guid").startswith("urn:newsml:toolkit:") and ru.get("version") == "1"
    link = ru.find("n:itemMeta/n:link", NS)
    assert (link.get("residref"), link.get("version")) == ("tag:wire.example,2025:ABC123", "7")


def test_mixed_document_marks_paragraphs_in_another_language():
    doc = cleaned_sample("kk_culture_mixed.txt")
    doc.paragraphs[1].lang = "ru"  # the Russian quote, as language identification tags it
    outputs = render(doc)
    root = assert_official_valid(outputs[next(n for n in outputs if ".kk" in n)])
    langs = [p.get(XML_LANG) for p in root.iterfind(".//h:body/h:p", NS)]
    assert langs[1] == "ru" and langs.count(None) == len(langs) - 1
    from toolkit.newsml.read import item_document

    again = item_document(root, "x.xml")
    assert [p.lang for p in again.paragraphs][:2] == [None, "ru"]


def test_feed_guid_with_control_characters_is_not_used_verbatim():
    doc = make_document("Body.", lang="en")
    doc.meta.guid, doc.meta.version = "tag:wire.example,2025:A\x01B", 2
    root = etree.fromstring(next(iter(render(doc).values())))
    assert root.get("guid").startswith("urn:newsml:toolkit:") and root.get("version") == "2"


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80) | st.text(max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=st.none() | _TEXT,
    paragraphs=st.lists(_TEXT, min_size=1, max_size=4),
    byline=st.none() | _TEXT,
    keywords=st.lists(_TEXT, max_size=3),
    lang=st.sampled_from([None, "kk", "uz", "ru-RU", "und", "bogus tag", "ar"]),
    tr_title=st.none() | _TEXT,
)
def test_any_text_gives_valid_items_or_a_clean_validation_error(title, paragraphs, byline, keywords, lang, tr_title):
    doc = make_document(title=None, lang=lang, id="fuzz")
    doc.title = title
    doc.paragraphs = [Paragraph(p) for p in paragraphs]
    doc.meta.byline, doc.meta.keywords = byline, keywords
    doc.translations["tr"] = Translation("tr", tr_title, [Paragraph(p) for p in reversed(paragraphs)])
    try:
        outputs = NewsMLFormat(now=NOW).render(doc).files
    except ValidationError as exc:  # only when nothing printable is left of the body
        assert "no body text" in str(exc) or "has no text" in str(exc)
        return
    for out in outputs:
        assert_official_valid(out.data, out.name)
