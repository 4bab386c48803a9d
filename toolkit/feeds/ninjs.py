"""ninjs (IPTC News in JSON) 1.x, 2.x and 3.x items -> Documents.

Accepts one item, an array of items, or an API envelope around them (AP's Media API:
``{"data": {"item": ...}}`` and ``{"data": {"items": [{"item": ...}]}}``, whose NITF body may
travel beside the item as ``"nitf": {"body_html": ...}``). Field names are matched
case-insensitively, which covers 1.x/2.x (``versioncreated``, ``body_html``,
``body_xhtml``), Superdesk's dialect (``guid``) and 3.x (``versionCreated``,
``headlines``/``bodies`` as arrays of objects, ``bodies[].contentType``).

* A text item gives a document; one with a headline and no body is a headline-only item (a flash).
* A collection (a composite or timeline whose own body is empty and whose ``associations``
  carry text items with their own text) gives one document per nested text item, in order.
* Pictures, graphics, video, audio and events (``type: event`` or ``eventDetails``, planning
  entries) are skipped with a reason (``ninjs-not-text``, ``ninjs-event``); an item with
  neither a headline nor a body is skipped as ``ninjs-empty``.

A JSON file that is a serialised toolkit Document (or a list of them) is read as such.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..document import Document
from ..errors import DocumentFormatError, InputError
from ..io.readers import ReadOptions
from .items import as_text, given, iso_date, item_id

PROCESSOR = "read"
_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml", "application/nitf+xml", "text/xml")
#: ninjs ``type`` values that are text; ``collection``/``composite`` may hold text of their own or nested items.
TEXT_TYPES = frozenset({"text", "composite", "collection"})
MEDIA_TYPES = frozenset({"picture", "graphic", "video", "audio", "component"})
EVENT_TYPES = frozenset({"event", "planning", "concept"})
#: Fields that make a JSON object a ninjs item (any version, case-insensitive).
NINJS_KEYS = frozenset(
    {"uri", "guid", "type", "headline", "headlines", "bodies", "body_html", "body_text", "body_xhtml",
     "versioncreated", "associations", "renditions", "eventdetails", "title", "descriptions"}
)  # fmt: skip
#: How deep associations are followed for nested items (a collection of collections).
MAX_NESTING = 4


def _lower(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k).lower(): v for k, v in obj.items()}
    return obj


def _value(entry: dict[str, Any]) -> str | None:
    value = entry.get("value")
    return value if isinstance(value, str) else None


def _pick(items: Any, *, prefer_roles: tuple[str, ...] = ("main", "")) -> dict[str, Any] | None:
    """From ninjs 2/3 ``headlines``/``bodies``/``descriptions`` arrays (or one such object), the main entry."""
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        return None
    entries = [_lower(i) for i in items if isinstance(i, dict) and (_value(_lower(i)) or "").strip()]
    if not entries:
        return None
    for role in prefer_roles:
        for entry in entries:
            if str(entry.get("role") or "").lower() == role:
                return entry
    return entries[0]


def _body(item: dict[str, Any]) -> tuple[str, str]:
    bodies = item.get("bodies")
    if isinstance(bodies, dict):
        bodies = [bodies]
    if isinstance(bodies, list):
        entries = [_lower(b) for b in bodies if isinstance(b, dict) and (_value(_lower(b)) or "").strip()]
        html = [b for b in entries if str(b.get("contenttype") or "").lower() in _HTML_TYPES]
        text = [b for b in entries if b not in html]
        if html:
            return html[0]["value"], "html"
        if text:
            return text[0]["value"], "text"
    for key in ("body_html", "body_xhtml", "body_richhtml"):
        if isinstance(item.get(key), str) and item[key].strip():
            return item[key], "html"
    if isinstance(item.get("body_text"), str) and item["body_text"].strip():
        return item["body_text"], "text"
    return "", "text"


def _headline(item: dict[str, Any]) -> str | None:
    headline = _pick(item.get("headlines"))
    if headline:
        return as_text(headline["value"])
    if isinstance(item.get("headline"), str) and item["headline"].strip():
        return as_text(item["headline"])
    return None


def _name(value: Any) -> str | None:
    if isinstance(value, dict):
        value = _lower(value).get("name") or _lower(value).get("literal")
    if isinstance(value, list):
        names = [n for n in (_name(v) for v in value) if n]
        return ", ".join(names) or None
    return as_text(value) if isinstance(value, str) else None


def _kind(item: dict[str, Any]) -> str | None:
    kind = item.get("type")
    return kind.strip().lower() if isinstance(kind, str) and kind.strip() else None


def _skip_reason(item: dict[str, Any]) -> tuple[str, str] | None:
    """(code, message) when the item is not text, else None."""
    kind = _kind(item)
    if kind in EVENT_TYPES or (kind is None and "eventdetails" in item) or (kind == "text" and "eventdetails" in item):
        return "ninjs-event", f"a ninjs {kind or 'event'} (event details, no story text): nothing to convert"
    if kind in MEDIA_TYPES:
        return "ninjs-not-text", f"a ninjs {kind} item: not text, nothing to convert"
    if kind is not None and kind not in TEXT_TYPES:
        body, _ = _body(item)
        if not body.strip():
            return "ninjs-not-text", f"a ninjs item of type {kind!r} without a body: not text, nothing to convert"
    return None


def _associations(item: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(name, nested item) of ``associations``: an object (1.x/2.x) or an array (3.x)."""
    assoc = item.get("associations")
    if isinstance(assoc, dict):
        pairs = [(str(k), v) for k, v in assoc.items()]
    elif isinstance(assoc, list):
        pairs = [(str(_lower(v).get("name") or i), v) for i, v in enumerate(assoc, 1) if isinstance(v, dict)]
    else:
        return []
    return [(name, _lower(v)) for name, v in pairs if isinstance(v, dict)]


