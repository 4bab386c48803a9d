"""Offline, language-aware sentence splitting for translation.

Translation models are trained on sentences: a paragraph is cut into sentences, each is
translated, and the translations are joined back with a space. The rules:

* a boundary is end punctuation (``.`` ``!`` ``?`` ``…``, possibly followed by closing
  quotes or brackets) plus whitespace, followed by something that can start a sentence
  (an upper-case letter, a digit, an opening quote or bracket, a dash followed by an
  upper-case letter);
* never inside quotes (``«…»``, ``„…“``, ``“…”``, ``"…"``) when the paragraph's quotes are
  balanced, so ``«Мы придём. Обязательно», — сказал он.`` stays one sentence;
* not after an abbreviation of the paragraph's language (``г.``, ``ул.``, ``т.е.``,
  ``Dr.``, ``Prof.``, ``ж.``, ``y.``, ``Doç.``, ...) or an initial (``Н. Назарбаев``);
  abbreviations that can also end a sentence (``т.д.``, ``etc.``, ``млн.``, ``2024 г.``)
  end one when an upper-case word follows;
* Turkish ordinals (``2. Dünya Savaşı``) do not end a sentence;
* a sentence longer than ``max_chars`` is cut at the last ``;``, ``,`` or space before the
  limit, so no input exceeds what a model can take.

Written here rather than taken from a library: argostranslate's own splitters (stanza,
MiniSBD, spaCy) download models on first use, and no maintained rule-based splitter
covers Kazakh, Uzbek and Turkish abbreviations and quotes (pysbd has no Uzbek or
Turkish rules and has not been released since 2021).
"""

from __future__ import annotations

import re
from functools import lru_cache


def _w(words: str) -> set[str]:
    return set(words.split())


#: Abbreviations that never end a sentence (lower case, without the final dot).
_NONFINAL: dict[str, set[str]] = {
    "en": _w(
        "mr mrs ms dr prof st mt ft gen gov sen rep lt col sgt capt cmdr rev hon messrs vs fig approx dept est "
        "jan feb mar apr jun jul aug sep sept oct nov dec no nos e.g i.e cf op vol pp"
    ),
    "ru": _w(
        "ул пр просп пл пер д кв им св проф акад доц ген зам обл р-н пос ст рис табл гл ок ср напр см тел ред "
        "изд т н о пгт вл стр корп тов гос"
    ),
    "kk": _w("қ көш даң ауд обл проф акад доц ген ш т.ғ.к т.ғ.д э.ғ.к э.ғ.д"),
    "uz": _w("ko'ch koʻch tum prof akad dots sh t.f.n t.f.d i.f.n i.f.d кўч тум проф акад доц ш"),
    "tr": _w("dr prof doç yrd av müh op uzm sn bkz örn yy cad sok mah no tel alb bnb yzb org gen korg t.c s st ord hz"),
}

#: Abbreviations that may end a sentence: they do when an upper-case word follows.
_FINAL: dict[str, set[str]] = {
    "en": _w("etc inc ltd co corp jr sr a.m p.m u.s u.k u.n bros"),
    "ru": _w("др т.д т.п т.е т.к млн млрд тыс руб коп долл гг г км м кг вв в"),
    "kk": _w("т.б т.с.с млн млрд мың ж жж тг км"),
    "uz": _w("y yy va b mln mlrd ming so'm soʻm km й йй млн млрд минг"),
    "tr": _w("vb vs a.ş ltd şti tl km"),
}

#: Two-word abbreviations (``т. е.``, ``и т. д.``): the last two tokens joined by a space.
_PAIRS = {"т. е", "т. д", "т. п", "т. к", "н. э", "т. б", "т. с. с", "e. g", "i. e", "a. m", "p. m", "va b"}
_PAIRS_FINAL = {"т. д", "т. п", "т. б", "т. с. с", "a. m", "p. m", "va b"}

#: Abbreviations that end a sentence only after a number ("2024 г." = year, "г. Алматы" = city).
_AFTER_NUMBER = frozenset("г гг ж жж y yy й йй в вв")

_CANDIDATE = re.compile(r"([.!?…]+)([»\"”’'\)\]]*)(\s+)")
_WORD_BEFORE = re.compile(r"(\S+)\s*$")
_DASHES = "—–-"
_OPENERS = {"«": "»", "„": "“”", "“": "”", "‚": "‘’"}


def _lang_key(lang: str | None) -> str | None:
    if not lang:
        return None
    key = lang.split("-")[0].lower()
    return key if key in _NONFINAL else None


