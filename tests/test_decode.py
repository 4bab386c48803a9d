from __future__ import annotations

import codecs

import pytest

from toolkit.errors import BinaryInputError, EmptyInputError, EncodingError
from toolkit.io.decode import decode, plausibility

TR = (
    "Türkiye'de şehirlerarası ulaşım ağı genişliyor. İstanbul ile Ankara arasında yeni hızlı tren "
    "seferleri başladı; Çağrı Yılmaz, Şule Doğan ve Ilgın Öztürk ilk yolcular arasındaydı."
)
RU = (
    "Сегодня в Москве открылся международный медиафорум. Участники обсудили сотрудничество "
    "и развитие региональных средств массовой информации."
)
KK = "Бүгін Астанада Орталық Азия медиа форумы басталды. Қазақстан делегациясы қатысты."


@pytest.mark.parametrize(
    "text, encoding, expected",
    [
        (TR, "utf-8", "utf-8"),
        (KK, "utf-8", "utf-8"),
        (TR, "utf-8-sig", "utf-8-sig"),
        (KK, "utf-16", "utf-16"),
        (KK, "utf-16-le", "utf-16"),  # written with a BOM below
        (RU, "utf-32", "utf-32"),
        (TR, "cp1254", "cp1254"),
        (TR, "iso8859_9", "cp1254"),  # identical bytes for these letters
        (RU, "cp1251", "cp1251"),
        (RU, "koi8_r", "koi8-r"),
        (RU, "cp866", "cp866"),
    ],
)
def test_decodes_encodings(text, encoding, expected):
    data = text.encode(encoding)
    if encoding == "utf-16-le":
        data = codecs.BOM_UTF16_LE + data
    decoded = decode(data)
    assert decoded.text == text
    assert decoded.encoding == expected


def test_turkish_cp1254_is_not_read_as_cp1252():
    decoded = decode(TR.encode("cp1254"))
    assert "ş" in decoded.text and "þ" not in decoded.text and "ý" not in decoded.text


def test_utf16_big_endian_bom():
    decoded = decode(codecs.BOM_UTF16_BE + KK.encode("utf-16-be"))
    assert decoded.text == KK


def test_utf16_without_bom():
    decoded = decode(("Plain English text without a byte order mark. " * 3).encode("utf-16-le"))
    assert decoded.text.startswith("Plain English") and decoded.encoding == "utf-16-le"


def test_mixed_encodings_line_by_line():
    data = TR.encode("utf-8") + b"\n" + TR.encode("cp1254") + b"\n"
    decoded = decode(data)
    assert decoded.text == TR + "\n" + TR + "\n"
    assert decoded.encoding == "mixed:utf-8+cp1254"
    assert decoded.warnings and "UTF-8" in decoded.warnings[0]


def test_mixed_encodings_inside_one_line():
    data = "café ve ".encode() + "Şule çay içti".encode("cp1254") + " — İstanbul".encode()
    decoded = decode(data)
    assert decoded.text == "café ve Şule çay içti — İstanbul"
    assert decoded.encoding == "mixed:utf-8+cp1254"


def test_legacy_text_with_accidental_utf8_pairs_is_not_mixed():
    text = "Вёл Вёл " + RU  # "Вё" in cp1251 is C2 B8: a valid UTF-8 pair by accident
    decoded = decode(text.encode("cp1251"))
    assert decoded.text == text and decoded.encoding == "cp1251"


def test_forced_encoding():
    assert decode(RU.encode("cp1251"), encoding="cp1251").text == RU
    with pytest.raises(EncodingError, match="unknown encoding"):
        decode(b"x", encoding="nope")
    with pytest.raises(EncodingError, match="not valid utf-8"):
        decode(RU.encode("cp1251"), encoding="utf-8", path="f.txt")


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"  \n"])
def test_empty_input(data):
    with pytest.raises(EmptyInputError, match=r"f\.txt: empty file"):
        decode(data, path="f.txt")


@pytest.mark.parametrize(
    "data, what",
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b"PK\x03\x04\x14\x00\x00\x00", "ZIP"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "gzip"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (bytes(range(32)) * 50, "control bytes"),
    ],
)
def test_binary_input_is_refused(data, what):
    with pytest.raises(BinaryInputError, match=what):
        decode(data, path="f.txt")


def test_text_starting_like_magic_is_text():
    assert decode(b"MZ Tech opened a new office in Almaty.").text.startswith("MZ Tech")
    assert decode(b"RIFF between the two parties grew.").text.startswith("RIFF")


def test_plausibility_prefers_right_table():
    data = TR.encode("cp1254")
    assert plausibility(data.decode("cp1254")) > plausibility(data.decode("cp1252"))


def test_detector_ranks_our_candidates():
    from toolkit.io.decode import _detector_order

    order = _detector_order(RU.encode("cp1251"))
    assert order and order[0] in ("cp1251", "mac-cyrillic")


def test_short_ambiguous_legacy_text_still_decodes():
    decoded = decode("Şu".encode("cp1254"))
    assert decoded.text == "Şu" and decoded.encoding == "cp1254"


UZ = "Oʻzbekiston poytaxti Toshkentda yangi metro bekati ochildi. Yoʻlovchilar soni oshdi."
HTML = "<html><head><title>Жаңалық</title></head><body><p>{}</p></body></html>"


@pytest.mark.parametrize("text", [KK, RU, TR, UZ, HTML.format(KK), KK + "\n\n" + RU + "\n"])
@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_recognised_by_its_zero_bytes(text, encoding):
    """Cyrillic letters have no zero byte in UTF-16: only the spaces and punctuation do (about a
    sixth of the pairs). That pattern, not a ratio of zeros, recognises it."""
    decoded = decode(text.encode(encoding))
    assert decoded.text == text and decoded.encoding == encoding


def test_utf16_without_bom_of_odd_length_loses_its_last_byte_with_a_warning():
    decoded = decode(KK.encode("utf-16-le") + b"\x04")
    assert decoded.text == KK and decoded.warnings and "odd number of bytes" in decoded.warnings[0]


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\xff" * 500,
        b"\xff\x00" * 500,
        b"\x00\x41" * 300,  # "AAAA..." in UTF-16-BE: one character, no space
        b"\x00\x01\x00\x02" * 200,
        bytes(range(256)) * 8,
        b"\x00\x00\x00\x01" * 100,
    ],
    ids=["00ff", "ff00", "one-letter", "controls", "all-bytes", "utf32-like"],
)
def test_binary_with_zero_bytes_is_not_read_as_utf16(data):
    with pytest.raises(BinaryInputError, match="binary file"):
        decode(data)


@pytest.mark.parametrize(
    "text, char",
    [
        ("-" * 500, "-"),
        ("." * 80 + "\n" + "." * 80 + "\n", "."),
        ("0" * 10, "0"),
        ("\u00ff" * 200, "\u00ff"),
        ("= = = =\n= =", "="),
        ("*", "*"),
        ("aaa", "a"),
        ("ab", None),
        ("I", None),
        ("Да", None),
        ("----\nА", None),
        (KK, None),
        ("-" * 5000 + "x", None),
    ],
)
def test_repeated_character(text, char):
    from toolkit.io.decode import repeated_character

    assert repeated_character(text) == char
