"""Property-based tests: for any input, a result or a typed toolkit error, never another exception.

Normal suite: 200 examples per property. Long run (>= 10,000 examples per property):

    python -m pytest -m fuzz --hypothesis-profile=long
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit.document import Document
from toolkit.errors import DocumentFormatError, InputError, ToolkitError
from toolkit.inputs import record_to_document
from toolkit.io.decode import decode
from toolkit.io.readers import ReadOptions, sniff_reader
from toolkit.pipeline import DEFAULT_STEPS, Pipeline
from toolkit.story import safe_name

pytestmark = pytest.mark.fuzz

# Text that looks like what newsrooms get: several scripts, control characters, RTL marks,
# combining characters, boilerplate words.
ALPHABET = (
    st.sampled_from(
        list(
            "abcçğıiİöşüAZ азбвгдеёжқңөұүһәіўғҳ ЁЖҚ "
            "\n\n\t\r\u00a0\u200b\u200f\u202e\u0301\x00\x07\x1b©®–—«»\"'<>&;:/.-,!?0123456789"
        )
    )
    | st.characters()
)
TEXT = st.text(alphabet=ALPHABET, max_size=400) | st.sampled_from(
    [
        "",
        " ",
        "\n\n",
        "© 2025",
        "İlginizi Çekebilir",
        "<html><body><p>x</p></body></html>",
        "<p>",
        "&amp;",
    ]
)
PIPELINE = Pipeline.from_names(list(DEFAULT_STEPS))


def _assert_typed(doc: Document) -> None:
    assert doc.status in ("ok", "failed", "skipped")
    for error in doc.errors:
        assert error.code != "internal", error.message


@given(st.binary(max_size=2000))
def test_decode_any_bytes(data):
    try:
        decoded = decode(data, path="f.txt")
    except InputError as exc:
        assert "f.txt" in str(exc)
        return
    assert isinstance(decoded.text, str) and decoded.encoding


@given(st.binary(max_size=2000), st.sampled_from([".txt", ".html", ".jsonl", ".json", ".xml", ".rss", ""]))
def test_readers_never_raise(tmp_path_factory, data, suffix):
    from toolkit.io.readers import Source, read_source

    path = tmp_path_factory.mktemp("fuzz") / f"input{suffix}"
    path.write_bytes(data)
    for doc in read_source(Source(str(path), str(path)), ReadOptions()):
        _assert_typed(doc)
        if doc.status == "failed":
            assert str(path) in doc.errors[0].message


@given(TEXT, st.sampled_from(["text", "html"]))
def test_default_pipeline_on_any_text(text, raw_format):
    doc = PIPELINE(Document.from_text(text, raw_format=raw_format, source="fuzz.txt"))
    _assert_typed(doc)
    if doc.status == "ok":
        assert doc.paragraphs and all(p.text.strip() for p in doc.paragraphs)
        assert all("\x00" not in p.text for p in doc.paragraphs)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "raw",
                    "text",
                    "html",
                    "title",
                    "lang",
                    "uri",
                    "headline",
                    "body_text",
                    "paragraphs",
                    "meta",
                    "schema",
                    "version",
                    "x",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=12,
)


@given(JSON)
def test_records_give_documents_or_typed_errors(value):
    try:
        doc = record_to_document(value, "stdin:1")
    except ToolkitError:
        return
    assert isinstance(doc, Document)


@given(JSON)
def test_document_from_dict(value):
    try:
        doc = Document.from_dict(value)
    except DocumentFormatError:
        return
    assert Document.from_dict(json.loads(json.dumps(doc.to_dict()))) == doc


@given(st.text(max_size=300))
def test_safe_names(text):
    name = safe_name(text)
    assert name and "/" not in name and "\x00" not in name and name not in (".", "..")
    assert not name.startswith(".") and len(name) <= 120


@given(st.binary(max_size=300))
def test_sniffing_any_bytes(data):
    assert callable(sniff_reader(data))
