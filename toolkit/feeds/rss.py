"""RSS 2.0 / RSS 1.0 / Atom feeds -> one Document per entry (with feedparser).

The entry body is the feed's full content (``content:encoded`` / Atom ``content``) when
present, else its description/summary. HTML bodies are left as HTML (``raw_format="html"``)
for the cleaning processor.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

from ..document import Document
from ..errors import EmptyInputError, InputError
from ..io.readers import ReadOptions
from .items import as_text, given, iso_from_struct, item_id, refuse_entities

_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")


def _body(entry: Any) -> tuple[str, str]:
    for content in entry.get("content") or []:
        value = content.get("value") or ""
        if value.strip():
            return value, "html" if "html" in (content.get("type") or "html") else "text"
    summary = entry.get("summary") or ""
    detail = entry.get("summary_detail") or {}
    kind = "html" if "html" in (detail.get("type") or "text/html") or _TAG.search(summary) else "text"
    return summary, kind


#: A character reference to a code point XML 1.0 does not allow (a lone surrogate ``&#xD800;``, a
#: control character ``&#1;``, beyond U+10FFFF): feedparser's lenient parser fails the whole feed on
#: one (an internal error), so it is replaced before parsing by a noncharacter that marks the spot.
_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,16})|([0-9]{1,20}));")
_MARK = "\ufdd0"
_MARK_REF = b"&#xFDD0;"


def _xml_char(code: int) -> bool:
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


def _mark_bad_references(data: bytes) -> tuple[bytes, int]:
    """``data`` with references to characters XML does not allow replaced by a marker, and their count."""
    if b"&#" not in data:
        return data, 0
    count = 0

    def replace(match: re.Match[bytes]) -> bytes:
        nonlocal count
        hex_digits, digits = match.groups()
        code = int(hex_digits, 16) if hex_digits else int(digits)
        if _xml_char(code):
            return match.group(0)
        count += 1
        return _MARK_REF

    return _CHAR_REF.sub(replace, data), count


def _unmark(value: Any) -> tuple[Any, int]:
    """A feedparser value without the markers (and any lone surrogate), and how many were removed."""
    if isinstance(value, str):
        if _MARK in value or _SURROGATE.search(value):
            cleaned, n = _SURROGATE.subn("", value.replace(_MARK, "\ud800"))
            return cleaned, n
        return value, 0
    if isinstance(value, dict):
        total = 0
        out = type(value)()
        for key, item in value.items():
            out[key], n = _unmark(item)
            total += n
        return out, total
    if isinstance(value, list):
        total = 0
        items = []
        for item in value:
            cleaned, n = _unmark(item)
            items.append(cleaned)
            total += n
        return items, total
    return value, 0


_SURROGATE = re.compile("[\ud800-\udfff]")


def read_feed(data: bytes, source: str, options: ReadOptions) -> Iterator[Document]:
    """Documents from an RSS or Atom feed: one per entry. A feed that cannot be parsed fails as a
    whole; an entry that cannot be read fails alone; an entry with nothing in it is skipped."""
    if not data.strip():
        raise EmptyInputError("empty file", path=source)
    refuse_entities(data, source)
    import feedparser

    data, bad_references = _mark_bad_references(data)
    # a stream, never the bytes themselves: feedparser opens bytes that name a file (b"/etc/passwd")
    # as that file, and would read any local file a feed's content names
    parsed = feedparser.parse(io.BytesIO(data), sanitize_html=True, resolve_relative_uris=False)
    if not parsed.get("version"):
        reason = parsed.get("bozo_exception") or "not an RSS or Atom feed"
        raise InputError(f"cannot parse feed: {reason}", path=source)
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    feed, _ = _unmark(dict(parsed.get("feed", {})))
    produced = 0
    empty: list[Document] = []  # entries with nothing in them: skipped, unless the feed is broken
    for number, raw_entry in enumerate(parsed.get("entries", []), 1):
        where = f"{source}#{number}"
        try:
            entry, removed = _unmark(raw_entry) if bad_references else (raw_entry, 0)
            doc = entry_document(entry, feed, where, parsed.get("encoding"))
        except Exception as exc:  # one entry's fault never fails the feed
            doc, removed = Document.failed_input(where, exc), 0
        if removed:
            doc.warn(
                "invalid-character",
                "removed references to characters XML does not allow (a lone surrogate &#xD800;, ...) from the entry",
                processor="read",
            )
        if problem is not None and doc.status == "ok":
            doc.warn("malformed-feed", f"feed is not well-formed XML ({problem}); read leniently", processor="read")
        if doc.status == "skipped":
            empty.append(doc)
            continue
        yield from empty
        empty = []
        produced += 1
        yield doc
    if not produced:
        if problem is not None:
            raise InputError(f"cannot parse feed: {problem}", path=source)
        if not empty:
            raise EmptyInputError("the feed has no items", path=source)
    yield from empty


def entry_document(entry: Any, feed: Any, where: str, encoding: str | None = None) -> Document:
    """One feed entry as a Document: a title and no body is a headline-only item (a body that only
    repeats the title counts as none); an entry with neither is skipped."""
    body, kind = _body(entry)
    title = as_text(entry.get("title"))
    guid = as_text(entry.get("id")) or as_text(entry.get("link"))
    if title and body.strip() and as_text(_TAG.sub(" ", body)) == title:
        body = ""  # the summary repeats the title (heise's feeds): no body
    doc = Document.from_text(
        body,
        source=where,
        raw_format=kind,  # type: ignore[arg-type]
        encoding=encoding,
        id=item_id(guid, None, title, body),
    )
    doc.title = title
    doc.lang = as_text(entry.get("language")) or as_text(feed.get("language"))
    meta = doc.meta
    meta.guid = guid
    meta.source_url = as_text(entry.get("link"))
    # dict.get: feedparser's own get() maps missing keys to others, with a warning
    updated = iso_from_struct(dict.get(entry, "updated_parsed"))
    meta.published = iso_from_struct(dict.get(entry, "published_parsed")) or updated
    modified = updated
    meta.modified = modified if modified != meta.published else None
    meta.byline = as_text(entry.get("author"))
    meta.provider = as_text(feed.get("title")) or as_text(feed.get("link"))
    meta.keywords = [t for t in (as_text(tag.get("term")) for tag in entry.get("tags") or []) if t]
    summary = as_text(_TAG.sub(" ", entry.get("summary") or ""))
    if summary and entry.get("content"):
        meta.description = summary
    rights = as_text(entry.get("rights")) or as_text(feed.get("rights"))
    if rights:
        meta.copyright_notice = rights
    given(
        doc,
        *[
            name
            for name, value in (
                ("title", title),
                ("lang", doc.lang),
                ("guid", guid),
                ("published", meta.published),
                ("byline", meta.byline),
            )
            if value
        ],
    )
    if not body.strip() and not title:
        doc.skip("feed-empty-entry", "the feed entry has no title and no text", processor="read")
    return doc
