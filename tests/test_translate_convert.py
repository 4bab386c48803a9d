"""`models convert` on tiny randomly initialised Hugging Face models built here with transformers
(CPU, seconds), then install and translate through the CLI; `models evaluate`; partial results
in the outputs."""

from __future__ import annotations

import json

import pytest

from toolkit.testing import make_document

from .translate_helpers import models_dir, packages, roundtrip  # noqa: F401  (fixtures)

pytest.importorskip("transformers", reason="models convert needs pip install '.[convert]'")
pytest.importorskip("torch", reason="models convert needs pip install '.[convert]'")

TEXT = "the government said on monday that new trade rules"


def _reference(folder, tokens, prefix=()) -> str:
    import sentencepiece

    from tools.testmodels import hf_greedy

    out = [t for t in hf_greedy(folder, tokens, 12, prefix) if t != "</s>"]
    spm = folder / ("target.spm" if (folder / "target.spm").exists() else "sentencepiece.bpe.model")
    return sentencepiece.SentencePieceProcessor(model_file=str(spm)).decode(out)


def _pieces(folder, name: str) -> list[str]:
    import sentencepiece

    return sentencepiece.SentencePieceProcessor(model_file=str(folder / name)).encode(TEXT, out_type=str)


def test_convert_a_marian_model_then_install_and_translate(cli, models_dir, tmp_path):  # noqa: F811
    from tools.testmodels import build_hf_marian

    snapshot = build_hf_marian(tmp_path / "opus-mt-en-trk-tiny")
    result = cli("models", "convert", snapshot, "-o", tmp_path / "out", "--quantization", "float32", "--install")
    assert result.exit_code == 0, result.output
    assert "en -> kk-Cyrl, uz-Latn, tr" in result.stdout and "Installed opus-mt-en-trk-tiny" in result.stdout
    meta = json.loads(cli("models", "show", "opus-mt-en-trk-tiny", "--format", "json").stdout)["metadata"]
    assert meta["target_token_in_source"] == {"kk": ">>kaz_Cyrl<<", "uz": ">>uzb_Latn<<", "tr": ">>tur<<"}
    assert meta["source_eos"] is True and meta["toolkit"]["license"] == "cc-by-4.0"
    # the toolkit's output is what the Hugging Face model itself decodes (greedy, same tokens)
    expected = _reference(snapshot, [">>kaz_Cyrl<<", *_pieces(snapshot, "source.spm"), "</s>"])
    out = cli("translate", "--from", "en", "--to", "kk", "--beam", "1", "--compute-type", "float32", input=TEXT)
    assert out.exit_code == 0, out.output
    assert out.stdout.strip().startswith(expected) and expected


def test_convert_an_m2m_model_int8_by_default(cli, models_dir, tmp_path):  # noqa: F811
    from tools.testmodels import build_hf_m2m100

    snapshot = build_hf_m2m100(tmp_path / "m2m-tiny")
    result = cli("models", "convert", snapshot, "-o", tmp_path / "out", "--to", "kk,ru,en", "--from", "en,kk")
    assert result.exit_code == 0, result.output
    archive = tmp_path / "out" / "m2m-tiny.argosmodel"
    assert cli("models", "install", archive).exit_code == 0
    meta = json.loads(cli("models", "show", "m2m-tiny", "--format", "json").stdout)
    assert meta["metadata"]["language_tokens"] == "m2m" and meta["metadata"]["toolkit"]["quantization"] == "int8"
    assert meta["source_prefix"]["en"] == ["__en__"] and meta["target_prefix"]["kk-Cyrl"] == ["__kk__"]
    out = cli("translate", "--from", "en", "--to", "kk", "--beam", "1", input=TEXT)
    assert out.exit_code == 0 and out.stdout.strip()
    # float32: exactly the Hugging Face model's greedy output, source __en__ ... </s>, target prefix __kk__
    cli("models", "convert", snapshot, "-o", tmp_path / "f32", "--name", "m2m-f32", "--quantization", "float32")
    cli("models", "remove", "m2m-tiny")
    assert cli("models", "install", tmp_path / "f32" / "m2m-f32.argosmodel").exit_code == 0
    expected = _reference(snapshot, ["__en__", *_pieces(snapshot, "sentencepiece.bpe.model"), "</s>"], ["__kk__"])
    out = cli("translate", "--from", "en", "--to", "kk", "--beam", "1", "--compute-type", "float32", input=TEXT)
    assert out.stdout.strip().startswith(expected) and expected


def test_convert_refuses_what_it_cannot_name(cli, models_dir, tmp_path):  # noqa: F811
    from tools.testmodels import build_hf_marian

    snapshot = build_hf_marian(tmp_path / "m", source_lang="mul", target_lang="deu", target_tokens=())
    result = cli("models", "convert", snapshot, "-o", tmp_path / "out")
    assert result.exit_code == 2 and "--from" in result.output
    assert cli("models", "convert", tmp_path / "nothing", "-o", tmp_path / "out").exit_code == 2


