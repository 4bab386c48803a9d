"""Plain-text furniture recognised by its shape, not only by a marker phrase (issue 18, part 2):
related-news lists under headings no lexicon knows, photo credits and bylines with unknown
labels (never the title, even when repeated), and "read also: <headline>" lines inside the text.
The labels used here are deliberately not in the marker files."""

from __future__ import annotations

import pytest

from toolkit.document import Document
from toolkit.processors.clean import Clean
from toolkit.processors.clean.markers import default_markers, fold

BODY = {
    "ru": [
        "Власти Алматы утвердили новый бюджет на общественный транспорт, добавив сорок автобусов на маршруты "
        "отдалённых районов города.",
        "По словам чиновников, деньги также пойдут на две новые станции метро, которые откроются весной "
        "следующего года.",
        "Жители окраин годами жаловались на долгое ожидание и переполненные автобусы в утренние часы.",
    ],
    "kk": [
        "Алматы әкімдігі қоғамдық көлікке арналған жаңа бюджетті бекітіп, шеткі аудандардың бағыттарына "
        "қырық автобус қосты.",
        "Шенеуніктердің айтуынша, қаражат келесі жылы көктемде ашылатын екі жаңа метро бекетіне де жұмсалады.",
        "Шеткі аудан тұрғындары таңғы уақытта ұзақ күту мен автобустардағы тығыздыққа жылдар бойы шағымданып келген.",
    ],
    "tr": [
        "Ankara Büyükşehir Belediyesi toplu taşıma için yeni bütçeyi onayladı ve dış mahallelerdeki hatlara "
        "kırk otobüs ekledi.",
        "Yetkililer, paranın gelecek yılın ilkbaharında açılacak iki yeni metro istasyonu için de "
        "kullanılacağını söyledi.",
        "Dış mahallelerde yaşayanlar yıllardır sabah saatlerinde uzun bekleme sürelerinden ve kalabalık "
        "otobüslerden şikâyet ediyordu.",
    ],
    "en": [
        "The city council of Almaty approved a new budget for public transport on Tuesday, adding forty buses "
        "to the routes of the outer districts.",
        "Officials said the money would also pay for two new metro stations, which are due to open in the "
        "spring of next year.",
        "Residents of the outer districts have complained for years about long waits and crowded buses.",
    ],
    "uz-Latn": [
        "Toshkent shahar hokimligi jamoat transporti uchun yangi byudjetni tasdiqladi va chekka tumanlar "
        "yo'nalishlariga qirqta avtobus qo'shdi.",
        "Rasmiylarning aytishicha, mablag' kelasi yil bahorida ochiladigan ikkita yangi metro bekatiga ham sarflanadi.",
        "Chekka tuman aholisi yillar davomida ertalabki soatlarda uzoq kutish va tirband avtobuslardan "
        "shikoyat qilib kelgan.",
    ],
    "ky": [
        "Бишкек шаардык кеңеши коомдук транспорт үчүн жаңы бюджетти бекитип, четки райондордун каттамдарына "
        "кырк автобус кошту.",
        "Расмий өкүлдөрдүн айтымында, каражат кийинки жылы жазында ачыла турган эки жаңы бекетке да жумшалат.",
        "Четки райондордун тургундары эртең мененки убакта узак күтүүгө жана толуп кеткен автобустарга "
        "даттанып келишкен.",
    ],
}
TITLE = {
    "ru": "Алматы добавит сорок автобусов",
    "kk": "Алматыда қырық автобус қосылады",
    "tr": "Ankara kırk otobüs ekliyor",
    "en": "Almaty adds forty buses",
    "uz-Latn": "Toshkentga qirqta avtobus qo'shiladi",
    "ky": "Бишкекке кырк автобус кошулат",
}
# related-news headings not in any marker file, and dated headlines of other stories
UNKNOWN_HEADING = {
    "ru": "Ещё на эту тему",
    "kk": "Осы тақырыпта",
    "tr": "Bu konuda daha fazlası",
    "en": "Further coverage",
    "uz-Latn": "Shu mavzuda",
    "ky": "Бул темада",
}
HEADLINES = {
    "ru": ["Метро продлят до аэропорта", "Цены на проезд не изменятся", "Новые трамваи выйдут на линию"],
    "kk": ["Метро әуежайға дейін ұзартылады", "Жол ақысы өзгермейді", "Жаңа трамвайлар желіге шығады"],
    "tr": ["Metro havalimanına uzatılacak", "Bilet fiyatları değişmeyecek", "Yeni tramvaylar hatta çıkıyor"],
    "en": ["Metro line to reach the airport", "Fares will not change this year", "New trams join the network"],
    "uz-Latn": ["Metro aeroportgacha uzaytiriladi", "Yo'l haqi o'zgarmaydi", "Yangi tramvaylar yo'lga chiqadi"],
    "ky": ["Метро аэропортко чейин узартылат", "Жол акысы өзгөрбөйт", "Жаңы трамвайлар линияга чыгат"],
}
LANGS = sorted(BODY)


