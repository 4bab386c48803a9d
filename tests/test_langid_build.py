"""The shipped language data: built by the project's scripts, loaded from the package."""

from __future__ import annotations

import importlib.resources
import json

import pytest

from toolkit.langid import LanguageIdentifier
from toolkit.langid.engines import langdetect_factory
from toolkit.langid.ngram import NgramModel, load_model
from tools.langid.build_ngram import build, valid_keys
from tools.langid.build_profiles import PROFILES, build_profile
from tools.langid.corpus import Corpus, read_corpus

from .conftest import shared

TINY = {
    "kk": [
        "Бүгін ауа райы жақсы болады деп күтілуде.",
        "Қазақстан халқы мерекені тойлады.",
        "Ауыл шаруашылығы дамып келеді.",
    ],
    "ru": ["Сегодня ожидается хорошая погода.", "Жители страны отметили праздник.", "Сельское хозяйство развивается."],
    "en": ["Good weather is expected today.", "The people celebrated the holiday.", "Farming keeps growing fast."],
}


def tiny_corpus(tmp_path) -> Corpus:
    for label, lines in TINY.items():
        (tmp_path / f"{label}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return read_corpus(tmp_path, tuple(TINY))


def test_ngram_model_builds_saves_and_loads(tmp_path):
    corpus = tiny_corpus(tmp_path)
    model = build(corpus, max_order=3, top_per_order=50, min_char_count=1)
    assert model.labels == ("en", "kk", "ru")
    assert model.info["corpus_sha256"] == corpus.digest() and model.info["lines"] == {"en": 3, "kk": 3, "ru": 3}
    path = tmp_path / "m.npz"
    model.save(path)
    again = NgramModel.load(path)
    assert again.labels == model.labels and (again.keys == model.keys).all()
    for text, label in (("Ауа райы жақсы", "kk"), ("хорошая погода", "ru"), ("good weather", "en")):
        scores = again.scores_raw_text(text)
        assert max(scores, key=scores.get) == label
        assert abs(sum(scores.values()) - 1) < 1e-6
    # deterministic: the same corpus gives the same model
    other = build(corpus, max_order=3, top_per_order=50, min_char_count=1)
    assert (other.keys == model.keys).all() and (other.weights == model.weights).all()


def test_feature_keys_round_trip_and_validity():
    model = load_model()
    feat = model.featurizer
    for gram in (" қа", "зақ ", "a", " oʻz", "ың "):
        assert feat.gram_of(feat.key_of(gram)) == gram
    import numpy as np

    keys = np.array([feat.key_of(g) for g in (" a", "a b", "  ", " ", "ab ")], dtype=np.uint64)
    assert valid_keys(keys, feat.max_order).tolist() == [True, False, False, False, True]


def test_shipped_ngram_model_loads_once_from_the_package():
    data = importlib.resources.files("toolkit").joinpath("data", "langid", "ngram.npz")
    assert data.is_file()
    model = load_model()
    assert model is load_model()
    assert len(model.labels) == 16 and {"kk_Latn", "uz_Cyrl"} <= set(model.labels)
    # built by the builder (tools/langid/build_ngram.py, toolkit.langid.build_ngram before it left the package)
    assert model.info["built_by"] in ("tools.langid.build_ngram", "toolkit.langid.build_ngram")
    assert len(model.info["corpus_sha256"]) == 64


def test_langdetect_profile_format(tmp_path):
    profile = build_profile("kk", TINY["kk"] * 3)
    assert profile["name"] == "kk" and set(profile) == {"freq", "n_words", "name"}
    assert len(profile["n_words"]) == 3 and all(isinstance(v, int) for v in profile["freq"].values())
    from langdetect.utils.lang_profile import LangProfile

    LangProfile(**profile)


def test_shipped_langdetect_profiles_load_without_touching_langdetect_globals():
    import langdetect.detector_factory as ldf

    before = (ldf._factory, ldf.DetectorFactory.seed)
    wrapper = langdetect_factory()
    for name in ("kk", "kk-Latn", "uz", "uz-Cyrl", "ky"):
        assert name in wrapper.own and name in wrapper.languages
    assert {"ru", "en", "tr", "uk", "bg"} <= set(wrapper.languages)
    assert set(wrapper.own) == set(PROFILES.values())
    files = importlib.resources.files("toolkit").joinpath("data", "langid", "langdetect")
    for name in PROFILES.values():
        data = json.loads(files.joinpath(f"{name}.json").read_text("utf-8"))
        assert data["name"] == name and sum(data["n_words"]) > 0
    assert LanguageIdentifier("langdetect").identify("Бүгүн аба ырайы жакшы болот деп күтүлүүдө.").lang == "ky"
    assert (ldf._factory, ldf.DetectorFactory.seed) == before
    assert wrapper.factory.seed == 0


def test_sources_record_is_shipped():
    text = importlib.resources.files("toolkit").joinpath("data", "langid", "SOURCES.md").read_text("utf-8")
    for needle in ("NTREX", "CC BY-SA 4.0", "KazNERD", "build_ngram", "build_profiles"):
        assert needle in text


@pytest.mark.slow
def test_shipped_data_is_what_the_build_scripts_make():
    """Rebuilding from the shared corpus gives the shipped model and profiles (skipped without it)."""
    corpus = read_corpus(shared("langid", "train"))
    shipped = load_model()
    assert shipped.info["corpus_sha256"] == corpus.digest()
    params = shipped.info["params"]
    rebuilt = build(
        corpus,
        max_order=params["max_order"],
        top_per_order=params["top_per_order"],
        alpha=params["alpha"],
        min_char_count=params["min_char_count"],
        order_weights=tuple(params["order_weights"]),
    )
    assert (rebuilt.keys == shipped.keys).all()
    assert abs(rebuilt.weights - shipped.weights).max() < 1e-3  # shipped weights are quantised to 16 bits
    files = importlib.resources.files("toolkit").joinpath("data", "langid", "langdetect")
    kk = build_profile("ky", corpus.lines["ky"])
    assert json.loads(files.joinpath("ky.json").read_text("utf-8")) == kk


def test_model_with_another_key_format_is_refused(tmp_path):
    import io

    import numpy as np

    buf = io.BytesIO()
    load_model().save(buf)
    buf.seek(0)
    with np.load(buf) as data:
        arrays = dict(data)
    meta = json.loads(bytes(arrays["meta"]).decode())
    meta["key_format"] = "8bit-chars/order@48"
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    path = tmp_path / "old.npz"
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="key format"):
        NgramModel.load(path)


def test_letters_the_model_does_not_know_are_und():
    # Latin letters, but none of them in any trained alphabet: no evidence, no guess
    assert LanguageIdentifier().identify("ŋŋŋŋ ŧŧŧŧ ŋŋŋŋ").lang == "und"
