"""BCP 47 language tags as NewsML-G2 receivers want them.

* :func:`canonical` fixes the case of each subtag (``kk-cyrl`` -> ``kk-Cyrl``, ``en-gb`` ->
  ``en-GB``) and rejects what is not a language-script-region(-variant) tag.
* :func:`with_script` adds the script subtag where the language is written in more than
  one script and the tag alone does not say which: Uzbek always gets one (``uz-Latn`` /
  ``uz-Cyrl``), Kazakh, Kyrgyz, ... only when the text is not in their usual script
  (``kk-Latn``). The script is read from the letters of the text.
"""

from __future__ import annotations

import functools
import re

_TAG = re.compile(
    r"^(?P<lang>[A-Za-z]{2,3})(?:-(?P<script>[A-Za-z]{4}))?(?:-(?P<region>[A-Za-z]{2}|[0-9]{3}))?"
    r"(?P<variants>(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*)$"
)

#: Languages whose tag must always carry the script.
SCRIPT_REQUIRED = frozenset({"uz"})

#: The usual script of languages written in several; a tag gets a script subtag when the
#: text is in another one.
USUAL_SCRIPT = {
    "kk": "Cyrl",
    "ky": "Cyrl",
    "tt": "Cyrl",
    "ba": "Cyrl",
    "mn": "Cyrl",
    "sr": "Cyrl",
    "tg": "Cyrl",
    "az": "Latn",
    "tk": "Latn",
    "tr": "Latn",
    "ug": "Arab",
}

_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")
_CYRILLIC = re.compile(r"[\u0400-\u052f]")
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f]")
_SAMPLE = 1500


def canonical(tag: str | None) -> str | None:
    """The tag with canonical subtag case, or None when it is not a tag we can use."""
    if not tag or not isinstance(tag, str):  # meta.extra of a document read from JSON may hold anything
        return None
    if type(tag) is str:  # a handful of distinct tags in a whole batch
        return _canonical(tag)
    return _canonical.__wrapped__(tag)


@functools.lru_cache(maxsize=1024)
def _canonical(tag: str) -> str | None:
    match = _TAG.match(tag.strip().replace("_", "-"))
    if match is None:
        return None
    out = match["lang"].lower()
    if match["script"]:
        out += "-" + match["script"].title()
    if match["region"]:
        out += "-" + match["region"].upper()
    if match["variants"]:
        out += match["variants"].lower()
    return out


def primary(tag: str) -> str:
    return tag.split("-", 1)[0].lower()


def has_script(tag: str) -> bool:
    match = _TAG.match(tag)
    return bool(match and match["script"])


def dominant_script(text: str) -> str | None:
    """``Latn``, ``Cyrl`` or ``Arab``: the script of most letters of ``text`` (None if no letters)."""
    sample = text[:_SAMPLE]
    counts = {
        "Latn": len(_LATIN.findall(sample)),
        "Cyrl": len(_CYRILLIC.findall(sample)),
        "Arab": len(_ARABIC.findall(sample)),
    }
    script, count = max(counts.items(), key=lambda kv: kv[1])
    return script if count else None


def with_script(tag: str, text: str) -> str:
    """``tag`` with a script subtag inserted when the language needs one (see module doc)."""
    if has_script(tag):
        return tag
    lang = primary(tag)
    if lang not in SCRIPT_REQUIRED and lang not in USUAL_SCRIPT:
        return tag
    script = dominant_script(text)
    if script is None or (lang not in SCRIPT_REQUIRED and script == USUAL_SCRIPT[lang]):
        return tag
    rest = tag[len(lang) :]
    return f"{lang}-{script}{rest}"


def is_rtl(tag: str, rtl: frozenset[str]) -> bool:
    match = _TAG.match(tag)
    if match is None:
        return False
    lang = match["lang"].lower()
    script = (match["script"] or "").title()
    if script:
        return script in ("Arab", "Hebr", "Thaa", "Syrc", "Nkoo", "Adlm")
    return lang in rtl
