"""Offline translation end to end: real tiny models, installed and run through the CLI."""

from __future__ import annotations

import json
import zipfile

import pytest

from toolkit.testing import make_document

from .translate_helpers import models_dir, packages, upper_of  # noqa: F401  (fixtures)

KK_TITLE = "Жаңа сауда ережелері"
KK_P1 = "Үкімет дүйсенбі күні жаңа сауда ережелерін жариялады. Шенеуніктер экспорттың өсуін күтеді."
KK_P2 = "Энергия бағасы жоғары күйінде қалып отыр."


def install(cli, packages, *keys):  # noqa: F811
    for key in keys:
        result = cli("models", "install", packages[key])
        assert result.exit_code == 0, result.output


def jsonl(*docs) -> str:
    return "".join(d.to_json() + "\n" for d in docs)


def kk_doc(**fields):
    return make_document(KK_P1, KK_P2, title=KK_TITLE, lang="kk-Cyrl", **fields)


def run_jsonl(cli, docs, *args):
    result = cli("translate", "-", *args, input=jsonl(*docs))
    out = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return result, out


# -- model management ---------------------------------------------------------------------------


def test_models_install_list_show_remove(cli, packages, models_dir):  # noqa: F811
    result = cli("models", "list")
    assert result.exit_code == 0 and "none installed" in result.output
    install(cli, packages, "kk_en", "en_ru")
    assert (models_dir / "translate-kk_en-1_0" / "model" / "model.bin").is_file()
    listing = cli("models", "list").output
    assert "translate-kk_en-1_0" in listing and "kk-Cyrl -> en" in listing
    # the covered pairs include the pivot the two models make together
    assert "pivot" in listing and "kk-Cyrl->en [translate-kk_en-1_0], en->ru [translate-en_ru-1_0]" in listing
    data = json.loads(cli("models", "list", "--format", "json").output)
    assert {m["name"] for m in data["models"]} == {"translate-kk_en-1_0", "translate-en_ru-1_0"}
    assert {"from": "kk-Cyrl", "to": "ru", "kind": "pivot"}.items() <= next(
        r for r in data["routes"] if r["from"] == "kk-Cyrl" and r["to"] == "ru"
    ).items()
    shown = cli("models", "show", "translate-kk_en-1_0")
    assert shown.exit_code == 0 and "kk-Cyrl->en" in shown.output and '"from_code": "kk"' in shown.output
    again = cli("models", "install", packages["kk_en"])
    assert again.exit_code == 1 and "already installed" in again.output
    assert cli("models", "install", packages["kk_en"], "--force").exit_code == 0
    removed = cli("models", "remove", "translate-kk_en-1_0")
    assert removed.exit_code == 0 and not (models_dir / "translate-kk_en-1_0").exists()
    missing = cli("models", "remove", "translate-kk_en-1_0")
    assert missing.exit_code == 1 and "no installed model named" in missing.output
    assert [p.name for p in models_dir.iterdir()] == ["translate-en_ru-1_0"]  # no temporary leftovers


def test_models_dir_option_wins_over_environment(cli, packages, models_dir, tmp_path):  # noqa: F811
    other = tmp_path / "elsewhere"
    assert cli("models", "install", packages["kk_en"], "--models-dir", other).exit_code == 0
    assert (other / "translate-kk_en-1_0").is_dir() and not models_dir.exists()
    assert "translate-kk_en-1_0" in cli("models", "list", "--models-dir", other).output
    result = cli("translate", "--models-dir", other, "--from", "kk", "--to", "en", input="Сәлем.")
    assert result.exit_code == 0 and result.stdout.strip() == "Сәлем."


