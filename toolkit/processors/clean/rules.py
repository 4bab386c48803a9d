"""Line rules: is this one line site furniture, and what metadata does it carry?

:class:`Rules` compiles the marker phrases of a :class:`~.markers.Markers` once; each
method looks at one *unit* (a line or paragraph, whitespace-normalised) and answers
without looking at its neighbours. The document-level decisions (where the article
starts, where the teaser block begins, what the title is) are made in :mod:`.text`.

All matching happens on the folded text (see :func:`~.markers.fold`), which has the same
length as the original, so spans found there cut the original exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .dates import DateParser
from .markers import Markers, fold

#: Characters that end a sentence (closing quotes and brackets after the stop included).
TERMINAL = frozenset(".!?…")
_CLOSERS = "\"'»”’)]"
_EDGE = " \t:;.,…»›>|/\\-–—•·*#=~"


def words(text: str) -> int:
    """Word count of a whitespace-normalised text (single spaces, stripped)."""
    return text.count(" ") + 1 if text else 0


def ends_sentence(text: str) -> bool:
    stripped = text.rstrip(_CLOSERS + " ")
    return bool(stripped) and stripped[-1] in TERMINAL


def body_like(text: str) -> bool:
    """Prose, not furniture: a long line, or a medium one that ends a sentence."""
    n = words(text)
    return n >= 25 or (n >= 10 and ends_sentence(text))


def headline_like(text: str) -> bool:
    """Could be a headline: a few words, not ending with a full stop or a colon."""
    n = words(text)
    if not 3 <= n <= 30 or len(text) > 250:
        return False
    stripped = text.rstrip(_CLOSERS + " ")
    return bool(stripped) and stripped[-1] not in ".:;,"


def _phrases(items: tuple[str, ...]) -> str:
    folded = sorted({" ".join(fold(p).split()) for p in items if p.strip()}, key=lambda p: (-len(p), p))
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in folded) or r"(?!x)x"


def _bare(phrase: str) -> str:
    return _bare_folded(fold(phrase))


def _bare_folded(folded: str) -> str:
    return " ".join(folded.strip(_EDGE).split())


_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:\s*[-–—/]\s*((?:19|20)\d{2}))?(?!\d)")
_COPY_SIGN = re.compile(r"^(?:\s*(?:©|\(c\)|copyright|℗|\(р\)|\(с\))\s*,?)+", re.IGNORECASE)
_ANY_SIGN = re.compile(r"©|\((?:c|с)\)")
_SIGNS = re.compile(r"©|℗|\((?:c|C|с|С)\)")
_QUOTES = "\"'«»“”„‘’"
_ABBREV_END = re.compile(r"(?:^|\s)(?:\w\.){1,4}$|(?:inc|ltd|co|corp|llc|plc|gmbh|jsc|ooo|тоо|ао|оао|зао)\.$", re.I)
_SPACES = re.compile(r"\s+")
_TOKEN_SPLIT = re.compile(r"[\s,;|/·•:]+")
_DIGIT = re.compile(r"\d")
_NAV_SEPARATORS = re.compile(r"[>›»→|•·/:-]")


@dataclass(frozen=True, slots=True)
class Copyright:
    notice: str
    holder: str | None
    year: int | None


@dataclass(frozen=True, slots=True)
class Credit:
    names: str
    caption: bool  # the credit ended a caption line


class Rules:
    """Compiled line matchers for one set of markers."""

    def __init__(self, markers: Markers) -> None:
        self.markers = markers
        self.dates = DateParser(markers)
        m = markers.get
        self.teasers = frozenset(_bare(p) for p in m("teaser"))
        self.shares = frozenset(_bare(p) for p in m("share"))
        self.nav_labels = frozenset(_bare(p) for p in m("navigation"))
        self.social = frozenset(_bare(p) for p in m("social")) | self.shares
        self.social_names = frozenset(_bare(p) for p in m("social_names"))
        self._social_first = frozenset(_TOKEN_SPLIT.split(p, 1)[0] for p in self.social)
        # "<read-also phrase>: headline" (or the phrase and a quoted headline)
        self._read_also = re.compile(rf"^(?:{_phrases(m('read_also'))})\s*(?:[:|»›>\-]|\s[\"'])\s*\S")
        self._teaser_prefix = re.compile(rf"^(?:{_phrases(m('teaser'))})(?=\s)")
        self._rights = re.compile(rf"(?:{_phrases(m('copyright'))})")
        # cheap substring gates before the regular expressions
        self._rights_words = _minimal({fold(p).split()[0] for p in m("copyright") if p.split()})
        self._cookie_words = _minimal({" ".join(fold(p).split()) for p in m("cookie") if p.strip()})
        self._rights_raw = _minimal(
            {p.lower().split()[0] for p in m("copyright") if p.split()} | set(self._rights_words)
        )
        self._cookie_raw = _minimal({" ".join(p.lower().split()) for p in m("cookie")} | set(self._cookie_words))
        colon = tuple(p for p in m("credit") if p.rstrip().endswith(":"))
        named = tuple(p for p in m("credit") if not p.rstrip().endswith(":"))
        colon_alt = _phrases(tuple(p.rstrip()[:-1] for p in colon))
        self._credit_colon = re.compile(rf"^(?:{colon_alt})\s*:\s*(?P<name>\S.*)$")
        self._named_credits = tuple({" ".join(fold(p).split()) for p in named})
        self._named_raw = _minimal({" ".join(p.lower().split()) for p in named} | set(self._named_credits))
        self._credit_named = re.compile(rf"^(?:{_phrases(named)})\s+(?P<name>\S.*)$")
        self._credit_tail = re.compile(
            rf"(?:^|[.!?\"')\]]\s+|\s[-|/]\s*|\s\(|\s)(?P<prefix>(?:{colon_alt})\s*:|(?:{_phrases(named)})\s)\s*"
            rf"(?P<name>[^:()]{{2,80}}?)\s*\)?\s*$"
        )
        colon_b = tuple(p for p in m("byline") if p.rstrip().endswith(":"))
        named_b = tuple(p for p in m("byline") if not p.rstrip().endswith(":"))
        self._byline_colon = re.compile(
            rf"^(?:{_phrases(tuple(p.rstrip()[:-1] for p in colon_b))})\s*:\s*(?P<name>\S.*)$"
        )
        self._byline_named = re.compile(rf"^(?:{_phrases(named_b)})\s+(?P<name>\S.*)$")
        self._subscribe = re.compile(rf"(?<!\w)(?:{_phrases(m('subscribe'))})(?!\w)")
        self._cookie = re.compile(rf"(?<!\w)(?:{_phrases(m('cookie'))})")
        self._cookie_context = re.compile(rf"(?<!\w)(?:{_phrases(m('cookie_context'))})(?!\w)")
        # structural rules with word stems instead of whole phrases: "<label>: <name>" where the
        # label speaks of a photo ("Фото автора: X", "Суретті түсірген: X"); "<label>: <headline>"
        # where the label says read / see ("Также читайте: ...")
        self._photo_words = tuple(sorted({" ".join(fold(p).split()) for p in m("photo_words") if p.strip()}))
        self._read_words = tuple(sorted({" ".join(fold(p).split()) for p in m("read_words") if p.strip()}))
        self._home = re.compile(rf"^(?:{_phrases(tuple(p for p in m('navigation')))})\s*(?:>|/|»|›|→|\||·|•|::|-)\s*\S")

    # -- copyright -------------------------------------------------------------------------

    def copyright(self, text: str, folded: str) -> Copyright | None:
        """A copyright notice line: ``© 2024 Site``, ``(c) Site, 2024``, ``... Tüm hakları saklıdır.``"""
        n = words(text)
        if n > 45:
            return None
        has_sign = "©" in folded or "(c)" in folded or "(с)" in folded or folded.startswith("copyright")
        if not has_sign and (n > 25 or not any(p in folded for p in self._rights_words)):
            return None
        sign = _COPY_SIGN.match(folded)
        if sign and folded[: sign.end()].strip().startswith("copyright"):
            # "Copyright law in ..." is prose: the word needs a year or a symbol after it
            rest = folded[sign.end() :].lstrip()
            if not (rest[:1].isdigit() or rest.startswith(("©", "(c)")) or self._rights.search(folded)):
                sign = None
        rights = self._rights.search(folded)
        if rights and not sign:
            before = text[: rights.start()].rstrip()
            if before.endswith(tuple(_QUOTES)) or n > 25:
                return None  # the phrase quoted inside prose
            if n - words(text[rights.start() : rights.end()]) > 12 and not _ANY_SIGN.search(folded):
                return None
        if not sign and not rights:
            inner = _ANY_SIGN.search(folded)
            if inner is None or n > 20 or not _YEAR.search(folded):
                return None
        return self._parse_copyright(text, folded, sign.end() if sign else 0, rights)

    def _parse_copyright(self, text: str, folded: str, start: int, rights: re.Match[str] | None) -> Copyright:
        body = text[start:]
        if rights is not None:
            cut = rights.start() - start
            head, tail = body[: max(cut, 0)], body[rights.end() - start :]
            body = head if _has_letters(_YEAR.sub("", _SIGNS.sub("", head))) else tail
        # a second sign ("© © 2025 ...") or one in the middle ("Site © 2024")
        body = _SIGNS.sub(" ", body)
        year = None
        years = [int(y2 or y1) for y1, y2 in _YEAR.findall(body)]
        if years:
            year = max(years)
        holder = _YEAR.sub(" ", body)
        holder = re.sub(r"(?i)^\s*copyright\b", " ", holder)
        # the holder ends at the first sentence break ("Site. Reproduction ...")
        holder = _SPACES.sub(" ", holder).strip(" ,;:-–—|/").lstrip(".")
        parts = re.split(r"(?<=[^\W\d_]{2})\.\s+(?=[^\W\d_])", holder)
        holder = parts[0] if parts else holder
        holder = holder.strip(" ,;:-–—|/")
        if holder.endswith(".") and not _ABBREV_END.search(holder):
            holder = holder[:-1].rstrip()
        holder = holder.strip(" ,;:-–—|/")
        if not _has_letters(holder) or words(holder) > 10:
            holder = None
        return Copyright(notice=text, holder=holder or None, year=year)

    # -- credits and bylines ---------------------------------------------------------------

    def credit(self, text: str, folded: str) -> Credit | None:
        """``Photo by X``, ``Фото: X``; or a caption ending in a credit (``A view. Photo: X``)."""
        n = words(text)
        if n > 40:
            return None
        m = self._credit_colon.match(folded)
        if m:
            name = _clean_name(text[m.start("name") :])
            if name and words(name) <= 10:
                return Credit(name, False)
        m = self._credit_named.match(folded)
        if m:
            name = _clean_name(text[m.start("name") :])
            if name and words(name) <= 8 and _capitalised(name) and not ends_sentence(text):
                return Credit(name, False)
        m = self._credit_tail.search(folded) if ":" in folded or any(p in folded for p in self._named_credits) else None
        if m and m.start("prefix") > 0:
            name = _clean_name(text[m.start("name") : m.end("name")])
            named = not m.group("prefix").rstrip().endswith(":")
            if name and words(name) <= 6 and (not named or _capitalised(name)):
                return Credit(name, True)
        return self._photo_label(text, folded) if n <= 14 else None

    def _photo_label(self, text: str, folded: str) -> Credit | None:
        """``<label>: <name>`` where the label holds a photo word (``Фото автора: X``,
        ``Суретті түсірген: X``, ``Foto muxbiri: X``): a credit whatever the rest of the label."""
        split = label_split(text)
        if split is None:
            return None
        label, rest = split
        if words(label) > 4 or not _has_stem(folded[: len(label)], self._photo_words):
            return None
        if ends_sentence(rest) and not _ABBREV_END.search(rest):
            return None  # "Фотограф говорит: он снимал много лет." is prose
        name = _clean_name(rest)
        if not name or words(name) > 8 or not (name[:1].isupper() or name[:1].isdigit()):
            return None
        return Credit(name, False)

    def read_also_label(self, text: str, folded: str) -> bool:
        """``<label>: <headline>`` where the label says read / see (``Также читайте: ...``,
        ``Shuningdek, o'qing: ...``): a link to another story, whatever the label's exact words."""
        if words(text) > 30:
            return False
        split = label_split(text)
        if split is None:
            return False
        label, rest = split
        if words(label) > 6 or not _has_stem(folded[: len(label)], self._read_words):
            return False
        rest = rest.strip()
        return words(rest) >= 2 and not ends_sentence(rest.rstrip(_QUOTES))

    def byline(self, text: str, folded: str) -> str | None:
        """``By X``, ``Автор: X``, ``Muallif: X``: a short line naming the author."""
        if words(text) > 9:
            return None
        m = self._byline_colon.match(folded)
        named = None if m else self._byline_named.match(folded)
        if not (m or named) or ends_sentence(text.rstrip(".") + "x" if _ABBREV_END.search(text) else text):
            return None
        if m:
            name = _clean_name(text[m.start("name") :])
            return name if name and words(name) <= 6 else None
        m = named
        if m:
            name = _clean_name(text[m.start("name") :])
            if name and words(name) <= 6 and _capitalised(name, strict=True):
                return name
        return None

    # -- teaser / navigation / share / subscribe / cookie ----------------------------------------

    def teaser_marker(self, folded: str) -> bool:
        return len(folded) <= 80 and _bare_folded(folded) in self.teasers

    def teaser_prefix(self, folded: str) -> int:
        """Length of a teaser/navigation marker glued at the start of the line (0 when none)."""
        m = self._teaser_prefix.match(folded)
        return m.end() if m else 0

    def read_also(self, text: str, folded: str) -> bool:
        return words(text) <= 30 and self._read_also.match(folded) is not None

    def share(self, folded: str) -> bool:
        if len(folded) > 200:
            return False
        bare = _bare_folded(folded)
        if bare in self.shares or bare in self.social_names:
            return True
        # a bar made only of network names and share labels ("Paylaş: Facebook Twitter")
        if bare.count(" ") > 14 or _TOKEN_SPLIT.split(bare, 1)[0] not in self._social_first:
            return False
        tokens = [t for t in _TOKEN_SPLIT.split(bare) if t]
        if len(tokens) < 2 or len(tokens) > 14:
            return False
        i, hits = 0, 0
        while i < len(tokens):
            for size in (3, 2, 1):
                chunk = " ".join(tokens[i : i + size])
                if i + size <= len(tokens) and chunk in self.social:
                    i += size
                    hits += 1
                    break
            else:
                return False
        return hits >= 2

    def subscribe(self, text: str, folded: str) -> bool:
        n = words(text)
        if n > 16:
            return False
        m = self._subscribe.search(folded)
        if m is None:
            return False
        return not ends_sentence(text) or m.start() == 0

    # cheap tests on the lower-cased raw text, before folding a long paragraph

    def may_be_cookie(self, low: str) -> bool:
        return any(p in low for p in self._cookie_raw)

    def may_be_copyright(self, low: str) -> bool:
        return (
            "©" in low or "(c)" in low or "(с)" in low or "copyright" in low or any(p in low for p in self._rights_raw)
        )

    def may_be_credit(self, low: str) -> bool:
        return ":" in low or any(p in low for p in self._named_raw)

    def cookie(self, text: str, folded: str) -> bool:
        if words(text) > 70 or not any(p in folded for p in self._cookie_words) or self._cookie.search(folded) is None:
            return False
        return self._cookie_context.search(folded) is not None

    def navigation(self, text: str, folded: str) -> bool:
        """A menu label, a breadcrumb, a menu bar or a language switcher."""
        if len(folded) > 200:
            return False
        bare = _bare_folded(folded)
        if bare in self.nav_labels:
            return True
        n = words(text)
        if n > 16 or ends_sentence(text) or text.startswith("|"):  # "| a | b |" is a table row
            return False
        if not _NAV_SEPARATORS.search(folded):
            tokens = bare.split()
            return len(tokens) >= 2 and all(t in self.nav_labels for t in tokens)
        if self._home.match(folded):
            return True
        for sep in (" > ", " › ", " » ", " → ", " :: "):
            if sep in folded:
                parts = [p.strip() for p in folded.split(sep)]
                if len(parts) >= 2 and all(0 < words(p) <= 4 for p in parts):
                    return True
        parts = [p.strip() for p in re.split(r"\s[|•·]\s|\s/\s", folded)]
        if len(parts) >= 3 and all(0 < words(p) <= 3 for p in parts):
            return True
        tokens = bare.split()
        return len(tokens) >= 2 and all(t in self.nav_labels for t in tokens)


_LABEL = re.compile(r"^([^\W\d_][^:|—–]{0,60}?)\s*(?::|\s[—–|]|—|\|)\s*(\S.*)$")


def label_split(text: str) -> tuple[str, str] | None:
    """``"Фото автора: Иван Петров"`` -> ``("Фото автора", "Иван Петров")``; None when the line
    does not start with a short label followed by a colon, a dash or a bar."""
    m = _LABEL.match(text)
    if m is None:
        return None
    return m.group(1), m.group(2)


def _has_stem(folded_label: str, stems: tuple[str, ...]) -> bool:
    """Does a word of the label start with one of the stems (multi-word stems: the phrase)?"""
    padded = " " + " ".join(re.split(r"[\s,.;]+", folded_label)) + " "
    return any(" " + stem in padded for stem in stems)


def _minimal(phrases: set[str]) -> tuple[str, ...]:
    """The phrases that contain no other phrase of the set (enough for a substring test)."""
    phrases = {p for p in phrases if p}
    return tuple(sorted(p for p in phrases if not any(q != p and q in p for q in phrases)))


def _has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def _clean_name(name: str) -> str:
    name = _SPACES.sub(" ", name).strip(" ,;:-–—|/()[]")
    if name.endswith(".") and not _ABBREV_END.search(name):
        name = name[:-1].rstrip()
    return name


_LOWER_OK = frozenset(
    (
        "and",
        "&",
        "va",
        "и",
        "и/или",
        "ve",
        "ile",
        "de",
        "da",
        "del",
        "der",
        "van",
        "von",
        "bin",
        "ibn",
        "al",
        "el",
        "uulu",
        "kyzy",
        "qizi",
        "o'g'li",
        "ұлы",
        "қызы",
    )
)


def _capitalised(name: str, *, strict: bool = False) -> bool:
    """Every word starts with a capital (or is a small joining word): a name, not prose."""
    tokens = [t for t in re.split(r"[\s,/]+", name) if t]
    if not tokens or not tokens[0][:1].isupper():
        return False
    for t in tokens:
        first = t.lstrip(_QUOTES + "(")[:1]
        if not first:
            continue
        if first.isupper() or first.isdigit() or t.lower() in _LOWER_OK:
            continue
        if strict:
            return False
        return False
    return True
