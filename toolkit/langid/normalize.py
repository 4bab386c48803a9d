"""Text normalisation before language identification (no dependency).

* Uzbek Latin writes the letters oʻ and gʻ and the tutuq belgisi (ʼ) with whatever
  apostrophe the keyboard offers: ``'`` ````` ``‘`` ``’`` ``ʻ`` ``ʼ`` ``ʹ`` ``′`` ``´``.
  :func:`normalize_uzbek_apostrophes` folds them to the two official characters, so
  ``o'zbek``, ``o‘zbek`` and ``oʻzbek`` look the same to the models.
* :func:`prepare` also drops what carries no language: URLs, e-mail addresses, @handles
  and bare domain names, repairs UTF-8 text that was once read as cp1252 (``eÄŸitim`` ->
  ``eğitim``, common in scraped Turkish), and applies Unicode NFC.
"""

from __future__ import annotations

import re
import unicodedata

#: Characters used for the Uzbek oʻ/gʻ sign and the tutuq belgisi in the wild.
APOSTROPHES = "'`‘’ʻʼʹ′´ʽ"

OKINA = "\u02bb"  # ʻ MODIFIER LETTER TURNED COMMA: oʻ, gʻ
TUTUQ = "\u02bc"  # ʼ MODIFIER LETTER APOSTROPHE: maʼlumot

# the apostrophe first, then the letter before it: far fewer look-behinds than the other way round
_APOSTROPHE_AFTER_LETTER = re.compile(f"[{APOSTROPHES}](?<=[^\\W\\d_][{APOSTROPHES}])")
_ANY_APOSTROPHE = re.compile(f"[{APOSTROPHES}]")


_TLD = r"(?:com|org|net|info|biz|gov|edu|io|ru|kz|uz|kg|tj|tm|az|tr|ua|by|mn|bg|uk|us|de|eu)"
_URL = re.compile(r"(?:(?:https?|ftp)://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<!\w)@\w+")
_HAS_DOMAIN = re.compile(r"\.(?<=[a-z0-9]\.)" + _TLD + r"\b", re.IGNORECASE)  # the dot first: a fast scan
_DOMAIN = re.compile(r"\b(?:[a-z0-9-]+\.)+" + _TLD + r"\b(?:/\S*)?", re.IGNORECASE)


# UTF-8 two-byte sequences misread as cp1252: a lead byte C2-DF, then a continuation 80-BF.
_CP1252_CONT = {bytes([b]).decode("cp1252", "ignore"): b for b in range(0x80, 0xC0)}
_CP1252_CONT.pop("", None)
_MOJIBAKE = re.compile("([\u00c2-\u00df])([" + "".join(re.escape(ch) for ch in sorted(_CP1252_CONT)) + "])")


def _unmojibake(match: re.Match[str]) -> str:
    raw = bytes([ord(match.group(1)), _CP1252_CONT[match.group(2)]])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return match.group(0)


def fix_mojibake(text: str) -> str:
    """Repair UTF-8 letters that were decoded as cp1252 (``duruÅŸu`` -> ``duruşu``).

    Only two-character sequences that decode to one valid UTF-8 character are changed, and
    only when there are at least two of them, so ordinary text is left alone.
    """
    if len(_MOJIBAKE.findall(text)) < 2:
        return text
    return _MOJIBAKE.sub(_unmojibake, text)


def _fold_apostrophe(match: re.Match[str]) -> str:
    text, at = match.string, match.start()
    after = text[at + 1 : at + 2]
    if after and after in APOSTROPHES:  # a doubled mark is a quotation, not a letter
        return match.group()
    if text[at - 1] in "oOgG":
        return OKINA
    if after.isalpha():
        return TUTUQ
    return match.group()


def normalize_uzbek_apostrophes(text: str) -> str:
    """Fold apostrophe variants: after o/g to ʻ (U+02BB), between other letters to ʼ (U+02BC).

    >>> normalize_uzbek_apostrophes("O'zbekiston g‘alaba ma’lumot")
    'Oʻzbekiston gʻalaba maʼlumot'
    """
    if _ANY_APOSTROPHE.search(text) is None:
        return text
    return _APOSTROPHE_AFTER_LETTER.sub(_fold_apostrophe, text)


def strip_noise(text: str) -> str:
    """Replace URLs, e-mail addresses, @handles and bare domains by a space."""
    if "://" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _EMAIL.sub(" ", text)
    if "." in text and _HAS_DOMAIN.search(text):
        text = _DOMAIN.sub(" ", text)
    return text


def prepare(text: str) -> str:
    """The text the rules and models look at: NFC, noise removed, apostrophes folded."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _MOJIBAKE.search(text):
        text = fix_mojibake(text)
    return normalize_uzbek_apostrophes(strip_noise(text))