def _nested_text(item: dict[str, Any]) -> bool:
    """A nested association that is a story of its own: text (or untyped), with a body or a headline."""
    if _skip_reason(item) is not None:
        return False
    body, _ = _body(item)
    return bool(body.strip() or _headline(item))


def item_to_document(raw_item: dict[str, Any], source: str, *, extra_body: str | None = None) -> Document:
    """One ninjs item as a Document (a skipped one when it is not text or holds nothing)."""
    item = _lower(raw_item)
    body, kind = _body(item)
    if not body.strip() and extra_body and extra_body.strip():
        body, kind = extra_body, "html"
    title = _headline(item)
    if title is None and not body.strip() and isinstance(item.get("title"), str):
        title = as_text(item["title"])  # no headline and no body: the item's title is all it has
    if title and body.strip() and kind == "text" and as_text(body) == title:
        body = ""  # a body that only repeats the headline: a headline-only item
    guid = as_text(item.get("uri")) or as_text(item.get("guid"))
    version = item.get("version")
    doc = Document.from_text(
        body,
        source=source,
        raw_format=kind,  # type: ignore[arg-type]
        id=item_id(guid, version, title, body),
    )
    doc.title = title
    language = item.get("language")
    doc.lang = as_text(language) if isinstance(language, str) else None
    meta = doc.meta
    meta.guid = guid
    if isinstance(version, int) and not isinstance(version, bool) and version > 0:
        meta.version = version
    elif isinstance(version, str) and version.strip().isdigit() and int(version) > 0:
        meta.version = int(version)
    meta.published = (
        iso_date(item.get("firstcreated"))
        or iso_date(item.get("contentcreated"))
        or iso_date(item.get("versioncreated"))
    )
    modified = iso_date(item.get("versioncreated"))
    meta.modified = modified if modified != meta.published else None
    meta.byline = _name(item.get("by")) or _name(item.get("byline")) or _name(item.get("bylines"))
    meta.copyright_holder = _name(item.get("copyrightholder"))
    meta.copyright_notice = (
        as_text(item.get("copyrightnotice")) if isinstance(item.get("copyrightnotice"), str) else None
    )
    description = _pick(item.get("descriptions"), prefer_roles=("summary", "main", ""))
    meta.description = as_text(description["value"]) if description else None
    for key in ("description_text", "description_summary"):
        if not meta.description and isinstance(item.get(key), str):
            meta.description = as_text(item[key])
    keywords = item.get("keywords")
    if isinstance(keywords, list):
        meta.keywords = [k for k in (as_text(v) for v in keywords if isinstance(v, str)) if k]
    infosources = item.get("infosources") or item.get("infosource")
    if isinstance(infosources, list) and infosources:
        meta.provider = _name(infosources[0])
    if not meta.provider and isinstance(item.get("provider"), str):
        meta.provider = as_text(item["provider"])
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
    reason = _skip_reason(item)
    if reason is not None:
        doc.skip(*reason, processor=PROCESSOR)
    elif not body.strip() and not title:
        doc.skip("ninjs-empty", "the ninjs item has no headline and no body", processor=PROCESSOR)
    return doc


