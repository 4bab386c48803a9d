"""Shared helpers for the NewsML-G2 / ninjs tests."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from lxml import etree

from toolkit.document import Document, Paragraph, Translation

from .conftest import ROOT, SHARED

NAR = "http://iptc.org/std/nar/2006-10-01/"
XHTML = "http://www.w3.org/1999/xhtml"
NS = {"n": NAR, "h": XHTML}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NOW = "2025-03-01T10:00:00Z"
EXPECTATIONS = json.loads((ROOT / "tests" / "expectations" / "samples.json").read_text("utf-8"))


@functools.cache
def _official_schema(path: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(path))


def official_iptc_schema() -> etree.XMLSchema:
    """IPTC's official 2.35 XSD from the shared folder (not our shipped copy).

    Without the shared folder, the shipped copy is used: test_newsml_schemas checks that it
    is byte-identical whenever the shared folder is there.
    """
    path = SHARED / "newsml-g2" / "xsd" / "NewsML-G2_2.35-spec-All-Power.xsd"
    if not path.exists():
        from toolkit.newsml.validate import schema

        return schema("iptc")
    return _official_schema(str(path))


def assert_official_valid(data: bytes | Path, what: str = "") -> etree._Element:
    """Parse and validate against IPTC's official schema and our profile; return the root."""
    from toolkit.newsml.validate import schema

    raw = data.read_bytes() if isinstance(data, Path) else data
    root = etree.fromstring(raw)
    official = official_iptc_schema()
    assert official.validate(root), f"{what}: {official.error_log}"
    profile = schema("profile")
    assert profile.validate(root), f"{what}: {profile.error_log}"
    return root


def cleaned_sample(name: str) -> Document:
    """A sample as the cleaner is expected to leave it (from tests/expectations/samples.json)."""
    exp = EXPECTATIONS[name]
    doc = Document.from_text((ROOT / "samples" / name).read_bytes().decode(exp["encoding"], "replace"), source=name)
    doc.title = exp["title"]
    doc.title_derived = exp["title_derived"]
    doc.lang = exp["lang"]
    doc.paragraphs = [Paragraph(p, exp["lang"]) for p in exp["paragraphs"]]
    doc.meta.published = exp["published"]
    doc.meta.copyright_holder = exp["copyright_holder"]
    doc.meta.copyright_year = exp["copyright_year"]
    doc.meta.photo_credits = list(exp["credits"])
    return doc


def add_translation(doc: Document, lang: str, *, title: str | None = "Translated headline", **kwargs) -> Translation:
    """A hand-made translation (the engine is built elsewhere): marked text per paragraph."""
    tr = Translation(
        lang=lang,
        title=title,
        paragraphs=[Paragraph(f"[{lang}] {p.text}", lang) for p in doc.paragraphs],
        source_lang=doc.lang,
        engine=kwargs.pop("engine", "ctranslate2"),
        model=kwargs.pop("model", f"{doc.lang}-{lang}"),
        model_version=kwargs.pop("model_version", "1.9"),
        **kwargs,
    )
    doc.translations[lang] = tr
    return tr


def by_name(outputs) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    return {o.name: o.data for o in outputs}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.xml"))}
