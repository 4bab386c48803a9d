"""Reading NewsML-G2: ``newsItem``, ``packageItem`` and ``newsMessage`` -> Documents.

The basis for wire-feed input and for re-processing our own output (to translate it again,
for instance). What the item declares is kept, because feed metadata beats guessed
metadata: guid and version (``meta.guid``/``meta.version``), provider, dates, byline,
credits, rights, language, headline (the title) and the body paragraphs. The body is read
by :mod:`toolkit.feeds.body` whatever its vocabulary: XHTML or NITF (any letter case) in
``inlineXML`` keep their structure, any other XML gives its text blocks in order, and
``inlineData`` text is split at blank lines (markup sent as text is read as markup). A
heading that repeats the headline is dropped; with no headline, the body's first main
heading is the headline. A headline and no body is a headline-only item (a flash). Item
times, the provider's codes, links and contributors go to ``meta.extra["newsml"]`` so the
item can be written again faithfully.

* a ``newsMessage`` gives one document per story: a translation item (``...:translationOf``
  link) whose source is in the same message becomes a :class:`Translation` of it, so our
  own ``--bundle`` output reads back losslessly; the message's other items (concepts,
  planning, packages whose items are not in it) are skipped documents;
* a ``newsItem`` gives one document (a translation read alone keeps its link and is
  written again as a translation, without a package);
* a ``packageItem`` read from a folder follows its ``itemRef``s to the items in the same
  folder (matched by guid, :mod:`toolkit.newsml.folder`) and gives their stories,
  translations attached. When the whole folder is read in one run (a directory walk, a
  glob, a watcher's batch), those item files are skipped on their own ("read through its
  packageItem"), so each story is emitted once. A package whose items are not at hand is a
  skipped document;
* ``planningItem``, ``conceptItem``, ``knowledgeItem`` and ``catalogItem`` are skipped
  documents (``newsml-planning``, ``newsml-concept``, ...).

Text items are converted (class ``ninat:text``, or ``text`` under another alias such as
Reuters' ``icls:text``; an unknown class that holds text is converted with a warning);
pictures, video, audio and graphics are skipped (``newsml-not-text``), and so is a text
item with neither headline nor body (``newsml-empty``). Parsing goes through
:func:`~toolkit.io.xmlsafe.parse_xml`: DTDs and entities are refused
(``UnsafeInputError``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

from ..document import Document, Paragraph, Translation, content_id
from ..errors import InputError, ToolkitError, UnsupportedInputError
from ..feeds.body import Block, Body, read_body, text_body
from ..feeds.items import given, item_id
from ..io.xmlsafe import head_bytes, parse_xml
from ..text import normalize_line
from . import langtag
from .folder import Folder, FolderCache, read_regular
from .vocab import NAR, REL_SOURCE, TRANSLATION_RELS, XML_LANG, q

if TYPE_CHECKING:
    from ..io.readers import ReadOptions

PROCESSOR = "read"
ROOTS = ("newsItem", "packageItem", "newsMessage")
_ROOT_NAME = re.compile(rb"<(?![?!])(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_YEAR = re.compile(r"\b(1[89]\d\d|2\d\d\d)\b")
_ROUTE = re.compile(r"\(([^()]+(?: → [^()]+)+)\)\s*$")


def root_name(data: bytes) -> str | None:
    """The local name of the root element, from the first bytes (no parsing)."""
    match = _ROOT_NAME.search(_strip_comments(head_bytes(data)))
    return match.group(1).decode("ascii", "replace") if match else None


def _strip_comments(head: bytes) -> bytes:
    return re.sub(rb"<!--.*?-->", b"", head, flags=re.S)


def read_newsml(data: bytes, source: str, options: ReadOptions) -> Iterator[Document]:
    """Documents from a NewsML-G2 file (``.xml`` files with another root go to other readers)."""
    name = root_name(data)
    if name not in ROOTS and name not in OTHER_ITEMS:
        yield from _other_xml(data, source, options, name)
        return
    root = parse_xml(data, source)
    if etree.QName(root).namespace != NAR:
        raise UnsupportedInputError(f"<{name}> is not in the NewsML-G2 namespace {NAR}", path=source)
    encoding = root.getroottree().docinfo.encoding or "utf-8"
    if name in OTHER_ITEMS:
        yield other_item_document(root, source)
    elif name == "newsItem":
        doc = item_document(root, source, encoding)
        whole = getattr(options, "whole_folder", False)
        folder = _folder_of(options) if whole and doc.meta.guid and doc.status == "ok" else None
        package = folder.package_of(doc.meta.guid) if folder is not None and doc.meta.guid else None
        if package is not None:
            doc.skip("newsml-in-package", f"read through its packageItem {package}", processor=PROCESSOR)
        yield doc
    elif name == "newsMessage":
        yield from message_documents(root, source, encoding)
    else:
        yield from package_documents(root, source, _folder_of(options), options)


def _other_xml(data: bytes, source: str, options: ReadOptions, name: str | None) -> Iterator[Document]:
    from ..io import readers

    if name and name.lower() == "html":
        yield from readers.read_html(data, source, options)
        return
    reader = readers.sniff_reader(data)
    if reader not in (readers.read_text, read_newsml):
        yield from reader(data, source, options)
        return
    what = f"root element <{name}>" if name else "no root element"
    raise UnsupportedInputError(f"not a NewsML-G2 document ({what})", path=source)


# -- element helpers ----------------------------------------------------------------------------------


def _text(el: etree._Element | None) -> str:
    if el is None:
        return ""
    return normalize_line(" ".join("".join(el.itertext()).split()))


def _first_text(parent: etree._Element | None, tag: str) -> str:
    if parent is None:
        return ""
    for el in parent.iterfind(q(tag)):
        text = _text(el)
        if text:
            return text
    return ""


def _party(el: etree._Element | None) -> dict[str, str]:
    if el is None:
        return {}
    out = {key: el.get(key, "").strip() for key in ("qcode", "uri", "literal", "role") if el.get(key, "").strip()}
    name = _first_text(el, "name")
    if name:
        out["name"] = name
    note = _first_text(el, "note")
    if note:
        out["note"] = note
    return out


def _party_name(party: dict[str, str]) -> str:
    return party.get("name") or party.get("literal") or party.get("qcode") or party.get("uri") or ""


def _lang_of(item: etree._Element, content_meta: etree._Element | None) -> str | None:
    tag = None
    if content_meta is not None:
        language = content_meta.find(q("language"))
        if language is not None:
            tag = language.get("tag")
    tag = tag or item.get(XML_LANG)
    lang = langtag.canonical(tag)
    return None if lang in (None, "und") else lang


def _bodies(item: etree._Element) -> Iterator[Body]:
    """The bodies of an item's ``contentSet``, in order: each ``inlineXML`` (any vocabulary), then each
    text ``inlineData`` (plain text, or markup sent as text)."""
    content_set = item.find(q("contentSet"))
    if content_set is None:
        return
    for inline in content_set.iterfind(q("inlineXML")):
        if len(inline) == 0:  # text, or markup escaped as text (CDATA), where elements were expected
            yield text_body(inline.text or "")
        else:
            yield read_body(inline)  # languages declared inside the body only (not the item's)
    for data in content_set.iterfind(q("inlineData")):
        kind = (data.get("contenttype") or "text/plain").split(";")[0].strip().lower()
        if data.get("encoding") or not (kind.startswith("text/") or kind.endswith(("+xml", "/xml", "html"))):
            continue  # base64 or binary renditions
        yield text_body(data.text or "")


def _body(item: etree._Element) -> Body:
    """The first body that holds any text (an empty ``Body`` when none does)."""
    for body in _bodies(item):
        if body.blocks:
            return body
    return Body()


def _key(text: str | None) -> str:
    """A headline as compared with a heading: letters and digits only, case ignored."""
    return "".join(ch for ch in (text or "").casefold() if ch.isalnum())


def _repeats(text: str, headlines: list[str]) -> bool:
    """Whether a heading of the body repeats a headline: the same words, or most of them (the
    headline's kicker cut off: "Preview: X at Y" / "X at Y"). A paragraph that starts like the
    headline is never dropped: a headline derived from the first sentence repeats it."""
    key = _key(text)
    if not key:
        return False
    for headline in headlines:
        other = _key(headline)
        if key == other:
            return True
        if other and (key in other or other in key) and min(len(key), len(other)) >= 0.6 * max(len(key), len(other)):
            return True
    return False


def _headlines(content_meta: etree._Element | None) -> list[str]:
    """The item's headlines, the main one first (no role or a main role, lowest rank)."""
    if content_meta is None:
        return []
    found = []
    for order, el in enumerate(content_meta.iterfind(q("headline"))):
        text = _text(el)
        if not text:
            continue
        role = (el.get("role") or "").rsplit(":", 1)[-1].lower()
        rank = (el.get("rank") or "").strip()
        sub = bool(role) and role not in ("main", "headline", "hl1", "title")
        found.append(((sub, int(rank) if rank.isdigit() else 1, order), text))
    return [text for _, text in sorted(found)]


def _story_text(headlines: list[str], body: Body) -> tuple[str | None, list[Block]]:
    """(headline, body blocks): headings that repeat a headline are dropped; with no headline, the
    body's first main heading (or its document title) is the headline. A body of headings that only
    repeat the headline leaves no blocks: a headline-only item (a flash)."""
    blocks = list(body.blocks)
    headline = headlines[0] if headlines else None
    if headline is None:
        first = next((b for b in blocks if b.heading and b.heading <= 2), None)
        if first is not None:
            headline = first.text
        elif body.title:
            headline = body.title
    known = [h for h in [*headlines, headline] if h]
    kept: list[Block] = []
    for block in blocks:
        if block.heading and _repeats(block.text, known):
            continue
        kept.append(block)
    return headline, kept


def _links(item_meta: etree._Element | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if item_meta is None:
        return out
    for link in item_meta.iterfind(q("link")):
        entry: dict[str, Any] = {
            key: link.get(key).strip()
            for key in ("rel", "href", "residref", "contenttype", "title")
            if link.get(key) and link.get(key).strip()
        }
        version = link.get("version")
        if version and version.strip().isdigit():
            entry["version"] = int(version)
        if link.get(XML_LANG):
            entry["lang"] = link.get(XML_LANG)
        if entry.get("rel"):
            out.append(entry)
    return out


def _schemes(parent: etree._Element) -> list[dict[str, str]]:
    """Scheme aliases declared in inline catalogs (kept so the item's QCodes still resolve)."""
    return [
        {"alias": scheme.get("alias").strip(), "uri": scheme.get("uri").strip()}
        for catalog in parent.iterfind(q("catalog"))
        for scheme in catalog.iterfind(q("scheme"))
        if scheme.get("alias") and scheme.get("uri")
    ]


def _is_translation_link(link: dict[str, Any]) -> bool:
    return str(link.get("rel", "")).rsplit(":", 1)[-1] in TRANSLATION_RELS


# -- items --------------------------------------------------------------------------------------------


#: Item classes that are text (``ninat:text``; Reuters and ANSA use ``icls:text``): the code after the alias.
TEXT_CLASSES = frozenset({"text"})
#: Item classes that are not: skipped with a reason (other unknown classes are converted when they hold text).
MEDIA_CLASSES = frozenset({"picture", "graphic", "video", "audio", "animation", "interactive", "composite"})


def item_document(item: etree._Element, source: str, encoding: str = "utf-8") -> Document:
    """One ``newsItem`` as a Document (see the module documentation for what is kept)."""
    guid = (item.get("guid") or "").strip()
    version_attr = (item.get("version") or "1").strip()
    version = int(version_attr) if version_attr.isdigit() and int(version_attr) > 0 else None
    item_meta = item.find(q("itemMeta"))
    content_meta = item.find(q("contentMeta"))
    item_class = ""
    if item_meta is not None:
        klass = item_meta.find(q("itemClass"))
        item_class = (klass.get("qcode") or "").strip() if klass is not None else ""
    class_code = item_class.rsplit(":", 1)[-1].lower()

    lang = _lang_of(item, content_meta)
    body = _body(item)
    headlines = _headlines(content_meta)
    headline, blocks = _story_text(headlines, body)
    paragraphs = [block.text for block in blocks]
    text = "\n\n".join(paragraphs)
    # like every feed reader: the same item delivered again has the same id, a new version a new one
    doc = Document.from_text(text, source=source, encoding=encoding, id=item_id(guid, version, headline, text))
    doc.title = headline
    doc.lang = lang
    doc.paragraphs = [Paragraph(block.text, langtag.canonical(block.lang)) for block in blocks]

    provider = _party(item_meta.find(q("provider")) if item_meta is not None else None)
    info_source = _party(content_meta.find(q("infoSource")) if content_meta is not None else None)
    meta = doc.meta
    meta.guid = guid or None
    meta.version = version
    meta.provider = _party_name(info_source) or _party_name(provider) or None
    if content_meta is not None:
        meta.published = _first_text(content_meta, "contentCreated") or None
        meta.modified = _first_text(content_meta, "contentModified") or None
        creators = [_party_name(_party(el)) for el in content_meta.iterfind(q("creator"))]
        meta.byline = _first_text(content_meta, "by") or ", ".join(c for c in creators if c) or None
        meta.photo_credits = list(dict.fromkeys(t for t in map(_text, content_meta.iterfind(q("creditline"))) if t))
        meta.description = _first_text(content_meta, "description") or None
        meta.keywords = list(dict.fromkeys(t for t in map(_text, content_meta.iterfind(q("keyword"))) if t))
    meta.byline = meta.byline or body.byline
    meta.description = meta.description or body.description
    rights = item.find(q("rightsInfo"))
    if rights is not None:
        holder = _party(rights.find(q("copyrightHolder")))
        meta.copyright_holder = _party_name(holder) or None
        meta.copyright_notice = _first_text(rights, "copyrightNotice") or None
        years = _YEAR.findall(meta.copyright_notice or "")
        meta.copyright_year = int(years[-1]) if years else None

    links = _links(item_meta)
    for link in links:
        if link.get("rel") == REL_SOURCE and link.get("href") and not meta.source_url:
            meta.source_url = link["href"]
    extra: dict[str, Any] = {
        "item_class": item_class or None,
        "catalog_refs": list(
            dict.fromkeys(el.get("href").strip() for el in item.iterfind(q("catalogRef")) if el.get("href"))
        ),
        "schemes": _schemes(item),
        "version_created": _first_text(item_meta, "versionCreated") or None,
        "first_created": _first_text(item_meta, "firstCreated") or None,
        "provider": provider,
        "links": [link for link in links if link.get("rel") != REL_SOURCE],
        "contributors": [
            _party(el) for el in (content_meta.iterfind(q("contributor")) if content_meta is not None else ())
        ],
    }
    meta.extra["newsml"] = {k: v for k, v in extra.items() if v}
    fields = {"title": doc.title, "lang": doc.lang, "guid": meta.guid, "version": meta.version}
    fields.update(published=meta.published, byline=meta.byline, provider=meta.provider)
    given(doc, *[name for name, value in fields.items() if value])  # feed metadata beats guesses

    if class_code in MEDIA_CLASSES or (class_code and class_code not in TEXT_CLASSES and not paragraphs):
        doc.skip("newsml-not-text", f"{item_class} item: not text, nothing to convert", processor=PROCESSOR)
    elif not paragraphs and not headline:
        doc.skip("newsml-empty", "the item has no headline and no body text", processor=PROCESSOR)
    elif class_code and class_code not in TEXT_CLASSES:
        doc.warn("newsml-item-class", f"item class {item_class} is not text, but the item holds text: converted")
    return doc


def other_item_document(item: etree._Element, source: str) -> Document:
    """A ``planningItem``, ``conceptItem``, ``knowledgeItem`` or ``catalogItem``: no story to
    convert, a skipped document that says what it was."""
    name = etree.QName(item).localname
    guid = (item.get("guid") or "").strip()
    content_meta = item.find(q("contentMeta"))
    headline = (_headlines(content_meta) or [None])[0]
    doc = Document.from_text("", source=source, id=content_id(f"{name}\n{guid}\n{headline or ''}"))
    doc.title = headline
    doc.meta.guid = guid or None
    version = (item.get("version") or "1").strip()
    doc.meta.version = int(version) if version.isdigit() and int(version) > 0 else None
    klass = item.find(f"{q('itemMeta')}/{q('itemClass')}")
    doc.meta.extra["newsml"] = {"item_class": klass.get("qcode") if klass is not None else None, "root": name}
    code, what = OTHER_ITEMS[name]
    doc.skip(code, f"a {name} ({what}) holds no story text: nothing to convert", processor=PROCESSOR)
    return doc


#: NewsML-G2 items that are not news: root element -> (skip code, what it is).
OTHER_ITEMS = {
    "planningItem": ("newsml-planning", "news coverage planning"),
    "conceptItem": ("newsml-concept", "a concept: an event, a person, an organisation, ..."),
    "knowledgeItem": ("newsml-knowledge", "a set of concepts"),
    "catalogItem": ("newsml-catalog", "a catalog of schemes"),
}


def package_document(package: etree._Element, source: str, *, in_message: bool = False) -> Document:
    """A packageItem whose items are not at hand: a skipped document (no content of its own)."""
    guid = (package.get("guid") or "").strip()
    doc = Document.from_text("", source=source, id=content_id(guid) if guid else None)
    doc.meta.guid = guid or None
    version = (package.get("version") or "1").strip()
    doc.meta.version = int(version) if version.isdigit() and int(version) > 0 else None
    refs = _item_refs(package)
    doc.meta.extra["newsml"] = {"item_class": "ninat:composite", "item_refs": refs}
    where = "in the message" if in_message else "in the same folder"
    doc.skip(
        "newsml-package",
        f"a packageItem has no content of its own ({len(refs)} item reference(s)) and not all of its items "
        f"are {where}: drop the items with it, or send a newsMessage that carries them",
        processor=PROCESSOR,
    )
    return doc


def _item_refs(package: etree._Element) -> list[str]:
    return list(dict.fromkeys(el.get("residref").strip() for el in package.iter(q("itemRef")) if el.get("residref")))


def package_documents(
    package: etree._Element, source: str, folder: Folder | None, options: ReadOptions | None = None
) -> Iterator[Document]:
    """The stories of a ``packageItem`` whose items are in the same folder (followed by guid)."""
    refs = _item_refs(package)
    found = [(ref, folder.item_path(ref)) for ref in refs] if folder is not None else []
    paths = [(ref, path) for ref, path in found if path is not None]
    if not paths:
        yield package_document(package, source)
        return
    limit = getattr(options, "max_bytes", MAX_ITEM_BYTES)
    docs: list[Document] = []
    for ref, path in paths:
        where = f"{source}#{path.name}"
        data = read_regular(path, limit + 1)
        if data is None or len(data) > limit:
            why = "cannot be read" if data is None else f"is larger than {limit // (1024 * 1024)} MiB"
            yield Document.failed_input(where, InputError(f"the package's item {ref} {why}", path=where))
            continue
        try:
            item = parse_xml(data, where)
        except ToolkitError as exc:
            yield Document.failed_input(where, exc)
            continue
        if item.tag != q("newsItem") or (item.get("guid") or "").strip() != ref:
            error = InputError(f"the file no longer holds the package's item {ref}", path=where)
            yield Document.failed_input(where, error)
            continue
        docs.append(item_document(item, where, item.getroottree().docinfo.encoding or "utf-8"))
    missing = [ref for ref, path in found if path is None]
    stories = list(_stories(docs))
    for doc in stories:
        doc.meta.extra.setdefault("newsml", {})["package"] = (package.get("guid") or "").strip() or None
        if missing:
            doc.warn(
                "newsml-package-incomplete",
                f"{len(missing)} item(s) of the package are not in its folder: {', '.join(missing[:5])}",
                processor=PROCESSOR,
            )
    yield from stories


#: An item file followed from a package is read up to this size (the readers' own limit when known).
MAX_ITEM_BYTES = 256 * 1024 * 1024
_FOLDERS = FolderCache()


def _folder_of(options: ReadOptions) -> Folder | None:
    """The index of the folder the input came from (None for stdin), listed once while it is unchanged."""
    origin = getattr(options, "origin", None)
    if not origin:
        return None
    return _FOLDERS.get(Path(origin).parent)


def _as_translation(doc: Document, source_lang: str | None) -> Translation:
    extra = doc.meta.extra.get("newsml", {})
    contributor = next((c for c in extra.get("contributors", []) if str(c.get("role", "")).endswith(":translator")), {})
    route: list[str] = []
    match = _ROUTE.search(contributor.get("note", ""))
    if match:
        route = [part.strip() for part in match.group(1).split("→")]
    return Translation(
        lang=doc.lang or "und",
        title=doc.title,
        paragraphs=list(doc.paragraphs),
        source_lang=source_lang,
        engine=_party_name(contributor) or None,
        route=route,
        extra={"newsml": {"guid": doc.meta.guid, "version": doc.meta.version}},
    )


def message_documents(message: etree._Element, source: str, encoding: str = "utf-8") -> Iterator[Document]:
    """The stories of a ``newsMessage``: originals with their translations attached; items that are
    not news (planning, concepts) and packages whose items are not in the message, skipped."""
    item_set = message.find(q("itemSet"))
    items = [el for el in (item_set if item_set is not None else ()) if isinstance(el.tag, str)]
    header = message.find(q("header"))
    header_refs = (
        [el.get("href").strip() for el in header.iterfind(q("catalogRef")) if el.get("href")]
        if header is not None
        else []
    )
    header_schemes = _schemes(header) if header is not None else []
    guids = {(el.get("guid") or "").strip() for el in items if el.tag == q("newsItem")}
    docs: list[Document] = []
    for number, el in enumerate(items, 1):
        name = etree.QName(el).localname if etree.QName(el).namespace == NAR else None
        if name == "newsItem":
            doc = item_document(el, source, encoding)
            if header_refs or header_schemes:  # the message's catalogs apply to every item in it
                extra = doc.meta.extra.setdefault("newsml", {})
                extra["catalog_refs"] = list(dict.fromkeys([*header_refs, *extra.get("catalog_refs", [])]))
                extra["schemes"] = [*header_schemes, *extra.get("schemes", [])]
            docs.append(doc)
        elif name == "packageItem":
            if not set(_item_refs(el)) <= guids:  # its items travel in the message: read through them
                docs.append(package_document(el, f"{source}#{number}", in_message=True))
        elif name in OTHER_ITEMS:
            docs.append(other_item_document(el, f"{source}#{number}"))
    if not docs and not items:
        raise UnsupportedInputError("the newsMessage holds no item", path=source)
    yield from _stories(docs)


def _stories(docs: list[Document]) -> Iterator[Document]:
    """Originals with their translations attached (a translation whose source is among ``docs``)."""
    by_guid = {d.meta.guid: d for d in docs if d.meta.guid}
    attached: set[int] = set()
    for doc in docs:
        links = doc.meta.extra.get("newsml", {}).get("links", [])
        target = next((link for link in links if _is_translation_link(link)), None)
        if target is None:
            continue
        original = by_guid.get(target.get("residref"))
        if original is None or original is doc or original.status != "ok" or not doc.lang:
            continue
        if doc.lang in original.translations or doc.lang == original.lang:
            continue
        original.translations[doc.lang] = _as_translation(doc, original.lang)
        attached.add(id(doc))
    for doc in docs:  # a new translation in a re-delivered message is new content: a new id
        if doc.translations:
            texts = [doc.text]
            for lang, tr in sorted(doc.translations.items()):
                texts.append("\n".join([lang, tr.title or "", *(p.text for p in tr.paragraphs)]))
            doc.id = item_id(doc.meta.guid, doc.meta.version, doc.title, "\n\n".join(texts))
    for doc in docs:
        if id(doc) not in attached:
            yield doc
