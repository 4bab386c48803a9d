"""Language identification: rules, then a statistical engine, then a BCP 47 tag.

>>> from toolkit.langid import identify
>>> identify("Қазақстан Республикасы — Орталық Азиядағы мемлекет.").lang
'kk-Cyrl'
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .engines import ENGINE_NAMES, get_engine
from .normalize import prepare
from .rules import SINGLE_LANGUAGE_SCRIPTS, Analysis, analyse
from .tags import LABELS, LANGUAGES, UND, label_of, tag_of

#: Texts with fewer letters than this are ``und``: too short to tell.
DEFAULT_MIN_LETTERS = 3
#: Letters the chosen language lacks (ß é ѓ ў in a Kazakh guess...) lower the confidence by
#: this much per share of the letters...
ODD_LETTER_PENALTY = 4.0
#: ... and make the engine's open model (py3langid for ``auto``) look at the text: when it
#: is sure (at least this probability) of a language outside the supported set, that wins.
OPEN_SET_MIN_PROB = 0.9
#: ISO 639-1 codes of the supported languages.
SUPPORTED_CODES = frozenset(lang.code for lang in LANGUAGES.values())


@dataclass(frozen=True, slots=True)
class Detection:
    """The language of one text."""

    lang: str  # BCP 47 tag: "kk-Cyrl", "uz-Latn", "ru", "und"
    confidence: float  # 0..1; 0 for "und"
    script: str | None  # ISO 15924 of the dominant script, None without letters
    letters: int = 0  # letters the decision was based on
    alternatives: tuple[tuple[str, float], ...] = field(default=())  # (tag, probability), best first

    @property
    def code(self) -> str:
        """The language subtag alone: ``"kk-Latn"`` -> ``"kk"``."""
        return self.lang.split("-")[0]

    def to_dict(self) -> dict[str, object]:
        return {
            "lang": self.lang,
            "confidence": round(self.confidence, 4),
            "script": self.script,
            "letters": self.letters,
            "alternatives": [[tag, round(p, 4)] for tag, p in self.alternatives],
        }


def _best_first(item: tuple[str, float]) -> tuple[float, str]:
    return -item[1], item[0]


_TAGS = {label: tag_of(label) for label in LABELS}


def _und(analysis: Analysis | None = None) -> Detection:
    if analysis is None:
        return Detection(UND, 0.0, None, 0)
    return Detection(UND, 0.0, analysis.script, analysis.letters)


class LanguageIdentifier:
    """Identify the language of texts with one engine and one set of options.

    ``engine``: ``auto`` (rules + the project's n-gram model; py3langid for scripts other
    than Latin and Cyrillic), ``rules+ngram``, ``rules+py3langid`` or ``langdetect``.
    ``languages``: restrict the answer to these tags or labels (default: all 16).
    ``min_letters``: below this many letters the answer is ``und``.
    ``min_confidence``: a best guess below this is reported as ``und``.
    """

    def __init__(
        self,
        engine: str = "auto",
        *,
        languages: Iterable[str] | None = None,
        min_letters: int = DEFAULT_MIN_LETTERS,
        min_confidence: float = 0.0,
    ) -> None:
        if engine not in ENGINE_NAMES:
            raise ValueError(f"unknown engine {engine!r} (known: {', '.join(ENGINE_NAMES)})")
        if min_letters < 1:
            raise ValueError("min_letters must be >= 1")
        if not 0.0 <= min_confidence <= 1.0:
            raise ValueError("min_confidence must be between 0 and 1")
        self.engine_name = engine
        self._engine = get_engine(engine)
        self.allowed: tuple[str, ...] = (
            LABELS if languages is None else tuple(dict.fromkeys(label_of(x) for x in languages))
        )
        if not self.allowed:
            raise ValueError("languages must name at least one language")
        self.min_letters = min_letters
        self.min_confidence = min_confidence

    def __repr__(self) -> str:
        return f"LanguageIdentifier(engine={self.engine_name!r}, languages={len(self.allowed)})"

    def load(self) -> None:
        """Load every model the engine may use now (otherwise each loads on its first use)."""
        self._engine.load()

    def identify(self, text: str) -> Detection:
        """The language of ``text`` (never raises for odd input: empty text is ``und``)."""
        if not text or not isinstance(text, str):
            return _und()
        prepared = prepare(text)
        analysis = analyse(prepared, self.allowed)
        if analysis.letters < self.min_letters or analysis.script is None:
            return _und(analysis)
        if not analysis.candidates:
            return self._other_script(prepared, analysis)
        return self._decide(prepared, analysis, self._engine.score(prepared, analysis, analysis.candidates))

    def _decide(self, prepared: str, analysis: Analysis, scores: dict[str, float]) -> Detection:
        if not scores:
            return _und(analysis)
        ranked = sorted(scores.items(), key=_best_first)
        label, confidence = ranked[0]
        odd = analysis.odd_letters(label)
        if odd:  # letters the guess cannot explain: another language, or names and quotations?
            other = self._engine.score_open(prepared)
            if other is not None and other[0] not in SUPPORTED_CODES and other[1] >= OPEN_SET_MIN_PROB:
                return self._open_result(other, analysis)
            confidence *= max(0.05, 1.0 - ODD_LETTER_PENALTY * odd / analysis.script_letters)
        if confidence < self.min_confidence:
            return _und(analysis)
        alternatives = tuple((_TAGS.get(lb) or tag_of(lb), p) for lb, p in ranked[:3] if p > 0)
        return Detection(
            _TAGS.get(label) or tag_of(label), confidence, LANGUAGES[label].script, analysis.letters, alternatives
        )

    def _open_result(self, found: tuple[str, float], analysis: Analysis) -> Detection:
        code, prob = found
        code = _OPEN_CODES.get(code, code)
        confidence = prob * analysis.script_letters / analysis.letters
        if confidence < self.min_confidence:
            return _und(analysis)
        return Detection(code, confidence, analysis.script, analysis.letters, ((code, prob),))

    def _other_script(self, prepared: str, analysis: Analysis) -> Detection:
        """A text whose dominant script none of the allowed languages uses."""
        script = analysis.script
        share = analysis.script_letters / analysis.letters
        if script in SINGLE_LANGUAGE_SCRIPTS:
            lang = SINGLE_LANGUAGE_SCRIPTS[script]
            return Detection(lang, round(share * 0.99, 4), script, analysis.letters, ((lang, share),))
        if script in ("Latn", "Cyrl"):  # the caller excluded every language of this script
            return _und(analysis)
        found = self._engine.score_open(prepared)
        if found is None:
            return _und(analysis)
        return self._open_result(found, analysis)

    def detect(self, text: str) -> str:
        """The BCP 47 tag alone."""
        return self.identify(text).lang

    def identify_many(self, texts: Sequence[str], alone: Sequence[bool] | None = None) -> list[Detection]:
        """``identify`` of every text; engines that can score a batch in one pass do so.

        Scores summed in one pass round (in float32) a little differently from the same
        scores summed for one text; ``alone[i]`` makes text ``i`` get exactly what
        ``identify(texts[i])`` gives, still in the shared pass.
        """
        score_many = getattr(self._engine, "score_many", None)
        if score_many is None or len(texts) < 2:
            return [self.identify(t) for t in texts]
        if alone is not None and len(alone) != len(texts):
            raise ValueError("alone must have one flag per text")
        results: list[Detection | None] = [None] * len(texts)
        pending: list[tuple[int, str, Analysis]] = []
        for i, text in enumerate(texts):
            if not text or not isinstance(text, str):
                results[i] = _und()
                continue
            prepared = prepare(text)
            analysis = analyse(prepared, self.allowed)
            if analysis.letters < self.min_letters or analysis.script is None:
                results[i] = _und(analysis)
            elif not analysis.candidates:
                results[i] = self._other_script(prepared, analysis)
            else:
                pending.append((i, prepared, analysis))
        if pending:
            flags = [bool(alone[i]) for i, _, _ in pending] if alone is not None else None
            all_scores = (
                score_many([p for _, p, _ in pending], [a.candidates for _, _, a in pending], flags)
                if flags is not None and any(flags)
                else score_many([p for _, p, _ in pending], [a.candidates for _, _, a in pending])
            )
            for (i, prepared, analysis), scores in zip(pending, all_scores, strict=True):
                results[i] = self._decide(prepared, analysis, scores)
        return [r for r in results if r is not None]


#: langdetect's own names -> BCP 47.
_OPEN_CODES = {"zh-cn": "zh-Hans", "zh-tw": "zh-Hant"}


@functools.cache
def get_identifier(
    engine: str = "auto", languages: tuple[str, ...] | None = None, min_letters: int = DEFAULT_MIN_LETTERS
) -> LanguageIdentifier:
    """A shared identifier per option set, its models loaded on first use (all of them: the
    one-text helpers below answer in steady time from their first call on)."""
    identifier = LanguageIdentifier(engine, languages=languages, min_letters=min_letters)
    identifier.load()
    return identifier


def identify(text: str, engine: str = "auto") -> Detection:
    """The language of ``text`` as a :class:`Detection` (tag, confidence, script)."""
    return get_identifier(engine).identify(text)


def detect(text: str) -> str:
    """The BCP 47 tag of ``text`` with the default engine (``und`` if it cannot tell)."""
    return get_identifier().identify(text).lang
