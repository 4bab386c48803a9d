"""Cleaned samples against the hand-written expectations in tests/expectations/samples.json.

Every sample must come out with exactly the expected body paragraphs (none lost, none
added), the expected title (or a title derived from the first sentence), publication
date, copyright holder and year, and photo credits (deduplicated, in order), and none of
the must-not-contain strings in the kept text.
"""

from __future__ import annotations

import json

import pytest

from toolkit.api import read
from toolkit.document import Document
from toolkit.processors.clean import Clean

from .conftest import ROOT, SAMPLES

EXPECTATIONS = json.loads((ROOT / "tests" / "expectations" / "samples.json").read_text("utf-8"))
NAMES = sorted(EXPECTATIONS)


@pytest.fixture(scope="module")
def cleaned() -> dict[str, Document]:
    """Every sample, read by the real readers and cleaned one by one (no cross-document pass)."""
    clean = Clean()
    out = {}
    for name in NAMES:
        (doc,) = list(read(SAMPLES / name))
        assert doc.status == "ok", doc.errors
        out[name] = clean(doc)
    return out


def test_every_sample_has_expectations():
    on_disk = {p.name for p in SAMPLES.iterdir() if p.is_file() and p.name != "README.md"}
    assert on_disk == set(EXPECTATIONS)


@pytest.mark.parametrize("name", NAMES)
def test_body_paragraphs_exactly(cleaned, name):
    got = [p.text for p in cleaned[name].paragraphs]
    want = EXPECTATIONS[name]["paragraphs"]
    lost = [p for p in want if p not in got]
    assert not lost, f"body paragraphs lost: {lost}"
    assert got == want


@pytest.mark.parametrize("name", NAMES)
def test_title(cleaned, name):
    doc, exp = cleaned[name], EXPECTATIONS[name]
    assert doc.title_derived is exp["title_derived"]
    if exp["title_derived"]:
        first = doc.paragraphs[0].text
        assert doc.title and first.startswith(doc.title.rstrip("…"))
    else:
        assert doc.title == exp["title"]


@pytest.mark.parametrize("name", NAMES)
def test_metadata(cleaned, name):
    doc, exp = cleaned[name], EXPECTATIONS[name]
    published = doc.meta.published
    # HTML pages give a full date-time with a time zone; the expectation is its date
    assert (published[:10] if published else None) == exp["published"]
    assert doc.meta.copyright_holder == exp["copyright_holder"]
    assert doc.meta.copyright_year == exp["copyright_year"]
    assert doc.meta.photo_credits == exp["credits"]


@pytest.mark.parametrize("name", NAMES)
def test_nothing_that_must_go_is_kept(cleaned, name):
    doc, exp = cleaned[name], EXPECTATIONS[name]
    kept = "\n".join([p.text for p in doc.paragraphs] + ([] if doc.title_derived else [doc.title or ""])).casefold()
    present = [s for s in exp["must_not_contain"] if s.casefold() in kept]
    assert not present


@pytest.mark.parametrize("name", NAMES)
def test_every_removal_is_logged_with_a_reason(cleaned, name):
    doc = cleaned[name]
    assert doc.removed
    assert all(r.rule and r.reason for r in doc.removed)
    if not name.endswith(".html"):  # plain text: each removal points at its line
        assert all(r.line and r.line >= 1 for r in doc.removed)


def test_the_batch_gives_the_same_paragraphs(cleaned):
    """pipe() (with the cross-document pass) must not take anything more from these pages."""
    docs = [next(iter(read(SAMPLES / name))) for name in NAMES]
    out = list(Clean().pipe(docs, batch_size=64))
    for name, doc in zip(NAMES, out, strict=True):
        assert [p.text for p in doc.paragraphs] == EXPECTATIONS[name]["paragraphs"], name
