"""Language labels, BCP 47 tags and scripts.

Internally a language-and-script is a *label*: an ISO 639-1 code, plus ``_Latn`` /
``_Cyrl`` where the language is written in a second script (``kk_Latn``, ``uz_Cyrl``;
the same labels as the project's training and evaluation data). Outside, results are
BCP 47 tags: the script subtag is added for languages written in several scripts
(``kk-Cyrl``, ``kk-Latn``, ``uz-Latn``, ``uz-Cyrl``) and left out for the others
(``ru``, ``tr``, ``ky``).
"""

from __future__ import annotations

from dataclasses import dataclass

UND = "und"


@dataclass(frozen=True, slots=True)
class Language:
    label: str  # e.g. "kk", "kk_Latn"
    code: str  # ISO 639-1
    script: str  # ISO 15924
    name: str
    tag: str  # BCP 47 output tag


def _lang(label: str, script: str, name: str, multi_script: bool = False) -> Language:
    code = label.split("_")[0]
    tag = f"{code}-{script}" if multi_script else code
    return Language(label, code, script, name, tag)


#: The languages the toolkit identifies with its own models, by label.
LANGUAGES: dict[str, Language] = {
    lang.label: lang
    for lang in (
        _lang("kk", "Cyrl", "Kazakh", multi_script=True),
        _lang("kk_Latn", "Latn", "Kazakh (Latin)", multi_script=True),
        _lang("uz", "Latn", "Uzbek", multi_script=True),
        _lang("uz_Cyrl", "Cyrl", "Uzbek (Cyrillic)", multi_script=True),
        _lang("ky", "Cyrl", "Kyrgyz"),
        _lang("ru", "Cyrl", "Russian"),
        _lang("tr", "Latn", "Turkish"),
        _lang("en", "Latn", "English"),
        _lang("az", "Latn", "Azerbaijani"),
        _lang("tk", "Latn", "Turkmen"),
        _lang("tg", "Cyrl", "Tajik"),
        _lang("tt", "Cyrl", "Tatar"),
        _lang("ba", "Cyrl", "Bashkir"),
        _lang("mn", "Cyrl", "Mongolian"),
        _lang("uk", "Cyrl", "Ukrainian"),
        _lang("bg", "Cyrl", "Bulgarian"),
    )
}

#: Labels in a fixed order (the column order of the n-gram model).
LABELS: tuple[str, ...] = tuple(sorted(LANGUAGES))

_BY_TAG: dict[str, str] = {}
for _l in LANGUAGES.values():
    _BY_TAG[_l.tag.lower()] = _l.label
    _BY_TAG[_l.label.lower()] = _l.label
    _BY_TAG[f"{_l.code}-{_l.script}".lower()] = _l.label
# a bare code means the language's main script
for _code, _label in {"kk": "kk", "uz": "uz"}.items():
    _BY_TAG[_code] = _label


def label_of(tag: str) -> str:
    """``"kk-Latn"`` / ``"kk_Latn"`` / ``"kk"`` -> the label (``ValueError`` if unknown)."""
    key = tag.strip().replace("_", "-").lower()
    try:
        return _BY_TAG[key]
    except KeyError:
        known = ", ".join(sorted(lang.tag for lang in LANGUAGES.values()))
        raise ValueError(f"unknown language {tag!r} (known: {known})") from None


def tag_of(label: str) -> str:
    """The BCP 47 output tag of a label; labels outside the table pass through."""
    lang = LANGUAGES.get(label)
    return lang.tag if lang else label.replace("_", "-")


def script_of(label: str) -> str | None:
    lang = LANGUAGES.get(label)
    return lang.script if lang else None


def labels_for_script(script: str) -> tuple[str, ...]:
    return tuple(label for label in LABELS if LANGUAGES[label].script == script)


def base_code(tag: str | None) -> str:
    """``"kk-Latn"`` -> ``"kk"``; ``None`` -> ``"und"``."""
    if not tag:
        return UND
    return tag.replace("_", "-").split("-")[0].lower()
