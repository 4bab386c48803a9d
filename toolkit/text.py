"""Small text helpers shared by processors and writers."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

# C0/C1 control characters XML 1.0 forbids or that never belong in news text (tab and
# newline are kept), lone surrogates (only reachable through JSON escapes) and noncharacters.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\ufeff]+")
_ZERO_WIDTH = re.compile("[\u200b\u2060]")
_BLANK_SPLIT = re.compile(r"\n[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]*\n\s*")


def strip_controls(text: str) -> tuple[str, int]:
    """Remove control characters (not tab/newline); return the text and how many went."""
    cleaned, count = _CONTROL.subn("", text)
    return cleaned, count


def normalize_line(text: str) -> str:
    """NFC, one space for any run of (non-breaking) spaces, stripped."""
    text = unicodedata.normalize("NFC", text)
    text = _ZERO_WIDTH.sub("", text)
    return _SPACES.sub(" ", text).strip()


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")


def split_blocks(text: str) -> list[str]:
    """Split text into blocks at blank lines (lines of only spaces count as blank)."""
    return [b for b in _BLANK_SPLIT.split(normalize_newlines(text)) if b.strip()]


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def json_dumps(obj: Any, **kwargs: Any) -> str:
    """``json.dumps`` that keeps non-ASCII text readable but escapes lone surrogates (``\\udcff``
    from a file name that is not UTF-8, ``\\ud800`` from JSON input): the result always encodes
    to UTF-8, and reads back to the same value."""
    kwargs.setdefault("ensure_ascii", False)
    return escape_surrogates(json.dumps(obj, **kwargs))


def escape_surrogates(text: str) -> str:
    """JSON text with lone surrogates written as ``\\uXXXX`` escapes (outside strings
    ``json.dumps`` writes ASCII, so only string content changes)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text


def utf8(text: str) -> bytes:
    """``text`` as UTF-8, lone surrogates replaced by U+FFFD (for text outputs)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _LONE_SURROGATE.sub("\ufffd", text).encode("utf-8")
