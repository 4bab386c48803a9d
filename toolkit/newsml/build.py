"""Story data -> NewsML-G2 elements (lxml): ``newsItem``, ``packageItem``, ``newsMessage``.

Elements are laid out in the order the 2.35 schema requires:

* item root: ``catalogRef``, ``catalog``, ``hopHistory``, ``rightsInfo``, ``itemMeta``,
  ``contentMeta``, then ``contentSet`` (newsItem) or ``groupSet`` (packageItem);
* ``itemMeta``: itemClass, provider, versionCreated, firstCreated, pubStatus, generator,
  title, signal, link;
* ``contentMeta``: contentCreated, contentModified, contributor, infoSource (the
  administrative group), then language, keyword, headline, by, creditline, description.

Only the version and the times come from outside (:class:`Stamp`): everything else is
in the :class:`~toolkit.newsml.model.ItemModel`, so the same model and stamp always give
the same element.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from .model import ItemModel, Link, PackageModel, Party
from .vocab import (
    CONFORMANCE,
    DESC_SUMMARY,
    GENERATOR,
    GROUP_MAIN,
    IPTC_CATALOG,
    ITEM_COMPOSITE,
    ITEM_TEXT,
    MODE_ALT,
    NAR,
    NEWSITEM_TYPE,
    OWN_SCHEMES,
    SIG_UPDATE,
    STANDARD,
    STANDARD_VERSION,
    STAT_USABLE,
    TARGET_CONTENT,
    TEXT_TYPE,
    XHTML,
    XHTML_TYPE,
    XML_LANG,
    q,
)

_NSMAP = {None: NAR}
_XHTML_NSMAP = {None: XHTML}
_NAMES = (
    "newsItem",
    "packageItem",
    "newsMessage",
    "header",
    "sent",
    "sender",
    "itemSet",
    "catalogRef",
    "catalog",
    "scheme",
    "name",
    "definition",
    "hopHistory",
    "hop",
    "party",
    "action",
    "rightsInfo",
    "copyrightHolder",
    "copyrightNotice",
    "itemMeta",
    "itemClass",
    "provider",
    "versionCreated",
    "firstCreated",
    "pubStatus",
    "generator",
    "title",
    "signal",
    "link",
    "contentMeta",
    "contentCreated",
    "contentModified",
    "contributor",
    "infoSource",
    "note",
    "language",
    "keyword",
    "headline",
    "by",
    "creditline",
    "description",
    "contentSet",
    "inlineXML",
    "inlineData",
    "groupSet",
    "group",
    "itemRef",
)
_T = {name: q(name) for name in _NAMES}
_H = {name: q(name, XHTML) for name in ("html", "head", "title", "body", "p")}


@dataclass(frozen=True, slots=True)
class Stamp:
    """What changes from one version of an item to the next, besides its content."""

    version: int
    version_created: str  # UTC xs:dateTime
    first_created: str
    generator_version: str  # toolkit version that wrote this version


@dataclass(frozen=True, slots=True)
class ItemRef:
    """A package's reference to one language version."""

    guid: str
    version: int
    lang: str
    headline: str
    href: str | None = None


_SubElement = etree.SubElement


