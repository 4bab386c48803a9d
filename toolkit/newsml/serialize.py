"""NewsML-G2 elements -> bytes: UTF-8, XML declaration, indented, deterministic.

Attribute order is the order the builder sets them, namespace declarations sit on the
item root (NewsML-G2) and on the XHTML ``html`` element, so the same element always gives
the same bytes. Indentation only adds white space between elements: text content
(headline, paragraphs, ``inlineData``) is never touched.
"""

from __future__ import annotations

from lxml import etree

DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def to_bytes(element: etree._Element, *, pretty: bool = True) -> bytes:
    """The document for ``element``, UTF-8 encoded, with an XML declaration."""
    return DECLARATION + etree.tostring(element, encoding="UTF-8", xml_declaration=False, pretty_print=pretty)
