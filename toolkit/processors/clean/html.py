"""HTML pages: main text with trafilatura, then the text rules; metadata from the page.

* The page is parsed once with lxml under a locked-down parser (no network, no DTD or
  entity loading, comments and processing instructions dropped); trafilatura gets the
  parsed tree, never a file name or URL to fetch, so no input can make it read a local
  file or go online.
* trafilatura (balanced mode by default) finds the main text; the text rules of
  :mod:`.text` then run on it in line mode, with the page's title known.
* Metadata comes from the page: JSON-LD (``NewsArticle`` and friends, ``@graph``
  included), ``<meta>`` (Open Graph, ``article:*``, ``description``, ``keywords``,
  ``author``), ``<link rel=canonical>``, ``<time>``, the ``<h1>``, figure captions and
  credit elements (photo credits), and the footer (copyright notice).

trafilatura and lxml are imported inside the functions: importing this module is cheap.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from ...document import Removal
from .dates import parse_iso_datetime
from .markers import default_markers, fold, key
from .rules import Rules, body_like, words
from .text import Cleaned, clean_text

if TYPE_CHECKING:
    from lxml.html import HtmlElement

Favor = Literal["balanced", "precision", "recall"]

_ARTICLE_TYPES = {
    "newsarticle",
    "article",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "blogposting",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "liveblogposting",
    "scholarlyarticle",
    "techarticle",
    "report",
    "webpage",
}
_TITLE_SEPARATORS = re.compile(r"\s+(?:\||—|–|-|::|»|·|/)\s+")
_WS = re.compile(r"\s+")
_MAX_JSONLD = 1_000_000


@dataclass(slots=True)
class PageMeta:
    """Metadata read from the page itself."""

    title: str | None = None
    published: str | None = None
    modified: str | None = None
    byline: str | None = None
    description: str | None = None
    keywords: list[str] = field(default_factory=list)
    source_url: str | None = None
    provider: str | None = None
    lang: str | None = None
    credits: list[str] = field(default_factory=list)
    copyright_holder: str | None = None
    copyright_year: int | None = None
    copyright_notice: str | None = None


@dataclass(slots=True)
class HtmlCleaned:
    cleaned: Cleaned
    meta: PageMeta
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (code, message) for the document
    path: str = "extractor"  # how the main text was found (see PATHS)


# -- parsing ------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _parser() -> Any:
    from lxml import etree, html

    # no_network: never fetch; HTML parsing never loads DTDs or external entities
    parser = html.HTMLParser(
        encoding="utf-8",
        no_network=True,
        remove_comments=True,
        remove_pis=True,
        recover=True,
        huge_tree=False,
        default_doctype=False,
        collect_ids=False,
    )
    # every element an HtmlElement (what trafilatura needs), chosen in C: lxml.html's own lookup
    # calls back into Python for each element object made, a fifth of the extraction time
    lookup = etree.ElementDefaultClassLookup(
        element=html.HtmlElement, comment=html.HtmlComment, pi=html.HtmlProcessingInstruction, entity=html.HtmlEntity
    )
    parser.set_element_class_lookup(lookup)
    return parser


#: Most elements (start tags) of a page cleaned: news pages hold under 5,000, the longest
#: encyclopedia articles about 100,000. A parsed element costs libxml2 and the walks here
#: about 30 times its few bytes of markup (2.5 million ``<p>`` in 20 MB took 2 GB and 154 s).
MAX_ELEMENTS = 200_000
#: Longest page cleaned, in characters of markup.
MAX_HTML_CHARS = 32_000_000


def check_page_size(markup: str) -> None:
    """Raise :class:`~toolkit.errors.TooLargeError` for a page beyond :data:`MAX_HTML_CHARS` or
    :data:`MAX_ELEMENTS`, before anything is parsed (counting tags is a scan of the text in C)."""
    from ...errors import TooLargeError

    if len(markup) > MAX_HTML_CHARS:
        raise TooLargeError(
            f"HTML page too large to clean: {len(markup):,} characters (limit {MAX_HTML_CHARS:,} characters a page)"
        )
    # every element but the few the parser implies opens with "<" and takes 3 characters at
    # least: most pages are too short to need counting, and one count of "<" bounds the rest
    if len(markup) <= 3 * MAX_ELEMENTS or markup.count("<") <= MAX_ELEMENTS:
        return
    # closing tags, comments and declarations do not count; a stray "<" in text can only make
    # the estimate larger
    tags = markup.count("<") - markup.count("</") - markup.count("<!") - markup.count("<?")
    if tags > MAX_ELEMENTS:
        raise TooLargeError(
            f"HTML page too large to clean: about {tags:,} elements (limit {MAX_ELEMENTS:,} elements a page)"
        )


def parse_html(markup: str) -> HtmlElement | None:
    """The page as an lxml tree, or None when there is nothing to parse.

    Raises :class:`~toolkit.errors.UnsafeInputError` for entity declarations or an internal
    DTD subset before the root (XXE / entity expansion attempts: HTML has no use for them;
    an external DOCTYPE is ignored, never loaded), and :class:`~toolkit.errors.LimitError`
    for pages beyond libxml2's limits (nesting over 256 levels, a text node or attribute over
    10 MB): the parser stops there, and a page read half-way must not pass for the page.
    A page beyond this module's own bounds (:func:`check_page_size`) is a
    :class:`~toolkit.errors.TooLargeError`, raised before parsing.
    """
    if not markup or not markup.strip():
        return None
    check_page_size(markup)
    from lxml import etree, html

    from ...errors import LimitError
    from ...io.xmlsafe import refuse_declarations

    data = markup.encode("utf-8", "surrogatepass")
    # an XML declaration would override the parser's encoding
    data = re.sub(rb"^\s*<\?xml[^>]*\?>", b"", data, count=1)
    refuse_declarations(data[:65536], None, public_ids=None, prolog_only=True)
    parser = _parser()
    try:
        root = html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError):
        return None
    for error in parser.error_log:
        if error.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
            reason = error.message.split(", use XML_PARSE_HUGE")[0].split(", try XML_PARSE_HUGE")[0].strip()
            raise LimitError(f"HTML beyond the parser's safety limits: {reason} (line {error.line})")
    return root


def _text(el: Any) -> str:
    return _WS.sub(" ", el.text_content() if hasattr(el, "text_content") else str(el)).strip()


# -- main text --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _trafilatura_config() -> Any:
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")  # no signal-based timeouts inside a library
    config.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "off")  # dates come from the page's markup
    return config


def extract_main_text(
    tree: HtmlElement, *, url: str | None = None, favor: Favor = "balanced", fast: bool = False
) -> str:
    """The main text of a parsed page, one block per line (trafilatura; ``fast`` skips its
    comparison with readability and jusText)."""
    import trafilatura

    text = trafilatura.extract(
        tree,
        url=url,
        output_format="txt",
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        deduplicate=False,
        favor_precision=favor == "precision",
        favor_recall=favor == "recall",
        with_metadata=False,
        fast=fast,
        config=_trafilatura_config(),
    )
    return text or ""


# -- metadata -------------------------------------------------------------------------------------------------


def _jsonld_items(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = script.text or ""
        if not raw.strip() or len(raw) > _MAX_JSONLD:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.extend(item["@graph"] if isinstance(item["@graph"], list) else [item["@graph"]])
                yield item


def _types(item: dict[str, Any]) -> set[str]:
    t = item.get("@type", [])
    return {str(x).lower() for x in (t if isinstance(t, list) else [t])}


def _names(value: Any) -> list[str]:
    """Names in a JSON-LD person/organisation value (string, object or list)."""
    out: list[str] = []
    for v in value if isinstance(value, list) else [value]:
        if isinstance(v, str):
            name = v
        elif isinstance(v, dict):
            name = v.get("name") or ""
            if isinstance(name, list):
                name = name[0] if name else ""
        else:
            continue
        name = _WS.sub(" ", str(name)).strip()
        if name and not name.lower().startswith(("http://", "https://")) and name not in out:
            out.append(name)
    return out


def _string(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url") or value.get("name")
    if value is None:
        return None
    text = _WS.sub(" ", str(value)).strip()
    return text or None


def _metas(tree: HtmlElement) -> dict[str, str]:
    out: dict[str, str] = {}
    for meta in tree.iter("meta"):
        name = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        content = meta.get("content")
        if name and content and content.strip() and name not in out:
            out[name] = _WS.sub(" ", content).strip()
    return out


def _strip_site(title: str, site: str | None) -> str:
    """``Headline | Site`` -> ``Headline`` (the longest part when the site is unknown)."""
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    if site:
        rest = [p for p in parts if key(p) != key(site)]
        if rest and len(rest) < len(parts):
            return " - ".join(rest) if len(rest) > 1 else rest[0]
    return max(parts, key=len)


def _similar(a: str, b: str) -> bool:
    ka, kb = key(a), key(b)
    return bool(ka and kb) and (ka == kb or (min(len(ka), len(kb)) >= 15 and (ka in kb or kb in ka)))


def _choose_title(tree: HtmlElement, metas: dict[str, str], ld: dict[str, Any], site: str | None) -> str | None:
    """The headline: an ``<h1>`` agreeing with the page's declared titles, else the declared
    article title (Open Graph, JSON-LD), else the article's ``<h1>``, else ``<title>`` without the site name."""
    declared = [c for c in (metas.get("og:title"), metas.get("twitter:title"), _string(ld.get("headline"))) if c]
    head_title = tree.find(".//title")
    page_title = _strip_site(_text(head_title), site) if head_title is not None and _text(head_title) else None
    h1s = [h for h in (_text(h) for h in tree.iter("h1")) if h and len(h) <= 400][:8]
    for h in h1s:
        if any(_similar(h, c) for c in [*declared, *([page_title] if page_title else [])]):
            return h
    if declared:
        return _strip_site(declared[0], site) if site else declared[0]
    inside = [_text(h) for h in tree.xpath("//article//h1 | //main//h1")]
    for h in [*inside, *h1s]:
        if h and len(h) <= 400 and len(h.split()) >= 2 and not (site and key(h) == key(site)):
            return h
    return page_title


