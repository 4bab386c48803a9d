"""ninjs (IPTC News in JSON) 1.x, 2.x and 3.x items -> Documents.

Accepts one item or an array of items. Field names are matched case-insensitively, which
covers 1.x/2.x (``versioncreated``, ``body_html``) and 3.x (``versionCreated``,
``bodies[].contentType``). A JSON file that is a serialised toolkit Document (or a list of
them) is read as such.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..document import Document
from ..errors import DocumentFormatError, InputError
from ..io.readers import ReadOptions
from .items import as_text, given, iso_date, item_id

_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")


def _lower(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k).lower(): v for k, v in obj.items()}
    return obj


def _pick(items: Any, *, prefer_role: str = "main") -> dict[str, Any] | None:
    """From ninjs 2/3 ``headlines``/``bodies``/``descriptions`` arrays, the main entry."""
    if not isinstance(items, list):
        return None
    entries = [_lower(i) for i in items if isinstance(i, dict) and isinstance(i.get("value"), str)]
    if not entries:
        return None
    main = [e for e in entries if (e.get("role") or "main") == prefer_role] or entries
    return main[0]


def _body(item: dict[str, Any]) -> tuple[str, str]:
    bodies = item.get("bodies")
    if isinstance(bodies, list):
        entries = [_lower(b) for b in bodies if isinstance(b, dict) and isinstance(b.get("value"), str)]
        html = [b for b in entries if (b.get("contenttype") or "").lower() in _HTML_TYPES]
        text = [b for b in entries if b not in html]
        if html:
            return html[0]["value"], "html"
        if text:
            return text[0]["value"], "text"
    if isinstance(item.get("body_html"), str) and item["body_html"].strip():
        return item["body_html"], "html"
    if isinstance(item.get("body_text"), str):
        return item["body_text"], "text"
    return "", "text"


def _name(value: Any) -> str | None:
    if isinstance(value, dict):
        value = _lower(value).get("name") or _lower(value).get("literal")
    if isinstance(value, list):
        names = [n for n in (_name(v) for v in value) if n]
        return ", ".join(names) or None
    return as_text(value) if isinstance(value, str) else None


def item_to_document(raw_item: dict[str, Any], source: str) -> Document:
    item = _lower(raw_item)
    body, kind = _body(item)
    headline = _pick(item.get("headlines"))
    title = as_text(headline["value"]) if headline else as_text(item.get("headline"))
    guid = as_text(item.get("uri")) or as_text(item.get("guid"))
    version = item.get("version")
    if not body.strip() and not title:
        raise InputError("ninjs item without a body or a headline", path=source)
    doc = Document.from_text(
        body,
        source=source,
        raw_format=kind,  # type: ignore[arg-type]
        id=item_id(guid, version, title, body),
    )
    doc.title = title
    doc.lang = as_text(item.get("language"))
    meta = doc.meta
    meta.guid = guid
    if isinstance(version, int) or (isinstance(version, str) and version.strip().isdigit()):
        meta.version = int(version)
    meta.published = (
        iso_date(item.get("firstcreated"))
        or iso_date(item.get("contentcreated"))
        or iso_date(item.get("versioncreated"))
    )
    modified = iso_date(item.get("versioncreated"))
    meta.modified = modified if modified != meta.published else None
    meta.byline = _name(item.get("by")) or _name(item.get("byline"))
    meta.copyright_holder = _name(item.get("copyrightholder"))
    meta.copyright_notice = as_text(item.get("copyrightnotice"))
    description = _pick(item.get("descriptions"))
    meta.description = as_text(description["value"]) if description else as_text(item.get("description_text"))
    keywords = item.get("keywords")
    if isinstance(keywords, list):
        meta.keywords = [k for k in (as_text(v) for v in keywords if isinstance(v, str)) if k]
    infosources = item.get("infosources")
    if isinstance(infosources, list) and infosources:
        meta.provider = _name(infosources[0])
    given(
        doc,
        *[
            n
            for n, v in (
                ("title", title),
                ("lang", doc.lang),
                ("guid", guid),
                ("published", meta.published),
                ("byline", meta.byline),
            )
            if v
        ],
    )
    return doc


def read_json(data: bytes, source: str, options: ReadOptions) -> Iterator[Document]:
    """A ``.json`` file: ninjs item(s), or serialised toolkit Document(s)."""
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(f"JSON must be UTF-8 (invalid byte at {exc.start})", path=source) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", path=source) from None
    items = parsed if isinstance(parsed, list) else [parsed]
    if not items:
        raise InputError("empty JSON array", path=source)
    for number, item in enumerate(items, 1):
        where = source if len(items) == 1 else f"{source}#{number}"
        if not isinstance(item, dict):
            yield Document.failed_input(where, InputError("a ninjs item must be a JSON object", path=where))
            continue
        try:
            if "schema" in item and "id" in item:  # a serialised toolkit Document
                doc = Document.from_dict(item)
                doc.source = doc.source or where
                yield doc
            else:
                yield item_to_document(item, where)
        except (InputError, DocumentFormatError) as exc:
            exc.path = where
            yield Document.failed_input(where, exc)
