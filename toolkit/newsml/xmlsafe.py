"""Parsing untrusted XML: no network, no external files, no DTDs, no entities.

Every XML document the toolkit reads (NewsML-G2 input, previous outputs, files given to
``toolkit validate``) goes through :func:`parse_xml`. The lxml parser is configured not to
resolve entities, load DTDs or touch the network, keeps libxml2's size and depth limits
(``huge_tree=False``), and any document that carries a document type declaration at all
is refused with :class:`~toolkit.errors.UnsafeInputError`: NewsML-G2 never needs one, and
refusing is safer than trying to defuse external entities ("XXE") or entity expansion
bombs ("billion laughs").
"""

from __future__ import annotations

import re

from lxml import etree

from ..errors import InputError, UnsafeInputError

_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT_TAG = re.compile(rb"<[A-Za-z_]")  # the first start tag: declarations can only come before it


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


def head_bytes(data: bytes, size: int = 65536) -> bytes:
    """The start of ``data`` as UTF-8 bytes (UTF-16/32 with a BOM transcoded), for sniffing."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            chunk = data[len(bom) : len(bom) + 4 * size]
            return chunk.decode(encoding, "ignore").encode("utf-8")[:size]
    return data[:size].removeprefix(b"\xef\xbb\xbf")


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
    try:
        root = etree.fromstring(data, parser())
    except etree.XMLSyntaxError as exc:
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
    return root