def test_evaluate_scores_a_copy_model(cli, packages, models_dir, tmp_path):  # noqa: F811
    """The kk->en test model copies its input: against the input itself chrF and BLEU are 100; against
    another reference the scores are sacrebleu's for the copy."""
    import sacrebleu

    assert cli("models", "install", packages["kk_en"]).exit_code == 0
    sources = ["Үкімет жаңа ережелерді жариялады.", "Энергия бағасы жоғары.", "Экспорт өсіп келеді."]
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("".join(f"{s}\t{roundtrip(s)}\n" for s in sources), "utf-8")
    result = cli(
        "models", "evaluate", "translate-kk_en-1_0", "--pairs", pairs, "--from", "kk", "--to", "en", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["chrf"] == 100.0 and scores["bleu"] == 100.0 and scores["sentences"] == 3
    assert scores["sentences_per_second"] > 0
    refs = ["Үкімет жаңа ереже жариялады.", "Энергия бағасы төмен.", "Импорт өсіп келеді."]
    pairs.write_text("".join(f"{s}\t{r}\n" for s, r in zip(sources, refs, strict=True)), "utf-8")
    scores = json.loads(
        cli(
            "models",
            "evaluate",
            "translate-kk_en-1_0",
            "--pairs",
            pairs,
            "--from",
            "kk",
            "--to",
            "en",
            "--format",
            "json",
        ).stdout
    )
    hyps = [roundtrip(s) for s in sources]
    assert scores["chrf"] == round(sacrebleu.corpus_chrf(hyps, [refs]).score, 2) < 100
    text = cli("models", "evaluate", "translate-kk_en-1_0", "--pairs", pairs, "--from", "kk", "--to", "en").stdout
    assert "chrF" in text and "BLEU" in text and "sentences/s" in text
    bad = tmp_path / "bad.tsv"
    bad.write_text("no tab here\n", "utf-8")
    assert cli("models", "evaluate", "translate-kk_en-1_0", "--pairs", bad, "--from", "kk", "--to", "en").exit_code == 1


def test_no_model_for_a_target_stops_before_reading_input(cli, packages, models_dir, tmp_path):  # noqa: F811
    assert cli("models", "install", packages["kk_en"]).exit_code == 0
    story = tmp_path / "story.txt"
    story.write_text("Үкімет жаңа ережелерді жариялады.\n", "utf-8")
    result = cli("translate", story, "--to", "ky")
    assert result.exit_code == 2 and result.stdout == ""
    assert "no installed model translates into ky" in result.output
    assert "toolkit models fetch opus-mt-en-trk" in result.output
    unknown = cli("translate", "--to", "xx", input="a")
    assert unknown.exit_code == 2 and "unknown language code 'xx'" in unknown.output
    fixed = cli("translate", "--from", "tr", "--to", "en", input="Merhaba.")
    assert fixed.exit_code == 2 and "tr -> en" in fixed.output and "toolkit models fetch" in fixed.output
    convert = cli("convert", story, "-o", tmp_path / "out", "--to", "kk,ru,uz")
    assert convert.exit_code == 2 and "toolkit models fetch" in convert.output
    assert not (tmp_path / "out").exists() or not any(p.suffix == ".xml" for p in (tmp_path / "out").rglob("*"))


def test_text_without_from_is_identified(cli, packages, models_dir, tmp_path):  # noqa: F811
    assert cli("models", "install", packages["kk_en"]).exit_code == 0
    story = tmp_path / "story.txt"
    story.write_text("Үкімет дүйсенбі күні жаңа сауда ережелерін жариялады.\n", "utf-8")
    result = cli("translate", story, "--to", "en")
    assert result.exit_code == 0, result.output
    assert "Үкімет дүйсенбі күні жаңа сауда ережелерін жариялады." in result.stdout


def test_partial_translation_in_newsml_and_ninjs(cli, packages, models_dir, tmp_path):  # noqa: F811
    """A Kazakh story with a Russian quote and only a kk->en model: the en item keeps the quote with
    xml:lang="ru" and says it is partial; the original item is written; the run says so."""
    from lxml import etree

    assert cli("models", "install", packages["kk_en"]).exit_code == 0
    doc = make_document(
        "Үкімет жаңа ережелерді жариялады.",
        "Цены растут очень быстро.",
        lang="kk-Cyrl",
        title="Жаңа ережелер",
        source="story",
    )
    doc.paragraphs[0].lang, doc.paragraphs[1].lang = "kk-Cyrl", "ru"
    src = tmp_path / "in.jsonl"
    src.write_text(doc.to_json() + "\n", "utf-8")
    for fmt in ("newsml", "ninjs"):
        out = tmp_path / fmt
        cli("convert", src, "-o", out, "--to", "en", "-f", fmt, "--config", _config(tmp_path))
        files = sorted(p.name for p in out.iterdir() if p.is_file() and not p.name.startswith("."))
        assert any(".kk-Cyrl." in f for f in files) and any(".en." in f for f in files), files
        en = next(out.glob("*.en.*"))
        if fmt == "newsml":
            tree = etree.parse(str(en))
            ns = {"x": "http://www.w3.org/1999/xhtml", "n": "http://iptc.org/std/nar/2006-10-01/"}
            ps = tree.findall(".//x:body/x:p", ns)
            xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
            assert [p.get(xml_lang) for p in ps] == [None, "ru"]
            note = tree.find(".//n:contributor/n:note", ns)
            assert note is not None and "partial translation" in note.text
            assert cli("validate", "--profile", en).exit_code == 0
        else:
            obj = json.loads(en.read_text("utf-8"))
            assert '<p lang="ru">' in obj["bodies"][0]["value"]
            assert any(d["role"] == "partial-translation" for d in obj["descriptions"])


def _config(tmp_path):
    cfg = tmp_path / "pipeline.toml"
    cfg.write_text('[pipeline]\nsteps = ["translate"]\n', "utf-8")
    return cfg
