"""``segment``: raw text -> normalised paragraphs, without removing anything else.

For input that is already clean (wire copy, feed items) or when cleaning is not wanted.
Blocks separated by blank lines become paragraphs; lines inside a block are joined with
a space; control characters are removed (and reported).
"""

from __future__ import annotations

from ..document import Document, Paragraph
from ..errors import EmptyDocumentError, ToolkitError
from ..pipeline import Processor
from ..text import normalize_line, split_blocks, strip_controls

_BLOCKS = (
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "blockquote",
    "pre",
    "tr",
    "br",
    "section",
    "article",
    "header",
    "footer",
    "figure",
    "figcaption",
    "table",
    "ul",
    "ol",
    "dd",
    "dt",
    "aside",
    "nav",
)

_BLOCK_SET = frozenset(_BLOCKS)


def html_to_blocks(markup: str) -> str:
    """Visible text of an HTML page with a blank line between block elements.

    The page is parsed like the cleaner parses it (:func:`~toolkit.processors.clean.html.parse_html`:
    no network, no DTD, entity declarations refused, libxml2's limits enforced, lone surrogates kept).
    """
    if not markup.strip():
        return ""
    from lxml import etree

    from .clean.html import parse_html

    root = parse_html(markup)
    if root is None:
        return ""
    etree.strip_elements(root, "script", "style", "noscript", "template", etree.Comment, with_tail=False)
    body = root.find("body")
    parts: list[str] = []
    # read, never assign: lxml refuses to take back the control characters its parser let in (&#8;)
    stack: list[tuple[object, bool]] = [(body if body is not None else root, False)]
    while stack:
        el, closing = stack.pop()
        block = el.tag in _BLOCK_SET  # type: ignore[attr-defined]
        if closing:
            parts.append("\n\n" if block else "")
            parts.append(el.tail or "")  # type: ignore[attr-defined]
            continue
        if block:
            parts.append("\n\n")
        parts.append(el.text or "")  # type: ignore[attr-defined]
        stack.append((el, True))
        stack.extend((child, False) for child in reversed(el))  # type: ignore[call-overload]
    return "".join(parts)


class Segment(Processor):
    """Split raw text into normalised paragraphs (no boilerplate removal)."""

    name = "segment"

    def __init__(self, *, allow_empty: bool = False) -> None:
        self.allow_empty = allow_empty

    def __call__(self, doc: Document) -> Document:
        if doc.paragraphs:  # already segmented (for example read back from JSONL)
            return doc
        try:
            raw = html_to_blocks(doc.raw) if doc.raw_format == "html" else doc.raw
        except ToolkitError as exc:  # a page the parser refuses: name the file
            exc.path = exc.path or doc.source or doc.id
            raise
        raw, removed = strip_controls(raw)
        if removed:
            doc.warn("control-characters", f"removed {removed} control character(s)", processor=self.name)
        paragraphs = []
        for block in split_blocks(raw):
            text = normalize_line(" ".join(block.splitlines()))
            if text:
                paragraphs.append(Paragraph(text))
        if not paragraphs and not self.allow_empty and not (doc.title and doc.title.strip()):  # headline-only
            raise EmptyDocumentError("no text left in the document", path=doc.source)
        doc.paragraphs = paragraphs
        return doc
