"""Plain-text cleaning: a scraped page -> title, body paragraphs, metadata, removals.

The page is cut into *units* (paragraphs separated by blank lines; in files without
blank lines, one line is one unit unless the block is hard-wrapped prose). Each unit is
classified in page order:

1. The **title** is the line repeated near the top (or, in HTML, the page's title when it
   shows up in the text); it is kept once, as the title, and dropped wherever it repeats.
   Short lines above it (breadcrumbs, menus, kickers) are page header.
2. Furniture lines carry metadata or nothing: copyright notices (-> holder/year), photo
   credits and captions (-> credits), bylines, date lines at the head (-> published),
   share bars, subscribe calls, cookie notices, navigation, "read also" links.
3. Until the first paragraph of prose (*the head*), a date or a teaser marker glued in
   front of the text (``TÜM HABERLER 12 Kasım 2024 Türkiye ...``) is cut off and the rest
   stays; a lone teaser marker there is a menu link and only that line goes.
4. After the head, a line that is a teaser marker (``Читайте также``, ``Related news``)
   starts the teaser block: everything to the end of the page goes, unless the article
   visibly resumes (two paragraphs of prose in a row that no rule claims).
5. With no title found, a headline-like first line is the title; otherwise the title is
   derived from the first sentence (``title_derived``).

Nothing here knows about a particular site: the phrases come from the marker data.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from ...document import Removal
from ...text import normalize_newlines, strip_controls
from .markers import fold, key, key_folded
from .rules import Copyright, Rules, _capitalised, body_like, ends_sentence, headline_like, label_split, words

Mode = Literal["text", "html"]

#: How many units from the top may hold the repeated title.
TITLE_WINDOW = 12
#: Paragraphs longer than this (in words) are prose: only cheap-gated rules are tried on them.
LONG_PROSE = 20
#: In HTML text, lines above the title count as page header only when the title is this near the top.
HTML_HEADER = 4
#: Longest derived title, in characters.
DERIVED_TITLE_MAX = 120

_INVISIBLE = re.compile("[\u200b\u2060\ufeff]")
_BLANK_CHARS = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
_WS_ONLY = re.compile(r"^[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]*$")
_CLOSE = "\"'»”’) "
_QUOTES_OPEN = "\"'«“„‘"
_QUOTES_CLOSE = "\"'»”’“"
_ONLY_PUNCT = re.compile(r"^[\W_]+$")
_BARE_LINK = re.compile(r"^[<(\[]?(?:https?://|www\.)\S+$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?…][\"'»”’)]*\s+(?=[\"'«“„‘(]?[^\W\d_])")
_WORD_BEFORE = re.compile(r"([^\W\d_]*)[\"'»”’)]*$")
#: Words after which a full stop does not end a sentence.
ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "gen",
        "sen",
        "rep",
        "gov",
        "lt",
        "col",
        "capt",
        "sgt",
        "jr",
        "sr",
        "vs",
        "no",
        "nos",
        "vol",
        "fig",
        "approx",
        "dept",
        "est",
        "inc",
        "ltd",
        "co",
        "corp",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "г",
        "гг",
        "ул",
        "им",
        "проф",
        "ст",
        "тыс",
        "млн",
        "млрд",
        "руб",
        "тел",
        "doc",
        "av",
    ]
)


@dataclass(slots=True)
class Unit:
    text: str  # whitespace-normalised
    line: int  # 1-based line number in the input
    n: int = 0  # words
    _folded: str | None = None
    _key: str | None = None

    def __post_init__(self) -> None:
        self.n = words(self.text)

    @property
    def folded(self) -> str:
        """``fold(text)``, computed on first use (long paragraphs mostly never need it)."""
        if self._folded is None:
            self._folded = fold(self.text)
        return self._folded

    def head(self, size: int = 64) -> str:
        """The folded start of the text (enough for a date or a marker at the start)."""
        if self._folded is not None or len(self.text) <= size:
            return self.folded[:size]
        return fold(self.text[:size])

    @property
    def key(self) -> str:
        """Comparison key (computed on first use)."""
        if self._key is None:
            self._key = key_folded(self.folded)
        return self._key


@dataclass(slots=True)
class Cleaned:
    """What cleaning found in one page; nothing is assigned to a Document here."""

    title: str | None = None
    title_derived: bool = False
    paragraphs: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # input line of each paragraph
    removals: list[Removal] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    byline: str | None = None
    credits: list[str] = field(default_factory=list)
    copyright_holder: str | None = None
    copyright_year: int | None = None
    copyright_notice: str | None = None
    control_chars: int = 0

    def remove(self, unit: Unit | str, rule: str, reason: str, line: int | None = None) -> None:
        if isinstance(unit, Unit):
            self.removals.append(Removal(unit.text, rule, reason, unit.line))
        else:
            self.removals.append(Removal(unit, rule, reason, line))

    def add_credit(self, name: str) -> None:
        if key(name) not in {key(c) for c in self.credits}:
            self.credits.append(name)


# -- units ---------------------------------------------------------------------------------------


def _wrapped(lines: list[str]) -> bool:
    """A hard-wrapped paragraph (lines of similar length cut mid-sentence), not one line per paragraph."""
    head = lines[:-1]
    if not head or any(not 30 <= len(line) <= 110 for line in head):
        return False
    if len(lines[-1]) > 110:
        return False
    open_ends = sum(1 for line in head if not ends_sentence(line))
    if open_ends * 2 < len(head) or len({key(line) for line in lines}) < len(lines):
        return False
    # at least one break visibly inside a sentence
    return any(nxt[:1].islower() or cur.endswith((",", "-", "\u00ad", ";")) for cur, nxt in itertools.pairwise(lines))


def split_units(raw: str, *, line_mode: bool, result: Cleaned) -> list[Unit]:
    """Cut the page into units; whitespace-only lines are logged and dropped."""
    text, removed = strip_controls(normalize_newlines(raw).lstrip("\ufeff"))
    result.control_chars = removed
    # what toolkit.text.normalize_line does per line, done once for the page
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    units: list[Unit] = []
    block: list[tuple[int, str]] = []

    def flush() -> None:
        if not block:
            return
        if len(block) == 1:  # the usual paragraph: one line between blank lines
            number, line = block[0]
            one = " ".join(line.split())
            if one:
                units.append(Unit(one, number))
            block.clear()
            return
        texts = [" ".join(t.split()) for _, t in block]
        if not line_mode and len(block) > 1 and _wrapped(texts):
            units.append(Unit(" ".join(texts), block[0][0]))
        else:
            units.extend(Unit(t, n) for (n, _), t in zip(block, texts, strict=True) if t)
        block.clear()

    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            if line:
                shown = "".join(f"U+{ord(c):04X}" if c not in " \t" else repr(c)[1:-1] for c in line)[:60]
                result.remove(line, "blank", f"whitespace-only line ({shown})", number)
            flush()
            continue
        block.append((number, line))
    flush()
    return units


# -- the title -------------------------------------------------------------------------------------


def _furniture(rules: Rules, u: Unit) -> bool:
    f = u.folded
    return bool(
        rules.copyright(u.text, f)
        or rules.credit(u.text, f)
        or rules.dates.match(u.text, f)
        or rules.teaser_marker(f)
        or rules.share(f)
        or rules.navigation(u.text, f)
        or rules.byline(u.text, f)
    )


def find_repeated_title(units: list[Unit], rules: Rules) -> int | None:
    """Index of the first unit whose text repeats within the top of the page."""
    window = units[:TITLE_WINDOW]
    seen: dict[str, int] = {}
    fallback: int | None = None
    for i, u in enumerate(window):
        if not 2 <= u.n <= 30 or u.text.rstrip(_CLOSE).endswith("."):
            continue  # (tested before the key: long paragraphs never need theirs)
        k = u.key
        if not k:
            continue
        if k in seen:
            first = seen[k]
            text = units[first].text
            if _furniture(rules, units[first]) or _name_label(text):
                continue
            if _name_label(text, loose=True):
                # "Снимал: Иван Петров" repeated (a credit whose one-word label no list knows):
                # the title only when nothing else repeats ("Brexit: Johnson Wins" may be one)
                fallback = first if fallback is None else fallback
                continue
            return first
        else:
            seen[k] = i
    return fallback


def find_known_title(units: list[Unit], title: str) -> int | None:
    """Index of the unit that shows the page's title near the top, if any."""
    k = key(title)
    if not k:
        return None
    for i, u in enumerate(units[:TITLE_WINDOW]):
        if u.key == k:
            return i
    return None