def test_packages_installed_by_argostranslate_are_found(cli, packages, models_dir, tmp_path, monkeypatch):  # noqa: F811
    argos_dir = tmp_path / "argos-packages"
    argos_dir.mkdir()
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(argos_dir))  # the command line reads it, the library does not
    with zipfile.ZipFile(packages["kk_en"]) as zf:
        zf.extractall(argos_dir)
    listing = cli("models", "list").output
    assert "translate-kk_en-1_0" in listing and "[argos:" in listing
    result = cli("translate", "--from", "kk", "--to", "en", input="Сәлем.")
    assert result.exit_code == 0 and result.stdout.strip() == "Сәлем."
    refused = cli("models", "remove", "translate-kk_en-1_0")
    assert refused.exit_code == 1 and "argospm" in refused.output


# -- routing and provenance -------------------------------------------------------------------------


def test_direct_pair_model_through_the_cli(cli, packages, models_dir):  # noqa: F811
    install(cli, packages, "kk_en")
    text = f"{KK_TITLE}\n\n{KK_P1}\n\n{KK_P2}\n"
    result = cli("translate", "--from", "kk", "--to", "en", input=text)
    assert result.exit_code == 0, result.output
    # the copy model gives the source back: sentences, order and paragraphs survive the round trip
    assert result.stdout == text
    result = cli("translate", "--from", "kk", "--to", "en", "--threads", "1", input=text)
    assert result.exit_code == 0 and result.stdout == text, result.output
    result, (doc,) = run_jsonl(cli, [kk_doc()], "--to", "en")
    tr = doc["translations"]["en"]
    assert tr["title"] == KK_TITLE and [p["text"] for p in tr["paragraphs"]] == [KK_P1, KK_P2]
    assert tr["engine"] == "ctranslate2" and tr["model"] == "translate-kk_en-1_0" and tr["model_version"] == "1.0"
    assert tr["route"] == ["kk-Cyrl", "en"] and tr["source_lang"] == "kk-Cyrl"
    assert tr["extra"]["route_kind"] == "direct" and tr["extra"]["beam_size"] == 2
    assert all(p["lang"] == "en" and p["script"] == "Latn" for p in tr["paragraphs"])


def test_pivot_through_english_records_both_models(cli, packages, models_dir):  # noqa: F811
    install(cli, packages, "kk_en", "en_ru")
    result, (doc,) = run_jsonl(cli, [kk_doc()], "--to", "ru", "--beam", "3")
    assert result.exit_code == 0, result.output
    tr = doc["translations"]["ru"]
    assert tr["route"] == ["kk-Cyrl", "en", "ru"]
    assert tr["model"] == "translate-kk_en-1_0+translate-en_ru-1_0" and tr["model_version"] == "1.0+1.0"
    assert tr["extra"]["route_kind"] == "pivot" and tr["extra"]["beam_size"] == 3
    assert [s["model"] for s in tr["extra"]["steps"]] == ["translate-kk_en-1_0", "translate-en_ru-1_0"]
    # kk->en copies, en->ru maps every piece to its upper-case piece: the output proves both ran, in order
    from toolkit.translate.split import split_sentences

    expected = " ".join(upper_of(s) for s in split_sentences(KK_P1, "kk"))
    assert tr["paragraphs"][0]["text"] == expected != KK_P1
    assert tr["title"] == upper_of(KK_TITLE)


def test_multilingual_nllb_style_prefix_tokens(cli, packages, models_dir):  # noqa: F811
    install(cli, packages, "nllb")
    result, (doc,) = run_jsonl(cli, [kk_doc()], "--to", "ru,uz")
    assert result.exit_code == 0, result.output
    for lang in ("ru", "uz-Latn"):
        tr = doc["translations"][lang]
        # the copy model reads source position t at decoder step t: the kaz_Cyrl source token sits at
        # position 0 and the target token at step 0, so the text comes out whole only when the engine
        # adds both prefixes and strips the target token from the output
        assert [p["text"] for p in tr["paragraphs"]] == [KK_P1, KK_P2] and tr["title"] == KK_TITLE
        assert tr["extra"]["route_kind"] == "multilingual" and tr["model"] == "nllb-tiny-1_0"
    assert "_Cyrl" not in json.dumps(doc["translations"]) and "_Latn" not in json.dumps(doc["translations"])


