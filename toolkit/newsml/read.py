"""Reading NewsML-G2: ``newsItem``, ``packageItem`` and ``newsMessage`` -> Documents.

The basis for wire-feed input and for re-processing our own output (to translate it again,
for instance). What the item declares is kept, because feed metadata beats guessed
metadata: guid and version (``meta.guid``/``meta.version``), provider, dates, byline,
credits, rights, language, headline (the title) and the body paragraphs (XHTML or NITF
``<p>`` in ``inlineXML``, else ``inlineData`` text/plain split at blank lines). Item
times, the provider's codes, links and contributors go to ``meta.extra["newsml"]`` so the
item can be written again faithfully.

* a ``newsMessage`` gives one document per story: a translation item (``...:translationOf``
  link) whose source is in the same message becomes a :class:`Translation` of it, so our
  own ``--bundle`` output reads back losslessly;
* a ``newsItem`` gives one document (a translation read alone keeps its link and is
  written again as a translation, without a package);
* a ``packageItem`` read from a folder follows its ``itemRef``s to the items in the same
  folder (matched by guid) and gives their stories, translations attached. When the whole
  folder is read in one run (a directory walk, a glob, a watcher's batch), those item files
  are skipped on their own ("read through its packageItem"), so each story is emitted
  once. A package whose items are not at hand is a skipped document.

Only text items (``ninat:text``) are converted; other items (pictures, ...) are skipped.
Parsing goes through :func:`~toolkit.newsml.xmlsafe.parse_xml`: DTDs and entities are
refused (``UnsafeInputError``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

from ..document import Document, Paragraph, Translation, content_id
from ..errors import ToolkitError, UnsupportedInputError
from ..feeds.items import given, item_id
from ..text import normalize_line, split_blocks
from . import langtag
from .vocab import ITEM_TEXT, NAR, REL_SOURCE, TRANSLATION_RELS, XML_LANG, q
from .xmlsafe import head_bytes, parse_xml

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
    if name not in ROOTS:
        yield from _other_xml(data, source, options, name)
        return
    root = parse_xml(data, source)
    if etree.QName(root).namespace != NAR:
        raise UnsupportedInputError(f"<{name}> is not in the NewsML-G2 namespace {NAR}", path=source)
    encoding = root.getroottree().docinfo.encoding or "utf-8"
    folder = _folder_of(options)
    if name == "newsItem":
        doc = item_document(root, source, encoding)
        whole = getattr(options, "whole_folder", False)
        package = folder.package_of(doc.meta.guid) if whole and folder is not None and doc.meta.guid else None
        if package is not None and doc.status == "ok":
            doc.skip("newsml-in-package", f"read through its packageItem {package}", processor=PROCESSOR)
        yield doc
    elif name == "newsMessage":
        yield from message_documents(root, source, encoding)
    else:
        yield from package_documents(root, source, folder)


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


def _paragraphs(item: etree._Element) -> list[tuple[str, str | None]]:
    """(text, language where a paragraph declares its own) of the body paragraphs."""
    content_set = item.find(q("contentSet"))
    if content_set is None:
        return []
    for inline in content_set.iterfind(q("inlineXML")):
        found = [
            (_text(p), langtag.canonical(p.get(XML_LANG)))
            for p in inline.iter()
            if isinstance(p.tag, str) and etree.QName(p).localname == "p"
        ]
        found = [(t, lang) for t, lang in found if t]
        if found:
            return found
    for data in content_set.iterfind(q("inlineData")):
        if (data.get("contenttype") or "text/plain").split(";")[0].strip() == "text/plain" and not data.get("encoding"):
            blocks = [normalize_line(" ".join(b.split())) for b in split_blocks(data.text or "")]
            if any(blocks):
                return [(b, None) for b in blocks if b]
    return []


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

    body = _paragraphs(item)
    paragraphs = [text for text, _ in body]
    lang = _lang_of(item, content_meta)
    text = "\n\n".join(paragraphs)
    headline = _first_text(content_meta, "headline") or None
    # like every feed reader: the same item delivered again has the same id, a new version a new one
    doc = Document.from_text(text, source=source, encoding=encoding, id=item_id(guid, version, headline, text))
    doc.title = headline
    doc.lang = lang
    doc.paragraphs = [Paragraph(p, p_lang) for p, p_lang in body]

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

    if item_class and item_class != ITEM_TEXT:
        doc.skip(
            "newsml-not-text", f"{item_class} item: only text items (ninat:text) are converted", processor=PROCESSOR
        )
    elif not paragraphs:
        doc.warn("newsml-no-body", "the item has no body text (no <p> in inlineXML, no text/plain inlineData)")
    return doc


def package_document(package: etree._Element, source: str) -> Document:
    """A packageItem whose items are not at hand: a skipped document (no content of its own)."""
    guid = (package.get("guid") or "").strip()
    doc = Document.from_text("", source=source, id=content_id(guid) if guid else None)
    doc.meta.guid = guid or None
    version = (package.get("version") or "1").strip()
    doc.meta.version = int(version) if version.isdigit() and int(version) > 0 else None
    refs = _item_refs(package)
    doc.meta.extra["newsml"] = {"item_class": "ninat:composite", "item_refs": refs}
    doc.skip(
        "newsml-package",
        f"a packageItem has no content of its own ({len(refs)} item reference(s)) and none of its items "
        "is in the same folder: drop the items with it, or send a newsMessage that carries them",
        processor=PROCESSOR,
    )
    return doc


def _item_refs(package: etree._Element) -> list[str]:
    return list(dict.fromkeys(el.get("residref").strip() for el in package.iter(q("itemRef")) if el.get("residref")))


def package_documents(package: etree._Element, source: str, folder: _Folder | None) -> Iterator[Document]:
    """The stories of a ``packageItem`` whose items lie in the same folder (followed by guid)."""
    refs = _item_refs(package)
    found = [(ref, folder.item_path(ref)) for ref in refs] if folder is not None else []
    paths = [(ref, path) for ref, path in found if path is not None]
    if not paths:
        yield package_document(package, source)
        return
    docs: list[Document] = []
    for _ref, path in paths:
        data = path.read_bytes()
        where = f"{source}#{path.name}"
        try:
            item = parse_xml(data, where)
        except ToolkitError as exc:
            yield Document.failed_input(where, exc)
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


class _Folder:
    """The NewsML-G2 files of one folder, indexed by the guid of their root (built once per state)."""

    def __init__(self, directory: Path) -> None:
        self.items: dict[str, Path] = {}
        self.packaged: dict[str, str] = {}  # item guid -> the guid of a package that references it
        from ..io.readers import open_regular

        for path in sorted(directory.glob("*.xml")):
            try:
                with open_regular(path) as fh:  # never a FIFO (it would block) nor a device
                    head = fh.read(8192)
            except (OSError, ToolkitError):
                continue
            match = _ROOT_GUID.search(_strip_comments(head))
            if not match:
                continue
            root, guid = match.group(1).decode("ascii"), match.group(2).decode("utf-8", "replace").strip()
            if root == "newsItem" and guid:
                self.items.setdefault(guid, path)
            elif root == "packageItem" and guid:
                try:
                    with open_regular(path) as fh:
                        data = fh.read(1 << 20)
                except (OSError, ToolkitError):
                    continue
                for ref in _RESIDREF.findall(data):
                    self.packaged.setdefault(ref.decode("utf-8", "replace").strip(), guid)

    def item_path(self, guid: str) -> Path | None:
        return self.items.get(guid)

    def package_of(self, guid: str) -> str | None:
        return self.packaged.get(guid) if guid in self.items else None


_ROOT_GUID = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?(newsItem|packageItem)\b[^>]*?\sguid\s*=\s*[\"']([^\"']+)[\"']")
_RESIDREF = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?itemRef\b[^>]*?\sresidref\s*=\s*[\"']([^\"']+)[\"']")
_FOLDERS: dict[tuple[str, int, int], _Folder] = {}


def _folder_of(options: ReadOptions) -> _Folder | None:
    """The index of the folder the input came from (None for stdin and messages)."""
    origin = getattr(options, "origin", None)
    if not origin:
        return None
    directory = Path(origin).parent
    try:
        st = directory.stat()
        count = sum(1 for _ in directory.glob("*.xml"))
    except OSError:
        return None
    key = (str(directory.resolve()), st.st_mtime_ns, count)
    folder = _FOLDERS.get(key)
    if folder is None:
        if len(_FOLDERS) > 64:
            _FOLDERS.clear()
        folder = _FOLDERS[key] = _Folder(directory)
    return folder


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
    """The stories of a ``newsMessage``: originals with their translations attached."""
    item_set = message.find(q("itemSet"))
    items = [el for el in (item_set if item_set is not None else ()) if isinstance(el.tag, str)]
    header = message.find(q("header"))
    header_refs = (
        [el.get("href").strip() for el in header.iterfind(q("catalogRef")) if el.get("href")]
        if header is not None
        else []
    )
    header_schemes = _schemes(header) if header is not None else []
    docs: list[Document] = []
    for el in items:
        if el.tag == q("newsItem"):
            doc = item_document(el, source, encoding)
            if header_refs or header_schemes:  # the message's catalogs apply to every item in it
                extra = doc.meta.extra.setdefault("newsml", {})
                extra["catalog_refs"] = list(dict.fromkeys([*header_refs, *extra.get("catalog_refs", [])]))
                extra["schemes"] = [*header_schemes, *extra.get("schemes", [])]
            docs.append(doc)
    if not docs:
        refs = sum(1 for el in items if el.tag == q("packageItem"))
        raise UnsupportedInputError(f"the newsMessage holds no newsItem ({refs} package(s))", path=source)
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
