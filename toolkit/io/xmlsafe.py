"""Parsing untrusted XML: no network, no external files, no DTDs, no entities.

Every XML document the toolkit reads (NewsML-G2 input, previous outputs, files given to
``toolkit validate``) goes through :func:`parse_xml`. The lxml parser is configured not to
resolve entities, load DTDs or touch the network, keeps libxml2's size and depth limits
(``huge_tree=False``: 256 levels of nesting, 10 MB per text node or attribute), and any
document that carries a document type declaration at all is refused with
:class:`~toolkit.errors.UnsafeInputError`: NewsML-G2 never needs one, and refusing is safer
than trying to defuse external entities ("XXE") or entity expansion bombs ("billion
laughs"). XInclude is never processed, and a document that asks for it is refused too.

Feeds are parsed by feedparser (lenient, its own parser); :func:`refuse_declarations` and
:func:`check_limits` give them the same refusals and limits before feedparser sees them.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from lxml import etree

from ..errors import InputError, LimitError, UnsafeInputError

_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT_TAG = re.compile(rb"<[A-Za-z_]")  # the first start tag: declarations can only come before it
_ENTITY = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)
_SUBSET = re.compile(rb"<!\s*DOCTYPE[^>\[]*\[", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!\s*DOCTYPE\s+([^>\[]*)>", re.IGNORECASE)
_PUBLIC = re.compile(rb"\bPUBLIC\s+([\"'])(.*?)\1", re.IGNORECASE | re.S)
#: XInclude namespaces (the 2001 Recommendation and the 2003 draft lxml/libxml2 also know).
XINCLUDE_NAMESPACES = ("http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude")


def parser() -> etree.XMLParser:
    """A new hardened parser (lxml parsers must not be shared between threads)."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
        collect_ids=False,
    )


_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


#: UTF-16/32 without a byte-order mark, recognised by how ``<`` is encoded (XML 1.0, appendix F).
_BOMLESS = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)