def test_multilingual_m2m_style_target_token_selects_the_language(cli, packages, models_dir):  # noqa: F811
    install(cli, packages, "m2m")
    doc = make_document("The rules change. Prices stay high.", "Exports grow.", title="Trade", lang="en")
    result, (out,) = run_jsonl(cli, [doc], "--to", "kk,ru,uz")
    assert result.exit_code == 0, result.output
    # the chain model answers each target token (__kk__, __ru__, __uz__) with its own word, one per sentence
    for lang, word in (("kk-Cyrl", "qazaqsha"), ("ru", "poruski"), ("uz-Latn", "ozbekcha")):
        tr = out["translations"][lang]
        assert tr["title"] == word
        assert [p["text"] for p in tr["paragraphs"]] == [f"{word} {word}", word]
        assert tr["route"] == ["en", lang]


def test_opus_mt_target_token_in_the_source_selects_the_language(cli, packages, models_dir):  # noqa: F811
    install(cli, packages, "opus")
    shown = cli("models", "show", "opus-mt-en-trk-tiny-1_0")
    assert shown.exit_code == 0 and ">>kaz<<" in shown.output, shown.output
    doc = make_document("The rules change.", title="Trade", lang="en")
    result, (out,) = run_jsonl(cli, [doc], "--to", "kk,uz")
    assert result.exit_code == 0, result.output
    # the copy model turns the source's first token into the target's marker word: >>kaz<< -> qazaqsha
    for lang, word in (("kk-Cyrl", "qazaqsha"), ("uz-Latn", "ozbekcha")):
        tr = out["translations"][lang]
        assert tr["title"] == f"{word} Trade" and tr["paragraphs"][0]["text"] == f"{word} The rules change."
        assert tr["extra"]["route_kind"] == "multilingual" and tr["route"] == ["en", lang]
    assert ">>" not in json.dumps(out["translations"])


def test_opus_mt_metadata_must_give_every_target_a_token(packages, tmp_path):  # noqa: F811
    import shutil

    from toolkit.translate.errors import ModelPackageError
    from toolkit.translate.store import read_package

    src = tmp_path / "pkg"
    with zipfile.ZipFile(packages["opus"]) as zf:
        zf.extractall(src)
    (root,) = src.iterdir()
    meta = json.loads((root / "metadata.json").read_text("utf-8"))
    meta["to_codes"] = ["kk", "uz", "ru"]
    (root / "metadata.json").write_text(json.dumps(meta), "utf-8")
    with pytest.raises(ModelPackageError, match="no token chooses the target language ru"):
        read_package(root)
    meta["to_codes"] = ["kk", "uz"]
    meta["target_token_in_source"] = {"kk": ">>kaz<<", "uz": ">>uzbek<<"}
    (root / "metadata.json").write_text(json.dumps(meta), "utf-8")
    with pytest.raises(ModelPackageError, match=">>uzbek<< are not in the model's vocabulary"):
        read_package(root)
    shutil.rmtree(src)


def test_script_variants_need_no_model(cli, models_dir):  # noqa: F811
    uz = make_document("Oʻzbekiston Respublikasi poytaxti Toshkent shahri.", lang="uz-Latn")
    kk = make_document("Қазақстан Республикасы", lang="kk-Cyrl")
    result, out = run_jsonl(cli, [uz, kk], "--to", "uz-Cyrl,kk-Latn")
    # no model for uz -> kk-Latn nor kk -> uz-Cyrl: each document gets the version it can have, and a warning
    assert result.exit_code == 1 and [sorted(d["translations"]) for d in out] == [["uz-Cyrl"], ["kk-Latn"]]
    assert "uz-Latn -> kk-Latn" in result.stderr and "kk-Cyrl -> uz-Cyrl" in result.stderr
    assert [d["warnings"][0]["code"] for d in out] == ["translation-missing"] * 2
    assert run_jsonl(cli, [uz, kk], "--to", "uz-Cyrl,kk-Latn", "--allow-partial")[0].exit_code == 0
    result, (uz_out,) = run_jsonl(cli, [uz], "--to", "uz-Cyrl")
    tr = uz_out["translations"]["uz-Cyrl"]
    assert tr["paragraphs"][0]["text"] == "Ўзбекистон Республикаси пойтахти Тошкент шаҳри."
    assert tr["engine"] == "translit" and tr["model"] is None and tr["route"] == ["uz-Latn", "uz-Cyrl"]
    result, (kk_out,) = run_jsonl(cli, [kk], "--to", "kk-Latn")
    assert kk_out["translations"]["kk-Latn"]["paragraphs"][0]["text"] == "Qazaqstan Respublikasy"


