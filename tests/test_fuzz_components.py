"""Property-based tests of the components, beyond tests/test_fuzz.py: the cleaner (text and
HTML), language identification, the NewsML-G2 writer (and the other output formats), the
NewsML-G2 reader, the RSS/Atom and ninjs readers.

The property everywhere: for any input, either a valid result (NewsML-G2 valid against IPTC's
2.35 schema and our profile, ninjs valid against its schema, UTF-8 outputs) or a typed toolkit
error (a ToolkitError, or a document error whose code is not ``internal``), never another
exception. Normal suite: the ``default`` profile of tests/conftest.py (200 examples per
property); long run (>= 10,000 per property):

    python -m pytest -m fuzz --hypothesis-profile=long
"""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit.document import Document, Paragraph, Translation
from toolkit.errors import ToolkitError
from toolkit.io.readers import ReadOptions

from .newsml_support import assert_official_valid

pytestmark = pytest.mark.fuzz

NOW = "2025-03-01T10:00:00Z"

# -- text strategies ---------------------------------------------------------------------------------------------

SPECIALS = list(
    "<>&\"';:/\\.-,!?#%@*()[]{}|=+©®–—«»…"
    "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\x9f\u00a0\u00ad\u061c\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029\ufeff\ufffd\ufffe\uffff"
    "\u0300\u0301\u0308\u0327\u0651\u064e"
    "\ud800\udc00\udfff"
)
LETTERS = list("abcçğıiİöşüqwxyzAZ азбвгдеёжқңөұүһәіўғҳЁЖҚ αβγ שלום مرحبا 中文日本語 ")
ALPHABET = st.sampled_from(LETTERS + SPECIALS + ["\n", "\n", "\t", "\r", " "]) | st.characters()
TEXT = st.text(alphabet=ALPHABET, max_size=200)
WORDS = st.sampled_from(
    [
        "Алматыда жаңа метро ашылды.",
        "Ankara'da yeni metro hattı hizmete girdi.",
        "Тошкентда янги метро бекати очилди.",
        "Toshkentda yangi metro bekati ochildi.",
        "В Москве открылась новая станция метро.",
        "Бишкекте жаңы метро ачылды.",
        "The city opened a new metro line.",
        "Share on Facebook",
        "© 2025 Example Media. All rights reserved.",
        "Read more",
        "Фото: Марат Оспанов",
    ]
)
PROSE = st.lists(WORDS | TEXT, max_size=8).map(" ".join)
LONG = st.builds(lambda s, n: s * n, st.sampled_from(["ab ", "қ", "<&>", "\u202e", "a\u0301"]), st.integers(1, 5000))
ANY_TEXT = TEXT | PROSE | LONG


def _clean(doc: Document) -> Document | None:
    """The cleaner on ``doc``: the document, or None when it raised a typed error."""
    from toolkit.processors.clean import Clean

    try:
        return Clean()(doc)
    except ToolkitError as exc:
        assert str(exc)
        return None


def _typed(doc: Document) -> None:
    assert doc.status in ("ok", "failed", "skipped"), doc.status
    for error in doc.errors:
        assert error.code != "internal", error.message


# -- the cleaner ---------------------------------------------------------------------------------------------------


@given(st.lists(PROSE | TEXT, max_size=12).map("\n\n".join) | ANY_TEXT)
def test_cleaner_on_any_text(text):
    doc = _clean(Document.from_text(text, source="fuzz.txt")) if text.strip() else None
    if doc is None:
        return
    _typed(doc)
    for p in doc.paragraphs:
        assert p.text.strip() and p.text == p.text.strip()
        assert not any(unicodedata.category(ch) == "Cs" or ch in "\x00\x07\x1b" for ch in p.text)


TAGS = st.sampled_from(
    ["p", "div", "span", "article", "main", "nav", "footer", "header", "aside", "h1", "h2", "li", "ul", "table",
     "tr", "td", "script", "style", "b", "i", "a", "figure", "figcaption", "time", "br", "img", "iframe", "svg",
     "xi:include", "math", "template", "noscript", "form", "select", "option", "textarea", "title", "meta"]
)  # fmt: skip
ATTRS = st.dictionaries(
    st.sampled_from(["class", "id", "href", "src", "lang", "dir", "content", "property", "datetime", "xmlns:xi"]),
    TEXT | st.sampled_from(["byline", "credit", "copyright", "file:///etc/passwd", "http://127.0.0.1:9/", "rtl"]),
    max_size=3,
)


def _element(children: list[str], tag: str, attrs: dict[str, str], text: str) -> str:
    rendered = "".join(f' {k}="{v.replace(chr(34), "&quot;")}"' for k, v in attrs.items())
    return f"<{tag}{rendered}>{text}{''.join(children)}</{tag}>"


