"""Turn the bytes of a text file into text, and say which encoding was used.

Order of decisions:

1. empty input and well-known binary formats are refused;
2. a byte-order mark decides (UTF-8, UTF-16, UTF-32);
3. strict UTF-8;
4. UTF-16 without a BOM (every other byte zero);
5. a legacy single-byte encoding. charset-normalizer proposes candidates, but its first
   guess is not trusted: it reads Turkish cp1254 as cp1252 (ş -> þ, ğ -> ð, ı -> ý). Each
   candidate, plus the legacy encodings our newsrooms use (cp1254, cp1251, KOI8-R, ...), is
   scored by how plausible its letters are for the languages we handle, and the best wins;
6. a file that is UTF-8 in some lines and legacy in others is decoded line by line and
   reported as mixed.
"""

from __future__ import annotations

import codecs
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import BinaryInputError, EmptyInputError, EncodingError

#: Legacy encodings always considered, in order of preference on ties.
LEGACY_CANDIDATES: tuple[str, ...] = (
    "cp1254",
    "cp1251",
    "koi8_r",
    "cp1252",
    "iso8859_9",
    "cp1250",
    "cp866",
    "koi8_u",
    "mac_cyrillic",
    "iso8859_5",
    "cp1257",
    "iso8859_15",
)

_SAMPLE = 1 << 16  # bytes used to choose a legacy encoding

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an office document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x7fELF", "an executable"),
    (b"MZ", "an executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
    (b"RIFF", "a RIFF media file"),
    (b"OggS", "an Ogg media file"),
    (b"ID3", "an MP3 file"),
    (b"SQLite format 3\x00", "an SQLite database"),
)

_WEAK_MAGIC = {b"MZ", b"BZh", b"RIFF", b"OggS", b"ID3", b"GIF8"}

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Letters that belong to the languages the toolkit handles (beyond ASCII).
_GOOD = set(
    "çğıİöşüÇĞÖŞÜâîûÂÎÛəƏ"  # Turkish, Azerbaijani
    "éèêëàáäãåæóòôõúùûüñíìïœøÉÈÀÁÓÚÑÍß"  # common Western European letters in names
    "ʻʼ‘’“”«»„–—…•·№€°©®™§"  # typography
    "ңғүұқөһәіНҒҮҰҚӨҺӘІ"  # Kazakh
    "ўҳЎҲ"  # Uzbek Cyrillic
    "єїґЄЇҐ"  # Ukrainian
    "ёЁ"
) | {chr(c) for c in range(0x0410, 0x0450)}  # Russian alphabet А-я

# Characters that show up when a legacy page is decoded with the wrong table.
_BAD = (
    set("þÞðÐýÝţŢžŽżŻšŠŷŵĺŕřŘľĽťŤďĎňŇůŮőŐűŰŕ¤¦¨¬¯´¸¹²³¼½¾×÷‚ƒ‰‹›ˆ˜µ¶±¿¡ªº¢£¥")
    | {chr(c) for c in range(0x80, 0xA0)}
    | {chr(c) for c in range(0x2500, 0x2600)}
)  # box drawing from cp866 misreads


@dataclass(slots=True)
class Decoded:
    text: str
    encoding: str
    confidence: float = 1.0
    warnings: list[str] = field(default_factory=list)