def _credits(rules: Rules, ld: dict[str, Any], scan: Scan) -> list[str]:
    out: list[str] = []
    for text in scan.captions + scan.credit_blocks[:50]:
        if not text or len(text) > 400:
            continue
        credit = rules.credit(text, fold(text))
        if credit is not None and credit.names not in out:
            out.append(credit.names)
    image = ld.get("image") if ld else None
    for img in image if isinstance(image, list) else [image]:
        if isinstance(img, dict):
            for name in _names(img.get("creditText")) + _names(img.get("author")):
                if name not in out:
                    out.append(name)
    return out


def _copyright(rules: Rules, ld: dict[str, Any], scan: Scan) -> tuple[str | None, int | None, str | None]:
    holder = _names(ld.get("copyrightHolder"))[0] if ld and _names(ld.get("copyrightHolder")) else None
    year_value = ld.get("copyrightYear") if ld else None
    year = int(year_value) if isinstance(year_value, (int, str)) and str(year_value).isdigit() else None
    notice = None
    # the footer's lines first (a notice quoted in the article is not the page's), then the whole page
    for lines in (scan.footer_lines, scan.marked_lines, (line for _, line in scan.blocks)):
        for line in lines:
            if "©" not in line and "(c)" not in line.lower() and len(line) > 300:
                continue
            cr = rules.copyright(line, fold(line))
            if cr is not None:
                notice = cr.notice
                holder = holder or cr.holder
                year = year or cr.year
                return holder, year, notice
    return holder, year, notice


