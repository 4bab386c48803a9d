"""``.xml`` inputs: look at the root element and hand the file to the right reader."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..document import Document
from ..errors import EmptyInputError, UnsupportedInputError
from ..io.readers import ReadOptions

_ROOT = re.compile(rb"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)[\s/>]")
_SKIP = re.compile(rb"\s*(<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(\[.*?\])?\s*>)", re.S | re.IGNORECASE)

FEED_ROOTS = {"rss", "feed", "RDF"}
NEWSML_ROOTS = {"newsItem", "packageItem", "newsMessage", "planningItem", "conceptItem", "knowledgeItem", "catalogItem"}


def root_name(data: bytes) -> str | None:
    """The local name of the root element, from the first bytes (no full parse)."""
    head = data[:16384].lstrip(b"\xef\xbb\xbf")
    pos = 0
    while True:
        match = _SKIP.match(head, pos)
        if not match:
            break
        pos = match.end()
    match = _ROOT.match(head, pos) or _ROOT.search(head, pos)
    return match.group(2).decode("ascii", "replace") if match else None


def read_xml(data: bytes, source: str, options: ReadOptions) -> Iterator[Document]:
    from ..newsml.xmlsafe import head_bytes, refuse_declarations

    if not data.strip():
        raise EmptyInputError("empty file", path=source)
    # before looking for the root: a long internal DTD subset would hide it, and none is allowed
    refuse_declarations(data, source, public_ids=None)
    root = root_name(data)
    if root is None:  # UTF-16/32: look again at the start transcoded to UTF-8
        root = root_name(head_bytes(data))
    if root in FEED_ROOTS:
        from .rss import read_feed

        yield from read_feed(data, source, options)
        return
    if root in NEWSML_ROOTS:
        from ..newsml.read import read_newsml

        yield from read_newsml(data, source, options)
        return
    if root == "html":  # XHTML with an XML declaration
        from ..io.readers import read_html

        yield from read_html(data, source, options)
        return
    raise UnsupportedInputError(f"unsupported XML document (root element {root or 'not found'!s})", path=source)