@lru_cache(maxsize=64)
def _sets(lang: str | None) -> tuple[frozenset[str], frozenset[str]]:
    key = _lang_key(lang)
    if key is None:  # unknown language: the abbreviations of every language we know
        nonfinal = set().union(*_NONFINAL.values())
        final = set().union(*_FINAL.values())
    else:
        nonfinal = _NONFINAL[key] | _NONFINAL["en"]
        final = _FINAL[key] | _FINAL["en"]
    return frozenset(nonfinal), frozenset(final - nonfinal)


def _quote_depths(text: str) -> list[int] | None:
    """Quote nesting depth after each character, or None when the quotes do not balance."""
    stack: list[str] = []
    depths = []
    for ch in text:
        if stack and (ch in stack[-1]):
            stack.pop()
        elif ch == '"':
            stack.append('"')
        elif ch in _OPENERS:
            stack.append(_OPENERS[ch])
        elif ch in "»”" and not stack:
            return None  # a closer with no opener: quotes cannot be trusted
        depths.append(len(stack))
    return depths if not stack else None


def _starts_sentence(rest: str) -> bool:
    """Whether the text after a candidate boundary can begin a new sentence."""
    i = 0
    while i < len(rest) and rest[i] in "«\"“„‚'(['’":
        i += 1
    if i < len(rest) and rest[i] in _DASHES:
        j = i + 1
        while j < len(rest) and rest[j].isspace():
            j += 1
        return j < len(rest) and (rest[j].isupper() or rest[j].isdigit())
    if i >= len(rest):
        return False
    ch = rest[i]
    return ch.isupper() or ch.isdigit() or (i > 0 and ch.isalpha() and not ch.islower())


def _is_abbreviation(before: str, next_text: str, lang: str | None) -> bool:
    match = _WORD_BEFORE.search(before)
    if not match:
        return False
    word = match.group(1).lstrip("«\"“„(['")
    lower = word.lower()
    nonfinal, final = _sets(lang)
    upper_next = _starts_sentence(next_text)
    tokens = before.split()
    if len(tokens) >= 2:
        pair = f"{tokens[-2].lower().lstrip('(«')} {lower}"
        for p in _PAIRS:
            if pair.endswith(p):
                return not (p in _PAIRS_FINAL and upper_next)
    if len(word) == 1 and word.isalpha() and word.isupper():
        return True  # an initial: "Н. Назарбаев"
    if re.fullmatch(r"(?:[^\W\d_]\.)+[^\W\d_]", word):  # "U.S", "т.е", "A.Ş"
        if lower in nonfinal:
            return True
        return not upper_next if lower not in final else False
    if lower in nonfinal:
        return True
    if lower in _AFTER_NUMBER:
        # "2024 г." (a year) may end a sentence; "г. Алматы" (a city) does not
        return not (len(tokens) >= 2 and tokens[-2].rstrip(",").isdigit() and upper_next)
    if lower in final:
        return not upper_next  # "т.д.", "млн." end a sentence before an upper-case word
    # Turkish ordinal: "2. Dünya Savaşı", "15. madde"
    return _lang_key(lang) == "tr" and word.isdigit() and len(word) <= 3


def split_sentences(text: str, lang: str | None = None, *, max_chars: int = 400) -> list[str]:
    """Cut one paragraph into sentences (stripped, non-empty, in order).

    >>> split_sentences("Н. Назарбаев прибыл в г. Алматы. Встреча прошла 5 марта 2024 г. Итоги позже.", "ru")
    ['Н. Назарбаев прибыл в г. Алматы.', 'Встреча прошла 5 марта 2024 г.', 'Итоги позже.']
    """
    text = text.strip()
    if not text:
        return []
    depths = _quote_depths(text)
    out: list[str] = []
    start = 0
    for match in _CANDIDATE.finditer(text):
        end = match.end(2)
        rest = text[match.end() :]
        if not rest:
            break
        if depths is not None and depths[end - 1] > 0:
            continue
        if not _starts_sentence(rest):
            continue
        if (
            "." in match.group(1)
            and not set(match.group(1)) & set("!?…")
            and _is_abbreviation(text[start : match.start()], rest, lang)
        ):
            continue
        out.append(text[start:end].strip())
        start = match.end()
    out.append(text[start:].strip())
    result: list[str] = []
    for sentence in out:
        if sentence:
            result.extend(_cut_long(sentence, max_chars))
    return result


def _cut_long(sentence: str, max_chars: int) -> list[str]:
    pieces = []
    while len(sentence) > max_chars:
        window = sentence[:max_chars]
        cut = max(window.rfind("; "), window.rfind(", "))
        if cut < max_chars // 3:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = max_chars - 1
        pieces.append(sentence[: cut + 1].strip())
        sentence = sentence[cut + 1 :].strip()
    if sentence:
        pieces.append(sentence)
    return pieces


def join_sentences(sentences: list[str]) -> str:
    """Join translated sentences back into a paragraph."""
    return " ".join(s.strip() for s in sentences if s.strip())
