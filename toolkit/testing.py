"""Helpers for testing code that uses toolkit (and for toolkit's own tests)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .document import Document, Paragraph


def make_document(*paragraphs: str, title: str | None = None, lang: str | None = None, **fields: Any) -> Document:
    """A ready-made, already segmented document (id derived from its text)."""
    raw = "\n\n".join(([title] if title else []) + list(paragraphs))
    doc = Document.from_text(raw, source=fields.pop("source", None))
    doc.title = title
    doc.lang = lang
    doc.paragraphs = [Paragraph(p, lang) for p in paragraphs]
    for key, value in fields.items():
        if not hasattr(doc, key):
            raise AttributeError(f"Document has no field {key!r}")
        setattr(doc, key, value)
    return doc


def assert_round_trip(doc: Document) -> None:
    """Assert that ``doc`` survives JSON serialisation unchanged."""
    again = Document.from_dict(json.loads(json.dumps(doc.to_dict())))
    assert again == doc, f"round trip changed the document {doc.id}"


def texts(docs: Iterable[Document]) -> list[list[str]]:
    """Paragraph texts of each document (handy in assertions)."""
    return [[p.text for p in d.paragraphs] for d in docs]
