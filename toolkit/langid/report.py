"""What ``toolkit detect`` says of a document (or of one line): a record, and its text line."""

from __future__ import annotations

from typing import Any

from ..document import Document
from ..errors import printable


def script_of(doc: Document) -> str | None:
    """The script of the document's language: from its tag, else from its paragraphs."""
    from . import LANGUAGES, label_of

    if not doc.lang or doc.lang == "und":
        return None
    try:
        return LANGUAGES[label_of(doc.lang)].script
    except ValueError:
        scripts = [p.script for p in doc.paragraphs if p.lang == doc.lang and p.script]
        return max(set(scripts), key=scripts.count) if scripts else None


def detection_record(doc: Document, *, paragraphs: bool = False, line: bool = False) -> dict[str, Any]:
    """The detection of ``doc`` as a JSON-able record; ``line``: a document made of one input line
    (``toolkit.inputs.read_lines``); ``paragraphs``: each paragraph's language too."""
    if line:
        return {
            "source": doc.source,
            "line": doc.extra.get("line"),
            "lang": doc.lang,
            "confidence": round(doc.lang_confidence or 0.0, 4),
            "script": script_of(doc),
        }
    record: dict[str, Any] = {
        "source": doc.source or doc.id,
        "lang": doc.lang,
        "confidence": doc.lang_confidence,
        "script": script_of(doc),
        "mixed": doc.mixed,
        "languages": doc.extra.get("langid", {}).get("letters", {}),
    }
    if paragraphs:
        record["paragraphs"] = [
            {"lang": p.lang, "script": p.script, "confidence": p.confidence, "text": p.text} for p in doc.paragraphs
        ]
    return record


def detection_text(record: dict[str, Any], *, prefix: bool = True) -> str:
    """A record as tab-separated text: source, tag, confidence, script (``mixed``), then one
    indented line per paragraph; a line's record as ``source:N`` (no source with ``prefix=False``)."""
    conf = f"{record['confidence'] or 0.0:.3f}"
    fields = f"{record['lang']}\t{conf}\t{record['script'] or '-'}"
    if "line" in record:
        return f"{printable(record['source'])}:{record['line']}\t{fields}" if prefix else fields
    text = f"{printable(record['source'])}\t{fields}" + ("\tmixed" if record["mixed"] else "")
    for i, p in enumerate(record.get("paragraphs", ()), 1):
        preview = printable(p["text"] if len(p["text"]) <= 60 else p["text"][:59] + "…")
        text += f"\n  {i}\t{p['lang']}\t{p['confidence'] or 0.0:.3f}\t{p['script'] or '-'}\t{preview}"
    return text