def clean(lines: list[str]) -> Document:
    return Clean()(Document(id="t", raw="\n\n".join(lines), source="page.txt"))


def texts(doc: Document) -> list[str]:
    return [p.text for p in doc.paragraphs]


def test_the_labels_here_are_not_in_the_lexicon():
    markers = default_markers()
    known = {fold(p) for name in ("teaser", "read_also", "credit", "byline") for p in markers.get(name)}
    for heading in UNKNOWN_HEADING.values():
        assert fold(heading) not in known


@pytest.mark.parametrize("lang", LANGS)
def test_related_block_under_an_unknown_heading_is_removed(lang):
    dated = [f"{17 - i}.11.2024 {h}" for i, h in enumerate(HEADLINES[lang])]
    doc = clean([TITLE[lang], TITLE[lang], *BODY[lang], UNKNOWN_HEADING[lang], *dated])
    assert texts(doc) == BODY[lang]
    assert doc.title == TITLE[lang]
    rules = {r.text: r.rule for r in doc.removed}
    assert rules[UNKNOWN_HEADING[lang]] in ("teaser-marker", "teaser-block")
    assert all(rules[d] in ("teaser-block", "dated-teaser") for d in dated)


@pytest.mark.parametrize("lang", LANGS)
def test_related_block_of_bare_headlines_is_removed(lang):
    doc = clean([TITLE[lang], TITLE[lang], *BODY[lang], *HEADLINES[lang]])
    assert texts(doc) == BODY[lang]


def test_short_lines_inside_the_article_and_a_short_last_paragraph_stay():
    body = BODY["en"]
    items = ["Forty new buses", "Two metro stations", "Longer evening service"]
    last = "Most said they had never done so."
    doc = clean([TITLE["en"], TITLE["en"], body[0], "The plan in short:", *items, body[1], body[2], last])
    assert texts(doc) == [body[0], "The plan in short:", *items, body[1], body[2], last]
    # two headline lines at the end, no heading, no dates: not enough to call it a list
    doc = clean([TITLE["en"], TITLE["en"], *body, *HEADLINES["en"][:2]])
    assert texts(doc) == [*body, *HEADLINES["en"][:2]]


CREDITS = [
    ("ru", "Фото автора: Иван Петров", "Иван Петров"),
    ("ru", "Фото пресс-службы акимата: Асель Омарова", "Асель Омарова"),
    ("kk", "Суретті түсірген: Асқар Нұрланов", "Асқар Нұрланов"),
    ("kk", "Суреттерді түсірген: Асқар Нұрланов", "Асқар Нұрланов"),
    ("tr", "Fotoğrafları çeken: Ali Rıza Çelik", "Ali Rıza Çelik"),
    ("en", "Images supplied by: Jane Doe", "Jane Doe"),
    ("uz-Latn", "Suratlarni olgan: Bekzod Yo'ldoshev", "Bekzod Yo'ldoshev"),
    ("ky", "Сүрөттөрдү тарткан: Айбек Токтогулов", "Айбек Токтогулов"),
]


