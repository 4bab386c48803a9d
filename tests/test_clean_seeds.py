"""The two real scraped seeds must come out exactly as issue 4 says."""

from __future__ import annotations

from toolkit.api import read
from toolkit.processors.clean import Clean

from .conftest import SAMPLES, SHARED

SEED_000 = "000_ab90c8014bb1237b.txt"
SEED_004 = "004_882c4283722db18a.txt"
TITLE_000 = "The 2nd Central Asian Media Forum Has Started in Astana"


def seed(name: str):
    """The seed from ../shared/seeds, or its byte-identical copy in samples/ when shared/ is absent."""
    path = SHARED / "seeds" / name
    return path if path.exists() else SAMPLES / name


def _clean(name: str):
    (doc,) = list(read(seed(name)))
    return Clean()(doc)


def test_seed_000_title_once_copyright_credit_and_13_paragraphs():
    doc = _clean(SEED_000)
    assert doc.title == TITLE_000 and doc.title_derived is False
    body = [p.text for p in doc.paragraphs]
    assert all(TITLE_000 not in p for p in body)
    assert doc.meta.copyright_holder == "S-B-E Ltd"
    assert doc.meta.copyright_year == 2025
    assert doc.meta.photo_credits == ["Derya Soysal"]
    assert len(body) == 13
    assert body[0].startswith("Today, April 16, ")
    assert body[-1].endswith("the UK, the US, and Russia.")
    text = "\n".join(body)
    for junk in ("İlginizi Çekebilir", "TÜM HABERLER", "Photo by", "Derya Soysal", "©"):
        assert junk not in text
    assert all(p.strip(" \u00a0") for p in body)  # no NBSP-only paragraphs
    assert doc.meta.published is None  # "April 16" in the body is not a publication date
    rules = {r.rule for r in doc.removed}
    assert {"copyright", "title", "repeated-title", "photo-credit", "teaser-marker", "teaser-block", "blank"} <= rules


def test_seed_004_date_credit_derived_title_and_every_paragraph():
    doc = _clean(SEED_004)
    assert doc.meta.published == "2024-11-18"
    body = [p.text for p in doc.paragraphs]
    assert body[0].startswith("The Kazakh delegation includes ")
    assert body[-1].endswith("growth of the social media world.")
    assert len(body) == 20  # every paragraph of the page, none lost
    assert doc.meta.photo_credits == ["Saparbek Zhaksylyk"]
    text = "\n".join(body)
    assert "Saparbek Zhaksylyk" not in text and "Photo credit" not in text and "date 2024-11-18" not in text
    assert "rare photo materials" in text and "wartime photographs" in text
    assert doc.title_derived is True
    assert doc.title and body[0].startswith(doc.title.rstrip("…"))
    assert len(doc.title) <= 121
    assert doc.meta.copyright_holder is None


def test_seeds_raw_text_is_split_from_one_scrape():
    """000 ends with the teaser marker and 004 starts with its date: both are cut, nothing else."""
    raw_000 = seed(SEED_000).read_text("utf-8")
    raw_004 = seed(SEED_004).read_text("utf-8")
    assert raw_000.endswith("İlginizi Çekebilir\n\nTÜM HABERLER")
    assert raw_004.startswith(" date 2024-11-18 The Kazakh delegation")
    doc = _clean(SEED_004)
    glued = [r for r in doc.removed if r.rule == "date"]
    assert [r.text for r in glued] == ["date 2024-11-18"] and glued[0].line == 1