_BLOCK_TAGS = frozenset(
    (
        "p",
        "div",
        "li",
        "td",
        "th",
        "dd",
        "dt",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "footer",
        "header",
        "aside",
        "nav",
        "ul",
        "ol",
        "table",
        "tr",
        "br",
        "span",
        "small",
    )
)


_SKIPPED_TAGS = frozenset(("script", "style", "noscript", "template", "head"))
_OUTSIDE_TEXT = frozenset(("nav", "header", "footer", "aside", "form", "menu"))
#: Classes of credit elements: "credit" in any case, the others as written (one search per class).
_CREDIT_CLASS = re.compile(r"(?i:credit)|caption|photo-author|image-author|copyright-photo")


@dataclass(slots=True)
class Scan:
    """One walk over the page body: its visible text cut at block boundaries, and what the
    metadata needs from it (footer lines, figure captions, credit elements)."""

    blocks: list[tuple[int | None, str]] = field(default_factory=list)  # (source line, text)
    footer_lines: list[str] = field(default_factory=list)  # blocks inside a <footer>
    marked_lines: list[str] = field(default_factory=list)  # blocks inside an element of a footer/copyright class
    captions: list[str] = field(default_factory=list)  # <figcaption> texts
    credit_blocks: list[str] = field(default_factory=list)  # texts of elements with a credit/caption class
    outside: list[bool] = field(default_factory=list)  # per block: inside navigation, header, footer, aside, form
    elements: int = 0

    def page_text(self, *, everything: bool = False, start: str | None = None) -> str:
        """The blocks outside navigation, headers, footers, asides and forms (all of them with
        ``everything``), from the first block whose key is ``start`` when there is one."""
        lines = [t for (_, t), out in zip(self.blocks, self.outside, strict=True) if everything or not out]
        if start:
            first = next((i for i, t in enumerate(lines) if key(t) == start), 0)
            lines = lines[first:]
        return "\n".join(lines)

    def page_chars(self) -> int:
        """Characters of the blocks outside navigation, headers, footers, asides and forms."""
        return sum(len(t) for (_, t), out in zip(self.blocks, self.outside, strict=True) if not out)