def derive_title(paragraph: str) -> str:
    """A headline made from the first sentence, cut at a word boundary when long."""
    first = paragraph
    for m in _SENTENCE_END.finditer(paragraph):
        stop = paragraph[m.start()]
        word = _WORD_BEFORE.search(paragraph[: m.start()]).group(1)  # type: ignore[union-attr]
        if stop == "." and (len(word) < 2 or word.casefold() in ABBREVIATIONS):
            continue  # an initial or an abbreviation
        first = paragraph[: m.start() + 1]
        break
    first = first.strip()
    first = first.rstrip(" .;:,")
    if len(first) <= DERIVED_TITLE_MAX:
        return first
    cut = first[:DERIVED_TITLE_MAX]
    for sep in (", ", " – ", " — ", "; ", ": "):
        pos = cut.rfind(sep)
        if pos >= DERIVED_TITLE_MAX // 2:
            return cut[:pos].rstrip(" ,;:–—") + "…"
    pos = cut.rfind(" ")
    return (cut[:pos] if pos > 0 else cut).rstrip(" ,;:–—") + "…"


# -- the page -----------------------------------------------------------------------------------------


def clean_text(raw: str, rules: Rules, *, mode: Mode = "text", known_title: str | None = None) -> Cleaned:
    """Clean one page of text (or the text extracted from an HTML page, ``mode="html"``)."""
    result = Cleaned()
    units = split_units(raw, line_mode=mode == "html", result=result)
    Page(units, rules, result, mode, known_title).run()
    return result