def item_documents(
    raw_item: dict[str, Any], source: str, *, extra_body: str | None = None, depth: int = 0
) -> Iterator[Document]:
    """The documents of one item: itself, or, for a collection without text of its own, its nested
    text items (each its own story, ``SOURCE#name``). Nested items with a body of their own inside a
    story or an event (a live timeline) are stories too, after it."""
    item = _lower(raw_item)
    body, _ = _body(item)
    has_body = bool(body.strip() or (extra_body or "").strip())
    reason = _skip_reason(item)
    nested = [(name, a) for name, a in _associations(item) if _nested_text(a)] if depth < MAX_NESTING else []
    if reason is None and not has_body and nested:  # a collection: its items are the stories
        for name, assoc in nested:
            yield from item_documents(assoc, f"{source}#{name}", depth=depth + 1)
        return
    yield item_to_document(raw_item, source, extra_body=extra_body)
    for name, assoc in nested:
        if _body(assoc)[0].strip():
            yield from item_documents(assoc, f"{source}#{name}", depth=depth + 1)


def _envelope(obj: dict[str, Any]) -> list[tuple[dict[str, Any], str | None]] | None:
    """(item, extra NITF body) of an API envelope (AP Media API), None when ``obj`` is not one."""
    data = obj.get("data")
    if not isinstance(data, dict):
        return None
    nitf = obj.get("nitf")
    extra = nitf.get("body_html") if isinstance(nitf, dict) and isinstance(nitf.get("body_html"), str) else None
    if isinstance(data.get("item"), dict):
        return [(data["item"], extra)]
    if isinstance(data.get("items"), list):
        out = []
        for entry in data["items"]:
            if isinstance(entry, dict):
                inner = entry.get("item")
                out.append((inner if isinstance(inner, dict) else entry, None))
        return out
    return None


def read_json(data: bytes, source: str, options: ReadOptions) -> Iterator[Document]:
    """A ``.json`` file: ninjs item(s), or serialised toolkit Document(s)."""
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(f"JSON must be UTF-8 (invalid byte at {exc.start})", path=source) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", path=source) from None
    wrapped = _envelope(parsed) if isinstance(parsed, dict) else None
    if wrapped is not None:
        items: list[Any] = [item for item, _ in wrapped]
        extras = [extra for _, extra in wrapped]
        if not items:
            raise InputError("the API response holds no item", path=source)
    else:
        items = parsed if isinstance(parsed, list) else [parsed]
        extras = [None] * len(items)
        if not items:
            raise InputError("empty JSON array", path=source)
    for number, (item, extra) in enumerate(zip(items, extras, strict=True), 1):
        where = source if len(items) == 1 else f"{source}#{number}"
        if not isinstance(item, dict):
            yield Document.failed_input(where, InputError("a ninjs item must be a JSON object", path=where))
            continue
        try:
            if "schema" in item and "id" in item:  # a serialised toolkit Document
                doc = Document.from_dict(item)
                doc.source = doc.source or where
                yield doc
            elif not NINJS_KEYS & {str(k).lower() for k in item}:
                raise InputError(
                    "not a ninjs item: the object has none of uri, guid, type, headline(s), body or bodies",
                    path=where,
                )
            else:
                yield from item_documents(item, where, extra_body=extra)
        except (InputError, DocumentFormatError) as exc:
            exc.path = where
            yield Document.failed_input(where, exc)


__all__ = ["item_documents", "item_to_document", "read_json"]
