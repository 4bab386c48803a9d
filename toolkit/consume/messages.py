"""Broker messages: what comes in (read into Documents like a file) and what goes out.

A message is read as a file of unknown name would be, with two additions for what a
broker carries that a file does not: a JSON message is one record (a ninjs item, a
serialised Document, ``{"text": ...}``), pretty-printed or not; and a lone RSS ``<item>``
or Atom ``<entry>`` (an entry sent on its own, without its feed) is read as a feed of one
entry. A ``toolkit-format`` header (``xml``, ``json``, ``rss``, ``txt``, ``html``, ...)
or a ``content-type`` header chooses the reader instead.

Every output file of a processed message is published as one message: the item's bytes
as the value, the story key as the message key (so the versions of a story stay in one
partition and in order), and the guid, version, language, story, name and media type as
headers (:func:`output_headers`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..document import Document
from ..errors import DocumentFormatError
from ..formats import OutputFile
from ..inputs import read_bytes, read_record
from ..io.readers import ReadOptions

#: Header naming the reader of a message (a reader suffix: txt, html, json, jsonl, xml, rss, atom).
FORMAT_HEADER = "toolkit-format"

_CONTENT_TYPES = {
    "application/json": "json",
    "application/ninjs+json": "json",
    "application/x-ninjs+json": "json",
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/vnd.iptc.g2.newsitem+xml": "xml",
    "application/vnd.iptc.g2.packageitem+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/html": "html",
    "text/plain": "txt",
}
_LONE_ENTRY = re.compile(rb"^(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(?:[a-z0-9_]+:)?(entry|item)[\s>]", re.I | re.S)
_ATOM_NS = b'xmlns="http://www.w3.org/2005/Atom"'


@dataclass(slots=True)
class Message:
    """One message taken from a broker.

    ``origin`` names it everywhere (results, logs, dead letters): ``kafka:TOPIC/PARTITION@OFFSET``
    or ``redis:STREAM@ID``. ``deliveries`` counts the times it was handed to a consumer without
    being finished (1: the first time). ``handle`` is the broker's own reference.
    """

    origin: str
    value: bytes
    key: bytes | None = None
    headers: dict[str, bytes] = field(default_factory=dict)
    deliveries: int = 1
    handle: Any = None
    timestamp: float | None = None  # when it was produced (seconds since the epoch), when known

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        return value.decode("utf-8", "replace") if value is not None else None


def message_format(msg: Message) -> str | None:
    """The reader the message's headers ask for, or None (sniff the content)."""
    fmt = msg.header(FORMAT_HEADER)
    if fmt:
        return fmt.strip().lstrip(".").lower()
    ctype = (msg.header("content-type") or "").split(";")[0].strip().lower()
    return _CONTENT_TYPES.get(ctype)


def read_message(msg: Message, options: ReadOptions | None = None) -> list[Document]:
    """The documents of one message (a bad message gives one failed document naming its origin)."""
    options = options or ReadOptions()
    data = msg.value
    fmt = message_format(msg)
    head = data[:256].lstrip(b"\xef\xbb\xbf \t\r\n")
    if fmt in (None, "json") and head.startswith(b"{"):
        try:
            record = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
            error = DocumentFormatError(f"invalid JSON: {reason}", path=msg.origin)
            return [Document.failed_input(msg.origin, error)]
        return [read_record(record, msg.origin)]
    if fmt in (None, "xml", "rss", "atom") and (match := _LONE_ENTRY.match(head)) is not None:
        data, fmt = _as_feed(data, match.group(3).lower() == b"entry"), ("atom" if fmt == "atom" else "rss")
    return list(read_bytes(data, msg.origin, format=fmt, options=options))


def _as_feed(data: bytes, atom: bool) -> bytes:
    """A lone entry wrapped in a feed of one entry (its XML declaration dropped)."""
    body = re.sub(rb"^\s*<\?xml[^>]*>", b"", data.lstrip(b"\xef\xbb\xbf"), count=1)
    if atom:
        ns = b"" if _ATOM_NS in body[:512] else b" " + _ATOM_NS
        return b'<?xml version="1.0" encoding="utf-8"?><feed' + ns + b">" + body + b"</feed>"
    return b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>' + body + b"</channel></rss>"


def output_headers(story: str, out: OutputFile) -> dict[str, str]:
    """The headers of a published output: what a receiver needs without parsing the item."""
    headers = {"story": story, "name": out.name, "content-type": out.media_type}
    if out.guid:
        headers["guid"] = out.guid
    if out.version is not None:
        headers["version"] = str(out.version)
    if out.lang:
        headers["lang"] = out.lang
    return headers


@dataclass(slots=True)
class Outgoing:
    """One message to publish: the story key, the bytes and the headers."""

    key: str
    value: bytes
    headers: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "value": self.value.decode("utf-8", "surrogateescape"), "headers": self.headers}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Outgoing:
        return cls(str(data["key"]), str(data["value"]).encode("utf-8", "surrogateescape"), dict(data["headers"]))


def dead_letter_headers(msg: Message, code: str | None, error: str | None) -> dict[str, str]:
    """Headers of a dead letter: the original headers, the origin, the error and the deliveries."""
    headers = {k: v.decode("utf-8", "replace") for k, v in msg.headers.items()}
    headers.update(
        {
            "toolkit-origin": msg.origin,
            "toolkit-error-code": code or "failed",
            "toolkit-error": (error or "")[:2000],
            "toolkit-deliveries": str(msg.deliveries),
        }
    )
    return headers


__all__ = [
    "FORMAT_HEADER",
    "Message",
    "Outgoing",
    "dead_letter_headers",
    "message_format",
    "output_headers",
    "read_message",
]
