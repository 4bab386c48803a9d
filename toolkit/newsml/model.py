"""A Document as the language versions of a story: plain data, ready to be written.

:func:`story_of` does everything NewsML-G2 and ninjs output share: identity and guids,
language tags, headlines (derived from the first sentence when there is no title), the
rights statements (with a machine-translation notice on translations), links, parties and
the hop history, and it makes every string safe for XML (control characters and lone
surrogates removed and counted, white space runs collapsed). The formats only lay this
data out; versions and timestamps are settled later (:mod:`toolkit.newsml.versioning`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from ..document import Document, Translation
from ..errors import ValidationError
from ..text import strip_controls
from . import ids, langtag
from .vocab import (
    HOP_CREATED,
    HOP_TRANSFORMED,
    NEWSITEM_TYPE,
    OWN_SCHEMES,
    REL_SOURCE,
    REL_TRANSLATION_OF,
    ROLE_TRANSLATOR,
    RTL_LANGUAGES,
    TRANSLATION_RELS,
)

#: Longest headline written; longer titles are cut at a word boundary (and reported).
MAX_HEADLINE = 300
_SURROGATES = re.compile("[\ud800-\udfff]")
_RUNS = re.compile(r"[ \t\r\n]+")
_BLANKS = re.compile(r"[\t\r\n]|  ")  # something for _RUNS to do
_TABS_OR_DOUBLE_SPACES = re.compile(r"[\t\r]|  ")  # _BLANKS but for newlines
#: Anything strip_controls or _SURROGATES would remove (a quick test before the substitutions).
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff\ud800-\udfff]")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=\S)")


@dataclass(frozen=True, slots=True)
class Settings:
    """Who we are, as written into items (format options of ``newsml`` and ``ninjs``)."""

    provider: str = "toolkit"  # id in guids: a domain name or a token
    provider_name: str | None = None  # human-readable name (default: the id)
    provider_uri: str | None = None
    plain_text: bool = False  # also write the body as inlineData text/plain

    def __post_init__(self) -> None:
        ids.check_provider(self.provider)


@dataclass(slots=True)
class Party:
    name: str
    uri: str | None = None
    literal: str | None = None
    qcode: str | None = None
    role: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in (
                ("name", self.name),
                ("uri", self.uri),
                ("literal", self.literal),
                ("qcode", self.qcode),
                ("role", self.role),
                ("note", self.note),
            )
            if v
        }


@dataclass(slots=True)
class Link:
    rel: str
    href: str | None = None
    residref: str | None = None
    version: int | None = None
    contenttype: str | None = None
    lang: str | None = None
    title: str | None = None


@dataclass(slots=True)
class Hop:
    action: str
    party: Party | None
    timestamp: str | None = None
    ours: bool = False  # our own hop: stamped with the item's versionCreated


@dataclass(slots=True)
class Notice:
    text: str
    lang: str | None = None


@dataclass(slots=True)
class ItemModel:
    """One language version of a story."""

    guid: str
    lang: str
    stem: str
    kind: str  # "original" | "translation"
    owned: bool  # we number its versions (False: another provider's item passing through)
    base_version: int
    headline: str
    headline_derived: bool
    paragraphs: list[str]
    provider: Party
    paragraph_langs: list[str | None] = field(default_factory=list)  # where a paragraph's language differs
    partial_note: str | None = None  # a translation with paragraphs left in their own language says so
    content_created: str | None = None
    content_modified: str | None = None
    description: str | None = None
    keywords: list[str] = field(default_factory=list)
    keywords_lang: str | None = None
    by: str | None = None
    creditlines: list[str] = field(default_factory=list)
    info_source: Party | None = None
    copyright_holder: str | None = None
    notices: list[Notice] = field(default_factory=list)
    contributors: list[Party] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    hops: list[Hop] = field(default_factory=list)
    rtl: bool = False
    feed_version_created: str | None = None  # foreign items keep their provider's times
    feed_first_created: str | None = None
    translation_of: Link | None = None  # translations: the link to the source item (version set later)
    catalog_refs: list[str] = field(default_factory=list)  # other catalogs the item's QCodes need
    schemes: list[tuple[str, str]] = field(default_factory=list)  # other scheme aliases (alias, uri)

    @property
    def wordcount(self) -> int:
        return len(" ".join(self.paragraphs).split())  # the words of every paragraph, one split

    @property
    def headline_only(self) -> bool:
        """A headline and no body (a flash): written without a body."""
        return not self.paragraphs


@dataclass(slots=True)
class PackageModel:
    guid: str
    stem: str
    lang: str
    headline: str
    title: str
    provider: Party


@dataclass(slots=True)
class Story:
    key: str
    original: ItemModel
    translations: list[ItemModel]
    package: PackageModel | None  # None when the document is itself a translation read back
    warnings: list[tuple[str, str]] = field(default_factory=list)

    @property
    def items(self) -> list[ItemModel]:
        return [self.original, *self.translations]


# -- text safety -----------------------------------------------------------------------------------


class _Cleaner:
    """Makes strings XML-safe and counts what it had to remove."""

    def __init__(self) -> None:
        self.removed = 0

    def __call__(self, value: Any) -> str:
        if value is None:
            return ""
        text = value if isinstance(value, str) else str(value)
        if _UNSAFE.search(text):
            text, count = strip_controls(text)
            text, surrogates = _SURROGATES.subn("", text)
            self.removed += count + surrogates
        if _BLANKS.search(text):
            text = _RUNS.sub(" ", text)
        return text.strip()

    def each(self, values: list[Any]) -> list[str]:
        """``[self(v) for v in values]``, with one search over all of them when they are plain strings."""
        if values and all(type(v) is str for v in values):
            joined = "\n".join(values)
            if (
                joined.count("\n") == len(values) - 1  # no newline inside a value
                and _UNSAFE.search(joined) is None
                and _TABS_OR_DOUBLE_SPACES.search(joined) is None
            ):
                return [v.strip() for v in values]
        return [self(v) for v in values]

    def texts(self, values: Any) -> list[str]:
        """Cleaned non-empty strings, in order (paragraphs: repeats kept)."""
        return [text for text in map(self, values or ()) if text]

    def many(self, values: Any) -> list[str]:
        """Cleaned non-empty strings without repeats (keywords, credits)."""
        return list(dict.fromkeys(self.texts(values)))


# -- dates ------------------------------------------------------------------------------------------


def xs_date_or_datetime(value: str | None) -> str | None:
    """An ISO 8601 date or date-time as ``xs:date`` / ``xs:dateTime`` (None if unusable)."""
    if not value or not isinstance(value, str):  # a document read from JSON may hold anything
        return None
    text = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text).isoformat()
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.year < 1000:
        return None
    out = parsed.isoformat(timespec="seconds")
    return out[:-6] + "Z" if out.endswith("+00:00") else out


def utc_datetime(value: str | datetime | None) -> str | None:
    """A date-time in UTC as ``YYYY-MM-DDTHH:MM:SSZ`` (naive values are taken as UTC)."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):  # anything else (from a document read as JSON) is no date
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+05:00 has no UTC time
        return None
    return parsed.strftime("%Y-%m-%dT%H:%M:%SZ") if parsed.year >= 1000 else None