HTML_NODE = st.recursive(
    ANY_TEXT | WORDS,
    lambda inner: st.builds(_element, st.lists(inner, max_size=5), TAGS, ATTRS, ANY_TEXT | WORDS),
    max_leaves=25,
)
PROLOGS = st.sampled_from(
    [
        "",
        "<!DOCTYPE html>",
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0" encoding="koi8-r"?>',
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">',
        '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        "<!-- comment --><!DOCTYPE html>",
        '<meta charset="cp1251">',
    ]
)
HTML_PAGE = st.builds(
    lambda prolog, head, body: f"{prolog}<html><head>{head}</head><body>{body}</body></html>",
    PROLOGS,
    st.lists(HTML_NODE, max_size=3).map("".join),
    st.lists(HTML_NODE, max_size=8).map("".join),
) | st.builds(lambda prolog, node: prolog + node, PROLOGS, HTML_NODE)


@given(HTML_PAGE)
def test_cleaner_on_any_html(page):
    doc = _clean(Document.from_text(page, raw_format="html", source="fuzz.html")) if page.strip() else None
    if doc is None:
        return
    _typed(doc)
    assert "/etc/passwd" not in json.dumps([p.text for p in doc.paragraphs]).replace("file:///etc/passwd", "")


@given(HTML_PAGE | ANY_TEXT, st.sampled_from(["text", "html"]))
def test_segment_on_any_input(raw, raw_format):
    from toolkit.pipeline import Pipeline

    doc = Pipeline.from_names(["segment"])(Document.from_text(raw, raw_format=raw_format, source="fuzz"))
    _typed(doc)


# -- language identification ---------------------------------------------------------------------------------------


@given(st.lists(ANY_TEXT, min_size=1, max_size=6))
def test_language_identification_on_any_text(texts):
    from toolkit.langid import get_identifier

    identifier = get_identifier()
    single = [identifier.identify(t) for t in texts]
    again = [identifier.identify(t) for t in texts]
    assert single == again  # deterministic
    many = identifier.identify_many(texts)
    assert len(many) == len(texts)
    for text, one, batch in zip(texts, single, many, strict=True):
        assert isinstance(one.lang, str) and one.lang
        assert 0.0 <= one.confidence <= 1.0
        assert batch.lang == one.lang and batch.script == one.script, (text, one, batch)
        assert batch.confidence == pytest.approx(one.confidence, abs=2e-3), (text, one, batch)
        if not any(unicodedata.category(ch).startswith("L") for ch in text):
            assert one.lang == "und", (text, one)


@given(st.text(alphabet=st.characters(blacklist_categories=("Lu", "Ll", "Lt", "Lm", "Lo")), max_size=300))
def test_letterless_text_is_und(text):
    from toolkit.langid import get_identifier

    assert get_identifier().identify(text).lang == "und"
    assert {d.lang for d in get_identifier().identify_many([text, text, ""])} == {"und"}


# -- writers --------------------------------------------------------------------------------------------------------

TAG = st.sampled_from(
    [None, "", "kk", "kk-Cyrl", "kk-Latn", "uz", "uz-Latn", "uz-Cyrl", "ru", "tr", "en", "ky", "ar", "und",
     "ru-RU", "zh-Hans", "bogus tag", "../../x", "x" * 80, "EN", "i-klingon", "\u202eru"]
)  # fmt: skip
DATES = st.none() | st.sampled_from(
    ["2025-03-01", "2025-03-01T10:00:00Z", "2025-03-01T10:00:00+05:00", "1999-12-31T23:59:59", "not a date",
     "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2025-02-30", ""]
)  # fmt: skip
SHORT = st.none() | TEXT | WORDS
EXTRA_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT | st.sampled_from(["ninat:text", "http://x.example/", "x:y"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["rel", "href", "residref", "version", "lang", "title", "name", "uri", "role", "note",
                         "alias", "qcode", "literal", "contenttype"]), inner, max_size=4),
    max_leaves=10,
)  # fmt: skip
NEWSML_EXTRA = st.dictionaries(
    st.sampled_from(
        ["links", "contributors", "provider", "version_created", "first_created", "catalog_refs", "schemes", "version"]
    ),
    EXTRA_VALUE,
    max_size=4,
)