def test_uzbek_cyrillic_from_a_translation(cli, packages, models_dir):  # noqa: F811
    """uz-Cyrl = a model's uz-Latn output, then transliterated (the m2m model answers 'ozbekcha')."""
    install(cli, packages, "m2m")
    _, (out,) = run_jsonl(cli, [make_document("Exports grow.", lang="en")], "--to", "uz-Cyrl")
    tr = out["translations"]["uz-Cyrl"]
    assert tr["paragraphs"][0]["text"] == "озбекча"
    assert tr["route"] == ["en", "uz-Latn", "uz-Cyrl"] and tr["engine"] == "ctranslate2"


def test_no_route_for_one_document_is_a_warning_on_it(cli, packages, models_dir):  # noqa: F811
    install(cli, packages, "kk_en")
    tr_doc = make_document("Hükümet yeni kuralları açıkladı.", lang="tr", source="tr-story")
    result, out = run_jsonl(cli, [kk_doc(source="kk-story"), tr_doc], "--to", "en")
    assert result.exit_code == 1  # a requested translation is missing
    assert [d["source"] for d in out] == ["kk-story", "tr-story"]  # the original is still there
    assert out[1]["translations"] == {} and out[1]["errors"] == []
    assert out[1]["warnings"][0]["code"] == "translation-missing"
    assert "tr-story" in result.stderr and "no translation model for tr -> en" in result.stderr
    assert "toolkit models fetch opus-mt-tr-en" in result.stderr or "toolkit models fetch" in result.stderr
    assert "1 document(s) with a missing translation" in result.stderr
    assert run_jsonl(cli, [kk_doc(), tr_doc], "--to", "en", "--allow-partial")[0].exit_code == 0


def test_document_without_language_is_identified(cli, packages, models_dir):  # noqa: F811
    install(cli, packages, "kk_en")
    result, (doc,) = run_jsonl(cli, [make_document(KK_P1)], "--to", "en")
    assert result.exit_code == 0, result.stderr
    assert doc["lang"] == "kk-Cyrl" and doc["translations"]["en"]["paragraphs"][0]["text"] == KK_P1
    result, (doc,) = run_jsonl(cli, [make_document("Сәлем.")], "--to", "en", "--from", "kk")
    assert doc["translations"]["en"]["paragraphs"][0]["text"] == "Сәлем."


def test_unknown_target_or_engine_is_a_usage_error(cli, models_dir):  # noqa: F811
    assert cli("translate", "--to", "xx-?", input="a").exit_code == 2
    result = cli("translate", "--to", "en", "--from", "??", input="a")
    assert result.exit_code == 2