@pytest.mark.parametrize(("lang", "line", "name"), CREDITS)
def test_photo_credit_with_an_unknown_label_is_removed(lang, line, name):
    body = BODY[lang]
    doc = clean([TITLE[lang], TITLE[lang], line, body[0], body[1], line, body[2]])
    assert texts(doc) == body
    assert name in doc.meta.photo_credits
    assert {r.rule for r in doc.removed if r.text == line} == {"photo-credit"}


@pytest.mark.parametrize(("lang", "line", "name"), CREDITS)
def test_repeated_credit_line_never_becomes_the_title(lang, line, name):
    body = BODY[lang]
    doc = clean([line, TITLE[lang], line, *body])
    assert doc.title == TITLE[lang]
    assert texts(doc) == body


@pytest.mark.parametrize(
    "line",
    ["Мақала дайындаған: Айгүл Сейтова", "Haberi hazırlayan: Mehmet Yılmaz", "Reporting team: John Smith"],
)
def test_repeated_byline_with_an_unknown_label_never_becomes_the_title(line):
    body = BODY["en"]
    doc = clean([line, line, TITLE["en"], *body])
    assert doc.title != line and doc.title == TITLE["en"]
    doc = clean([line, line, *body])  # no headline at all: derived from the text, not the byline
    assert doc.title != line


def test_repeated_date_line_never_becomes_the_title():
    doc = clean(["18 November 2024 10:42", "18 November 2024 10:42", *BODY["en"]])
    assert doc.title != "18 November 2024 10:42" and texts(doc) == BODY["en"]


READ_ALSO = [
    ("ru", "Также читайте по теме: Метро продлят до аэропорта"),
    ("ru", "ЧИТАЙТЕ ТАКЖЕ НА НАШЕМ САЙТЕ: «Цены на проезд не изменятся»"),
    ("kk", "Тағы да оқи отырыңыз: Метро әуежайға дейін ұзартылады"),
    ("tr", "Ayrıca okuyabilirsiniz: Metro havalimanına uzatılacak"),
    ("en", "Further reading: Metro line to reach the airport"),
    ("uz-Latn", "Shuningdek, mavzuga oid o'qing: Metro aeroportgacha uzaytiriladi"),
    ("ky", "Ошондой эле бул тууралуу окуңуз: Метро аэропортко чейин узартылат"),
]


@pytest.mark.parametrize("page", ["Photo: .\n\nPhoto:\n\nRelated © ©\n\nnews © ©", "A b c\n\nD e f\n\nG h i"])
def test_pages_that_are_only_short_lines_clean_without_error(page):
    """Found by the fuzz test: a headline run removed as related news was still a title candidate."""
    from toolkit.processors.clean.text import clean_text

    result = clean_text(page, Clean().rules)
    assert all(p in page for p in result.paragraphs)


def test_a_bare_link_on_its_own_line_is_removed():
    body = BODY["en"]
    doc = clean([TITLE["en"], TITLE["en"], body[0], "https://www.example.com/news/buses-2024", body[1], body[2]])
    assert texts(doc) == body
    assert {r.rule for r in doc.removed if r.text.startswith("https://")} == {"link"}
    doc = clean([TITLE["en"], TITLE["en"], body[0], "See https://www.example.com for the timetable.", *body[1:]])
    assert "See https://www.example.com for the timetable." in texts(doc)


# one-word labels (no photo / read word, in no marker file): found by the synthetic pages benchmark
ONE_WORD_CREDITS = [
    ("ru", "Снимал: Иван Петров"),
    ("kk", "Түсірген: Айгүл Сейтова"),
    ("tr", "Objektif: Mehmet Yılmaz"),
    ("en", "Lens: Emily Stone"),
    ("ky", "Тарткан: Бакыт Жолдошев"),
]


@pytest.mark.parametrize(("lang", "line"), ONE_WORD_CREDITS)
def test_one_word_label_credit_above_the_text_is_removed(lang, line):
    doc = clean([TITLE[lang], TITLE[lang], line, *BODY[lang]])
    assert texts(doc) == BODY[lang] and doc.title == TITLE[lang]


