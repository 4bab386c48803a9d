"""Human-readable account of what cleaning did to a document (``toolkit clean --explain``)."""

from __future__ import annotations

from ...document import Document

_WIDTH = 72


def _short(text: str, width: int = _WIDTH) -> str:
    text = " ".join(text.split()) or repr(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def explain(doc: Document) -> str:
    """The removals of ``doc`` (line, rule, text, reason) and the metadata cleaning found."""
    lines = [f"== {doc.source or doc.id}"]
    title = doc.title or "(none)"
    lines.append(f"title: {title}" + ("  [derived from the first sentence]" if doc.title_derived else ""))
    m = doc.meta
    facts = [
        ("published", m.published),
        ("modified", m.modified),
        ("byline", m.byline),
        ("photo credits", ", ".join(m.photo_credits) or None),
        ("copyright", f"{m.copyright_holder or '?'}, {m.copyright_year or '?'}" if m.copyright_notice else None),
        ("provider", m.provider),
        ("source url", m.source_url),
    ]
    lines += [f"{name}: {value}" for name, value in facts if value]
    if doc.extra.get("html_extraction"):
        lines.append(f"main text: {doc.extra['html_extraction']} path")
    lines.append(f"kept {len(doc.paragraphs)} paragraph(s); removed {len(doc.removed)} piece(s):")
    for r in doc.removed:
        where = f"L{r.line}" if r.line else "  -"
        lines.append(f"  {where:>5}  {r.rule:<15} {_short(r.text, 50)!s:<50}  {r.reason}")
    return "\n".join(lines)