def scan_page(tree: HtmlElement) -> Scan:
    """Walk the body once (see :class:`Scan`); linear in the size of the page."""
    body = tree.find("body")
    return _scan(body if body is not None else tree)


def _scan(root: Any) -> Scan:
    from lxml import etree

    scan = Scan()
    lines, footer_lines, marked_lines, outside = scan.blocks, scan.footer_lines, scan.marked_lines, scan.outside
    current: list[str] = []
    where = root.sourceline  # source line of the current block
    footer = marked = away = elements = 0  # depths: in <footer>, in a footer/copyright class, in _OUTSIDE_TEXT
    stack: list[tuple[bool, bool, bool]] = []

    def flush() -> None:
        text = " ".join("".join(current).split())
        current.clear()
        if text:
            lines.append((where, text))
            outside.append(away > 0)
            if footer:
                footer_lines.append(text)
            if marked:
                marked_lines.append(text)

    # iterwalk: the traversal in C, one (event, element) per start and end
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, node in walker:
        tag = node.tag
        if event == "end":
            if tag in _BLOCK_TAGS and current:
                flush()
            f, m, a = stack.pop()
            footer, marked, away = footer - f, marked - m, away - a
            if node.tail:
                current.append(node.tail)
            continue
        if not isinstance(tag, str) or tag in _SKIPPED_TAGS:
            walker.skip_subtree()  # its end event still comes, with its tail
            stack.append((False, False, False))
            continue
        elements += 1
        cls = node.get("class")
        f, a = tag == "footer", tag in _OUTSIDE_TEXT
        m = "footer" in (node.get("id") or "")
        if cls:
            m = m or "footer" in cls or "copyright" in cls
            if _CREDIT_CLASS.search(cls):
                scan.credit_blocks.append(_text(node))
        if tag == "figcaption":
            scan.captions.append(_text(node))
        if tag in _BLOCK_TAGS:
            if current:
                flush()
            where = node.sourceline
        stack.append((f, m, a))
        footer, marked, away = footer + f, marked + m, away + a
        if node.text:
            current.append(node.text)
    if current:
        flush()
    scan.elements = elements
    return scan


def _block_lines(el: Any) -> list[tuple[int | None, str]]:
    """Visible text of an element cut at block boundaries, with the source line of each piece."""
    return _scan(el).blocks


