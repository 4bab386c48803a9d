"""Sentence splitting, script conversion and language codes used by translation (no models needed)."""

from __future__ import annotations

import pytest

from toolkit.translate.langs import canonical, m2m_token, nllb_code, try_canonical
from toolkit.translate.split import split_sentences
from toolkit.translate.translit import kk_cyrl_to_latn, uz_cyrl_to_latn, uz_latn_to_cyrl

from .translate_helpers import packages  # noqa: F401  (fixture)


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        (
            "ru",
            "Н. Назарбаев прибыл в г. Алматы. Встреча прошла 5 марта 2024 г. Итоги подведут позже.",
            ["Н. Назарбаев прибыл в г. Алматы.", "Встреча прошла 5 марта 2024 г.", "Итоги подведут позже."],
        ),
        (
            "ru",
            "«Мы придём. Обязательно», — сказал он. Потом ушёл.",
            ["«Мы придём. Обязательно», — сказал он.", "Потом ушёл."],
        ),
        ("ru", "«Уходи!» — крикнул он. Она ушла.", ["«Уходи!» — крикнул он.", "Она ушла."]),
        (
            "ru",
            "Привезли яблоки, груши и т. д. Потом пришли гости. Рост составил 5 млн. руб. в год.",
            ["Привезли яблоки, груши и т. д.", "Потом пришли гости.", "Рост составил 5 млн. руб. в год."],
        ),
        (
            "en",
            "Mr. Smith met Dr. Brown at 5 p.m. Then he left!",
            ["Mr. Smith met Dr. Brown at 5 p.m.", "Then he left!"],
        ),
        ("en", 'He said "Stop. Now." Then he left.', ['He said "Stop. Now."', "Then he left."]),
        ("en", "What? Really… Yes!", ["What?", "Really…", "Yes!"]),
        ("en", "Prices rose 3.5 percent. Exports fell.", ["Prices rose 3.5 percent.", "Exports fell."]),
        (
            "tr",
            "Prof. Dr. Ahmet Yılmaz açıklama yaptı. 2. Dünya Savaşı sonrası kuruldu. Toplantı saat 15.00'te başladı.",
            [
                "Prof. Dr. Ahmet Yılmaz açıklama yaptı.",
                "2. Dünya Savaşı sonrası kuruldu.",
                "Toplantı saat 15.00'te başladı.",
            ],
        ),
        (
            "kk-Cyrl",
            "Алматы қ. Абай көш. бойында жиын өтті. Қ. Тоқаев сөз сөйледі. Жиынға 5 млн. адам қатысты.",
            ["Алматы қ. Абай көш. бойында жиын өтті.", "Қ. Тоқаев сөз сөйледі.", "Жиынға 5 млн. адам қатысты."],
        ),
        (
            "uz-Latn",
            "Toshkent sh. Navoiy koʻch. boʻyida bino qurildi. Sh. Mirziyoyev nutq soʻzladi. "
            "«Biz tayyormiz. Albatta», dedi u.",
            [
                "Toshkent sh. Navoiy koʻch. boʻyida bino qurildi.",
                "Sh. Mirziyoyev nutq soʻzladi.",
                "«Biz tayyormiz. Albatta», dedi u.",
            ],
        ),
    ],
)
def test_sentence_splitting(lang, text, expected):
    assert split_sentences(text, lang) == expected


def test_long_sentences_are_cut_and_nothing_is_lost():
    text = ", ".join(f"часть {i}" for i in range(200)) + "."
    pieces = split_sentences(text, "ru", max_chars=120)
    assert all(len(p) <= 120 for p in pieces) and len(pieces) > 5
    assert " ".join(pieces) == text
    assert split_sentences("   ", "ru") == [] and split_sentences("Один", "ru") == ["Один"]