def head_bytes(data: bytes, size: int = 65536) -> bytes:
    """The start of ``data`` as UTF-8 bytes (UTF-16/32 transcoded, with or without a BOM), for sniffing."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            chunk = data[len(bom) : len(bom) + 4 * size]
            return chunk.decode(encoding, "ignore").encode("utf-8")[:size]
    for start, encoding in _BOMLESS:
        if data.startswith(start):
            return data[: 4 * size].decode(encoding, "ignore").encode("utf-8")[:size]
    return data[:size].removeprefix(b"\xef\xbb\xbf")


_PROLOG_ITEM = re.compile(
    rb"<!--.*?(?:-->|$)|<\?.*?(?:\?>|$)|<!\s*DOCTYPE[^\[>]*(?:\[.*?\]\s*)?>|<[A-Za-z_]", re.S | re.IGNORECASE
)


def _prolog_end(head: bytes) -> int:
    """Where the root element starts (comments, processing instructions and the DOCTYPE skipped)."""
    pos = 0
    while (match := _PROLOG_ITEM.search(head, pos)) is not None:
        if match.group(0)[:1] == b"<" and match.group(0)[1:2] not in (b"!", b"?"):
            return match.start()
        pos = match.end()
    return len(head)


def refuse_declarations(
    data: bytes, source: str | None, *, public_ids: tuple[str, ...] | None = (), prolog_only: bool = False
) -> None:
    """Refuse entity declarations and internal DTD subsets in the first 64 KB (``prolog_only``:
    before the root element, for HTML whose text may quote them), and any DOCTYPE before the
    root element unless it names one of ``public_ids`` (such as RSS 0.91's; ``None``: any
    external DTD, as XHTML pages carry). Nothing is ever loaded either way: an allowed DOCTYPE
    is ignored."""
    head = head_bytes(data)
    end = _prolog_end(head)
    if end == len(head) and not prolog_only and len(data) > len(head) and b"<!" in head:
        # a prolog of comments or declarations longer than what is looked at could hide a DTD
        raise UnsafeInputError("XML whose root element does not start in its first 64 KB is refused", path=source)
    if _ENTITY.search(head, 0, end if prolog_only else len(head)) or _SUBSET.search(head, 0, end):
        raise UnsafeInputError(
            "XML with a DTD internal subset or entity declarations is refused (XXE / entity expansion)", path=source
        )
    doctype = _DOCTYPE.search(head, 0, end)
    if doctype is None or public_ids is None:
        return
    public = _PUBLIC.search(doctype.group(1))
    if public is None or public.group(2).decode("ascii", "replace").strip() not in public_ids:
        raise UnsafeInputError(
            "XML with an external DTD (DOCTYPE ... SYSTEM/PUBLIC) is refused: DTDs are never loaded", path=source
        )


def refuse_xinclude(data: bytes, source: str) -> None:
    """Refuse a document that declares the XInclude namespace (XInclude is never processed)."""
    text = head_bytes(data, len(data))  # UTF-8 whatever the input's encoding
    if any(ns.encode("ascii") in text for ns in XINCLUDE_NAMESPACES):
        raise UnsafeInputError("XML with XInclude is refused (included files are never read)", path=source)


def _limit_error(error: Any, source: str) -> LimitError:
    where = f" (line {error.line}, column {error.column})" if error.line else ""
    message = error.message.split(", use XML_PARSE_HUGE")[0].split(", try XML_PARSE_HUGE")[0].strip()
    return LimitError(f"XML beyond the parser's safety limits: {message}{where}", path=source)


def check_limits(data: bytes, source: str) -> None:
    """Raise LimitError when ``data`` goes beyond libxml2's safety limits (nesting deeper than
    256 levels, a text node or attribute over 10 MB), even when it is not well-formed: a
    recovering parse of the hardened parser, for readers that parse with another library."""
    lenient = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True, collect_ids=False
    )
    with contextlib.suppress(etree.XMLSyntaxError, ValueError):  # not XML at all: the reader says so
        etree.fromstring(data, lenient)
    for error in lenient.error_log:
        if error.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
            raise _limit_error(error, source)


def parse_xml(data: bytes, source: str) -> etree._Element:
    """The root element of ``data``; raises InputError (UnsafeInputError for DTDs) naming ``source``.

    A parse error carries ``line`` and ``column`` attributes.
    """
    head = head_bytes(data)
    root_tag = _ROOT_TAG.search(head)
    match = _DECLARATION.search(head, 0, root_tag.start() if root_tag else len(head))
    if match is not None:
        kind = match.group(1).decode("ascii").upper()
        raise UnsafeInputError(
            f"XML with a {kind} declaration is refused (DTDs and entities are not allowed)", path=source
        )
    xml_parser = parser()
    try:
        root = etree.fromstring(data, xml_parser)
    except etree.XMLSyntaxError as exc:
        for error in xml_parser.error_log:
            if error.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
                raise _limit_error(error, source) from None
        line = f" (line {exc.lineno}, column {exc.offset})" if exc.lineno else ""
        message = (exc.msg or str(exc)).split(", line ")[0]
        error = InputError(f"not well-formed XML: {message}{line}", path=source)
        error.line, error.column = exc.lineno or None, exc.offset or None  # type: ignore[attr-defined]
        raise error from None
    except ValueError as exc:  # e.g. an encoding lxml cannot handle
        raise InputError(f"cannot parse XML: {exc}", path=source) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeInputError(
            "XML with a DOCTYPE declaration is refused (DTDs and entities are not allowed)", path=source
        )
    wide = data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]  # UTF-16/32: no bytes to search
    if (wide or b"XInclude" in data) and any(True for ns in XINCLUDE_NAMESPACES for _ in root.iter(f"{{{ns}}}*")):
        raise UnsafeInputError("XML with XInclude is refused (included files are never read)", path=source)
    return root