def page_metadata(tree: HtmlElement, rules: Rules, scan: Scan | None = None) -> PageMeta:
    """Everything the page says about itself (see the module docstring)."""
    scan = scan if scan is not None else scan_page(tree)
    metas = _metas(tree)
    ld: dict[str, Any] = {}
    site_names: list[str] = []
    for item in _jsonld_items(tree):
        types = _types(item)
        if types & {"website", "organization", "newsmediaorganization"} and not ld:
            site_names += _names(item.get("name"))
        if types & _ARTICLE_TYPES and (not ld or "webpage" in _types(ld)):
            ld = item
    site = metas.get("og:site_name") or (_names(ld.get("publisher"))[:1] or [None])[0] or (site_names or [None])[0]
    meta = PageMeta()
    meta.provider = site
    meta.title = _choose_title(tree, metas, ld, site)
    meta.published = _first_date(
        _string(ld.get("datePublished")) if ld else None,
        metas.get("article:published_time"),
        metas.get("og:published_time"),
        metas.get("datepublished"),
        metas.get("pubdate"),
        metas.get("publishdate"),
        metas.get("date"),
        metas.get("dc.date.issued"),
        metas.get("dc.date"),
        metas.get("parsely-pub-date"),
        metas.get("sailthru.date"),
        *_time_elements(tree),
    )
    meta.modified = _first_date(
        _string(ld.get("dateModified")) if ld else None,
        metas.get("article:modified_time"),
        metas.get("og:updated_time"),
        metas.get("datemodified"),
    )
    authors = _names(ld.get("author")) if ld else []
    if not authors:
        for name in (metas.get("author"), metas.get("article:author"), metas.get("parsely-author")):
            if name and not name.lower().startswith(("http://", "https://")):
                authors = [name]
                break
    if not authors:
        byline = tree.xpath("//*[@rel='author' or contains(@class,'byline') or @itemprop='author']")
        if byline:
            text = _text(byline[0])
            if 0 < len(text) <= 120:
                authors = [re.sub(r"(?i)^(by|автор:|yazar:|muallif:)\s*", "", text)]
    meta.byline = ", ".join(authors) if authors else None
    meta.description = (
        metas.get("description") or metas.get("og:description") or (_string(ld.get("description")) if ld else None)
    )
    keywords: list[str] = []
    raw_keywords: list[Any] = []
    if ld:
        raw_keywords.append(ld.get("keywords"))
    raw_keywords += [metas.get("keywords"), metas.get("news_keywords")]
    raw_keywords += [m.get("content") for m in tree.iter("meta") if m.get("property") == "article:tag"]
    for value in raw_keywords:
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, str):
                continue
            for kw in item.split(","):
                kw = _WS.sub(" ", kw).strip()
                if kw and kw.casefold() not in {k.casefold() for k in keywords}:
                    keywords.append(kw)
    meta.keywords = keywords[:50]
    canonical = [el.get("href") for el in tree.iter("link") if el.get("rel") == "canonical" and el.get("href")]
    url = (
        metas.get("og:url")
        or (canonical[0].strip() if canonical else None)
        or (_string(ld.get("mainEntityOfPage")) if ld else None)
        or (_string(ld.get("url")) if ld else None)
    )
    if url and urlsplit(url).scheme in ("http", "https"):
        meta.source_url = url
    if meta.provider is None and meta.source_url:
        meta.provider = urlsplit(meta.source_url).hostname
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    meta.lang = lang.strip() if lang and lang.strip() else None
    meta.credits = _credits(rules, ld, scan)
    meta.copyright_holder, meta.copyright_year, meta.copyright_notice = _copyright(rules, ld, scan)
    return meta


def _time_elements(tree: HtmlElement) -> list[str]:
    # (tag iteration, not XPath: libxml2 evaluates "//x[...]" several times slower)
    times = list(tree.iter("time"))
    out = [t.get("datetime") for t in times if t.get("itemprop") == "datePublished" or t.get("pubdate") is not None]
    out += [t.get("datetime") for t in times[:1]]
    return [v for v in out if v]


def _first_date(*values: str | None) -> str | None:
    for value in values:
        if value:
            parsed = parse_iso_datetime(value)
            if parsed:
                return parsed
    return None


# -- the whole page ---------------------------------------------------------------------------------------------------


