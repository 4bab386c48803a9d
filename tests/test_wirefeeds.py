"""The shared set of real agency and feed files (../shared/wirefeeds): the goals of issue 18, measured
by benchmarks/wirefeeds_bench.py, and what comes out of the files that showed each failure class."""

from __future__ import annotations

import importlib.util
import sys

import pytest

import toolkit

from .conftest import ROOT, shared


def bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("wirefeeds_bench", ROOT / "benchmarks" / "wirefeeds_bench.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("wirefeeds_bench", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def figures():  # type: ignore[no-untyped-def]
    data = shared("wirefeeds")
    wb = bench()
    outcomes = wb.measure(data)
    return wb.figures(outcomes)


def test_goals_on_the_development_set(figures):
    fig = figures
    assert fig["files"] >= 80
    assert fig["text_with_valid_output"] >= 0.95 * fig["text_bearing"], fig["not_produced"]
    assert fig["guids_kept"] >= 0.95 * fig["guids_expected"], fig["guids_lost"]
    assert fig["non_text_skipped_with_reason"] == fig["non_text"], fig["non_text_not_skipped"]
    assert fig["internal_errors"] == 0


def read(*parts: str) -> list[toolkit.Document]:
    return list(toolkit.read(shared("wirefeeds", *parts)))


def test_flash_inside_a_message_of_events():
    docs = read("newsml-g2", "apa-xml-newsml-g2__NewsMsg_withEvents_2.28.xml")
    assert [d.skipped.code if d.skipped else d.status for d in docs] == ["newsml-concept", "newsml-concept", "ok"]
    assert docs[2].title == "Event Ref Test" and docs[2].paragraphs == []


def test_reuters_text_items_keep_guid_and_version_and_their_paragraphs():
    (doc,) = read("newsml-g2", "superdesk-aap__reuters_newsml.xml")
    assert doc.status == "ok"
    assert (doc.meta.guid, doc.meta.version) == ("tag:reuters.com,2018:newsml_L2N1PH00M", 1927777166)
    assert len(doc.paragraphs) == 2 and doc.paragraphs[0].text.startswith("LIMA, Jan 21 (Reuters) - Pope Francis")


def test_escaped_html_in_text_plain_and_nitf_headline_in_the_body():
    (ansa,) = read("newsml-g2", "superdesk-ansa__item.xml")
    assert [p.text[:22] for p in ansa.paragraphs] == ["(ANSA) - NAPOLI, 24 FE", '"Serve - ha affermato ']
    (nitf,) = read("newsml-g2", "iptc-newsml-g2__LISTING_22_Sports_story_in_NewsML-G2NITF.xml")
    assert nitf.paragraphs[0].text.startswith("(Sports Network) - A pair of teams")  # hl1 is the headline
    assert nitf.meta.description.startswith("A pair of teams coming off big weekend sweeps")  # the abstract


@pytest.mark.parametrize(
    "name, code",
    [
        ("superdesk-stt__planning_ml_link_content.xml", "newsml-planning"),
        ("iptc-newsml-g2__LISTING_14_Event_sent_as_a_Concept_Item.xml", "newsml-concept"),
        ("superdesk-core__tag_reuters.com_0000_newsml_GM1EA7M13RP01_version_484616934.xml", "newsml-not-text"),
    ],
)
def test_non_text_items_are_skipped_with_their_code(name, code):
    assert [d.skipped.code for d in read("newsml-g2", name) if d.skipped] == [code]


def test_title_only_feed_and_ninjs_envelopes():
    docs = read("rss", "FeedReader__Rss10OrfAt.xml")
    assert len(docs) == 50 and all(d.status == "ok" and d.title and not d.raw for d in docs)
    (ap,) = read("ninjs", "superdesk-cp__ap_ap-broadcast.json")
    assert ap.status == "ok" and ap.meta.version == 8 and "BUFFALO, N.Y. (AP)" in ap.raw
    assert [d.skipped.code for d in read("ninjs", "newsinjson__3.0_tt_event_pressconference_3.0.json")] == [
        "ninjs-event"
    ]