def test_mixed_document_paragraphs_use_their_own_language(cli, packages, models_dir):  # noqa: F811
    install(cli, packages, "kk_en", "tr_en")
    doc = make_document(KK_P1, "Hükümet yeni kuralları açıkladı.", "Цены растут.", "Prices grow.", lang="kk-Cyrl")
    doc.mixed = True
    for p, lang in zip(doc.paragraphs, ["kk-Cyrl", "tr", "ru", "en"], strict=True):
        p.lang = lang
    result, (out,) = run_jsonl(cli, [doc], "--to", "en")
    assert result.exit_code == 1, result.output  # the Russian paragraph is missing from the en version
    tr = out["translations"]["en"]
    texts = [p["text"] for p in tr["paragraphs"]]
    assert texts == [KK_P1, "Hükümet yeni kuralları açıkladı.", "Цены растут.", "Prices grow."]
    assert [p["lang"] for p in tr["paragraphs"]] == ["en", "en", "ru", "en"]
    assert tr["extra"]["paragraph_routes"] == {"1": ["tr", "en"]}
    assert tr["extra"]["kept_paragraphs"] == [2, 3]
    assert tr["extra"]["partial"] is True and tr["extra"]["untranslated_paragraphs"] == [2]
    assert [w["code"] for w in out["warnings"]] == ["translation-missing"]
    assert any("ru -> en" in w["message"] for w in out["warnings"])


# -- batching --------------------------------------------------------------------------------------------


