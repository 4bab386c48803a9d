"""Layer 1: script and letter rules (no dependency).

Counts the letters of each script, picks the dominant one (it decides ``kk-Cyrl`` vs
``kk-Latn`` and ``uz-Latn`` vs ``uz-Cyrl``), and narrows the candidate languages with
the letters each alphabet has or lacks: Kazakh ә ғ қ ң ө ұ ү һ і, Uzbek ў қ ғ ҳ and oʻ/gʻ,
Kazakh 2021 Latin ä ğ ı ñ ö ş ū ü, Turkish/Azerbaijani ç ğ ı ö ş ü ə, Turkmen ä ň ý ž,
Ukrainian є ї ґ, Tajik ӣ ӯ ҳ ҷ, Bashkir ҙ ҡ ҫ, Tatar җ...

Narrowing is deliberately conservative: a language is ruled out only when a text has
several letters its alphabet lacks (names and quotations carry a few foreign letters),
and never all of them. The statistical layer decides among what is left.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from .tags import LABELS, LANGUAGES

#: Letters every alphabet of a script is allowed to show in names and loanwords.
_CYR_BASE = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_LAT_BASE = "abcdefghijklmnopqrstuvwxyz"

#: Lower-case alphabets (plus letters common in names), by label.
ALPHABETS: dict[str, frozenset[str]] = {
    "ru": frozenset(_CYR_BASE),
    "uk": frozenset("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"),
    "bg": frozenset("абвгдежзийклмнопрстуфхцчшщъьюяѝ"),
    "kk": frozenset(_CYR_BASE + "әғқңөұүһі"),
    "ky": frozenset(_CYR_BASE + "ңөү"),
    "tt": frozenset(_CYR_BASE + "әөүҗңһ"),
    "ba": frozenset(_CYR_BASE + "әөүғҡңҙҫһ"),
    "mn": frozenset(_CYR_BASE + "өү"),
    "tg": frozenset("абвгғдеёжзиӣйкқлмнопрстуӯфхҳцчҷшъьэюя"),
    "uz_Cyrl": frozenset("абвгдеёжзийклмнопрстуфхцчшъьэюяўқғҳ"),
    "en": frozenset(_LAT_BASE),
    "tr": frozenset(_LAT_BASE + "çğıöşüâîûýþð"),  # ý þ ð: cp1252 mojibake of ı ş ğ
    "az": frozenset(_LAT_BASE + "çəğıöşü"),
    "tk": frozenset(_LAT_BASE + "çäňöşüýž"),
    "uz": frozenset(_LAT_BASE),
    "kk_Latn": frozenset(_LAT_BASE + "äğıñöşūü"),
}

#: Letters that point to a few languages only (used by engines that lack a label).
MARKERS: dict[str, frozenset[str]] = {
    "kk_Latn": frozenset("ñū"),
    "kk": frozenset("ұ"),
    "uz_Cyrl": frozenset("ў"),
    "tg": frozenset("ӣӯҷ"),
    "ba": frozenset("ҙҫҡ"),
    "tt": frozenset("җ"),
    "uk": frozenset("єїґ"),
    "az": frozenset("ə"),
    "tk": frozenset("ňýž"),
}

_SPECIAL = {
    script: frozenset().union(
        *(ALPHABETS[label] for label in LABELS if LANGUAGES[label].script == script),
        *(MARKERS.get(label, frozenset()) for label in LABELS if LANGUAGES[label].script == script),
    )
    - frozenset(base)
    for script, base in (("Cyrl", _CYR_BASE), ("Latn", _LAT_BASE))
}
# base letters that some alphabet of the script lacks (ы э ё ъ щ ц in Cyrillic, ...)
_BASE_GAPS = {
    script: frozenset(base)
    - frozenset.intersection(*(ALPHABETS[lb] for lb in LABELS if LANGUAGES[lb].script == script))
    for script, base in (("Cyrl", _CYR_BASE), ("Latn", _LAT_BASE))
}

_RELEVANT = frozenset().union(*_SPECIAL.values(), *_BASE_GAPS.values())
#: letters that count against a label: unusual letters of its script its alphabet lacks
_FOREIGN = {
    label: (_SPECIAL[LANGUAGES[label].script] | _BASE_GAPS[LANGUAGES[label].script]) - ALPHABETS[label]
    for label in LABELS
}


def _unknown_class(script: str, ranges: tuple[tuple[int, int], ...]) -> re.Pattern[str]:
    known = frozenset().union(*(ALPHABETS[lb] for lb in LABELS if LANGUAGES[lb].script == script))
    chars = [
        chr(cp)
        for start, end in ranges
        for cp in range(start, end + 1)
        if chr(cp).isalpha() and chr(cp).islower() and chr(cp) not in known
    ]
    return re.compile("[" + "".join(re.escape(ch) for ch in chars) + "]")


#: Lower-case letters of the script that no supported alphabet has: a sign of another language.
_UNKNOWN = {
    "Latn": _unknown_class("Latn", ((0x00DF, 0x00FF), (0x0100, 0x024F), (0x1E00, 0x1EFF))),
    "Cyrl": _unknown_class("Cyrl", ((0x0430, 0x052F),)),
}

#: letter -> labels it is foreign to
_FOREIGN_TO: dict[str, tuple[str, ...]] = {
    ch: tuple(label for label in LABELS if ch in _FOREIGN[label]) for ch in frozenset().union(*_FOREIGN.values())
}
_RELEVANT_RE = re.compile("[" + "".join(sorted(_RELEVANT)) + "]")
_MARKER_OF: dict[str, tuple[str, ...]] = {}
for _label, _letters in MARKERS.items():
    for _ch in _letters:
        _MARKER_OF[_ch] = (*_MARKER_OF.get(_ch, ()), _label)
_OKINA_AFTER_OG = re.compile("[og]\u02bb", re.IGNORECASE)

#: Unicode name prefix -> ISO 15924, for scripts other than Latin and Cyrillic.
_SCRIPT_NAMES = (
    ("ARABIC", "Arab"),
    ("GREEK", "Grek"),
    ("HEBREW", "Hebr"),
    ("ARMENIAN", "Armn"),
    ("GEORGIAN", "Geor"),
    ("CJK", "Hani"),
    ("HIRAGANA", "Jpan"),
    ("KATAKANA", "Jpan"),
    ("HANGUL", "Kore"),
    ("THAI", "Thai"),
    ("DEVANAGARI", "Deva"),
    ("BENGALI", "Beng"),
    ("TAMIL", "Taml"),
    ("MONGOLIAN", "Mong"),
    ("TIBETAN", "Tibt"),
    ("ETHIOPIC", "Ethi"),
)

#: Scripts used by one language only: the script decides.
SINGLE_LANGUAGE_SCRIPTS = {
    "Grek": "el",
    "Hebr": "he",
    "Armn": "hy",
    "Geor": "ka",
    "Kore": "ko",
    "Jpan": "ja",
    "Thai": "th",
}

#: A language is ruled out when the text has at least this many letters foreign to it...
MIN_FOREIGN = 3
#: ... making at least this share of the letters of the script.
MIN_FOREIGN_SHARE = 0.04


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the rules found in a text."""

    letters: int  # letters in the text (after noise removal)
    script: str | None  # dominant script (ISO 15924), None without letters
    script_letters: int  # letters of the dominant script
    scripts: dict[str, int] = field(default_factory=dict)  # letters per script
    candidates: tuple[str, ...] = ()  # labels still possible (Latin / Cyrillic texts)
    excluded: tuple[str, ...] = ()  # labels ruled out by letters
    markers: dict[str, int] = field(default_factory=dict)  # marker letters found, by label
    specials: dict[str, int] = field(default_factory=dict)  # letters some alphabet lacks, counted
    unknown: int = 0  # letters of the script that no supported alphabet has (ß é ѓ ќ ...)

    def odd_letters(self, label: str) -> int:
        """Letters this text has that ``label``'s alphabet lacks, plus letters no alphabet has."""
        foreign = _FOREIGN.get(label, frozenset())
        return self.unknown + sum(n for ch, n in self.specials.items() if ch in foreign)