@st.composite
def documents(draw):  # type: ignore[no-untyped-def]
    paragraphs = draw(st.lists(ANY_TEXT | WORDS, min_size=1, max_size=5))
    doc = Document.from_text("\n\n".join(paragraphs), source=draw(st.sampled_from(["f.txt", "../x", None])))
    doc.paragraphs = [Paragraph(p, draw(TAG)) for p in paragraphs]
    doc.title = draw(SHORT)
    doc.lang = draw(TAG)
    meta = doc.meta
    meta.byline, meta.description, meta.provider = draw(SHORT), draw(SHORT), draw(SHORT)
    meta.copyright_holder, meta.copyright_notice = draw(SHORT), draw(SHORT)
    meta.copyright_year = draw(st.none() | st.integers(-5, 99999))
    meta.keywords = draw(st.lists(TEXT | WORDS, max_size=4))
    meta.photo_credits = draw(st.lists(TEXT | WORDS, max_size=2))
    meta.published, meta.modified = draw(DATES), draw(DATES)
    meta.guid = draw(st.none() | TEXT | st.sampled_from(["urn:newsml:toolkit:abc:kk", "tag:x.example,2025:1", "a b"]))
    meta.version = draw(st.none() | st.integers(-3, 10**12))
    meta.source_url = draw(st.none() | TEXT | st.sampled_from(["https://x.example/a?b=<c>&d", "javascript:x"]))
    if draw(st.booleans()):
        meta.extra["newsml"] = draw(NEWSML_EXTRA)
        meta.extra["from_feed"] = draw(st.lists(st.sampled_from(["title", "lang", "guid", "published"]), max_size=3))
    for lang in draw(st.lists(TAG.filter(lambda t: t is not None), max_size=2, unique=True)):
        doc.translations[lang] = Translation(
            lang,
            draw(SHORT),
            [Paragraph(t) for t in draw(st.lists(ANY_TEXT | WORDS, max_size=3))],
            source_lang=draw(TAG),
            engine=draw(st.none() | st.sampled_from(["ctranslate2", "argos", "translit", "<x>"])),
            model=draw(SHORT),
            route=draw(st.lists(TAG.filter(lambda t: t is not None), max_size=3)),
            extra=draw(st.dictionaries(st.sampled_from(["description", "newsml"]), EXTRA_VALUE | NEWSML_EXTRA)),
        )
    return doc


@given(documents(), st.booleans(), st.booleans())
def test_newsml_writer_gives_valid_items_or_a_typed_error(doc, bundle, plain_text):
    from toolkit.newsml.format import NewsMLFormat

    try:
        outputs = NewsMLFormat(now=NOW, bundle=bundle, plain_text=plain_text).render(doc).files
    except ToolkitError:
        return
    assert outputs
    for out in outputs:
        assert_official_valid(out.data, out.name)
        assert "/" not in out.name and not out.name.startswith(".")


@given(documents())
def test_other_formats_give_utf8_outputs_or_a_typed_error(doc):
    from toolkit.newsml.ninjs import NinjsFormat, validate_ninjs
    from toolkit.registry import FORMATS

    for name in ("jsonl", "txt"):
        for out in FORMATS.create(name).render(doc).files:
            out.data.decode("utf-8")
            if name == "jsonl":
                again = Document.from_dict(json.loads(out.data))
                assert again.to_dict() == json.loads(json.dumps(doc.to_dict()))
    try:
        outputs = NinjsFormat(now=NOW).render(doc).files
    except ToolkitError:
        return
    for out in outputs:
        assert validate_ninjs(json.loads(out.data)) == []


# -- readers ----------------------------------------------------------------------------------------------------------


def _read_all(reader, data: bytes, source: str) -> None:  # type: ignore[no-untyped-def]
    try:
        docs = list(reader(data, source, ReadOptions()))
    except ToolkitError as exc:
        assert str(exc)
        return
    for doc in docs:
        assert isinstance(doc, Document)
        _typed(doc)


def _sample_item() -> bytes:
    from toolkit.newsml.format import NewsMLFormat

    doc = Document.from_text("x")
    doc.paragraphs = [Paragraph("Алматыда жаңа метро ашылды."), Paragraph("Екінші абзац.", "ru")]
    doc.title, doc.lang = "Метро", "kk"
    doc.translations["ru"] = Translation("ru", "Метро", [Paragraph("В Алматы открылось метро.")], "kk", "translit")
    return next(o.data for o in NewsMLFormat(now=NOW, bundle=True).render(doc).files)


SAMPLE_ITEM = _sample_item()