def sniff_binary(data: bytes) -> str | None:
    """Name the binary format of ``data`` if it is clearly not text, else None."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            if magic in _WEAK_MAGIC and not any(b < 9 or 13 < b < 32 for b in data[:64]):
                continue  # a text line that happens to start with these letters ("MZ Tech ...")
            return what
    return None


_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def _control_ratio(sample: bytes) -> float:
    if not sample:
        return 0.0
    return (len(sample) - len(sample.translate(None, _CONTROL_BYTES))) / len(sample)


def _deleter(chars: Iterable[str]) -> dict[int, None]:
    return dict.fromkeys(map(ord, chars))


_DEL_GOOD = _deleter(_GOOD)
_DEL_BAD = _deleter(
    _BAD | {"\ufffd"} | {chr(c) for c in range(0xE000, 0xF900)} | {chr(c) for c in range(0, 32)} - set("\t\n\r\x0c\x1b")
)
_DEL_LETTER = _deleter(c for c in map(chr, range(0xC0, 0x530)) if c.isalpha())
_DEL_UPPER = _deleter(c for c in map(chr, range(0xC0, 0x530)) if c.isupper())
# A lower-case letter followed by upper-case ones inside a word ("уЕЗПДОС"): KOI8-R read as
# cp1251 inverts case. And Latin and Cyrillic letters touching inside a word.
_FLIP = re.compile(r"[a-z\u00df-\u00ff\u0430-\u045f][A-Z\u00c0-\u00de\u0400-\u042f]{2}")
_MIXED = re.compile(r"[A-Za-z\u00c0-\u024f][\u0400-\u04ff]|[\u0400-\u04ff][A-Za-z\u00c0-\u024f]")


def _count(text: str, table: dict[int, None]) -> int:
    return len(text) - len(text.translate(table))


def plausibility(text: str) -> float:
    """How plausible a decoded text is for our languages: higher is better (<= 1)."""
    total = len(text) - len(text.encode("ascii", "ignore"))
    if total == 0:
        return 1.0
    good = _count(text, _DEL_GOOD)
    bad = _count(text, _DEL_BAD)
    other = max(0, total - good - bad)
    head = text[:2000]
    mixed = (len(_FLIP.findall(head)) + len(_MIXED.findall(head))) * max(1.0, len(text) / max(len(head), 1))
    score = (good + 0.3 * other - 4.0 * bad - 3.0 * mixed) / total
    letters = _count(text, _DEL_LETTER)
    if letters > 20 and _count(text, _DEL_UPPER) > 0.5 * letters:
        score -= 0.5  # mostly capitals: the case of the table is inverted (KOI8-R vs cp1251)
    return score


def _sample(data: bytes, limit: int = 4096) -> bytes:
    """The lines that hold non-ASCII bytes (where encodings differ), up to ``limit`` bytes."""
    parts: list[bytes] = []
    size = 0
    for line in data[: _SAMPLE * 4].splitlines():
        if not line.isascii():
            parts.append(line)
            size += len(line) + 1
            if size >= limit:
                break
    return b"\n".join(parts) or data[:limit]


_UTF16_SAMPLE = 8192  # bytes looked at to recognise UTF-16 without a byte-order mark


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when ``data`` shows UTF-16's zero-byte pattern, else None.

    In UTF-16 text the high byte of every ASCII character (spaces, line breaks, digits,
    punctuation) is zero and the low bytes almost never are: zeros fill one byte position of a
    pair, not the other. Letters of one or two scripts keep the high bytes to a handful of values
    (0x04 for Cyrillic, 0x00-0x02 for Latin, ...). Both hold for Kazakh or Russian text, whose
    letters have no zero byte at all, where a ratio of zeros alone (ASCII-heavy text only) failed.
    Whether the decoded characters read as text is checked by the caller (:func:`_plausible_text`)."""
    sample = data[:_UTF16_SAMPLE]
    sample = sample[: len(sample) - len(sample) % 2]
    pairs = len(sample) // 2
    if pairs < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    for high, low, name in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        zeros = high.count(0)
        if zeros < max(2, pairs // 50) or low.count(0) > pairs // 100:
            continue
        counts = sorted((high.count(b) for b in set(high)), reverse=True)
        if sum(counts[:3]) >= 0.9 * pairs:
            return name
    return None


_TEXT_CONTROLS = frozenset("\t\n\r\f\v")


def _plausible_text(text: str) -> bool:
    """Whether decoded characters read as text: no control, unassigned or private characters,
    words separated by white space, more than a few distinct characters. UTF-16's zero pattern
    alone is not enough: bytes ``00 FF`` repeated decode to ``ÿÿÿÿ...``."""
    sample = text[:4096]
    if not sample.strip():
        return False
    bad = sum(1 for ch in sample if unicodedata.category(ch) in ("Cc", "Cn", "Co", "Cs") and ch not in _TEXT_CONTROLS)
    if bad > len(sample) // 100:
        return False
    visible = set(sample) - _TEXT_CONTROLS - {" ", "\u00a0", "\u3000"}
    if len(sample) >= 16 and (len(visible) < 4 or not any(ch.isspace() for ch in sample)):
        return False
    return sum(1 for ch in sample if ch.isalpha()) >= 0.3 * len([ch for ch in sample if not ch.isspace()])


def sniff_utf16(data: bytes) -> str | None:
    """The UTF-16 flavour of ``data`` (``utf-16`` with a byte-order mark, ``utf-16-le``/``-be``
    without one) when it is UTF-16 text, else None: for readers that look at the first bytes."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not data.startswith(codecs.BOM_UTF32_LE):
        return "utf-16"
    name = _utf16_without_bom(data)
    if name is None:
        return None
    head = data[:_UTF16_SAMPLE]
    head = head[: len(head) - len(head) % 2]
    return name if _plausible_text(head.decode(name, errors="replace")) else None


def _detector_order(sample: bytes) -> list[str]:
    """charset-normalizer's ranking of our candidate encodings for ``sample`` (best first)."""
    try:
        from charset_normalizer import from_bytes

        matches = from_bytes(
            sample[:4096], steps=1, chunk_size=1024, threshold=0.3, cp_isolation=list(LEGACY_CANDIDATES)
        )
        return [codecs.lookup(m.encoding).name for m in matches]
    except Exception:  # the detector is advisory only
        return []


_HIGH = bytes(range(0x80, 0x100))


@functools.cache
def _byte_classes(encoding: str) -> tuple[bytes, bytes, bytes, bytes]:
    """For a single-byte encoding: its high bytes that decode to good / bad / letter / upper-case chars."""
    good, bad, letter, upper = bytearray(), bytearray(), bytearray(), bytearray()
    for b in _HIGH:
        try:
            ch = bytes([b]).decode(encoding)
        except UnicodeDecodeError:
            bad.append(b)
            continue
        if ch in _GOOD:
            good.append(b)
        elif ch in _BAD or unicodedata.category(ch) in ("Cc", "Co", "Cn", "So"):
            bad.append(b)
        if ch.isalpha():
            letter.append(b)
            if ch.isupper():
                upper.append(b)
    return bytes(good), bytes(bad), bytes(letter), bytes(upper)


def _byte_score(sample: bytes, encoding: str) -> float:
    """``plausibility`` computed on the bytes (fast): same weights, no text decoding."""
    good_b, bad_b, letter_b, upper_b = _byte_classes(encoding)
    n = len(sample)
    total = n - len(sample.translate(None, _HIGH))
    if total == 0:
        return 1.0
    good = n - len(sample.translate(None, good_b))
    bad = n - len(sample.translate(None, bad_b))
    score = (good + 0.3 * max(0, total - good - bad) - 4.0 * bad) / total
    letters = n - len(sample.translate(None, letter_b))
    if letters > 20 and n - len(sample.translate(None, upper_b)) > 0.5 * letters:
        score -= 0.5
    return score


_CANDIDATES = tuple(dict.fromkeys(codecs.lookup(n).name for n in LEGACY_CANDIDATES))


def _best_legacy(data: bytes) -> tuple[str, str, float]:
    """Choose a single-byte encoding for ``data``: (text, encoding, score).

    Every candidate is scored on the bytes (cheap); the close contenders are checked on
    decoded text for Latin/Cyrillic letters mixed inside words and for inverted case. When
    contenders that decode differently stay within a hair of each other, charset-normalizer's
    ranking breaks the tie.
    """
    sample = _sample(data)
    scored = [(_byte_score(sample, name), name) for name in _CANDIDATES]
    top = max(score for score, _ in scored)
    finalists: list[tuple[float, str, str]] = []
    for score, name in scored:
        if score < top - 0.3:
            continue
        head = sample[:1500].decode(name, errors="replace")
        nonascii = max(1, len(head) - len(head.encode("ascii", "ignore")))
        penalty = 3.0 * (len(_FLIP.findall(head)) + len(_MIXED.findall(head))) / nonascii
        finalists.append((score - penalty, name, head))
    finalists.sort(key=lambda f: -f[0])  # stable: our preference order breaks exact ties
    best_score, best_name, best_head = finalists[0]
    # "close": less than one character's worth of evidence apart
    total = max(1, len(sample) - len(sample.translate(None, _HIGH)))
    close = [f for f in finalists[1:] if (best_score - f[0]) * total < 1.0 and f[2] != best_head]
    if close:
        order = {name: i for i, name in enumerate(_detector_order(sample))}
        contenders = [finalists[0], *close]
        best_score, best_name, _ = min(contenders, key=lambda f: order.get(f[1], len(order)))
    try:
        text = data.decode(best_name)
    except UnicodeDecodeError:
        text = data.decode(best_name, errors="replace")
    return text, best_name, best_score


def decode(data: bytes, *, encoding: str | None = None, path: str | None = None) -> Decoded:
    """Decode the bytes of a text file; raise a typed InputError when they are not text."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise EncodingError(f"unknown encoding {encoding!r}", path=path) from None
        try:
            return Decoded(data.decode(encoding), codecs.lookup(encoding).name)
        except UnicodeDecodeError as exc:
            raise EncodingError(f"not valid {encoding} at byte {exc.start}", path=path) from None

    if not data.strip(b" \t\r\n\x00\x0b\x0c") or data in (codecs.BOM_UTF8,):
        raise EmptyInputError("empty file", path=path)
    what = sniff_binary(data)
    if what:
        raise BinaryInputError(f"binary file ({what}), not a text document", path=path)

    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(name)
            except UnicodeDecodeError as exc:
                raise EncodingError(
                    f"invalid {name.upper()} after its byte-order mark at byte {exc.start}", path=path
                ) from None
            text = text.lstrip("\ufeff")
            if not text.strip():
                raise EmptyInputError("empty file", path=path)
            return Decoded(text, name)

    utf16 = _utf16_without_bom(data)
    if utf16:
        decoded = _decode_utf16(data, utf16)
        if decoded is not None:
            return decoded

    if _control_ratio(data[:8192]) > 0.1:
        what = "; not UTF-16 text either" if utf16 else ""
        raise BinaryInputError(f"binary file (too many control bytes{what}), not a text document", path=path)

    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass

    return _decode_legacy_or_mixed(data, path)


def _decode_utf16(data: bytes, name: str) -> Decoded | None:
    """``data`` read as UTF-16 without a byte-order mark, or None when the result is not text."""
    warnings = []
    if len(data) % 2:
        data = data[:-1]
        warnings.append("odd number of bytes for UTF-16: the last byte was dropped (a truncated file?)")
    try:
        text = data.decode(name)
    except UnicodeDecodeError as exc:
        text = data.decode(name, errors="replace")
        if text.count("\ufffd") > len(text) // 1000:
            return None
        warnings.append(f"invalid UTF-16 at byte {exc.start}: replaced")
    if not _plausible_text(text):
        return None
    return Decoded(text, name, 0.8, warnings)


def repeated_character(text: str) -> str | None:
    """The character ``text`` is made of, white space aside, when it is one character repeated
    (``-----``, ``00000``, ``ÿÿÿÿ``; a letter from three times on): such a text is not a document."""
    if len({ch for ch in text[:64] if not ch.isspace()}) > 1:
        return None  # the usual case, decided on the first characters
    head = set(text[:4096])
    if len(head) > 8:
        return None
    chars = {ch for ch in head if not ch.isspace()}
    if len(chars) != 1:
        return None
    (char,) = chars
    if text.replace(char, "").strip():
        return None  # another character further on
    if char.isalpha() and text.count(char) < 3:
        return None  # a one- or two-letter text: short, not garbage
    return char


# A well-formed UTF-8 multi-byte sequence (no overlongs, no surrogates).
_UTF8_SEQ = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_MIXED_SHARE = 0.2  # share of high bytes in UTF-8 sequences above which a file counts as mixed


def _legacy_fallback(encoding: str) -> str:
    """A codecs error handler that decodes the bytes UTF-8 rejects with ``encoding``."""
    name = f"toolkit-fallback-{encoding}"
    try:
        codecs.lookup_error(name)
    except LookupError:

        def handler(exc: UnicodeError) -> tuple[str, int]:
            assert isinstance(exc, UnicodeDecodeError)
            bad = exc.object[exc.start : exc.end]
            return bad.decode(encoding, errors="replace"), exc.end

        codecs.register_error(name, handler)
    return name


def _decode_legacy_or_mixed(data: bytes, path: str | None) -> Decoded:
    head = data[: 1 << 20]
    high = len(head) - len(head.translate(None, _HIGH))
    in_utf8 = sum(len(m) for m in _UTF8_SEQ.findall(head))
    if in_utf8 and in_utf8 >= _MIXED_SHARE * high:
        # Mostly UTF-8 with some legacy bytes (pasted from another source, even inside one
        # line): UTF-8 where it is valid, the best legacy table for the rest; unless reading
        # it all as one legacy table is more plausible (cp866 letters form UTF-8 pairs by chance).
        _, name, score = _best_legacy(_UTF8_SEQ.sub(b"", data))
        text = data.decode("utf-8", errors=_legacy_fallback(name))
        legacy_text, legacy_name, legacy_score = _best_legacy(data)
        if plausibility(legacy_text[:20000]) > plausibility(text[:20000]):
            return Decoded(legacy_text, legacy_name, max(0.0, min(1.0, legacy_score)))
        return Decoded(
            text,
            f"mixed:utf-8+{name}",
            max(0.0, min(1.0, score)),
            [f"mixed encodings: {in_utf8} byte(s) of UTF-8 and {high - in_utf8} of {name}"],
        )
    text, name, score = _best_legacy(data)
    if score < -0.5:
        raise EncodingError("cannot determine the text encoding reliably (try --encoding)", path=path)
    decoded = Decoded(text, name, max(0.0, min(1.0, score)))
    if score < 0.5:
        decoded.warnings.append(f"uncertain encoding guess {name} (score {score:.2f})")
    return decoded
