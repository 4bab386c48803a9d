"""Marker data: the per-language phrases that identify site furniture.

The phrases live in TOML files under ``toolkit/data/clean/markers/`` (one per language
or script, plus ``common.toml``), read with :mod:`importlib.resources`. A pipeline can
add its own through the ``extra_markers`` / ``markers_file`` options of the ``clean``
step; both use the same layout as the shipped files.

Matching is done on a *folded* form of the text (:func:`fold`): lower case, diacritics
and apostrophe variants removed, one character for one character, so a match found in
the folded text gives the exact span in the original.
"""

from __future__ import annotations

import functools
import importlib.resources
import os
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...errors import ConfigError

#: Keys holding lists of phrases.
LIST_KEYS = (
    "teaser",
    "read_also",
    "copyright",
    "credit",
    "byline",
    "share",
    "subscribe",
    "cookie",
    "cookie_context",
    "navigation",
    "social",
    "social_names",
    "date_published",
    "date_modified",
    "weekdays",
    "photo_words",
    "read_words",
)
#: Every key a markers file may hold.
KNOWN_KEYS = frozenset((*LIST_KEYS, "months", "language"))

_DATA = ("data", "clean", "markers")

# -- folding -----------------------------------------------------------------------------------

_SPECIAL = {
    "\u0131": "i",  # dotless i
    "\u0130": "i",  # capital I with dot
    "\u02bb": "'",  # modifier letter turned comma (Uzbek o')
    "\u02bc": "'",  # modifier letter apostrophe
    "\u2018": "'",
    "\u2019": "'",
    "\u201b": "'",
    "\u0060": "'",
    "\u00b4": "'",
    "\u02b9": "'",
    "\u2032": "'",
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2007": " ",
    "\u00ab": '"',
    "\u00bb": '"',
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
}


class _FoldTable(dict[int, str]):
    """str.translate table computed on demand: each character maps to exactly one."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        out = _SPECIAL.get(ch)
        if out is None:
            low = ch.lower()
            if len(low) != 1:
                low = ch
            base = "".join(c for c in unicodedata.normalize("NFKD", low) if not unicodedata.combining(c))
            out = base if len(base) == 1 else low
        self[code] = out
        return out


_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Case- and diacritic-insensitive form of ``text``, of the same length.

    ``fold("İLGİNİZİ Çekebilir") == "ilginizi cekebilir"``; ``fold("Oʻxshash") == "o'xshash"``.
    """
    if text.isascii():
        low = text.lower()
        return low.replace("`", "'") if "`" in low else low
    return text.translate(_TABLE)


def key_folded(folded: str) -> str:
    """:func:`key` of a text that is already folded."""
    return _NON_WORD.sub(" ", folded).strip()


_NON_WORD = re.compile(r"[\W_]+")


class _KeyTable(dict[int, str]):
    """:data:`_TABLE` with every character that is not a letter or digit mapped to a space."""

    def __missing__(self, code: int) -> str:
        folded = _TABLE[code]
        out = folded if folded.isalnum() else " "
        self[code] = out
        return out


_KEY_TABLE = _KeyTable()


def key(text: str) -> str:
    """A comparison key: folded, punctuation dropped, single spaces."""
    # one translation and a split: a third faster than folding and a regular expression
    return " ".join(text.translate(_KEY_TABLE).split())


# -- the data ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Markers:
    """Marker phrases (original spelling) by key, merged over the loaded languages."""

    lists: Mapping[str, tuple[str, ...]]
    months: Mapping[str, int]  # folded month name -> 1..12
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = field(default=(), compare=False)

    def get(self, name: str) -> tuple[str, ...]:
        return self.lists.get(name, ())


def available_languages() -> list[str]:
    """Languages with a shipped marker file (``common`` excluded)."""
    root = importlib.resources.files("toolkit").joinpath(*_DATA)
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".toml") and p.name != "common.toml")


def _read_packaged(name: str) -> dict[str, Any]:
    resource = importlib.resources.files("toolkit").joinpath(*_DATA, f"{name}.toml")
    with resource.open("rb") as fh:
        return tomllib.load(fh)


def read_markers_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a user markers file (same layout as the shipped ones); errors name the file."""
    from ...config import read_toml

    name = os.fspath(path)
    data = read_toml(name, "markers file")
    validate(data, name)
    return data


def validate(data: Any, where: str) -> None:
    """Check the layout of marker data; a wrong key or type is a ConfigError."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: marker data must be a table, not {type(data).__name__}")
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown marker key(s) {', '.join(unknown)} (known: {', '.join(sorted(KNOWN_KEYS))})"
        )
    for name in LIST_KEYS:
        value = data.get(name, [])
        if isinstance(value, str) or not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: {name} must be a list of strings")
    months = data.get("months", {})
    if not isinstance(months, Mapping):
        raise ConfigError(f'{where}: months must be a table like {{ 1 = ["January"] }}')
    for number, names in months.items():
        if not str(number).isdigit() or not 1 <= int(number) <= 12:
            raise ConfigError(f"{where}: months key {number!r} is not a month number 1-12")
        if isinstance(names, str) or not isinstance(names, list) or not all(isinstance(v, str) for v in names):
            raise ConfigError(f"{where}: months.{number} must be a list of strings")


def merge(tables: Iterable[tuple[str, Mapping[str, Any]]]) -> Markers:
    lists: dict[str, list[str]] = {name: [] for name in LIST_KEYS}
    months: dict[str, int] = {}
    languages: list[str] = []
    sources: list[str] = []
    for source, data in tables:
        sources.append(source)
        lang = data.get("language")
        if isinstance(lang, str) and lang != "common":
            languages.append(lang)
        for name in LIST_KEYS:
            for phrase in data.get(name, []):
                phrase = " ".join(phrase.split())
                if phrase and phrase not in lists[name]:
                    lists[name].append(phrase)
        for number, names in data.get("months", {}).items():
            for month in names:
                months.setdefault(" ".join(fold(month).split()).rstrip("."), int(number))
    return Markers(
        lists={k: tuple(v) for k, v in lists.items()},
        months=months,
        languages=tuple(languages),
        sources=tuple(sources),
    )


def load_markers(
    languages: Iterable[str] | None = None,
    extra: Mapping[str, Any] | None = None,
    files: Iterable[str | os.PathLike[str]] = (),
) -> Markers:
    """Shipped markers for ``languages`` (all when None), plus user files and extra markers."""
    known = available_languages()
    names = known if languages is None else list(languages)
    missing = sorted(set(names) - set(known))
    if missing:
        raise ConfigError(f"no marker file for language(s) {', '.join(missing)} (available: {', '.join(known)})")
    tables: list[tuple[str, Mapping[str, Any]]] = [("common", _read_packaged("common"))]
    tables += [(name, _read_packaged(name)) for name in names]
    for path in files:
        tables.append((os.fspath(path), read_markers_file(path)))
    if extra:
        validate(extra, "extra_markers")
        tables.append(("extra_markers", extra))
    return merge(tables)


@functools.lru_cache(maxsize=8)
def default_markers() -> Markers:
    """Every shipped marker file (cached)."""
    return load_markers()