# Known strings: the Kazakh example is the 2021-alphabet transliteration given by Wikipedia ("Kazakh alphabets").
KK = (
    "Бұрыңғы өткен заманда, бір данышпан кісі, Бағдат шаһарының бір үлкен қазысының үйіне келіп қоныпты.",
    "Būryñğy ötken zamanda, bır danyşpan kısı, Bağdat şaharynyñ bır ülken qazysynyñ üiıne kelıp qonypty.",
)


def test_kazakh_cyrillic_to_latin_2021():
    assert kk_cyrl_to_latn(KK[0]) == KK[1]
    assert kk_cyrl_to_latn("Қазақстан Республикасы") == "Qazaqstan Respublikasy"
    assert kk_cyrl_to_latn("ШЫМКЕНТ, Шымкент, Ирина, Ілияс, Ұлытау") == "ŞYMKENT, Şymkent, İrina, Iliias, Ūlytau"
    assert kk_cyrl_to_latn("Чехия, Щучинск, ЯНВАРЬ") == "Çehiia, Şşuçinsk, İANVAR"


def test_uzbek_latin_cyrillic_both_ways():
    assert uz_latn_to_cyrl("Oʻzbekiston Respublikasi poytaxti Toshkent shahri.") == (
        "Ўзбекистон Республикаси пойтахти Тошкент шаҳри."
    )
    # every apostrophe variant of oʻ / gʻ
    assert (
        uz_latn_to_cyrl("O'zbekiston, O`zbekiston, O’zbekiston, G‘afur") == "Ўзбекистон, Ўзбекистон, Ўзбекистон, Ғафур"
    )
    assert uz_latn_to_cyrl("Yevropa, yoshlar, ertaga, maʼlumot, SHAHAR") == "Европа, ёшлар, эртага, маълумот, ШАҲАР"
    assert uz_cyrl_to_latn("Ғафур Ғулом кўчаси, Европа, цирк, милиция, ШАҲАР") == (
        "Gʻafur Gʻulom koʻchasi, Yevropa, sirk, militsiya, SHAHAR"
    )
    back = "Toshkent shahrida yangi maktab ochildi."
    assert uz_cyrl_to_latn(uz_latn_to_cyrl(back)) == back


def test_language_code_table():
    assert [canonical(c) for c in ("kk", "KK", "kk-cyrl", "kaz_Cyrl", "__kk__", "kaz")] == ["kk-Cyrl"] * 6
    assert [canonical(c) for c in ("uz", "uz-Latn", "uzn_Latn", "__uz__")] == ["uz-Latn"] * 4
    assert canonical("uz-Cyrl") == "uz-Cyrl" and canonical("kk_Latn") == "kk-Latn"
    assert [canonical(c) for c in ("ru", "ru-Cyrl", "rus_Cyrl", "en-US", "eng_Latn")] == ["ru", "ru", "ru", "en", "en"]
    assert nllb_code("kk") == "kaz_Cyrl" and nllb_code("uz") == "uzn_Latn" and nllb_code("ru") == "rus_Cyrl"
    assert m2m_token("kk-Cyrl") == "__kk__" and m2m_token("en") == "__en__"
    assert try_canonical("und") is None and try_canonical(None) is None and try_canonical("!!") is None


def test_routing_prefers_direct_then_multilingual_then_pivot(packages, tmp_path):  # noqa: F811
    from toolkit.translate.routing import Router
    from toolkit.translate.store import ModelStore

    store = ModelStore(tmp_path / "m", argos_dirs=[])
    for key in ("kk_en", "en_ru", "nllb"):
        store.install(packages[key])
    router = Router(store.packages())
    assert router.route("kk", "en").kind == "direct"  # the pair model, not the multilingual one
    assert router.route("kk", "ru").kind == "multilingual"  # one multilingual hop beats a two-model pivot
    assert router.route("kk", "uz-Cyrl").langs == ["kk-Cyrl", "uz-Latn", "uz-Cyrl"]
    assert router.route("kk", "kk").kind == "identity"
    without = Router([p for p in store.packages() if not p.multilingual])
    assert without.route("kk", "ru").langs == ["kk-Cyrl", "en", "ru"]
    assert without.route("ru", "kk") is None
