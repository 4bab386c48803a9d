"""Built-in output formats: ``jsonl`` (the full Document) and ``txt`` (cleaned text).

Output names derive from the document id and the language, so a re-run overwrites the
same files instead of adding copies. Other formats (NewsML-G2, ninjs) live in their own
modules and are found through :data:`toolkit.registry.FORMATS`.
"""

from __future__ import annotations

from ..document import Document
from ..text import utf8
from .writers import Rendered, safe_name


def render_text(title: str | None, paragraphs: list[str]) -> str:
    """Cleaned text: the title, a blank line, then paragraphs separated by blank lines."""
    parts = ([title] if title else []) + paragraphs
    return "\n\n".join(parts) + "\n"


class JsonlFormat:
    """One file per document holding one JSON line: the whole Document."""

    name = "jsonl"

    def __init__(self, *, outdir: str | None = None) -> None:
        self.outdir = outdir

    def render(self, doc: Document) -> list[Rendered]:
        data = (doc.to_json() + "\n").encode("utf-8")
        return [Rendered(f"{safe_name(doc.id)}.jsonl", data, doc.lang)]


class TextFormat:
    """One ``ID.LANG.txt`` file per language version (the original and each translation)."""

    name = "txt"

    def __init__(self, *, outdir: str | None = None) -> None:
        self.outdir = outdir

    def render(self, doc: Document) -> list[Rendered]:
        lang = doc.lang or "und"
        out = [
            Rendered(
                f"{safe_name(doc.id)}.{safe_name(lang)}.txt",
                utf8(render_text(doc.title, [p.text for p in doc.paragraphs])),
                lang,
            )
        ]
        for tlang, tr in sorted(doc.translations.items()):
            text = render_text(tr.title, [p.text for p in tr.paragraphs])
            out.append(Rendered(f"{safe_name(doc.id)}.{safe_name(tlang)}.txt", utf8(text), tlang))
        return out