#: Pages with more elements than this skip trafilatura: its XPath queries (``//p//text()``) take
#: quadratic time in libxml2 (33k paragraphs: 2 s, 133k: 36 s). Real news pages hold < 5,000.
MAX_EXTRACTOR_ELEMENTS = 20_000
#: The extractor runs in its fast mode first; when that keeps less than this share of the page's
#: text (outside navigation, header, footer), it runs again with its comparison against
#: readability and jusText (on the DEV pages: 4% of pages, all of the comparison's gain).
FULL_EXTRACTION_SHARE = 0.3
#: Fewer words of prose than this after cleaning: try a looser extraction before giving up.
MIN_PROSE_WORDS = 40

#: How the main text was found (``HtmlCleaned.path``), and what a block left out of it means.
PATHS: dict[str, str] = {
    "extractor": "outside the main text found by the extractor",
    "extractor-full": "outside the main text found by the extractor (full mode: the fast pass found little)",
    "extractor-recall": "outside the main text found by the extractor in recall mode (a looser fallback)",
    "page-text": "in navigation, header, footer, aside or form, or above the headline (page text, no extractor)",
    "all-text": "above the headline (all the page's text: the extractor found no article)",
}


#: Elements the extractor deletes anyway, that never hold article text: removed (tail kept)
#: before it copies the page and runs its XPath queries over every element.
_NO_TEXT = (
    "style", "template", "svg", "{http://www.w3.org/2000/svg}svg", "noscript", "iframe", "embed", "object",
    "applet", "canvas", "map", "area", "input", "select", "option", "optgroup", "datalist", "textarea", "button",
    "link", "meta", "source", "track", "param", "progress", "output", "audio", "video",
)  # fmt: skip


def _strip_code(tree: HtmlElement) -> None:
    """Remove scripts (but JSON-LD), styles, forms' controls, media and other elements that hold
    no article text, before extraction (see :data:`_NO_TEXT`).

    The extractor drops them too, but only after copying the page and measuring the text of
    the whole page several times, inline scripts included; on script-heavy pages they are
    most of that text. JSON-LD stays: the extractor reads articles and forum posts there.
    """
    from lxml import etree

    # strip_elements keeps tails without assigning text (lxml refuses to take back the control
    # characters its parser let in, so drop_tree() could fail); JSON-LD is kept by renaming it
    kept = [el for el in tree.iter("script") if "ld+json" in (el.get("type") or "").lower()]
    for el in kept:
        el.tag = "toolkit-json-ld"
    etree.strip_elements(tree, "script", *_NO_TEXT, with_tail=False)
    for el in kept:
        el.tag = "script"


def _prose_words(cleaned: Cleaned) -> int:
    return sum(words(p) for p in cleaned.paragraphs if body_like(p))


