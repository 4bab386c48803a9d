"""One table of language codes: BCP 47 tags <-> argos codes <-> NLLB-200 codes.

Documents carry BCP 47 tags from language identification (``kk-Cyrl``, ``uz-Latn``,
``ru``, ``en``). Models name languages with argos codes (``kk``, ``uz``: ISO 639-1),
NLLB-200 codes (``kaz_Cyrl``, ``uzn_Latn``) or M2M-100 tokens (``__kk__``). Everything
is brought to one **canonical tag** before it is compared:

* the language subtag in lower case, the script subtag in title case;
* languages that this toolkit meets in two scripts keep a script subtag, filled with the
  usual one when it is missing: ``kk`` -> ``kk-Cyrl``, ``uz`` -> ``uz-Latn``
  (``kk-Latn`` and ``uz-Cyrl`` stay as they are);
* for every other language the usual script is dropped: ``ru-Cyrl`` -> ``ru``,
  ``en-Latn`` -> ``en``; region subtags are dropped (``en-US`` -> ``en``).

Translation keys in ``Document.translations`` are canonical tags of the target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Language:
    tag: str  # canonical BCP 47 tag
    name: str
    argos: str | None  # argos / ISO 639-1 code
    nllb: str | None  # NLLB-200 (FLORES-200) code
    iso3: str  # ISO 639-3


#: The table. One row per canonical tag; script variants of one language are separate rows.
LANGUAGES: tuple[Language, ...] = (
    Language("kk-Cyrl", "Kazakh (Cyrillic)", "kk", "kaz_Cyrl", "kaz"),
    Language("kk-Latn", "Kazakh (Latin)", None, None, "kaz"),
    Language("uz-Latn", "Uzbek (Latin)", "uz", "uzn_Latn", "uzb"),
    Language("uz-Cyrl", "Uzbek (Cyrillic)", None, None, "uzb"),
    Language("ru", "Russian", "ru", "rus_Cyrl", "rus"),
    Language("en", "English", "en", "eng_Latn", "eng"),
    Language("tr", "Turkish", "tr", "tur_Latn", "tur"),
    Language("ky", "Kyrgyz", "ky", "kir_Cyrl", "kir"),
    Language("tg", "Tajik", "tg", "tgk_Cyrl", "tgk"),
    Language("tk", "Turkmen", "tk", "tuk_Latn", "tuk"),
    Language("az", "Azerbaijani", "az", "azj_Latn", "aze"),
    Language("uk", "Ukrainian", "uk", "ukr_Cyrl", "ukr"),
    Language("de", "German", "de", "deu_Latn", "deu"),
    Language("fr", "French", "fr", "fra_Latn", "fra"),
    Language("es", "Spanish", "es", "spa_Latn", "spa"),
    Language("ar", "Arabic", "ar", "arb_Arab", "ara"),
    Language("fa", "Persian", "fa", "pes_Arab", "fas"),
    Language("zh", "Chinese", "zh", "zho_Hans", "zho"),
)

#: Languages written in more than one script here: language -> usual script.
MULTI_SCRIPT: dict[str, str] = {"kk": "Cyrl", "uz": "Latn"}

_BY_TAG = {lang.tag: lang for lang in LANGUAGES}
_BY_NLLB = {lang.nllb.lower(): lang for lang in LANGUAGES if lang.nllb}
_BY_ISO3 = {lang.iso3: lang for lang in LANGUAGES if lang.argos}
_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z]{4}))?(?:[-_]([A-Za-z]{2}|[0-9]{3}))?$")
_M2M = re.compile(r"^__([A-Za-z]{2,3}(?:[-_][A-Za-z]{4})?)__$")
_NLLB = re.compile(r"^([a-z]{3})_([A-Z][a-z]{3})$")


class LanguageCodeError(ValueError):
    """A language code that cannot be read."""


def canonical(code: str) -> str:
    """The canonical BCP 47 tag for a tag, argos code, NLLB code or M2M token.

    >>> canonical("kk"), canonical("uz_Cyrl"), canonical("rus_Cyrl"), canonical("__en__")
    ('kk-Cyrl', 'uz-Cyrl', 'ru', 'en')
    """
    text = (code or "").strip()
    m2m = _M2M.match(text)
    if m2m:
        text = m2m.group(1)
    if _NLLB.match(text) and text.lower() in _BY_NLLB:
        return _BY_NLLB[text.lower()].tag
    match = _TAG.match(text)
    if not match:
        raise LanguageCodeError(f"not a language code: {code!r}")
    lang, script, _region = match.groups()
    lang = lang.lower()
    if len(lang) == 3 and lang in _BY_ISO3:
        lang = _BY_ISO3[lang].tag.split("-")[0]
    script = script.title() if script else None
    if lang in MULTI_SCRIPT:
        return f"{lang}-{script or MULTI_SCRIPT[lang]}"
    if script and f"{lang}-{script}" in _BY_TAG:
        return f"{lang}-{script}"
    return lang


#: ISO 639-1 two-letter codes, plus argos's own "zt" (Chinese, traditional) and "pb" (Portuguese, Brazil).
ISO639_1 = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz
    ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is
    it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt
    my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm
    sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za
    zh zu zt pb""".split()  # noqa: SIM905
)
#: ISO 15924 script codes of living languages' writing systems (enough to tell a script from a typo).
ISO15924 = frozenset(
    """Adlm Arab Armn Bali Bamu Batk Beng Bopo Brah Brai Bugi Buhd Cakm Cans Cham Cher Copt Cyrl Deva Ethi Geor
    Goth Grek Gujr Guru Hang Hani Hans Hant Hebr Hira Hmng Jamo Java Jpan Kali Kana Khmr Knda Kore Lana Laoo Latn
    Lepc Limb Lisu Mand Mlym Mong Mtei Mymr Nkoo Olck Orya Osge Rohg Runr Samr Saur Shaw Sinh Sund Sylo Syrc Tagb
    Tale Talu Taml Tavt Telu Tfng Tglg Thaa Thai Tibt Vaii Yiii Zinh Zmth Zsym Zyyy Zzzz""".split()  # noqa: SIM905
)