def _sub(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = _SubElement(parent, _T[name], attrs) if attrs else _SubElement(parent, _T[name])
    if text is not None:
        el.text = text
    return el


def _root(name: str, guid: str, version: int, lang: str, rtl: bool = False) -> etree._Element:
    root = etree.Element(_T[name], nsmap=_NSMAP)
    root.set("guid", guid)
    root.set("version", str(version))
    root.set("standard", STANDARD)
    root.set("standardversion", STANDARD_VERSION)
    root.set("conformance", CONFORMANCE)
    root.set(XML_LANG, lang)
    if rtl:
        root.set("dir", "rtl")
    return root


def _own_catalog() -> etree._Element:
    """The ``catalog`` of our own schemes (built once; items get copies)."""
    holder = etree.Element(_T["newsItem"], nsmap=_NSMAP)  # the same namespace context as an item
    catalog = _sub(holder, "catalog")
    for scheme in OWN_SCHEMES:
        el = _sub(catalog, "scheme", alias=scheme.alias, uri=scheme.uri)
        _sub(el, "name", scheme.name, **{XML_LANG: "en"})
        _sub(el, "definition", scheme.definition, **{XML_LANG: "en"})
    return catalog


_OWN_CATALOG: etree._Element | None = None


def _catalogs(root: etree._Element, refs: Sequence[str] = (), schemes: Sequence[tuple[str, str]] = ()) -> None:
    """IPTC's catalog, our own schemes, and any others an item read back relied on."""
    global _OWN_CATALOG
    _sub(root, "catalogRef", href=IPTC_CATALOG)
    for href in refs:
        _sub(root, "catalogRef", href=href)
    if _OWN_CATALOG is None:
        _OWN_CATALOG = _own_catalog()
    catalog = copy.deepcopy(_OWN_CATALOG)  # a C-level copy: cheaper than building it again
    root.append(catalog)
    for alias, uri in schemes:
        _sub(catalog, "scheme", alias=alias, uri=uri)


def _party(parent: etree._Element, name: str, party: Party) -> etree._Element:
    el = _sub(parent, name)
    if party.role:
        el.set("role", party.role)
    if party.qcode:
        el.set("qcode", party.qcode)
    if party.uri:
        el.set("uri", party.uri)
    if party.literal:
        el.set("literal", party.literal)
    _sub(el, "name", party.name)
    if party.note:
        _sub(el, "note", party.note)
    return el


def _link(parent: etree._Element, link: Link) -> None:
    el = _sub(parent, "link", rel=link.rel)
    if link.href:
        el.set("href", link.href)
    if link.residref:
        el.set("residref", link.residref)
    if link.version:
        el.set("version", str(link.version))
    if link.contenttype:
        el.set("contenttype", link.contenttype)
    if link.title:
        el.set("title", link.title)
    if link.lang:
        el.set(XML_LANG, link.lang)


def _item_meta(
    root: etree._Element,
    item_class: str,
    provider: Party,
    stamp: Stamp,
    *,
    title: str | None = None,
    links: Sequence[Link] = (),
) -> None:
    meta = _sub(root, "itemMeta")
    _sub(meta, "itemClass", qcode=item_class)
    _party(meta, "provider", provider)
    _sub(meta, "versionCreated", stamp.version_created)
    _sub(meta, "firstCreated", stamp.first_created)
    _sub(meta, "pubStatus", qcode=STAT_USABLE)
    _sub(meta, "generator", GENERATOR, versioninfo=stamp.generator_version)
    if title:
        _sub(meta, "title", title)
    if stamp.version > 1:
        _sub(meta, "signal", qcode=SIG_UPDATE)
    for link in links:
        _link(meta, link)


def news_item(
    item: ItemModel, stamp: Stamp, *, source_version: int | None = None, plain_text: bool = False
) -> etree._Element:
    """The ``newsItem`` of one language version (``source_version``: a translation's source item version)."""
    root = _root("newsItem", item.guid, stamp.version, item.lang, item.rtl)
    _catalogs(root, item.catalog_refs, item.schemes)

    history = _sub(root, "hopHistory")
    for seq, hop in enumerate(item.hops, 1):
        el = _sub(history, "hop", seq=str(seq))
        timestamp = stamp.version_created if hop.ours else hop.timestamp
        if timestamp:
            el.set("timestamp", timestamp)
        if hop.party is not None:
            _party(el, "party", hop.party)
        _sub(el, "action", qcode=hop.action, target=TARGET_CONTENT)

    if item.copyright_holder or item.notices:
        rights = _sub(root, "rightsInfo")
        if item.copyright_holder:
            holder = _sub(rights, "copyrightHolder")
            _sub(holder, "name", item.copyright_holder)
        for notice in item.notices:
            el = _sub(rights, "copyrightNotice", notice.text)
            if notice.lang and notice.lang != item.lang:
                el.set(XML_LANG, notice.lang)

    links = list(item.links)
    if item.translation_of is not None:
        source = item.translation_of
        links.insert(
            0,
            Link(
                rel=source.rel,
                residref=source.residref,
                version=source_version,
                contenttype=source.contenttype,
                lang=source.lang,
                title=source.title,
            ),
        )
    _item_meta(root, ITEM_TEXT, item.provider, stamp, links=links)

    content = _sub(root, "contentMeta")
    if item.content_created:
        _sub(content, "contentCreated", item.content_created)
    if item.content_modified:
        _sub(content, "contentModified", item.content_modified)
    for party in item.contributors:
        _party(content, "contributor", party)
    if item.info_source is not None:
        _party(content, "infoSource", item.info_source)
    _sub(content, "language", tag=item.lang)
    for keyword in item.keywords:
        el = _sub(content, "keyword", keyword)
        if item.keywords_lang and item.keywords_lang != item.lang:
            el.set(XML_LANG, item.keywords_lang)
    _sub(content, "headline", item.headline)
    if item.by:
        _sub(content, "by", item.by)
    for credit in item.creditlines:
        _sub(content, "creditline", credit)
    if item.description:
        _sub(content, "description", item.description, role=DESC_SUMMARY)

    if item.headline_only:  # a flash: the headline is the whole story, no contentSet (IPTC: optional)
        return root
    content_set = _sub(root, "contentSet")
    inline = _sub(content_set, "inlineXML", contenttype=XHTML_TYPE, wordcount=str(item.wordcount))
    inline.set(XML_LANG, item.lang)
    html = etree.SubElement(inline, _H["html"], nsmap=_XHTML_NSMAP)
    head = etree.SubElement(html, _H["head"])
    etree.SubElement(head, _H["title"]).text = item.headline
    body = etree.SubElement(html, _H["body"])
    p_tag = _H["p"]
    if item.paragraph_langs:  # a mixed document: say which paragraphs are in another language
        for text, lang in zip(item.paragraphs, item.paragraph_langs, strict=True):
            p = _SubElement(body, p_tag, {XML_LANG: lang}) if lang else _SubElement(body, p_tag)
            p.text = text
    else:
        for text in item.paragraphs:
            _SubElement(body, p_tag).text = text
    if plain_text:
        data = _sub(content_set, "inlineData", "\n\n".join(item.paragraphs), contenttype=TEXT_TYPE)
        data.set(XML_LANG, item.lang)
    return root


def package_item(pkg: PackageModel, refs: Sequence[ItemRef], stamp: Stamp) -> etree._Element:
    """The ``packageItem`` grouping the language versions of a story as alternatives."""
    root = _root("packageItem", pkg.guid, stamp.version, pkg.lang)
    _catalogs(root)
    _item_meta(root, ITEM_COMPOSITE, pkg.provider, stamp, title=pkg.title)
    content = _sub(root, "contentMeta")
    _sub(content, "language", tag=pkg.lang)
    _sub(content, "headline", pkg.headline)
    group_set = _sub(root, "groupSet", root="G1")
    group = _sub(group_set, "group", id="G1", role=GROUP_MAIN, mode=MODE_ALT)
    for ref in refs:
        el = _sub(group, "itemRef", residref=ref.guid, version=str(ref.version))
        if ref.href:
            el.set("href", ref.href)
        el.set("contenttype", NEWSITEM_TYPE)
        el.set(XML_LANG, ref.lang)
        _sub(el, "itemClass", qcode=ITEM_TEXT)
        _sub(el, "title", ref.headline)
    return root


def news_message(items: Sequence[etree._Element], sent: str, sender: str | None = None) -> etree._Element:
    """A ``newsMessage`` carrying ``items`` (package first, then the language versions)."""
    root = etree.Element(_T["newsMessage"], nsmap=_NSMAP)
    header = _sub(root, "header")
    _sub(header, "sent", sent)
    if sender:
        _sub(header, "sender", sender)
    item_set = _sub(root, "itemSet")
    for item in items:
        item_set.append(item)
    return root