@st.composite
def mutated(draw, data: bytes):  # type: ignore[no-untyped-def]
    """``data`` with a few random edits: bytes flipped, cut, spliced, markup inserted."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "delete", "truncate"]))
        at = draw(st.integers(0, max(len(out) - 1, 0)))
        if kind == "flip" and out:
            out[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            del out[at : at + draw(st.integers(1, 200))]
        elif kind == "insert":
            piece = draw(
                st.sampled_from(
                    [b"<p>", b"</p>", b"&amp;", b"&x;", b"<![CDATA[<b>x</b>]]>", b"<!-- c -->", b"\x00", b"\xff\xfe",
                     b'<link rel="x:y" residref="r" version="99999999999"/>', b"<inlineXML>", b'xml:lang="@@"',
                     b"<newsItem>", b"<?pi x?>", "ş".encode(), b"<p xml:lang='ru'>x</p>"]
                )
                | st.binary(max_size=20)
            )  # fmt: skip
            out[at:at] = piece
        elif kind == "delete" and out:
            out[at : at + 1] = b""
        else:
            del out[at:]
    return bytes(out)


@given(mutated(SAMPLE_ITEM))
def test_newsml_reader_on_mutated_items(data):
    from toolkit.newsml.read import read_newsml

    _read_all(read_newsml, data, "fuzz.xml")


def _feed_entry(title: str, body: str, guid: str, date: str, kind: int) -> str:
    if kind == 0:
        return (
            f"<item><title>{title}</title><guid>{guid}</guid><pubDate>{date}</pubDate>"
            f"<description>{body}</description></item>"
        )
    if kind == 1:
        return f"<item><title>{title}</title><content:encoded><![CDATA[{body}]]></content:encoded></item>"
    return (
        f"<entry><title type='html'>{title}</title><id>{guid}</id><updated>{date}</updated>"
        f"<content type='html'>{body}</content></entry>"
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


FEED = st.builds(
    lambda atom, entries, lang: (
        f"<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>F</title>"
        f"<id>urn:f</id><updated>2025-01-01T00:00:00Z</updated>{''.join(entries)}</feed>"
        if atom
        else "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0' xmlns:content='http://purl.org/rss/1.0/modules/content/'>"
        f"<channel><title>F</title><language>{lang}</language>{''.join(entries)}</channel></rss>"
    ).encode("utf-8", "surrogatepass"),
    st.booleans(),
    st.lists(
        st.builds(
            _feed_entry,
            (ANY_TEXT | WORDS).map(_escape),
            (ANY_TEXT | WORDS | HTML_NODE).map(_escape),
            TEXT.map(_escape),
            st.sampled_from(["Mon, 18 Nov 2024 09:15:00 +0300", "2025-13-45", "", "yesterday", "2024-11-18T09:15:00Z"]),
            st.integers(0, 2),
        ),
        max_size=4,
    ),
    TAG.map(lambda t: _escape(t or "")),
)


SAMPLE_FEED = (
    b"<?xml version='1.0'?><rss version='2.0'><channel><title>F</title><item><title>T</title>"
    b"<guid>g</guid><description>Body &lt;b&gt;x&lt;/b&gt;</description></item></channel></rss>"
)


@given(FEED | mutated(SAMPLE_FEED))
def test_feed_reader_on_any_feed(data):
    from toolkit.feeds.rss import read_feed
    from toolkit.inputs import read_xml

    _read_all(read_feed, data, "fuzz.rss")
    _read_all(read_xml, data, "fuzz.xml")


NINJS_KEYS = st.sampled_from(
    ["uri", "guid", "version", "versioncreated", "versionCreated", "firstcreated", "headline", "headlines",
     "body_text", "body_html", "bodies", "language", "byline", "by", "located", "description_text", "descriptions",
     "subject", "keywords", "copyrightholder", "copyrightnotice", "usageterms", "renditions", "associations",
     "type", "pubstatus", "urgency", "people", "places", "organisations", "altids", "contentType", "role", "value",
     "charcount", "name", "rel", "literal"]
)  # fmt: skip
NINJS_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT | WORDS | HTML_NODE,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NINJS_KEYS, inner, max_size=5),
    max_leaves=15,
)


@given(st.dictionaries(NINJS_KEYS, NINJS_VALUE, max_size=8) | st.lists(st.dictionaries(NINJS_KEYS, NINJS_VALUE)))
def test_ninjs_reader_on_any_item(item):
    from toolkit.feeds.ninjs import read_json

    try:
        data = json.dumps(item, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        data = json.dumps(item).encode("ascii")
    _read_all(read_json, data, "fuzz.json")


@given(documents())
def test_own_output_reads_back(doc):
    """Whatever the writer accepts, the reader reads back (a newsMessage: the original and its translations)."""
    from toolkit.newsml.format import NewsMLFormat
    from toolkit.newsml.read import read_newsml

    try:
        (out,) = NewsMLFormat(now=NOW, bundle=True).render(doc).files
    except ToolkitError:
        return
    docs = list(read_newsml(out.data, "fuzz.xml", ReadOptions()))
    for again in docs:
        _typed(again)
        assert again.status == "ok" and (again.paragraphs or again.title)  # a flash: a headline alone
    # nothing is lost: every item comes back, as the original, a translation of it, or (a translation
    # into a language the writer could only call 'und') as a document of its own
    items = out.data.count(b"<newsItem ")
    assert items == len(docs) + sum(len(d.translations) for d in docs)
    assert all(d.meta.guid for d in docs)
