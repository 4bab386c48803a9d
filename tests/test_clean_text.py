"""Plain-text cleaning rules on pages other than the samples: other sites' furniture, traps, formats."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.document import Document
from toolkit.errors import ConfigError, EmptyDocumentError
from toolkit.processors.clean import Clean
from toolkit.processors.clean.markers import default_markers, fold, load_markers
from toolkit.processors.clean.rules import Rules
from toolkit.processors.clean.text import clean_text, derive_title

RULES = Rules(default_markers())

LONG_RU = [
    "В Караганде в понедельник открыли новый областной онкологический центр, рассчитанный на двести "
    "пациентов, сообщили в пресс-службе акимата области.",
    "Строительство центра заняло три года, в нём установлено современное оборудование для лучевой терапии "
    "и диагностики, закупленное за счёт республиканского бюджета.",
    "По словам главного врача, очередь на обследование в регионе должна сократиться вдвое уже в течение "
    "первого года работы нового центра.",
]


def clean(text: str) -> Document:
    return Clean()(Document.from_text(text))


def body(doc: Document) -> list[str]:
    return [p.text for p in doc.paragraphs]


def test_russian_site_with_label_dates_byline_and_inline_read_also():
    page = "\n\n".join(
        [
            "Главная › Казахстан › Общество",
            "Меню",
            "В Караганде открыли новый онкоцентр",
            "В Караганде открыли новый онкоцентр",
            "Опубликовано: 5 марта 2024, 14:20",
            "Автор: Айгуль Сейтова",
            "Фото: пресс-служба акимата",
            LONG_RU[0],
            "Читайте также: В Астане построят детскую больницу",
            LONG_RU[1],
            LONG_RU[2],
            "Поделиться:",
            "Telegram WhatsApp ВКонтакте",
            "Комментарии",
            "Иван: отличная новость, давно ждали",
        ]
    )
    doc = clean(page)
    assert doc.title == "В Караганде открыли новый онкоцентр"
    assert body(doc) == LONG_RU  # the inline "read also" link does not cut the article
    assert doc.meta.published == "2024-03-05"
    assert doc.meta.byline == "Айгуль Сейтова"
    assert doc.meta.photo_credits == ["пресс-служба акимата"]
    rules = [r.rule for r in doc.removed]
    assert "read-also" in rules and "teaser-marker" in rules and "byline" in rules


def test_hard_wrapped_wire_copy_is_joined_into_paragraphs():
    page = (
        "Kazakhstan raises key rate to 15.75 percent\n\n"
        "By Daniyar Seitkali\n\n"
        "Updated: November 20, 2024\n\n"
        "ALMATY, Nov 20 - Kazakhstan's central bank raised its base rate by\n"
        "50 basis points on Wednesday, citing faster inflation and a weaker\n"
        "tenge, and said further increases were possible in the coming months.\n\n"
        "The bank said annual inflation accelerated to 8.9 percent in October\n"
        "from 8.3 percent a month earlier, driven by utility tariffs and food\n"
        "prices.\n"
    )
    doc = clean(page)
    assert doc.title == "Kazakhstan raises key rate to 15.75 percent"
    assert doc.meta.byline == "Daniyar Seitkali"
    assert doc.meta.modified == "2024-11-20"
    assert body(doc) == [
        "ALMATY, Nov 20 - Kazakhstan's central bank raised its base rate by 50 basis points on Wednesday, "
        "citing faster inflation and a weaker tenge, and said further increases were possible in the coming months.",
        "The bank said annual inflation accelerated to 8.9 percent in October from 8.3 percent a month earlier, "
        "driven by utility tariffs and food prices.",
    ]


EN = [
    "The regional government approved a plan on Tuesday to replace the city's ageing fleet of buses with "
    "electric models over the next five years, officials said.",
    "The first forty vehicles are expected to arrive in the spring, and charging stations will be built at "
    "the two main depots before the end of the year.",
    "Transport officials said the new buses would cut fuel costs by nearly half and reduce noise on the busiest "
    "routes through the old town.",
    "Critics on the city council said the plan did not explain how the batteries would cope with winter "
    "temperatures that regularly fall below minus thirty degrees.",
]


def test_mid_article_teaser_block_does_not_eat_the_rest_of_the_article():
    page = "\n\n".join(
        [EN[0], EN[1], "Related news", "Almaty opens a new tram line", EN[2], EN[3], "You may also like", "A headline"]
    )
    doc = clean(page)
    assert body(doc) == EN
    assert [r.text for r in doc.removed if r.rule.startswith("teaser")] == [
        "Related news",
        "Almaty opens a new tram line",
        "You may also like",
        "A headline",
    ]


def test_teaser_block_at_the_end_is_cut_with_its_dated_snippets_but_copyright_is_kept_as_metadata():
    page = "\n\n".join(
        [
            "Electric buses for the old town",
            EN[0],
            EN[1],
            "Read more news",
            "12.03.2024 Another story about buses",
            "A story without a date",
            "© 2024 City Courier Ltd. All rights reserved.",
        ]
    )
    doc = clean(page)
    assert body(doc) == EN[:2]
    assert doc.meta.copyright_holder == "City Courier Ltd."  # the abbreviation keeps its full stop
    assert doc.meta.copyright_year == 2024


def test_date_leading_body_paragraph_is_not_cut():
    first = "18 ноября 2024 года в Астане открылся форум региональных редакторов, который собрал более 300 участников."
    page = "\n\n".join(["Форум редакторов открылся в Астане", "Форум редакторов открылся в Астане", first, LONG_RU[1]])
    doc = clean(page)
    assert body(doc) == [first, LONG_RU[1]]
    assert doc.meta.published is None  # a date inside the sentence is not a dateline


def test_glued_dates_in_other_languages():
    kk = (
        "2024 жылғы 18 қараша Астанада өткен халықаралық форумға отызға жуық елден келген журналистер, "
        "сарапшылар мен медиа басшылары қатысты."
    )
    doc = clean(kk + "\n\nЕкінші абзац ұзақ мәтін, ол форумның екінші күні туралы айтып береді, бірнеше сөйлем бар.")
    assert doc.meta.published == "2024-11-18"
    assert body(doc)[0].startswith("Астанада өткен халықаралық форумға")


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("date 2024-11-18", "2024-11-18"),
        ("18.11.2024", "2024-11-18"),
        ("18/11/2024 10:42", "2024-11-18"),
        ("18 Kasım 2024", "2024-11-18"),
        ("18 KASIM 2024 Pazartesi", "2024-11-18"),
        ("Pazartesi, 18 Kasım 2024", "2024-11-18"),
        ("18 ноября 2024 г.", "2024-11-18"),
        ("18 ноября 2024, 14:20", "2024-11-18"),
        ("18-ноябрь, 2024", "2024-11-18"),
        ("18 қараша 2024", "2024-11-18"),
        ("2024 жылғы 18 қараша", "2024-11-18"),
        ("18-noyabr, 2024-yil", "2024-11-18"),
        ("2024-yil 18-noyabr", "2024-11-18"),
        ("18 ноябр 2024", "2024-11-18"),
        ("November 18, 2024", "2024-11-18"),
        ("Nov. 18, 2024", "2024-11-18"),
        ("2 September 2024", "2024-09-02"),
        ("Updated: 20.11.2024", "2024-11-20"),
        ("Güncelleme: 20.11.2024 14:05", "2024-11-20"),
        ("2024-11-18T14:05:00+05:00", "2024-11-18"),
    ],
)
def test_date_formats(line, iso):
    match = RULES.dates.match(line)
    assert match is not None and match.iso == iso


@pytest.mark.parametrize("line", ["31.02.2024", "18 Foo 2024", "2024 was a year", "Form 18 2024", "99.99.9999"])
def test_not_dates(line):
    assert RULES.dates.match(line) is None


@pytest.mark.parametrize(
    ("line", "holder", "year"),
    [
        ("© 2012–2024 Южный экспресс. Все права защищены.", "Южный экспресс", 2024),
        ("Copyright © 2023 Acme Media Inc. All Rights Reserved.", "Acme Media Inc.", 2023),
        ("(c) Kazinform, 2024", "Kazinform", 2024),
        ("© © 2025 S-B-E Ltd", "S-B-E Ltd", 2025),
        ("© 2024 Başkent Haber A.Ş. Tüm hakları saklıdır.", "Başkent Haber A.Ş.", 2024),
        ("Barcha huquqlar himoyalangan. © 2024 Kun.uz", "Kun.uz", 2024),
        ("Бардык укуктар корголгон", None, None),
        ("Silk Road Review © 2024", "Silk Road Review", 2024),
    ],
)
def test_copyright_lines(line, holder, year):
    found = RULES.copyright(line, fold(line))
    assert found is not None
    assert (found.holder, found.year) == (holder, year)


@pytest.mark.parametrize(
    "line",
    [
        "Copyright law in Kazakhstan protects a photograph from the moment it is taken.",
        "По словам юриста, фраза «Все права защищены» в подвале сайта сама по себе не даёт дополнительной защиты: "
        "права автора возникают с момента создания произведения.",
        "“Writing ‘All rights reserved’ under an image does not stop anyone,” she said.",
    ],
)
def test_copyright_traps_are_prose(line):
    assert RULES.copyright(line, fold(line)) is None


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Photo: Reuters", "Reuters"),
        ("Photo by Timur Alimov", "Timur Alimov"),
        ("Фото: Ерлан Досмаганбетов / Tengrinews", "Ерлан Досмаганбетов / Tengrinews"),
        ("Сурет: ашық дереккөздерден", "ашық дереккөздерден"),
        ("Fotoğraf: AA", "AA"),
        ("Surat: Bekzod Yo'ldoshev.", "Bekzod Yo'ldoshev"),
        ("Participants at the opening session. Photo: Kamola Rashidova", "Kamola Rashidova"),
        ("Новый терминал аэропорта (Фото: Данияр Ахметов)", "Данияр Ахметов"),
    ],
)
def test_credit_lines(line, name):
    found = RULES.credit(line, fold(line))
    assert found is not None and found.names == name


@pytest.mark.parametrize(
    "line",
    [
        "Photo exhibitions remain one of the few places where photographers are reliably paid.",
        "Photo credit lines are usually the first thing to disappear when a picture travels.",
        "Фотовыставка «Лица региона», открывшаяся в фойе форума, представляет около шестидесяти работ.",
        "Photo by photo, the archive was rebuilt over ten years by volunteers from the city.",
    ],
)
def test_credit_traps_are_prose(line):
    assert RULES.credit(line, fold(line)) is None


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("Paylaş", "share"),
        ("Поделиться: ВКонтакте Telegram", "share"),
        ("Facebook Twitter WhatsApp", "share"),
        ("Telegram каналимизга обуна бўлинг", "subscribe"),
        ("Subscribe to our newsletter", "subscribe"),
        ("Jaңалықтарға жазылыңыз", "subscribe"),
        ("Bu sitede deneyiminizi iyileştirmek için çerezler kullanılmaktadır. Kabul Et", "cookie"),
        ("Мы используем файлы cookie, чтобы сайт работал лучше. Понятно", "cookie"),
        ("Ana Sayfa > Ekonomi > Piyasalar", "navigation"),
        ("Bosh sahifa / Iqtisodiyot", "navigation"),
        ("Қаз Рус Eng", "navigation"),
        ("SON DAKİKA | GÜNDEM | EKONOMİ | SPOR", "navigation"),
    ],
)
def test_furniture_lines(line, rule):
    f = fold(line)
    checks = {
        "share": RULES.share(f),
        "subscribe": RULES.subscribe(line, f),
        "cookie": RULES.cookie(line, f),
        "navigation": RULES.navigation(line, f),
    }
    assert checks[rule], line
    assert [k for k, v in checks.items() if v] == [rule]


@pytest.mark.parametrize(
    "line",
    [
        "The newsletter now reaches more than 5,000 readers every week, the editor said.",
        "Telegram has become the main source of news for many readers in the region, a survey found.",
        "He did not subscribe to that view.",
        "Sales rose 5% / 7% in the two quarters.",
    ],
)
def test_furniture_traps_are_prose(line):
    f = fold(line)
    assert not (RULES.share(f) or RULES.subscribe(line, f) or RULES.cookie(line, f) or RULES.navigation(line, f))


def test_marker_text_glued_without_a_date_is_only_cut_when_shouted():
    doc = clean(
        "Related efforts by the government to expand the bus network were discussed at length on Monday in the "
        "city council, officials said.\n\nSecond paragraph of the story, long enough to count as prose text here."
    )
    assert body(doc)[0].startswith("Related efforts by the government")


def test_derived_title_is_the_first_sentence_cut_at_a_word():
    assert derive_title("A wind farm opened. It has 30 turbines.") == "A wind farm opened"
    long = "The Kazakh delegation includes " + ", ".join(f"official number {i}" for i in range(30)) + "."
    title = derive_title(long)
    assert title.endswith("…") and len(title) <= 121 and long.startswith(title[:-1])
    assert derive_title("Dr. Aliyev said on 2 Sept. that the plan works. More text.").startswith("Dr. Aliyev said")


def test_only_boilerplate_raises_empty_document_error():
    page = "Ana Sayfa > Ekonomi\n\nPaylaş\n\nFacebook Twitter\n\n\u00a0\n\n© 2024 Site. Tüm hakları saklıdır."
    with pytest.raises(EmptyDocumentError) as info:
        clean(page)
    assert "boilerplate" in str(info.value)


def test_a_stray_word_beside_removed_boilerplate_is_not_a_story():
    furniture = "Ana Sayfa > Ekonomi\n\nPaylaş\n\n© 2024 Site. Tüm hakları saklıdır."
    with pytest.raises(EmptyDocumentError, match=r"only 1 word\(s\) beside the boilerplate"):
        Clean()(Document.from_text(furniture + "\n\nSpor"))
    # words over several short paragraphs count together; without removals a short text is kept
    kept = Clean()(Document.from_text(furniture + "\n\nSpor\n\nToplantı yarın\n\nBakan geldi"))
    assert [p.text for p in kept.paragraphs] == ["Toplantı yarın", "Bakan geldi"]  # "Spor" is the title
    assert [p.text for p in Clean()(Document.from_text("Spor")).paragraphs] == ["Spor"]


def test_processor_does_not_change_a_document_that_fails():
    doc = Document.from_text("© 2024 Site\n\nPaylaş")
    with pytest.raises(EmptyDocumentError):
        Clean()(doc)
    assert doc.paragraphs == [] and doc.removed == [] and doc.title is None


def test_extra_markers_from_config_and_file(tmp_path):
    page = "\n\n".join([EN[0], EN[1], "Gündemden başlıklar", "Headline of another story", "Kaynak: AA"])
    assert "Headline of another story" in [p.text for p in clean(page).paragraphs]
    doc = Clean(extra_markers={"teaser": ["Gündemden başlıklar"]})(Document.from_text(page))
    assert body(doc) == EN[:2]
    extra = tmp_path / "site.toml"
    extra.write_text('credit = ["Kaynak:"]\nteaser = ["Gündemden başlıklar"]\n', "utf-8")
    doc = Clean(markers_file=str(extra))(Document.from_text("\n\n".join([EN[0], "Kaynak: AA", EN[1]])))
    assert body(doc) == EN[:2] and doc.meta.photo_credits == ["AA"]


def test_extra_months_extend_date_parsing():
    markers = load_markers(extra={"months": {"11": ["Noyabrь"]}})
    assert Rules(markers).dates.match("18 Noyabrь 2024").iso == "2024-11-18"


@pytest.mark.parametrize(
    "options",
    [
        {"extra_markers": {"teasers": ["x"]}},
        {"extra_markers": {"teaser": "not a list"}},
        {"extra_markers": {"months": {"13": ["x"]}}},
        {"languages": ["xx"]},
        {"markers_file": "/nonexistent/markers.toml"},
        {"html_favor": "speed"},
        {"min_docs": 1},
    ],
)
def test_bad_options_are_config_errors(options):
    with pytest.raises(ConfigError):
        Clean(**options)


def test_languages_subset_only_loads_those_markers():
    only_en = Clean(languages=["en"])
    doc = only_en(Document.from_text("\n\n".join([EN[0], EN[1], "İlginizi Çekebilir", "Bir başka haber"])))
    assert "İlginizi Çekebilir" in body(doc)


@given(st.text(max_size=300))
@settings(max_examples=200, deadline=None)
def test_fold_keeps_length(text):
    assert len(fold(text)) == len(text)


_words = st.sampled_from(
    [
        "Photo:",
        "©",
        "2024",
        "Related",
        "news",
        "Paylaş",
        "Фото:",
        "date",
        "18.11.2024",
        "the",
        "forum",
        "opened",
        "in",
        "Astana",
        "on",
        "Monday",
        ".",
        ",",
        "Ana",
        "Sayfa",
        ">",
        "İlginizi",
        "Çekebilir",
        "TÜM",
        "HABERLER",
        "Copyright",
        "law",
        "reserved",
        "\xa0",
        "\t",
    ]
)


@given(st.lists(st.lists(_words, min_size=0, max_size=30).map(" ".join), max_size=25).map("\n\n".join))
@settings(max_examples=150, deadline=None)
def test_cleaning_never_invents_text(page):
    result = clean_text(page, RULES)
    flat = " ".join(page.split())
    for paragraph in result.paragraphs:
        assert paragraph in flat
    assert all(r.rule and r.reason for r in result.removals)


def test_lone_network_names_and_stray_menu_words_are_not_a_story():
    from toolkit import process

    for page in ("© 2025 Example Ltd\n\nTwitter\n\nİlginizi Çekebilir", "Ana Sayfa\n\nNews\n\nSport\n\n© 2024 X"):
        doc = process(page, steps=["clean"])  # only boilerplate: skipped (nothing to do), not an error
        assert doc.status == "skipped" and doc.skipped.code == "empty-document"
        assert "nothing left after cleaning" in doc.skipped.message
    doc = process("Title here\n\nTwitter\n\nBody sentence one is here and long enough.\n\nFacebook", steps=["clean"])
    assert [p.text for p in doc.paragraphs] == ["Body sentence one is here and long enough."]
    assert process("Earthquake hits Almaty\n\n© 2024 X", steps=["clean"]).paragraphs  # a short flash stays