def _script_of_char(ch: str) -> str | None:
    """ISO 15924 script of a letter; None for anything that is not a letter."""
    if not ch.isalpha():
        return None
    if ch in "\u02bb\u02bc":  # oʻ/gʻ sign and tutuq belgisi: part of words, no script
        return None
    name = unicodedata.name(ch, "")
    if "CYRILLIC" in name:
        return "Cyrl"
    if "LATIN" in name or ch in "ªº":
        return "Latn"
    for prefix, script in _SCRIPT_NAMES:
        if name.startswith(prefix):
            return script
    return "Zyyy"


_CHAR_SCRIPT: dict[str, str | None] = {}

# Fast path for text in Latin, Cyrillic and common punctuation: count letters by their
# UTF-8 lead bytes (C-speed bytes.count) instead of looking at each character.
_USUAL = re.compile(r"[^\x00-\x7f\u00a0-\u024f\u02b0-\u036f\u0400-\u052f\u1e00-\u1eff\u2000-\u2bff\u2e00-\u2e7f\ufeff]")
_CYR_LEADS = bytes(range(0xD0, 0xD5))  # UTF-8 lead bytes of U+0400-U+052F
_LAT_BYTES = bytes(range(65, 91)) + bytes(range(97, 123)) + bytes(range(0xC3, 0xCA))  # A-Z a-z U+00C0-U+024F


