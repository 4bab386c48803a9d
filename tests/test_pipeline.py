from __future__ import annotations

import pytest

from toolkit.config import load_config, parse_config
from toolkit.document import Document, Paragraph
from toolkit.errors import ConfigError, ProcessingError, UnknownProcessorError
from toolkit.pipeline import Pipeline, PipelineError, PipelineSpec, Processor, chunks
from toolkit.registry import PROCESSORS


class Upper(Processor):
    name = "upper"

    def __call__(self, doc):
        doc.paragraphs = [Paragraph(p.text.upper()) for p in doc.paragraphs]
        return doc


class Explode(Processor):
    """Fails on documents whose raw text contains 'boom'; counts batched calls."""

    name = "explode"

    def __init__(self):
        self.batches = []

    def __call__(self, doc):
        if "boom" in doc.raw:
            raise ProcessingError("boom found", path=doc.source)
        if "crash" in doc.raw:
            raise ValueError("unexpected")
        doc.extra["seen"] = True
        return doc

    def pipe(self, docs, batch_size=64):
        docs = list(docs)
        self.batches.append(len(docs))
        return [self(d) for d in docs]


def docs(*texts):
    return [Document.from_text(t, source=f"{i}.txt") for i, t in enumerate(texts)]


def test_chunks():
    assert list(chunks(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(chunks([], 3)) == []
    with pytest.raises(ValueError):
        list(chunks([1], 0))


def test_named_steps_run_in_order():
    nlp = Pipeline.from_names(["segment"])
    nlp.add(Upper())
    assert nlp.names == ["segment", "upper"]
    doc = nlp.process_text("one\n\ntwo")
    assert [p.text for p in doc.paragraphs] == ["ONE", "TWO"]


def test_error_recorded_on_document_stream_goes_on():
    explode = Explode()
    nlp = Pipeline([("segment", PROCESSORS.create("segment")), ("explode", explode), ("upper", Upper())], batch_size=10)
    out = list(nlp.pipe(docs("fine one", "boom here", "fine two", "crash now")))
    assert [d.status for d in out] == ["ok", "failed", "ok", "failed"]
    assert [d.source for d in out] == ["0.txt", "1.txt", "2.txt", "3.txt"]  # order kept
    assert out[1].errors[0].code == "processing" and out[1].errors[0].processor == "explode"
    assert out[3].errors[0].code == "internal" and "ValueError" in out[3].errors[0].message
    assert out[0].paragraphs[0].text == "FINE ONE"  # later steps ran for good documents
    assert out[1].paragraphs[0].text == "boom here"  # ...and not for failed ones
    assert explode.batches == [4]  # one batched call failed, then one-by-one retry


def test_failed_documents_skip_later_steps():
    nlp = Pipeline([("explode", Explode()), ("upper", Upper())])
    doc = nlp(Document.from_text("boom", source="a"))
    assert doc.status == "failed" and len(doc.errors) == 1


def test_fail_fast_raises():
    nlp = Pipeline([("explode", Explode())], fail_fast=True)
    with pytest.raises(PipelineError, match="boom found"):
        list(nlp.pipe(docs("ok", "boom")))


def test_processor_returning_wrong_type_is_an_error():
    nlp = Pipeline([("bad", lambda doc: None)])
    doc = nlp(Document(id="a"))
    assert doc.status == "failed" and "returned NoneType" in doc.errors[0].message


def test_unknown_processor_and_bad_options():
    with pytest.raises(UnknownProcessorError, match="unknown processor 'nope'"):
        Pipeline.from_names(["nope"])
    with pytest.raises(ConfigError, match="segment"):
        Pipeline.from_names(["segment"], {"segment": {"no_such_option": 1}})
    with pytest.raises(ConfigError, match="not in the pipeline"):
        Pipeline.from_names(["segment"], {"other": {}})
    with pytest.raises(ConfigError, match="already has a step"):
        Pipeline.from_names(["segment", "segment"])


def test_spec_is_picklable_and_builds():
    import pickle

    spec = PipelineSpec.from_names(["segment"], {"segment": {"allow_empty": True}}, batch_size=8)
    again = pickle.loads(pickle.dumps(spec))
    assert again == spec
    nlp = again.build()
    assert nlp.batch_size == 8 and nlp.get("segment").allow_empty is True


def test_registry_register_decorator():
    @PROCESSORS.register("test-upper")
    class TestUpper(Upper):
        """Upper-case every paragraph."""

    try:
        assert "test-upper" in PROCESSORS
        assert isinstance(PROCESSORS.create("test-upper"), TestUpper)
        entry = {e.name: e for e in PROCESSORS.entries()}["test-upper"]
        assert entry.description == "Upper-case every paragraph." and entry.origin == "registered"
    finally:
        PROCESSORS.unregister("test-upper")


def test_toml_config(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(
        '[pipeline]\nsteps = ["segment"]\nbatch_size = 5\n[steps.segment]\nallow_empty = true\n'
        '[output]\nformat = "txt"\n'
    )
    config = load_config(path)
    spec = config.pipeline_spec()
    assert spec.batch_size == 5 and spec.steps[0].options == {"allow_empty": True}
    assert config.output_format == "txt"


@pytest.mark.parametrize(
    "data, fragment",
    [
        ({"pipline": {}}, "unknown section"),
        ({"pipeline": {"steps": "segment"}}, "wrong type"),
        ({"pipeline": {"steps": [1]}}, "list of processor names"),
        ({"pipeline": {"batch_size": 0}}, ">= 1"),
        ({"pipeline": {"stepz": []}}, "unknown key"),
        ({"output": {"fromat": "x"}}, "unknown key"),
    ],
)
def test_bad_config(data, fragment):
    with pytest.raises(ConfigError, match=fragment):
        parse_config(data, "p.toml")


def test_config_file_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[pipeline\n")
    with pytest.raises(ConfigError, match=r"bad\.toml: invalid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "none.toml")
