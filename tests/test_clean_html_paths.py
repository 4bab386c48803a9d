"""HTML main text: the extractor's fast pass, its full mode when the fast pass finds little,
and looser fallbacks before a page with an article is given up as "only boilerplate"
(issue 18, part 3). The path taken is in the removal log, the warnings and ``doc.extra``."""

from __future__ import annotations

import gzip
import json

import pytest

from toolkit.document import Document
from toolkit.errors import EmptyDocumentError
from toolkit.processors.clean import Clean
from toolkit.processors.clean.html import PATHS, clean_html
from toolkit.processors.clean.markers import default_markers
from toolkit.processors.clean.report import explain
from toolkit.processors.clean.rules import Rules

from .conftest import shared

P = [
    "The city council of Almaty approved a new budget for public transport on Tuesday, adding forty buses "
    "to the routes of the outer districts.",
    "Officials said the money would also pay for two new metro stations, which are due to open in the "
    "spring of next year.",
    "Residents of the outer districts have complained for years about long waits and crowded buses in the "
    "morning hours.",
    "The mayor said that the plan would be reviewed in six months, after the first buses are on the road.",
]
MENU = "<div class='menu'><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></div>"


def page(container: str) -> str:
    """An article whose text sits in a container an extractor treats as boilerplate."""
    open_tag, close_tag = container.split("|")
    body = open_tag + "".join(f"<p>{p}</p>" for p in P) + close_tag
    return (
        "<html><head><title>Almaty adds forty buses | City News</title></head><body>"
        f"{MENU}<h1>Almaty adds forty buses</h1>{body}"
        "<div class='copyright'>© 2024 City News</div></body></html>"
    )


# the shapes found on real pages that left "only boilerplate": the article inside an <aside>,
# a <footer>, or a block whose class says comments
SHAPES = ["<aside class='sidebar'>|</aside>", "<div class='comments-area'>|</div>", "<footer>|</footer>"]


@pytest.mark.parametrize("container", SHAPES)
def test_article_the_extractor_misses_is_found_by_a_looser_path(container):
    doc = Clean()(Document(id="p", raw=page(container), raw_format="html", source="page.html"))
    assert [p.text for p in doc.paragraphs] == P
    assert doc.title == "Almaty adds forty buses"
    path = doc.extra["html_extraction"]
    assert path in ("extractor-recall", "page-text", "all-text")
    assert "extraction-fallback" in {w.code for w in doc.warnings}
    # the removal log says which path found the text
    dropped = [r for r in doc.removed if r.rule == "html-boilerplate"]
    assert dropped and all(r.reason == PATHS[path] for r in dropped)
    assert "Home News Sport" in {r.text for r in doc.removed} | {r.text for r in dropped}
    assert f"main text: {path} path" in explain(doc)


def test_ordinary_article_takes_the_fast_path():
    doc = Clean()(Document(id="p", raw=page("<article>|</article>"), raw_format="html", source="page.html"))
    assert [p.text for p in doc.paragraphs] == P
    assert doc.extra["html_extraction"] == "extractor"
    assert "extraction-fallback" not in {w.code for w in doc.warnings}
    assert any(r.rule == "html-boilerplate" and r.reason == PATHS["extractor"] for r in doc.removed)


def test_a_page_of_only_boilerplate_still_fails_after_the_fallbacks():
    raw = (
        "<html><head><title>City News</title></head><body>"
        "<nav><ul><li><a href='/'>Home</a></li></ul></nav><div class='share'>Share on Facebook</div>"
        "<div class='subscribe'>Subscribe to our newsletter</div><aside><p>Read more</p></aside>"
        "<footer><p>© 2024 City News. All rights reserved.</p></footer></body></html>"
    )
    with pytest.raises(EmptyDocumentError, match="only boilerplate"):
        Clean()(Document(id="p", raw=raw, raw_format="html", source="menu.html"))


def test_short_fast_extraction_runs_the_full_extractor_on_a_real_page():
    """DEV page 0307: the fast pass keeps 546 of about 15,000 characters; the full mode finds the
    article (token F1 0.07 -> 0.98 for trafilatura alone)."""
    root = shared("boilerplate", "wcxb-dev-article")
    truth = next(
        json.loads(line)
        for line in (root / "ground-truth.jsonl").read_text("utf-8").splitlines()
        if json.loads(line)["id"] == "0307"
    )
    markup = gzip.decompress((root / "html" / "0307.html.gz").read_bytes()).decode("utf-8", "replace")
    out = clean_html(markup, Rules(default_markers()), url=truth["url"])
    assert out.path == "extractor-full"
    text = " ".join(out.cleaned.paragraphs)
    assert len(text) > 5_000
    found = [s for s in truth["with"] if " ".join(s.split()) in text]
    assert len(found) >= len(truth["with"]) * 0.8, (len(found), len(truth["with"]))


def test_scripts_are_stripped_before_extraction_even_beside_control_characters():
    """Found by the fuzz test: removing a script by moving its tail into the parent's text fails
    when the parser let a control character in (lxml refuses to assign it back)."""
    raw = "<html><head></head><body>\x08<script>var a = 1;</script>0 " + "".join(f"<p>{p}</p>" for p in P)
    doc = Clean()(Document(id="p", raw=raw + "</body></html>", raw_format="html", source="ctl.html"))
    assert [p.text for p in doc.paragraphs][-3:] == P[1:]
