"""Helpers for testing code that uses toolkit (and for toolkit's own tests)."""

from __future__ import annotations

import json
import os
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


def assert_valid_newsml(
    xml: bytes | str | os.PathLike[str], *, profile: bool = True, schemas: Iterable[str] | None = None
) -> None:
    """Assert that a NewsML-G2 document (bytes, or a path) is valid against IPTC's 2.35 schema
    and, unless ``profile=False``, the toolkit profile. The message lists every problem with
    its line number. Unsafe XML (DTDs, entities) fails too.
    """
    from .newsml.validate import validate_bytes

    if isinstance(xml, bytes):
        data, where = xml, "<bytes>"
    else:
        where = os.fspath(xml)
        with open(where, "rb") as fh:
            data = fh.read()
    names = list(schemas) if schemas is not None else (["profile", "iptc"] if profile else ["iptc"])
    issues = validate_bytes(data, where, names)
    assert not issues, f"{where} is not valid NewsML-G2:\n" + "\n".join(f"  {issue}" for issue in issues)


def texts(docs: Iterable[Document]) -> list[list[str]]:
    """Paragraph texts of each document (handy in assertions)."""
    return [[p.text for p in d.paragraphs] for d in docs]


class FakeTranslator:
    """A deterministic stand-in for the ``translate`` step, for testing pipelines without models.

    Each target gets a :class:`~toolkit.document.Translation` whose title and paragraphs are
    the source texts prefixed with ``[LANG] `` (paragraph structure kept, provenance filled
    with ``engine="fake"``), so code downstream of translation can be tested offline and fast::

        pipeline = Pipeline.from_names(["clean", "langid"])
        pipeline.add(FakeTranslator(["kk-Cyrl", "ru"]), name="translate")
    """

    name = "translate"

    def __init__(self, to: Iterable[str] = ("kk-Cyrl", "ru", "uz-Latn")) -> None:
        self.targets = list(to)

    def __call__(self, doc: Document) -> Document:
        from .document import Translation

        source = doc.lang or "und"
        translations = dict(doc.translations)
        for lang in self.targets:
            if lang == source:
                continue
            translations[lang] = Translation(
                lang=lang,
                title=f"[{lang}] {doc.title}" if doc.title else None,
                paragraphs=[Paragraph(f"[{lang}] {p.text}", lang, None, 1.0) for p in doc.paragraphs],
                source_lang=source,
                engine="fake",
                model="fake-translator",
                model_version="1",
                route=[source, lang],
            )
        doc.translations = translations
        return doc