def clean_html(markup: str, rules: Rules, *, url: str | None = None, favor: Favor = "balanced") -> HtmlCleaned:
    """Main text and metadata of an HTML page; the text rules applied to the main text.

    The extractor runs in fast mode, then in full mode when the fast pass kept little of the
    page (:data:`FULL_EXTRACTION_SHARE`). When what is left after the text rules has no
    article in it (under :data:`MIN_PROSE_WORDS` words of prose), looser extractions are tried
    before giving up: the extractor in recall mode, the page's block text outside navigation,
    headers, footers, asides and forms, then all of its text (from the headline on, when it
    is found); the first with an article wins (or, where the stricter path left nothing, any
    prose). A page with more than
    :data:`MAX_EXTRACTOR_ELEMENTS` elements is read without the extractor (with a warning), so
    that no page takes more than linear time. What was left out is logged (rule
    ``html-boilerplate``, block by block, with its line in the HTML source; the reason names
    the path taken, see :data:`PATHS`); so are the text rules' removals.
    """
    tree = parse_html(markup)
    if tree is None:
        return HtmlCleaned(Cleaned(), PageMeta())
    scan = scan_page(tree)
    meta = page_metadata(tree, rules, scan)
    warnings: list[tuple[str, str]] = []
    title_key = key(meta.title) if meta.title else None
    url = url or meta.source_url
    if scan.elements > MAX_EXTRACTOR_ELEMENTS:
        path, text = "page-text", scan.page_text(start=title_key)
        warnings.append(
            (
                "large-page",
                f"page with {scan.elements} elements (over {MAX_EXTRACTOR_ELEMENTS}): main text taken as the block "
                "text outside navigation, headers and footers, without the extractor",
            )
        )
    else:
        _strip_code(tree)
        path, text = "extractor", extract_main_text(tree, url=url, favor=favor, fast=True)
        if len(text) < FULL_EXTRACTION_SHARE * scan.page_chars():
            path, text = "extractor-full", extract_main_text(tree, url=url, favor=favor)
    cleaned = clean_text(text, rules, mode="html", known_title=meta.title)
    prose = _prose_words(cleaned)
    if prose < MIN_PROSE_WORDS:
        first, found = path, prose
        for looser in ("extractor-recall", "page-text", "all-text"):
            if looser == "extractor-recall":
                if favor == "recall" or scan.elements > MAX_EXTRACTOR_ELEMENTS:
                    continue
                other = extract_main_text(tree, url=url, favor="recall")
            else:
                other = scan.page_text(everything=looser == "all-text", start=title_key)
            if looser == path or other == text:
                continue
            again = clean_text(other, rules, mode="html", known_title=meta.title)
            more = _prose_words(again)
            # taken when it holds an article, or any prose where the stricter path left nothing
            if more >= MIN_PROSE_WORDS or (more > prose and not cleaned.paragraphs):
                path, text, cleaned, prose = looser, other, again, more
            if prose >= MIN_PROSE_WORDS:
                break
        if path != first:
            warnings.append(
                (
                    "extraction-fallback",
                    f"the {first} path left {found} word(s) of prose: main text taken by the {path} path",
                )
            )
    _log_dropped_blocks(scan.blocks, text, meta.title, cleaned, PATHS[path])
    return HtmlCleaned(cleaned, meta, warnings, path)


#: Characters the removal log may scan to tell whether a long block lies inside the kept text:
#: beyond it (huge pages only), such blocks are logged as dropped without looking.
_CONTAINMENT_BUDGET = 200_000_000


def _log_dropped_blocks(
    blocks: list[tuple[int | None, str]], text: str, title: str | None, cleaned: Cleaned, reason: str
) -> None:
    lines = [" ".join(line.split()) for line in text.splitlines()]
    exact = set(lines)  # most kept blocks come back from the extractor as they were: no key needed
    kept_lines = {key(line) for line in lines}
    kept = "\n".join(kept_lines)
    title_key = key(title) if title else None
    first_line: dict[str, int | None] = {}  # block text -> its first source line
    first_key: dict[str, int | None] = {}  # the same by key, for what is not found as it is
    dropped = []
    budget = _CONTAINMENT_BUDGET  # each `k in kept` scans the kept text: bounded, or huge pages go quadratic
    for line, block in blocks:
        first_line.setdefault(block, line)
        if block in exact:
            continue
        k = key(block)
        first_key.setdefault(k, line)
        if not k or k == title_key or k in kept_lines:
            continue
        if len(k) >= 40 and budget > 0:
            budget -= len(kept)
            if k in kept:
                continue
        dropped.append(Removal(block, "html-boilerplate", reason, line))
    for removal in cleaned.removals:  # text-rule removals: point at the HTML source line
        where = first_line.get(removal.text)
        if where is None:
            k = key(removal.text)
            where = first_key.get(k)
            if where is None and k not in first_key:  # a kept block the rules removed after all
                where = next((ln for ln, block in blocks if key(block) == k), None)
        removal.line = where
    cleaned.removals = sorted(dropped + cleaned.removals, key=lambda r: r.line or 0)


def html_to_text(markup: str, url: str | None = None) -> str:
    """Main text of a page as plain paragraphs (for scoring extractors: ``score.py -e``)."""
    return "\n\n".join(clean_html(markup, _default_rules(), url=url).cleaned.paragraphs)


@functools.lru_cache(maxsize=1)
def _default_rules() -> Rules:
    return Rules(default_markers())
