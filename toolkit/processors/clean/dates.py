"""Dates written by news sites, in the languages of the marker files -> ISO 8601.

``DateParser.match(text)`` looks for a date at the *start* of a line (after an optional
label such as ``date``, ``Updated:``, ``Опубликовано:`` and an optional weekday) and
says where it ends, so the caller can tell a date line (``18 Kasım 2024``) from a date
glued in front of body text (``18.11.2024 Синоптики ...``). Month names come from the
``[months]`` tables of the marker files. Formats:

* ``2024-11-18``, ``2024-11-18T14:05:00+05:00``, ``2024/11/18``, ``2024.11.18``
* ``18.11.2024``, ``18/11/2024``, ``18-11-2024``, optionally followed by a time ``10:42``
* ``18 Kasım 2024``, ``18 ноября 2024 г.``, ``18-ноябрь, 2024``, ``2 September 2024``
* ``November 18, 2024``, ``Nov. 18 2024``
* ``2024-yil 18-noyabr``, ``2024 жылғы 18 қараша``
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Literal

from .markers import Markers, fold

_DIGIT = re.compile(r"\d")
_YEAR_WORD = r"(?:\s*-?(?:yil|yilda|йил|жылғы|жылы|жыл|ж\.|г\.|года|год|г|yili|y\.))?"
_TIME = r"(?:\s*(?:,|в|saat|at|в|-|\||/)?\s*(?P<hh>\d{1,2})[:.](?P<mi>\d{2})(?::\d{2})?(?:\s*(?:am|pm))?)?"


@dataclass(frozen=True, slots=True)
class DateMatch:
    iso: str  # YYYY-MM-DD
    start: int  # where the date itself starts (after a label), in the line
    end: int  # index in the line just after the date (and time, weekday)
    kind: Literal["published", "modified"] | None  # from a label, when there is one
    time: str | None = None  # HH:MM when a time followed the date


def _alternation(words: list[str]) -> str:
    uniq = sorted({w for w in words if w}, key=lambda w: (-len(w), w))
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in uniq) or r"(?!x)x"


class DateParser:
    """Finds dates at the start of a line using the month names of ``markers``."""

    def __init__(self, markers: Markers) -> None:
        self.months = dict(markers.months)
        months = _alternation(list(self.months))
        weekdays = _alternation([fold(w) for w in markers.get("weekdays")])
        published = [fold(w) for w in markers.get("date_published")]
        modified = [fold(w) for w in markers.get("date_modified")]
        self._kinds = {" ".join(w.split()): "published" for w in published}
        self._kinds.update({" ".join(w.split()): "modified" for w in modified})
        labels = _alternation(published + modified)
        mon = rf"(?:{months})\.?(?![^\W\d_])"
        alternatives = [
            r"(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
            r"(?:[t ](?P<ih>\d{1,2}):(?P<imin>\d{2})(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?",
            r"(?P<ry>\d{4})[./](?P<rm>\d{1,2})[./](?P<rd>\d{1,2})(?!\d)",
            r"(?P<nd>\d{1,2})[./-](?P<nm>\d{1,2})[./-](?P<ny>\d{4})(?!\d)",
            rf"(?P<td>\d{{1,2}})(?:st|nd|rd|th)?[\s.\-]*(?:of\s+)?(?P<tm>{mon}),?\s*(?P<ty>\d{{4}})(?!\d){_YEAR_WORD}",
            rf"(?P<um>{mon})\s+(?P<ud>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<uy>\d{{4}})(?!\d)",
            rf"(?P<vy>\d{{4}}){_YEAR_WORD},?\s*(?P<vd>\d{{1,2}})[\s\-]*(?P<vm>{mon})",
        ]
        self._re = re.compile(
            rf"(?:(?P<label>{labels})\s*[:\-]?\s*)?"
            rf"(?:(?:{weekdays})\.?,?\s+)?"
            rf"(?P<date>{'|'.join(alternatives)})"
            rf"{_TIME}"
            rf"(?:,?\s*(?:{weekdays})(?![^\W\d_]))?"
        )

    def match(self, text: str, folded: str | None = None) -> DateMatch | None:
        """A date at the start of ``text`` (``folded`` is ``fold(text)`` when the caller has it)."""
        folded = fold(text) if folded is None else folded
        if _DIGIT.search(folded, 0, 60) is None:  # every format has digits near the start
            return None
        m = self._re.match(folded)
        if m is None:
            return None
        g = m.groupdict()
        if g["iy"]:
            y, mo, d = g["iy"], g["im"], g["id"]
        elif g["ry"]:
            y, mo, d = g["ry"], g["rm"], g["rd"]
        elif g["ny"]:
            y, mo, d = g["ny"], g["nm"], g["nd"]
        elif g["ty"]:
            y, mo, d = g["ty"], self._month(g["tm"]), g["td"]
        elif g["uy"]:
            y, mo, d = g["uy"], self._month(g["um"]), g["ud"]
        else:
            y, mo, d = g["vy"], self._month(g["vm"]), g["vd"]
        iso = _iso(y, mo, d)
        if iso is None:
            return None
        kind = None
        if g["label"]:
            kind = self._kinds.get(" ".join(g["label"].split()))
        hh, mi = g["hh"] or g["ih"], g["mi"] or g["imin"]
        time = f"{int(hh):02d}:{mi}" if hh and mi and int(hh) < 24 and int(mi) < 60 else None
        return DateMatch(iso, m.start("date"), m.end(), kind, time)  # type: ignore[arg-type]

    def _month(self, word: str) -> int | str:
        return self.months.get(" ".join(word.rstrip(".").split()), "0")


def _iso(year: str, month: int | str, day: str) -> str | None:
    try:
        date = _dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    if not 1990 <= date.year <= 2100:
        return None
    return date.isoformat()


def parse_iso_datetime(value: str) -> str | None:
    """Normalise a machine-readable date (``<meta>``, JSON-LD, ``<time datetime>``).

    A date-time with a time zone stays a date-time (``2024-11-18T14:05:00+05:00``); anything
    else is reduced to its date. Returns None for what is not a date.
    """
    value = value.strip()
    if not value:
        return None
    text = value.replace("Z", "+00:00") if value.endswith("Z") else value
    try:
        parsed = _dt.datetime.fromisoformat(text)
    except ValueError:
        m = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", value) or re.match(r"(\d{4})/(\d{1,2})/(\d{1,2})", value)
        if m:
            return _iso(*m.groups())
        m = re.match(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", value)
        return _iso(m.group(3), m.group(2), m.group(1)) if m else None
    if not 1990 <= parsed.year <= 2100:
        return None
    if parsed.tzinfo is not None and (parsed.hour or parsed.minute or parsed.second):
        return parsed.replace(microsecond=0).isoformat()
    return parsed.date().isoformat()
