"""Helpers shared by the feed readers: stable ids, dates, safe XML pre-checks."""

from __future__ import annotations

import calendar
import time
from datetime import UTC, datetime
from typing import Any

from ..document import Document, content_id

#: The one DOCTYPE feeds may carry (RSS 0.91, Netscape's): accepted and ignored, never loaded.
RSS_091_PUBLIC_IDS = ("-//Netscape Communications//DTD RSS 0.91//EN",)


def refuse_entities(data: bytes, source: str) -> None:
    """Refuse feed XML that the hardened NewsML-G2 reader would refuse too: entity declarations or
    an internal DTD subset (XXE, billion laughs), an external DTD other than RSS 0.91's, XInclude,
    and documents beyond libxml2's limits (nesting over 256 levels, a text or attribute over 10 MB).
    feedparser never loads any of them, but refusing says so instead of reading a feed half-way."""
    from ..io.xmlsafe import check_limits, refuse_declarations, refuse_xinclude

    refuse_declarations(data, source, public_ids=RSS_091_PUBLIC_IDS)
    refuse_xinclude(data, source)
    check_limits(data, source)


def item_id(guid: str | None, version: Any, title: str | None, body: str) -> str:
    """A document id for a feed item: stable for identical re-deliveries, new for changed content."""
    return content_id("\n".join([guid or "", str(version or ""), title or "", body]))


def iso_from_struct(value: time.struct_time | None) -> str | None:
    """feedparser's UTC struct_time -> ISO 8601 (``2024-11-18T05:00:00Z``)."""
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, ValueError, OSError):
        return None


def iso_date(value: Any) -> str | None:
    """Normalise an ISO-ish date string; keep what parses, drop what does not."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.isoformat()
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def given(doc: Document, *fields: str) -> Document:
    """Record which fields came from the feed (documentation for downstream users)."""
    doc.meta.extra.setdefault("from_feed", [])
    for name in fields:
        if name not in doc.meta.extra["from_feed"]:
            doc.meta.extra["from_feed"].append(name)
    return doc


def as_text(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None
