"""Cross-document boilerplate in Clean.pipe(), and batches with failing documents."""

from __future__ import annotations

from toolkit.document import Document
from toolkit.pipeline import Pipeline
from toolkit.processors.clean import Clean

SLOGAN = "Stepnoy Vestnik is the independent voice of the northern steppe since 1998"


def story(i: int, *, slogan: bool = True, source: str = "scrape/stepnoy/page.txt") -> Document:
    paragraphs = [
        f"Story number {i}: the city council met on Monday to discuss item {i} of the budget, officials said.",
        f"Members argued for hours about item {i}, and the vote was postponed until the next regular session.",
    ]
    if slogan:
        paragraphs.append(SLOGAN)
    text = "\n\n".join([f"Headline number {i} about the budget", *paragraphs])
    return Document.from_text(text, source=source.replace("page", f"page{i}"))


def texts(doc: Document) -> list[str]:
    return [p.text for p in doc.paragraphs]


def test_a_line_recurring_across_one_source_is_removed_and_logged():
    docs = list(Clean().pipe([story(i) for i in range(6)]))
    for doc in docs:
        assert SLOGAN not in texts(doc)
        assert len(doc.paragraphs) == 2
        cross = [r for r in doc.removed if r.rule == "cross-document"]
        assert len(cross) == 1 and cross[0].text == SLOGAN and "6 of 6 pages" in cross[0].reason
        assert cross[0].line == 7


def test_small_batches_learn_nothing():
    docs = list(Clean().pipe([story(i) for i in range(4)]))  # below the floor of 5 stories
    assert all(SLOGAN in texts(d) for d in docs)


def test_the_floor_and_share_are_options():
    docs = list(Clean(min_docs=3, min_count=2, min_share=0.6).pipe([story(i) for i in range(3)]))
    assert all(SLOGAN not in texts(d) for d in docs)


def test_sources_are_kept_apart():
    docs = [story(i, source="a/page.txt") for i in range(3)] + [story(i + 10, source="b/page.txt") for i in range(3)]
    out = list(Clean().pipe(docs))
    assert all(SLOGAN in texts(d) for d in out)  # 3 stories per source: under the floor


def test_a_line_on_a_minority_of_pages_stays():
    docs = [story(i, slogan=i < 2) for i in range(8)]
    out = list(Clean().pipe(docs))
    assert [SLOGAN in texts(d) for d in out] == [True, True] + [False] * 6


def test_copies_of_one_story_are_not_boilerplate():
    same = [story(1) for _ in range(6)]  # the same article saved six times
    out = list(Clean().pipe(same))
    assert all(len(d.paragraphs) == 3 for d in out)


def test_cross_document_pass_can_be_switched_off():
    out = list(Clean(cross_document=False).pipe([story(i) for i in range(6)]))
    assert all(SLOGAN in texts(d) for d in out)


def test_a_boilerplate_only_page_is_skipped_alone_in_a_batch():
    docs = [story(i) for i in range(5)]
    docs.insert(2, Document.from_text("Ana Sayfa > Ekonomi\n\nPaylaş\n\n© 2024 Site", source="junk.txt"))
    out = list(Pipeline.from_names(["clean"]).pipe(docs))
    assert [d.status for d in out] == ["ok", "ok", "skipped", "ok", "ok", "ok"]  # nothing to do: not an error
    err = out[2].skipped
    assert err.code == "empty-document" and err.processor == "clean" and "junk.txt" in err.message
    assert out[2].paragraphs == [] and out[2].removed == []


def test_pipe_and_call_agree_without_recurring_lines():
    docs = [story(i, slogan=False) for i in range(6)]
    one = [Clean()(Document.from_text(d.raw, source=d.source)) for d in docs]
    many = list(Clean().pipe(docs))
    assert [texts(d) for d in one] == [texts(d) for d in many]
    assert [d.title for d in one] == [d.title for d in many]


def test_documents_already_cleaned_pass_through_untouched():
    doc = Clean()(story(1))
    before = doc.to_dict()
    assert Clean()(doc).to_dict() == before
    (again,) = Clean().pipe([doc])
    assert again.to_dict() == before