# -- headlines --------------------------------------------------------------------------------------


def shorten(text: str, limit: int = MAX_HEADLINE) -> str:
    """``text`` cut to ``limit`` characters at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


def derive_headline(paragraphs: list[str]) -> str:
    """A headline from the first sentence of the body (for pages without a title)."""
    first = _SENTENCE_END.split(paragraphs[0], maxsplit=1)[0]
    if first.endswith(".") and not first.endswith(".."):
        first = first[:-1].rstrip()
    return shorten(first or paragraphs[0])


# -- parties and links -----------------------------------------------------------------------------


def _web_origin(url: str | None) -> tuple[str, str] | None:
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname, f"{parts.scheme}://{parts.netloc}/"


_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_URI_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f<>\"{}|\\^`\[\]]|%(?![0-9A-Fa-f]{2})")
_IPV6_HOST = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://(?:[^/?#@]*@)?\[[0-9A-Fa-f:.]+\]")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
#: RFC 3986 reserved and unreserved characters, and '%' (escapes already there are kept).
_URI_KEEP = ":/?@!$&'()*+,;=~-._%"


def safe_uri(url: str | None) -> str | None:
    """A URI usable as ``xs:anyURI`` (and by RFC 3986 readers), or None when it has no scheme.

    A URI that is fine already comes back as it is (non-ASCII characters included: an IRI). Anything
    else is percent-encoded, not refused: white space and controls, a second ``#`` (``a#b#c`` ->
    ``a#b%23c``), a ``%`` not followed by two hex digits, brackets outside an IPv6 host, and the
    characters RFC 3986 excludes (``<>"{}|\\^```). A feed link that is not a clean URI must never make
    an item invalid."""
    if not url or not isinstance(url, str):  # meta.extra of a document read from JSON may hold anything
        return None
    text = url.strip()
    if not text or not _URI_SCHEME.match(text):
        return None
    host = _IPV6_HOST.match(text)
    head, rest = (text[: host.end()], text[host.end() :]) if host else ("", text)
    if rest.count("#") <= 1 and not _URI_UNSAFE.search(rest):
        return text
    base, mark, fragment = rest.partition("#")
    base = quote(_BAD_PERCENT.sub("%25", base), safe=_URI_KEEP)
    fragment = quote(_BAD_PERCENT.sub("%25", fragment), safe=_URI_KEEP)
    return head + base + mark + fragment


def _engine(tr: Translation, clean: _Cleaner) -> str:
    parts = [clean(tr.engine), clean(tr.model), clean(tr.model_version)]
    return " ".join(p for p in parts if p) or "machine translation"


def _route_note(tr: Translation, clean: _Cleaner) -> str | None:
    route = [clean(r) for r in tr.route if clean(r)]
    if len(route) > 2:
        return "translated via " + ", ".join(route[1:-1]) + f" ({' → '.join(route)})"
    return None


def _partial_note(tr: Translation, clean: _Cleaner) -> str | None:
    """A translation the translate step marked partial: which paragraphs stayed in their own language."""
    if not tr.extra.get("partial"):
        return None
    kept = [i for i in tr.extra.get("untranslated_paragraphs") or () if isinstance(i, int)]
    langs = {clean(tr.paragraphs[i].lang) for i in kept if 0 <= i < len(tr.paragraphs) and tr.paragraphs[i].lang}
    what = ", ".join(str(i + 1) if i >= 0 else "title" for i in kept) or "some"
    return (
        f"partial translation: paragraph(s) {what} left in the original language ({', '.join(sorted(langs))}), "
        "no model translates them"
    )


def _copyright_notice(doc: Document, holder: str, clean: _Cleaner) -> str:
    notice = clean(doc.meta.copyright_notice)
    if notice:
        return notice
    if holder:
        year = doc.meta.copyright_year
        return f"© {year} {holder}" if isinstance(year, int) and year > 0 else f"© {holder}"
    return ""


def _mt_notice(src: str, tgt: str, engine: str, holder: str) -> str:
    text = f"Machine translation ({src} → {tgt}, {engine}) of the original text"
    if holder:
        return f"{text} by {holder}; copyright in the original text remains with {holder}."
    return f"{text}; the copyright holder of the original is not known."


def _extra_newsml(doc: Document) -> dict[str, Any]:
    extra = doc.meta.extra.get("newsml") if isinstance(doc.meta.extra, dict) else None
    return extra if isinstance(extra, dict) else {}


def _listed(value: Any) -> list[Any]:
    """A list from ``meta.extra`` (a document read from JSON may hold anything there)."""
    return value if isinstance(value, list) else []


def _extra_links(extra: dict[str, Any], clean: _Cleaner) -> list[Link]:
    out: list[Link] = []
    for raw in _listed(extra.get("links")):
        if not isinstance(raw, dict):
            continue
        rel = clean(raw.get("rel"))
        if not re.fullmatch(r"[^\s:]+:\S+", rel) or rel == REL_SOURCE:
            continue
        version = raw.get("version")
        out.append(
            Link(
                rel=rel,
                href=safe_uri(raw.get("href")),
                residref=clean(raw.get("residref")) or None,
                version=version if isinstance(version, int) and not isinstance(version, bool) and version > 0 else None,
                contenttype=clean(raw.get("contenttype")) or None,
                lang=langtag.canonical(raw.get("lang")),
                title=clean(raw.get("title")) or None,
            )
        )
    return out


def _extra_parties(items: Any, clean: _Cleaner) -> list[Party]:
    out: list[Party] = []
    for raw in _listed(items):
        if isinstance(raw, dict) and clean(raw.get("name")):
            role = clean(raw.get("role"))
            out.append(
                Party(
                    name=clean(raw.get("name")),
                    uri=safe_uri(raw.get("uri")),
                    role=role if re.fullmatch(r"[^\s:]+:\S+", role) else None,
                    note=clean(raw.get("note")) or None,
                )
            )
    return out


def _read_version(extra: dict[str, Any]) -> int:
    """The version a translation was read back with (a newsMessage), else 1."""
    info = extra.get("newsml") if isinstance(extra, dict) else None
    version = info.get("version") if isinstance(info, dict) else None
    return version if isinstance(version, int) and not isinstance(version, bool) and version > 0 else 1


_NCNAME = re.compile(r"^[A-Za-z_][\w.\-]*$")
_IPTC_CATALOGS = re.compile(r"^https?://(www\.)?iptc\.org/std/catalog/catalog\.IPTC-G2-Standards_\d+\.xml$")


def _extra_catalogs(extra: dict[str, Any], clean: _Cleaner) -> tuple[list[str], list[tuple[str, str]]]:
    """Catalogs and scheme aliases an item read back declared, other than ours and IPTC's."""
    own = {scheme.alias for scheme in OWN_SCHEMES}
    refs = [u for u in (safe_uri(r) for r in _listed(extra.get("catalog_refs")) if isinstance(r, str)) if u]
    refs = [r for r in dict.fromkeys(refs) if not _IPTC_CATALOGS.match(r)]  # ours is the newest IPTC one
    schemes: dict[str, str] = {}
    for raw in _listed(extra.get("schemes")):
        if not isinstance(raw, dict):
            continue
        alias, uri = clean(raw.get("alias")), safe_uri(raw.get("uri"))
        if uri and _NCNAME.match(alias) and alias not in own and alias not in schemes:
            schemes[alias] = uri
    return refs, list(schemes.items())


def _is_translation_link(link: Link) -> bool:
    return link.rel.rsplit(":", 1)[-1] in TRANSLATION_RELS


# -- the story ---------------------------------------------------------------------------------------


def _paragraph_langs(paragraphs: list[tuple[str, str | None]], lang: str) -> list[str | None]:
    """The language of each paragraph where it differs from the item's (a quote in a mixed document)."""
    out: list[str | None] = []
    item_primary = langtag.primary(lang)
    for text, tag in paragraphs:
        own = langtag.canonical(tag)
        if own is None or own == "und" or langtag.primary(own) == item_primary:
            out.append(None)
        else:
            out.append(langtag.with_script(own, text))
    return out if any(out) else []


def _language(tag: str | None, text: str, what: str, warnings: list[tuple[str, str]]) -> str:
    lang = langtag.canonical(tag)
    if lang is None:
        if tag:
            warnings.append(("language", f"{what}: {tag!r} is not a BCP 47 language tag; written as 'und'"))
        return "und"
    return langtag.with_script(lang, text)


@dataclass(slots=True)
class _Shared:
    """What the original and its translations share (computed once per document)."""

    settings: Settings
    key: str
    where: str
    lang: str  # the original's language
    guid: str  # the original's guid
    headline: str  # the original's headline
    ours: Party
    published: str | None
    modified: str | None
    holder: str
    notice: str
    keywords: list[str]
    credits: list[str]
    byline: str | None
    info_source: Party | None
    source_party: Party | None  # who created the content (the site, else the copyright holder)
    source_url: str | None
    headline_only: bool = False  # the original has a headline and no body (a flash)


def _hops(created_by: Party | None, published: str | None, ours: Party, stamped: bool) -> list[Hop]:
    """Created by the source, then transformed by us (our hop carries versionCreated when we own the item)."""
    return [Hop(HOP_CREATED, created_by, published), Hop(HOP_TRANSFORMED, ours, None, ours=stamped)]


def _translation_item(
    shared: _Shared, key: str, tr: Translation, clean: _Cleaner, warnings: list[tuple[str, str]]
) -> ItemModel:
    cleaned = list(zip(clean.each([p.text for p in tr.paragraphs]), [p.lang for p in tr.paragraphs], strict=True))
    cleaned = [(text, tag) for text, tag in cleaned if text]
    paragraphs = [text for text, _ in cleaned]
    partial = _partial_note(tr, clean)
    title = clean(tr.title)
    if not paragraphs and not (shared.headline_only and title):  # a flash translates to a headline
        raise ValidationError(f"translation {key!r} has no text: a NewsML-G2 item needs a body", path=shared.where)
    lang = _language(tr.lang or key, " ".join(paragraphs[:20]) or title, f"translation {key!r}", warnings)
    engine = _engine(tr, clean)
    source_lang = langtag.canonical(tr.source_lang) or shared.lang
    notices = [Notice(shared.notice, shared.lang)] if shared.notice else []
    notices.append(Notice(_mt_notice(source_lang, lang, engine, shared.holder), "en"))
    source_url = shared.source_url
    return ItemModel(
        guid=ids.item_guid(shared.settings.provider, shared.key, lang),
        lang=lang,
        stem=ids.stem(shared.key, lang),
        kind="translation",
        owned=True,
        base_version=_read_version(tr.extra),
        headline=shorten(title) if title else derive_headline(paragraphs),
        headline_derived=not title,
        paragraphs=paragraphs,
        provider=shared.ours,
        content_created=shared.published,
        content_modified=shared.modified,
        description=clean(tr.extra.get("description")) or None,
        keywords=shared.keywords,
        keywords_lang=shared.lang,
        by=shared.byline,
        creditlines=shared.credits,
        info_source=shared.info_source,
        copyright_holder=shared.holder or None,
        notices=notices,
        paragraph_langs=_paragraph_langs(cleaned, lang),
        partial_note=partial,
        contributors=[
            Party(
                name=engine,
                role=ROLE_TRANSLATOR,
                note="; ".join(n for n in (_route_note(tr, clean), partial) if n) or None,
            )
        ],
        links=[Link(rel=REL_SOURCE, href=source_url, contenttype="text/html")] if source_url else [],
        hops=_hops(shared.source_party, shared.published, shared.ours, stamped=True),
        rtl=langtag.is_rtl(lang, RTL_LANGUAGES),
        translation_of=Link(
            rel=REL_TRANSLATION_OF,
            residref=shared.guid,
            contenttype=NEWSITEM_TYPE,
            lang=shared.lang,
            title=shared.headline,
        ),
    )


def _feed_provider(extra: dict[str, Any], fallback: str, clean: _Cleaner) -> Party:
    """The provider a NewsML-G2 item read back declared (we pass its item through)."""
    raw = extra.get("provider") if isinstance(extra.get("provider"), dict) else {}
    qcode = clean(raw.get("qcode"))
    return Party(
        name=clean(raw.get("name")) or fallback or "unknown provider",
        uri=safe_uri(raw.get("uri")),
        literal=clean(raw.get("literal")) or None,
        qcode=qcode if re.fullmatch(r"[^\s:]+:\S+", qcode) else None,
    )


def story_of(doc: Document, settings: Settings) -> Story:
    """The story of ``doc`` as plain data (raises ValidationError when it cannot be an item)."""
    clean = _Cleaner()
    warnings: list[tuple[str, str]] = []
    where = doc.source or doc.id
    ident = ids.identity(doc, settings.provider)
    extra = _extra_newsml(doc)

    cleaned = list(zip(clean.each([p.text for p in doc.paragraphs]), [p.lang for p in doc.paragraphs], strict=True))
    cleaned = [(text, tag) for text, tag in cleaned if text]
    paragraphs = [text for text, _ in cleaned]
    title = clean(doc.title)
    if not paragraphs and not title:
        raise ValidationError("no body text and no headline: nothing to write as a news item", path=where)
    lang = _language(doc.lang, " ".join(paragraphs[:20]) or title, "document language", warnings)

    if title:
        headline, derived = shorten(title), False
        if headline != title:
            warnings.append(("headline", f"title longer than {MAX_HEADLINE} characters: headline shortened"))
    else:
        headline, derived = derive_headline(paragraphs), True

    ours = Party(
        name=clean(settings.provider_name) or settings.provider,
        literal=settings.provider,
        uri=safe_uri(settings.provider_uri),
    )
    origin = _web_origin(doc.meta.source_url)
    source_name = clean(doc.meta.provider)
    if source_name in (settings.provider, settings.provider_name):
        source_name = ""  # our own item read back: we are its provider, not its source
    source_name = source_name or (origin[0] if origin else "")
    info_source = Party(name=source_name, uri=origin[1] if origin else None) if source_name else None

    published = xs_date_or_datetime(doc.meta.published)
    if doc.meta.published and published is None:
        warnings.append(("date", f"published date {doc.meta.published!r} is not ISO 8601: left out"))
    modified = xs_date_or_datetime(doc.meta.modified)
    if doc.meta.modified and modified is None:
        warnings.append(("date", f"modified date {doc.meta.modified!r} is not ISO 8601: left out"))

    holder = clean(doc.meta.copyright_holder)
    links = _extra_links(extra, clean)
    source_url = safe_uri(doc.meta.source_url)
    if source_url:
        links.insert(0, Link(rel=REL_SOURCE, href=source_url, contenttype="text/html"))

    foreign = ident.foreign_guid is not None
    provider = _feed_provider(extra, source_name, clean) if foreign else ours
    guid = ident.foreign_guid or ids.item_guid(settings.provider, ident.key, lang)
    shared = _Shared(
        settings=settings,
        key=ident.key,
        where=where,
        lang=lang,
        guid=guid,
        headline=headline,
        ours=ours,
        published=published,
        modified=modified,
        holder=holder,
        notice=_copyright_notice(doc, holder, clean),
        keywords=clean.many(doc.meta.keywords),
        credits=clean.many(doc.meta.photo_credits),
        byline=clean(doc.meta.byline) or None,
        info_source=info_source,
        source_party=info_source or (Party(name=holder) if holder else None),
        source_url=source_url,
        headline_only=not paragraphs,
    )
    catalog_refs, schemes = _extra_catalogs(extra, clean)
    original = ItemModel(
        guid=guid,
        lang=lang,
        stem=ids.stem(ident.key, lang),
        kind="original",
        owned=not foreign,
        base_version=ident.base_version,
        headline=headline,
        headline_derived=derived,
        paragraphs=paragraphs,
        paragraph_langs=_paragraph_langs(cleaned, lang),
        provider=provider,
        content_created=published,
        content_modified=modified,
        description=clean(doc.meta.description) or None,
        keywords=shared.keywords,
        by=shared.byline,
        creditlines=shared.credits,
        info_source=info_source,
        copyright_holder=holder or None,
        notices=[Notice(shared.notice)] if shared.notice else [],
        contributors=_extra_parties(extra.get("contributors"), clean),
        links=links,
        hops=_hops(provider if foreign else shared.source_party, published, ours, stamped=not foreign),
        rtl=langtag.is_rtl(lang, RTL_LANGUAGES),
        feed_version_created=utc_datetime(extra.get("version_created")) if foreign else None,
        feed_first_created=utc_datetime(extra.get("first_created")) if foreign else None,
        catalog_refs=catalog_refs,
        schemes=schemes,
    )

    translations: list[ItemModel] = []
    for key in sorted(doc.translations):
        item = _translation_item(shared, key, doc.translations[key], clean, warnings)
        if item.lang in {lang, *(t.lang for t in translations)}:
            warnings.append(("translation", f"translation {key!r} ({item.lang}) duplicates another language: left out"))
            continue
        translations.append(item)

    package = None
    if not any(_is_translation_link(link) for link in links):  # a translation read back has its source's package
        languages = ", ".join(item.lang for item in [original, *translations])
        package = PackageModel(
            guid=ids.item_guid(settings.provider, ident.key, ids.PACKAGE_SUFFIX),
            stem=ids.stem(ident.key, ids.PACKAGE_SUFFIX),
            lang=lang,
            headline=headline,
            title=shorten(f"{headline} ({languages})"),
            provider=ours,
        )
    if clean.removed:
        warnings.append(
            ("control-characters", f"removed {clean.removed} character(s) that XML does not allow from the output")
        )
    return Story(ident.key, original, translations, package, warnings)
