"""The ``langid`` processor: paragraphs, document language, mixed documents, pipeline."""

from __future__ import annotations

import pytest

from toolkit import Document, Paragraph, Pipeline
from toolkit.errors import ConfigError
from toolkit.pipeline import DEFAULT_STEPS
from toolkit.registry import PROCESSORS

from .test_langid import SENTENCES

KK = [
    "Алматыда «Ұлы дала әуендері» атты халықаралық фольклор фестивалі өтті. Оған он елден өнерпаздар келді.",
    "Фестиваль Республика сарайында салтанатты концертпен ашылды, көрермендер ұлттық аспаптардың үнін тыңдады.",
    "Шара соңында қазылар алқасы үздік ұжымдарды марапаттады. Бас жүлдені Шымкенттің ансамблі жеңіп алды.",
]
RU_QUOTE = (
    "«Я впервые услышал кюй Курмангазы больше двадцати лет назад и с тех пор не могу от него оторваться», "
    "— рассказал музыкант из Москвы."
)


def langid(**options):
    return PROCESSORS.create("langid", **options)


def doc_of(*paragraphs: str, title: str | None = None) -> Document:
    doc = Document.from_text("\n\n".join(paragraphs))
    doc.paragraphs = [Paragraph(p) for p in paragraphs]
    doc.title = title
    return doc


def test_registered_and_in_the_default_pipeline():
    assert "langid" in PROCESSORS
    assert DEFAULT_STEPS == ("clean", "langid")


def test_tags_paragraphs_and_document():
    doc = langid()(doc_of(*KK, title="Алматыда фольклор фестивалі өтті"))
    assert [p.lang for p in doc.paragraphs] == ["kk-Cyrl"] * 3
    assert all(p.script == "Cyrl" and p.confidence and p.confidence > 0.9 for p in doc.paragraphs)
    assert doc.lang == "kk-Cyrl" and not doc.mixed
    assert 0.9 < (doc.lang_confidence or 0) <= 1
    info = doc.extra["langid"]
    assert info["engine"] == "auto" and info["title"]["lang"] == "kk-Cyrl" and list(info["letters"]) == ["kk-Cyrl"]


def test_mixed_document_with_a_quotation_in_another_language():
    doc = langid()(doc_of(KK[0], KK[1], RU_QUOTE, KK[2]))
    assert [p.lang for p in doc.paragraphs] == ["kk-Cyrl", "kk-Cyrl", "ru", "kk-Cyrl"]
    assert doc.lang == "kk-Cyrl" and doc.mixed
    assert doc.lang_confidence is not None and doc.lang_confidence < 0.9  # the quote takes its share


def test_document_language_is_the_majority_of_letters_not_of_paragraphs():
    short_en = ["Photo: Reuters.", "Share this.", "Read more."]
    long_ru = SENTENCES["ru"] + " " + SENTENCES["ru"] + " " + SENTENCES["ru"]
    doc = langid()(doc_of(*short_en, long_ru))
    assert doc.lang == "ru"


def test_stray_names_and_buttons_do_not_make_a_document_mixed():
    doc = langid()(doc_of(KK[0], "Facebook Telegram WhatsApp", KK[1], KK[2]))
    assert doc.lang == "kk-Cyrl" and not doc.mixed


def test_short_paragraph_leans_to_the_document_language():
    # "Tokayev" alone could be several Latin-script languages; the English document decides
    text = [SENTENCES["en"], "The minister also spoke about the harvest and the new railway.", "Tokayev Erdoğan"]
    doc = langid()(doc_of(*text))
    assert doc.lang == "en"
    assert doc.paragraphs[2].lang in ("en", "tr")


def test_und_paragraphs_and_empty_documents():
    doc = langid()(doc_of(SENTENCES["tr"], "18.11.2024", "https://example.com/x"))
    assert [p.lang for p in doc.paragraphs] == ["tr", "und", "und"]
    assert doc.paragraphs[1].confidence == 0.0 and doc.paragraphs[1].script is None
    empty = langid()(doc_of("2024", "+7 700 000 00 00"))
    assert empty.lang == "und" and empty.lang_confidence == 0.0 and not empty.mixed
    none = langid()(Document(id="x"))
    assert none.lang == "und" and none.paragraphs == []


def test_title_decides_when_the_body_has_no_letters():
    doc = langid()(doc_of("2024", title="Oʻzbekiston yangiliklari bugun"))
    assert doc.lang == "uz-Latn"


@pytest.mark.parametrize("engine", ["auto", "rules+ngram", "rules+py3langid", "langdetect"])
def test_engines_selectable_in_the_processor(engine):
    doc = langid(engine=engine)(doc_of(SENTENCES["uz_Cyrl"], SENTENCES["uz_Cyrl"]))
    assert doc.lang == "uz-Cyrl"
    assert doc.extra["langid"]["engine"] == engine


def test_bad_options_are_config_errors():
    with pytest.raises(ConfigError, match="engine"):
        langid(engine="nope")
    with pytest.raises(ConfigError, match="unknown language"):
        langid(languages=["xx"])
    with pytest.raises(ConfigError):
        langid(mixed_share=0.9)
    with pytest.raises(ConfigError, match="min_letters"):
        langid(min_letters="3")
    with pytest.raises(ConfigError, match="min_confidence"):
        langid(min_confidence="high")
    assert langid(languages="kk, ru").identifier.allowed == ("kk", "ru")
    with pytest.raises(ConfigError):
        Pipeline.from_names(["segment", "langid"], {"langid": {"no_such_option": 1}})


def test_languages_option_in_the_pipeline():
    nlp = Pipeline.from_names(["segment", "langid"], {"langid": {"languages": ["ky", "ru"]}})
    doc = nlp.process_text(SENTENCES["kk"])
    assert doc.lang in ("ky", "ru")


def test_default_pipeline_tags_text_and_round_trips():
    doc = Pipeline.default().process_text(SENTENCES["ky"] + "\n\n" + SENTENCES["ky"])
    assert doc.lang == "ky" and doc.paragraphs[0].lang == "ky"
    assert Document.from_json(doc.to_json()) == doc


def test_processor_is_deterministic_and_idempotent():
    doc = doc_of(KK[0], RU_QUOTE, KK[1])
    once = langid()(Document.from_dict(doc.to_dict()))
    twice = langid()(langid()(Document.from_dict(doc.to_dict())))
    assert once.to_dict() == twice.to_dict()


def test_readme_pipeline_options_work_from_toml():
    import re
    import tomllib

    from toolkit.config import parse_config

    from .conftest import ROOT

    readme = (ROOT / "README.md").read_text("utf-8")
    (block,) = [b for b in re.findall(r"```toml\n(.*?)```", readme, re.S) if "[steps.langid]" in b]
    config = parse_config(tomllib.loads(block))  # default steps: segment, langid
    doc = config.pipeline_spec().build()(Document.from_text(KK[0]))
    assert doc.lang == "kk-Cyrl" and doc.extra["langid"]["engine"] == "auto"