def checked(code: str) -> str:
    """``canonical(code)`` for a code that names a real language: an ISO 639-1 code, a language
    of the table (ISO 639-3, NLLB codes), with an ISO 15924 script if it has one. Raises
    :class:`LanguageCodeError` otherwise (``xx``, ``kk-Evil``, ``klingon``), where
    :func:`canonical` would read ``xx-evil`` as ``xx``.

    >>> checked("kk"), checked("kaz_Cyrl")
    ('kk-Cyrl', 'kk-Cyrl')
    """
    text = (code or "").strip()
    tag = canonical(text)  # raises for what is not even shaped like a code
    inner = _M2M.match(text)
    raw = inner.group(1) if inner else text
    match = _TAG.match(raw)
    if match is None:  # an NLLB code of the table
        return tag
    lang, script, _region = match.groups()
    lang = lang.lower()
    known = lang in ISO639_1 if len(lang) == 2 else (lang in _BY_ISO3 or raw.lower() in _BY_NLLB)
    if not known:
        raise LanguageCodeError(f"unknown language code {code!r}")
    if script and script.title() not in ISO15924:
        raise LanguageCodeError(f"unknown script {script!r} in language code {code!r}")
    return tag


def try_canonical(code: str | None) -> str | None:
    """``canonical(code)``, or None for a missing, undetermined or unreadable code."""
    if not code or code.lower() in ("und", "mul", "zxx", "auto"):
        return None
    try:
        return canonical(code)
    except LanguageCodeError:
        return None


def base(tag: str) -> str:
    """The language subtag: ``kk-Cyrl`` -> ``kk``."""
    return tag.split("-")[0].lower()


def script_of(tag: str) -> str | None:
    """The script of a canonical tag where it is known (``kk-Cyrl`` -> ``Cyrl``, ``ru`` -> ``Cyrl``)."""
    parts = tag.split("-")
    if len(parts) > 1:
        return parts[1]
    return _USUAL_SCRIPT.get(parts[0])


_USUAL_SCRIPT = {
    "ru": "Cyrl",
    "uk": "Cyrl",
    "ky": "Cyrl",
    "tg": "Cyrl",
    "en": "Latn",
    "tr": "Latn",
    "tk": "Latn",
    "az": "Latn",
    "de": "Latn",
    "fr": "Latn",
    "es": "Latn",
    "ar": "Arab",
    "fa": "Arab",
    "zh": "Hans",
}


def info(tag: str) -> Language | None:
    return _BY_TAG.get(canonical(tag))


def nllb_code(tag: str) -> str | None:
    lang = info(tag)
    return lang.nllb if lang else None


def argos_code(tag: str) -> str:
    """The argos (ISO 639-1) code for a tag: ``kk-Cyrl`` -> ``kk``."""
    lang = info(tag)
    return lang.argos if lang and lang.argos else base(canonical(tag))


def m2m_token(tag: str) -> str:
    """The M2M-100 style language token: ``kk-Cyrl`` -> ``__kk__``."""
    return f"__{argos_code(tag)}__"


def name(tag: str) -> str:
    lang = info(tag)
    return lang.name if lang else tag