@pytest.mark.parametrize(("lang", "line"), ONE_WORD_CREDITS)
def test_repeated_one_word_label_credit_never_becomes_the_title(lang, line):
    # the credit repeats before the title does: the title is still the headline
    doc = clean([TITLE[lang], line, line, TITLE[lang], *BODY[lang]])
    assert doc.title == TITLE[lang]
    assert texts(doc) == BODY[lang]


def test_a_repeated_headline_with_a_one_word_label_is_still_the_title():
    title = "Brexit: Johnson Wins"
    doc = clean([title, title, *BODY["en"]])
    assert doc.title == title


@pytest.mark.parametrize(("lang", "line"), ONE_WORD_CREDITS)
def test_credit_after_the_text_and_before_the_related_list_is_removed(lang, line):
    doc = clean([TITLE[lang], TITLE[lang], *BODY[lang], line, UNKNOWN_HEADING[lang] + ":", *HEADLINES[lang]])
    assert texts(doc) == BODY[lang]
    doc = clean([TITLE[lang], TITLE[lang], *BODY[lang], line])  # the credit alone under the text
    assert texts(doc) == BODY[lang]


# teaser labels without a read / see word (in no marker file)
TEASER_LABELS = [
    ("ru", "Это тоже интересно: Метро продлят до аэропорта"),
    ("ru", "Загляните сюда: Цены на проезд не изменятся"),
    ("kk", "Назар аударыңыз: Жол ақысы өзгермейді"),
    ("tr", "Gözden kaçırmayın: Bilet fiyatları değişmeyecek"),
    ("en", "Worth a look: New trams join the network"),
    ("en", "You may have missed: Fares will not change this year"),
    ("uz-Latn", "Qiziq bo'lishi mumkin: Yangi tramvaylar yo'lga chiqadi"),
]


def between_paragraphs(lang: str, line: str) -> list[str]:
    """A page with ``line`` between the first and second paragraphs of the article."""
    body = BODY[lang]
    return [TITLE[lang], TITLE[lang], body[0], line, body[1], body[2]]


# "read also" lines with a marker word, and teaser labels without one
@pytest.mark.parametrize(("lang", "line"), READ_ALSO + TEASER_LABELS)
def test_label_and_headline_between_paragraphs_is_removed(lang, line):
    doc = clean(between_paragraphs(lang, line))
    assert texts(doc) == BODY[lang]
    assert {r.rule for r in doc.removed if r.text == line} == {"read-also"}


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "Фотограф говорит: он снимал этот город много лет."),  # prose after a photo word
        ("en", "Президент Токаев: Мы продолжим реформы"),  # a quote under a name, no read / see word
        ("en", "The plan in short: forty buses, two stations"),
        ("ru", "Токаев заявил: «Мы продолжим реформы»"),  # a quote, whole
        ("ru", "Вопрос журналиста: когда откроют метро?"),  # a question
    ],
)
def test_label_lines_between_paragraphs_that_are_text_stay(lang, line):
    assert line in texts(clean(between_paragraphs(lang, line)))


def test_related_list_whose_headlines_end_with_a_question_or_exclamation_mark_is_removed():
    # a headline of ten words or more ending with "!" or "?" is not prose; a full stop would be
    lines = [
        "Кто будет платить за новые станции метро в нашем городе?",
        "Жители окраин добились своего и получат сорок новых автобусов!",
        "Цены на проезд не изменятся",
    ]
    doc = clean([TITLE["ru"], TITLE["ru"], *BODY["ru"], UNKNOWN_HEADING["ru"], *lines])
    assert texts(doc) == BODY["ru"]
    # but a last paragraph that ends with a full stop stays, even after a heading-like line
    last = "Жители окраин добились своего и получат сорок новых автобусов уже весной."
    doc = clean([TITLE["ru"], TITLE["ru"], *BODY["ru"], last])
    assert texts(doc) == [*BODY["ru"], last]