class Page:
    """The classification of one page's units, in order (see the module docstring)."""

    def __init__(self, units: list[Unit], rules: Rules, result: Cleaned, mode: Mode, known_title: str | None) -> None:
        self.units = units
        self.rules = rules
        self.result = result
        self.mode = mode
        self.known_title = known_title
        self.kept: list[Unit] = []
        self.in_head = True  # no paragraph of prose kept yet
        self.pending: list[Unit] = []  # short lines kept in the head: title candidates
        self._at = 0  # index of the unit being classified

    def run(self) -> None:
        units, r = self.units, self.result
        title_at: int | None
        if self.mode == "html":
            title_at = find_known_title(units, self.known_title) if self.known_title else None
            title_text = self.known_title
        else:
            title_at = find_repeated_title(units, self.rules)
            title_text = units[title_at].text if title_at is not None else None
        title_key = key(title_text) if title_text else None
        if title_at is not None and self.mode == "text":
            r.title = units[title_at].text
        cutting: Unit | None = None
        i = 0
        while i < len(units):
            u = units[i]
            self._at = i
            if title_key and abs(len(u.text) - len(title_text or "")) <= 8 and u.key == title_key:
                if i == title_at and self.mode == "text":
                    r.remove(u, "title", "the headline, kept as the document title")
                else:
                    r.remove(u, "repeated-title", "repeats the title")
                i += 1
                continue
            if cutting is not None:
                if self._resumes(i):
                    cutting = None
                elif (cr := self.rules.copyright(u.text, u.folded)) is not None:
                    self._copyright(u, cr)
                    i += 1
                    continue
                else:
                    r.remove(u, "teaser-block", f"after the teaser marker {cutting.text!r} (line {cutting.line})")
                    i += 1
                    continue
            before_title = title_at is not None and i < title_at and (self.mode == "text" or title_at <= HTML_HEADER)
            outcome = self._classify(u, before_title)
            if outcome == "cut":
                cutting = u
            elif outcome == "keep":
                self._keep(u, before_title)
            i += 1
        self._finish()

    # -- one unit ----------------------------------------------------------------------------------

    def _classify(self, u: Unit, before_title: bool) -> str:
        """Log and drop ``u`` if it is furniture; return "keep", "drop" or "cut"."""
        r, rules, text = self.result, self.rules, u.text
        # prose: only a few rules can apply, and only when a cheap test on the raw text says so
        long = u.n > LONG_PROSE
        f = u.head() if long else u.folded
        if long:
            low = text.lower()
            cr = rules.copyright(text, u.folded) if u.n <= 45 and rules.may_be_copyright(low) else None
            credit = rules.credit(text, u.folded) if u.n <= 40 and rules.may_be_credit(low) else None
        else:
            cr = rules.copyright(text, f)
            credit = None if cr else rules.credit(text, f)
        if cr is not None:
            self._copyright(u, cr)
            return "drop"
        if credit is not None:
            r.add_credit(credit.names)
            what = "caption with a photo credit" if credit.caption else "photo credit"
            r.remove(u, "photo-credit", f"{what} ({credit.names})")
            return "drop"
        date = rules.dates.match(text, f) if f[:1].isalnum() else None
        if date is not None:
            outcome = self._date(u, date, before_title)
            if outcome:
                return outcome
        if self.in_head:
            glued = rules.teaser_prefix(f)
            if glued and glued < len(text):
                rest = text[glued:].lstrip()
                shouted = text[:glued].isupper() and _starts_sentence(rest) and body_like(rest)
                if shouted or rules.dates.match(rest) is not None:
                    r.remove(text[:glued], "glued-marker", "navigation marker glued in front of the text", u.line)
                    return self._reclassify(u, rest, before_title)
        if long:
            if rules.may_be_cookie(low) and rules.cookie(text, u.folded):
                r.remove(u, "cookie", "cookie notice")
                return "drop"
            return "keep"
        if rules.teaser_marker(f):
            if self.in_head or before_title:
                r.remove(u, "navigation", "teaser/section marker above the article (a menu link)")
                return "drop"
            r.remove(u, "teaser-marker", "starts the related / teaser block")
            return "cut"
        if rules.read_also(text, f):
            r.remove(u, "read-also", "link to another story")
            return "drop"
        if not self.in_head and rules.read_also_label(text, f):
            r.remove(u, "read-also", "link to another story (a read / see label before a headline)")
            return "drop"
        if rules.share(f):
            r.remove(u, "share", "share buttons")
            return "drop"
        if rules.subscribe(text, f):
            r.remove(u, "subscribe", "subscribe / follow call")
            return "drop"
        if rules.cookie(text, f):
            r.remove(u, "cookie", "cookie notice")
            return "drop"
        if rules.navigation(text, f):
            r.remove(u, "navigation", "navigation (menu, breadcrumb, language switch)")
            return "drop"
        byline = rules.byline(text, f)
        if byline is not None:
            r.byline = r.byline or byline
            r.remove(u, "byline", f"byline ({byline})")
            return "drop"
        if self.in_head and _name_label(text, loose=True):
            r.remove(u, "byline", "a 'label: Name' line above the article (byline or credit)")
            return "drop"
        if _ONLY_PUNCT.match(text):
            r.remove(u, "punctuation", "only punctuation or symbols")
            return "drop"
        if u.n == 1 and _BARE_LINK.match(text):
            r.remove(u, "link", "a bare link on a line of its own")
            return "drop"
        if before_title and words(text) <= 8 and not ends_sentence(text):
            r.remove(u, "header", "above the headline (kicker, section, site name)")
            return "drop"
        if not self.in_head and self._dated_teaser(u):
            r.remove(u, "dated-teaser", "dated headline of another story")
            return "drop"
        if not self.in_head and self._teaser_between(u):
            r.remove(u, "read-also", "a '<label>: <headline>' line between two paragraphs (link to another story)")
            return "drop"
        return "keep"

    def _teaser_between(self, u: Unit) -> bool:
        """``<Label>: <Headline>`` alone between two paragraphs of prose (``Это тоже интересно:
        ...``, ``Worth a look: ...``): an inline teaser whatever the label's words."""
        text = u.text
        if u.n > 30 or body_like(text) or not self.kept or not body_like(self.kept[-1].text):
            return False
        nxt = self.units[self._at + 1] if self._at + 1 < len(self.units) else None
        if nxt is None or not body_like(nxt.text):
            return False
        split = label_split(text)
        if split is None:
            return False
        label, rest = split
        rest = rest.strip()
        # the label in sentence case ("Worth a look", "Это тоже интересно"): a name over a quote
        # ("Президент Токаев: Мы продолжим реформы") is in title case; a quote whole ("Он сказал:
        # «...»") is the text's
        later = label.split()[1:]
        return (
            1 <= len(later) <= 4
            and label[:1].isupper()
            and all(w[:1].islower() for w in later)
            and not (rest[:1] in _QUOTES_OPEN and rest.rstrip()[-1:] in _QUOTES_CLOSE)
            and not _name_label(text, loose=True)
            and headline_like(rest)
            and _starts_sentence(rest)
            and not rest.rstrip(_CLOSE).endswith("?")
        )

    def _copyright(self, u: Unit, cr: Copyright) -> None:
        r = self.result
        if r.copyright_notice is None or (cr.holder and not r.copyright_holder):
            r.copyright_notice, r.copyright_holder, r.copyright_year = cr.notice, cr.holder, cr.year
        r.remove(u, "copyright", f"copyright notice (holder {cr.holder!r}, year {cr.year})")

    def _date(self, u: Unit, date, before_title: bool) -> str | None:  # type: ignore[no-untyped-def]
        r, text = self.result, u.text
        rest = text[date.end :].strip(" ,;:|-–—/")
        label = "modified" if date.kind == "modified" else "published"
        if not rest or _ONLY_PUNCT.match(rest):
            if self.in_head and (not before_title or self.mode == "html"):
                self._set_date(label, date.iso)
            r.remove(u, "date", f"date line ({date.iso})")
            return "drop"
        if self.in_head and _starts_sentence(rest):
            if before_title and not body_like(rest):
                return None  # a dated headline above the title: header, decided later
            self._set_date(label, date.iso)
            r.remove(text[: text.find(rest)].rstrip(), "date", f"date glued in front of the text ({date.iso})", u.line)
            return self._reclassify(u, rest, before_title)
        return None

    def _reclassify(self, u: Unit, rest: str, before_title: bool) -> str:
        nu = Unit(rest, u.line)
        outcome = self._classify(nu, before_title)
        if outcome == "keep":
            self._keep(nu, before_title)
            return "drop"
        return outcome

    def _set_date(self, label: str, iso: str) -> None:
        if label == "modified":
            self.result.modified = self.result.modified or iso
        else:
            self.result.published = self.result.published or iso

    def _dated_teaser(self, u: Unit) -> bool:
        date = self.rules.dates.match(u.text, u.folded)
        if date is None:
            return False
        rest = u.text[date.end :].strip()
        return bool(rest) and _starts_sentence(rest) and headline_like(rest) and words(rest) <= 20

    def _keep(self, u: Unit, before_title: bool) -> None:
        self.kept.append(u)
        if self.in_head:
            if body_like(u.text):
                self.in_head = False
            else:
                self.pending.append(u)

    #: Related-news lists found by their shape: at least this many headline lines after the last
    #: paragraph of prose (two when a heading or a date introduces them).
    TEASER_RUN = 3

    def _trailing_teasers(self) -> None:
        """After the article's last paragraph of prose, a run of short headline-like lines (often
        dated, often under a heading no marker list knows) is a related-news block: removed."""
        kept, rules = self.kept, self.rules
        end = len(kept)
        start = end
        while start > 0 and not _prose(kept[start - 1].text):
            start -= 1
        if start == 0 or start == end:
            return  # no article before it, or nothing after the article
        run = kept[start:end]
        # "label: Name" lines after the article ("Снимал: Иван Петров" under the text): credits
        credits = [u for u in run if _name_label(u.text, loose=True)]
        for u in credits:
            self.result.remove(u, "byline", "a 'label: Name' line after the article (credit or byline)")
            kept.remove(u)
        if credits:
            gone = {id(u) for u in credits}
            self.pending = [u for u in self.pending if id(u) not in gone]
            run = [u for u in run if id(u) not in gone]
            end = len(kept)
            if not run:
                return
        heading = _heading_line(run[0].text) and not _teaser_line(run[0], rules)
        lines = run[1:] if heading else run
        if not all(_teaser_line(u, rules) for u in lines):
            return
        # dated headlines after it already removed one by one (rule dated-teaser) count too
        removed = sum(1 for x in self.result.removals if x.rule == "dated-teaser" and (x.line or 0) > run[0].line)
        dated = removed + sum(1 for u in lines if rules.dates.match(u.text, u.folded) is not None)
        if len(lines) + removed < (2 if heading or dated >= 2 else self.TEASER_RUN):
            return
        if heading:
            self.result.remove(run[0], "teaser-marker", "heading over a list of headlines after the article")
        for u in lines:
            self.result.remove(u, "teaser-block", "a list of headlines after the article (related news)")
        del kept[start:end]
        gone = {id(u) for u in run}
        self.pending = [u for u in self.pending if id(u) not in gone]  # no longer title candidates

    def _resumes(self, i: int) -> bool:
        """After a teaser marker: does the article go on here (two prose paragraphs no rule claims)?"""
        if i + 1 >= len(self.units):
            return False
        for u in self.units[i : i + 2]:
            if not (body_like(u.text) and ends_sentence(u.text) and words(u.text) >= 20):
                return False
            if _furniture(self.rules, u) or self.rules.dates.match(u.text, u.folded):
                return False
        return True

    # -- the end -------------------------------------------------------------------------------------

    def _finish(self) -> None:
        r = self.result
        kept = self.kept
        self._trailing_teasers()
        if r.title is None and self.mode == "text" and self.pending:
            # the head's first headline-like line is the title; short labels before it are header
            candidates = [
                u
                for u in self.pending
                if _headline_ish(u.text) and u is not kept[-1] and not _name_label(u.text, loose=True)
            ]
            chosen = next((u for u in candidates if words(u.text) >= 3), candidates[0] if candidates else None)
            if chosen is not None:
                for label in self.pending[: self.pending.index(chosen)]:
                    if words(label.text) <= 2:
                        r.remove(label, "header", "label above the headline")
                        kept.remove(label)
                r.title = chosen.text
                r.remove(chosen, "title", "the headline, kept as the document title")
                kept.remove(chosen)
        if self.mode == "html" and self.known_title:
            r.title = self.known_title
        r.removals.sort(key=lambda x: x.line or 0)
        r.paragraphs = [u.text for u in kept]
        r.lines = [u.line for u in kept]
        if r.title is None and r.paragraphs:
            r.title = derive_title(r.paragraphs[0])
            r.title_derived = True


