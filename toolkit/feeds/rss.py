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


def read_feed(data: bytes, source: str, options: ReadOptions) -> Iterator[Document]:
    """Documents from an RSS or Atom feed; a feed that cannot be parsed fails as a whole."""
    if not data.strip():
        raise EmptyInputError("empty file", path=source)
    refuse_entities(data, source)
    import feedparser

    # a stream, never the bytes themselves: feedparser opens bytes that name a file (b"/etc/passwd")
    # as that file, and would read any local file a feed's content names
    parsed = feedparser.parse(io.BytesIO(data), sanitize_html=True, resolve_relative_uris=False)
    if not parsed.get("version"):
        reason = parsed.get("bozo_exception") or "not an RSS or Atom feed"
        raise InputError(f"cannot parse feed: {reason}", path=source)
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    feed = parsed.get("feed", {})
    provider = as_text(feed.get("title")) or as_text(feed.get("link"))
    feed_lang = as_text(feed.get("language"))
    produced = 0
    for number, entry in enumerate(parsed.get("entries", []), 1):
        body, kind = _body(entry)
        title = as_text(entry.get("title"))
        guid = as_text(entry.get("id")) or as_text(entry.get("link"))
        if not body.strip() and not title:
            continue
        doc = Document.from_text(
            body,
            source=f"{source}#{number}",
            raw_format=kind,  # type: ignore[arg-type]
            encoding=parsed.get("encoding"),
            id=item_id(guid, None, title, body),
        )
        doc.title = title
        doc.lang = as_text(entry.get("language")) or feed_lang
        meta = doc.meta
        meta.guid = guid
        meta.source_url = as_text(entry.get("link"))
        # dict.get: feedparser's own get() maps missing keys to others, with a warning
        updated = iso_from_struct(dict.get(entry, "updated_parsed"))
        meta.published = iso_from_struct(dict.get(entry, "published_parsed")) or updated
        modified = updated
        meta.modified = modified if modified != meta.published else None
        meta.byline = as_text(entry.get("author"))
        meta.provider = provider
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
        if problem is not None:
            doc.warn("malformed-feed", f"feed is not well-formed XML ({problem}); read leniently", processor="read")
        produced += 1
        yield doc
    if not produced:
        if problem is not None:
            raise InputError(f"cannot parse feed: {problem}", path=source)
        raise EmptyInputError("the feed has no items", path=source)