def test_pipe_batches_sentences_across_documents_and_restores_order(packages, models_dir, cli):  # noqa: F811
    from toolkit.processors.translate import Translate
    from toolkit.translate.split import split_sentences

    install(cli, packages, "kk_en")
    docs = []
    for i in range(24):
        paragraphs = [
            " ".join(f"Сөйлем {i}-{j}-{k} жаңа ережелер." for k in range((i + j) % 4 + 1)) for j in range(i % 5 + 1)
        ]
        paragraphs.append("Энергия бағасы жоғары.")  # the same sentence in every document: decoded once
        docs.append(make_document(*paragraphs, title=f"Тақырып {i}", lang="kk-Cyrl"))
    proc = Translate(to="en", max_batch_size=16, inter_threads=1)
    out = list(proc.pipe(iter(docs)))
    assert out == docs  # same objects, same order
    n_sentences = 0
    for doc in out:
        tr = doc.translations["en"]
        assert tr.title == doc.title
        assert [p.text for p in tr.paragraphs] == [p.text for p in doc.paragraphs]
        n_sentences += 1 + sum(len(split_sentences(p.text, "kk")) for p in doc.paragraphs)
    stats = proc.engine.stats
    assert stats["sentences"] == n_sentences  # one engine call saw every sentence of every document
    assert stats["decoded"] == n_sentences - len(docs) + 1  # the repeated sentence was translated once
    assert stats["batches"] == -(-stats["decoded"] // 16)  # sorted and cut into even batches of <= 16
    # a second pass is answered from the sentence cache
    for doc in docs:
        doc.translations.clear()
    list(proc.pipe(iter(docs)))
    assert proc.engine.stats["decoded"] == stats["decoded"] and proc.engine.cache.hits >= n_sentences


def test_parallel_workers_decode_even_chunks_with_the_same_results(packages, models_dir, cli):  # noqa: F811
    from toolkit.document import Document
    from toolkit.processors.translate import Translate

    install(cli, packages, "kk_en")
    docs = [make_document(f"Сөйлем {i} жаңа ережелер. Энергия {i}.", lang="kk-Cyrl") for i in range(21)]
    one = Translate(to="en", max_batch_size=8, inter_threads=1, cache_size=0)
    two = Translate(to="en", max_batch_size=8, inter_threads=2, intra_threads=1, cache_size=0)
    texts = []
    for proc in (one, two):
        out = list(proc.pipe(Document.from_json(d.to_json()) for d in docs))
        texts.append([[p.text for p in d.translations["en"].paragraphs] for d in out])
    assert texts[0] == texts[1]
    assert one.engine.stats["batches"] == 6  # 42 sentences, at most 8 a batch: 6 even batches of 7
    assert two.engine.stats["batches"] == 6  # a multiple of the 2 workers
    small = Translate(to="en", max_batch_size=8, inter_threads=2, intra_threads=1, cache_size=0)
    list(small.pipe(iter([make_document("Бір. Екі. Үш.", lang="kk-Cyrl")])))
    assert small.engine.stats["batches"] == 2  # 3 sentences still keep both workers busy


def test_thread_plan_shares_the_cpu_budget():
    from toolkit.translate.threads import available_cpus, plan_threads

    assert plan_threads("cpu", None, None, budget=4) == (4, 1)  # one worker per core
    assert plan_threads("cpu", None, 2, budget=4) == (2, 2)
    assert plan_threads("cpu", 3, None, budget=4) == (3, 1)
    assert plan_threads("cpu", 2, 0, budget=8) == (2, 4)  # intra 0: "choose"
    assert plan_threads("cpu", 1, 6, budget=2) == (1, 6)  # both given: as they are
    assert plan_threads("cuda", None, None, budget=8) == (1, 0)
    assert plan_threads("cpu", None, None) == (available_cpus(), 1)  # no budget given: every core


def test_translator_defaults_to_one_worker_per_core(packages, models_dir, cli):  # noqa: F811
    from toolkit.pipeline import Resources
    from toolkit.processors.translate import Translate

    install(cli, packages, "kk_en")
    given = Translate(to="en")
    given.setup(Resources(cpus=3))  # what a worker's setup(cpus=3) passes on
    list(given.pipe(iter([kk_doc()])))
    assert [t.num_translators for t in given.engine.models.translators.values()] == [3]
    mine = Translate(to="en", threads=2)
    mine.setup(Resources(cpus=3))  # the option wins over the worker's share
    list(mine.pipe(iter([kk_doc()])))
    assert [t.num_translators for t in mine.engine.models.translators.values()] == [2]
    fixed = Translate(to="en", source="kk")
    fixed.setup(Resources(cpus=1))  # a fixed source: the models are loaded at setup
    assert [t.num_translators for t in fixed.engine.models.translators.values()] == [1]


def test_processor_in_a_pipeline_records_missing_translations_per_document(packages, models_dir, cli):  # noqa: F811
    from toolkit import Pipeline

    install(cli, packages, "kk_en")
    docs = [kk_doc(source="a"), make_document("Merhaba.", lang="tr", source="b"), kk_doc(source="c")]
    out = list(Pipeline.from_names(["translate"], {"translate": {"to": ["en"]}}).pipe(docs))
    assert [d.status for d in out] == ["ok", "ok", "ok"]
    assert out[1].warnings[0].code == "translation-missing" and out[1].translations == {}
    assert out[0].translations["en"].paragraphs[1].text == KK_P2


def test_convert_to_adds_a_translate_step(cli, packages, models_dir, tmp_path):  # noqa: F811
    install(cli, packages, "kk_en")
    src = tmp_path / "in.jsonl"
    src.write_text(jsonl(kk_doc()), "utf-8")
    out = tmp_path / "out"
    result = cli("convert", src, "-o", out, "--to", "en", "-f", "txt")
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.glob("*.txt"))
    assert len(files) == 2 and any(name.endswith(".en.txt") for name in files)
    english = next(p for p in out.glob("*.en.txt")).read_text("utf-8")
    assert english == f"{KK_TITLE}\n\n{KK_P1}\n\n{KK_P2}\n"


# -- the optional argostranslate engine ----------------------------------------------------------------


def test_argos_engine_on_the_same_packages(cli, packages, models_dir):  # noqa: F811
    pytest.importorskip("argostranslate")
    install(cli, packages, "kk_en", "en_ru")
    result, (doc,) = run_jsonl(cli, [kk_doc()], "--to", "ru", "--engine", "argos", "--beam", "2")
    assert result.exit_code == 0, result.output
    tr = doc["translations"]["ru"]
    assert tr["engine"] == "argos" and tr["route"] == ["kk-Cyrl", "en", "ru"]
    assert tr["title"] == upper_of(KK_TITLE)


def test_argos_engine_missing_is_a_usage_error(cli, models_dir, monkeypatch):  # noqa: F811
    import toolkit.translate.argos as argos

    monkeypatch.setattr(argos, "available", lambda: False)
    result = cli("translate", "--to", "en", "--from", "kk", "--engine", "argos", input="a")
    assert result.exit_code == 2 and "pip install 'toolkit[argos]'" in result.output
