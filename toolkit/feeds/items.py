"""Helpers shared by the feed readers: stable ids, dates, safe XML pre-checks."""

from __future__ import annotations

import calendar
import re
import time
from datetime import UTC, datetime
from typing import Any

from ..document import Document, content_id
from ..errors import InputError

_DTD_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE[^>\[]*\[", re.IGNORECASE)


def refuse_entities(data: bytes, source: str) -> None:
    """Refuse XML that declares entities or an internal DTD subset (XXE, billion laughs)."""
    head = data[:65536]
    if _DTD_ENTITY.search(head) or _DOCTYPE.search(head):
        raise InputError(
            "XML with a DTD internal subset or entity declarations is refused (XXE / entity expansion)", path=source
        )


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