def _name_label(text: str, *, loose: bool = False) -> bool:
    """``Label: Name Surname`` (a credit or byline whose label the markers do not know): never a title.

    ``loose``: a one-word label too (``Снимал: Иван Петров``, ``Lens: Emily Stone``), which
    a headline can also have (``Brexit: Johnson Wins``): used where the position says furniture.
    """
    split = label_split(text)
    if split is None:
        return False
    label, name = split
    name = name.strip(" .")
    # "Мақала дайындаған: X", "Reporting team: X": a label in sentence case (a title-case
    # label is a headline's: "Tokyo Olympics: Final Day Recap"), and a name of two to four words
    rest = label.split()[1:]
    return (
        (0 if loose else 1) <= len(rest) <= 2
        and all(w[:1].islower() for w in rest)
        and 2 <= words(name) <= 4
        and _capitalised(name)
        and not ends_sentence(name)
    )


def _teaser_line(u: Unit, rules: Rules) -> bool:
    """A line of a related-news list: a headline, maybe dated (``17.11.2024 Headline``)."""
    text = u.text
    date = rules.dates.match(text, u.folded)
    if date is not None:
        rest = text[date.end :].strip(" ,;:|-–—/")
        return not rest or (headline_like(rest) or (words(rest) >= 2 and not ends_sentence(rest)))
    return headline_like(text) and words(text) <= 20 and not _ends_statement(text)


def _prose(text: str) -> bool:
    """:func:`body_like`, but a headline's "?" or "!" does not make a line prose; a full stop does."""
    n = words(text)
    return n >= 25 or (n >= 10 and _ends_statement(text))


def _ends_statement(text: str) -> bool:
    """Ends with a full stop (or an ellipsis): prose; a headline ends bare, or with "?" or "!"."""
    return ends_sentence(text) and text.rstrip(_CLOSE)[-1:] not in "?!"


def _heading_line(text: str) -> bool:
    """A short heading over a list ("Тақырыпқа қатысты:", "More on this topic")."""
    return 1 <= words(text) <= 6 and not ends_sentence(text) and not text.rstrip().endswith((",", ";"))


def _headline_ish(text: str) -> bool:
    """A headline, or a one- or two-word title line."""
    if headline_like(text):
        return True
    stripped = text.rstrip(_CLOSE)
    return 1 <= words(text) <= 2 and bool(stripped) and stripped[-1] not in ".:;," and not _ONLY_PUNCT.match(text)


def _starts_sentence(text: str) -> bool:
    for ch in text:
        if ch in "\"'«“„‘(—–-":
            continue
        return ch.isupper() or ch.isdigit()
    return False