def _letter_counts(text: str, special: frozenset[str] = frozenset()) -> tuple[dict[str, int], dict[str, int]]:
    """(count per lower-case letter of ``special``, letters per script)."""
    return _letter_counts_of(text, text.lower(), special)


def _letter_counts_of(text: str, lowered: str, special: frozenset[str]) -> tuple[dict[str, int], dict[str, int]]:
    """:func:`_letter_counts` given ``text.lower()``."""
    scripts: dict[str, int] = {}
    if _USUAL.search(text) is None:
        data = text.encode("utf-8", "surrogatepass")
        size = len(data)
        cyr = size - len(data.translate(None, _CYR_LEADS))
        lat = size - len(data.translate(None, _LAT_BYTES))
        if lat and ("×" in text or "÷" in text):
            lat -= text.count("×") + text.count("÷")
        if cyr:
            scripts["Cyrl"] = cyr
        if lat:
            scripts["Latn"] = lat
        counts: dict[str, int] = {}
        if special is _RELEVANT:
            for ch in _RELEVANT_RE.findall(lowered):
                counts[ch] = counts.get(ch, 0) + 1
        else:
            for ch in set(lowered) & special:
                counts[ch] = lowered.count(ch)
        return counts, scripts
    counts = {}
    cache = _CHAR_SCRIPT
    for ch, n in Counter(lowered).items():
        try:
            script = cache[ch]
        except KeyError:
            script = cache[ch] = _script_of_char(ch)
        if script is not None:
            scripts[script] = scripts.get(script, 0) + n
            if ch in special:
                counts[ch] = n
    return counts, scripts


def count_scripts(text: str) -> tuple[int, dict[str, int]]:
    """(number of letters, letters per script)."""
    _, scripts = _letter_counts(text)
    return sum(scripts.values()), scripts


@functools.lru_cache(maxsize=256)
def _pool(allowed: tuple[str, ...], script: str) -> tuple[str, ...]:
    return tuple(label for label in allowed if LANGUAGES[label].script == script)


@functools.lru_cache(maxsize=256)
def _foreign_index(pool: tuple[str, ...]) -> dict[str, tuple[int, ...]]:
    """letter -> positions in ``pool`` of the labels it is foreign to."""
    return {
        ch: tuple(i for i, label in enumerate(pool) if label in labels)
        for ch, labels in _FOREIGN_TO.items()
        if any(label in labels for label in pool)
    }


def analyse(text: str, allowed: tuple[str, ...] = LABELS) -> Analysis:
    """Script and candidate languages of a prepared text (see :func:`.normalize.prepare`)."""
    lowered = text.lower()
    counts, scripts = _letter_counts_of(text, lowered, _RELEVANT)
    letters = sum(scripts.values())
    if not letters:
        return Analysis(0, None, 0)
    # ties go to Cyrillic, then Latin, then by name: deterministic
    if len(scripts) == 1:
        (script,) = scripts
    else:
        script = max(scripts, key=lambda s: (scripts[s], s == "Cyrl", s == "Latn", s))
    script_letters = scripts[script]
    if script not in _SPECIAL:
        return Analysis(letters, script, script_letters, scripts)
    markers: dict[str, int] = {}
    for ch, n in counts.items():
        for label in _MARKER_OF.get(ch, ()):
            markers[label] = markers.get(label, 0) + n
    if script == "Latn":
        if "\u02bb" in text:
            okina = len(_OKINA_AFTER_OG.findall(text))
            if okina:
                markers["uz"] = okina
        # ä with q, ı or ğ: Kazakh Latin (Turkmen has ä but none of those, the others lack ä)
        if "ä" in counts and ("ı" in counts or "ğ" in counts or "q" in text or "Q" in text):
            markers["kk_Latn"] = markers.get("kk_Latn", 0) + counts["ä"]
    pool = _pool(allowed, script)
    unknown = len(_UNKNOWN[script].findall(lowered)) if not text.isascii() else 0
    threshold = max(MIN_FOREIGN, MIN_FOREIGN_SHARE * script_letters)
    if sum(counts.values()) < threshold:  # too few unusual letters to rule anything out
        return Analysis(letters, script, script_letters, scripts, pool, (), markers, counts, unknown)
    foreign = [0] * len(pool)  # letters foreign to each label of the pool
    index = _foreign_index(pool)
    for ch, n in counts.items():
        for i in index.get(ch, ()):
            foreign[i] += n
    keep = [label for label, f in zip(pool, foreign, strict=True) if f < threshold]
    excluded = [label for label, f in zip(pool, foreign, strict=True) if f >= threshold]
    if not keep:  # never rule everything out
        keep, excluded = list(pool), []
    return Analysis(letters, script, script_letters, scripts, tuple(keep), tuple(excluded), markers, counts, unknown)
