"""Statistical engines behind the rules layer.

An engine scores a prepared text against the candidate labels the rules left
(:class:`.rules.Analysis`) and returns a probability per label. Each engine loads its
model on first use, once per process, and never touches a library's global state.

* ``ngram``: the project's character n-gram model (:mod:`.ngram`), trained on the
  licensed corpus; knows all 16 labels, ``kk_Latn`` and ``uz_Cyrl`` included.
* ``py3langid``: py3langid's bundled model, restricted to the candidates. It has no
  Kazakh Latin model: the rules' Kazakh Latin letters (ñ ū) stand in for it.
* ``langdetect``: langdetect with a private ``DetectorFactory`` (fixed seed), its bundled
  profiles plus the profiles this project builds (``toolkit/data/langid/langdetect/``),
  restricted to the candidates through its prior map.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import os
from collections.abc import Sequence
from typing import Any, Protocol

from .rules import Analysis
from .tags import LABELS, LANGUAGES

#: Seed of the private langdetect factory: the same text always gets the same answer.
LANGDETECT_SEED = 0
#: Profiles this project builds for langdetect (profile name = BCP 47 tag).
PROFILE_DIR = ("data", "langid", "langdetect")


class Engine(Protocol):
    name: str

    def score(self, text: str, analysis: Analysis, candidates: Sequence[str]) -> dict[str, float]:
        """Probability per candidate label (summing to 1); ``{}`` when it cannot tell."""
        ...

    def score_open(self, text: str) -> tuple[str, float] | None:
        """(ISO 639 code, probability) over all the languages the engine knows, if it can."""
        ...

    def load(self) -> None:
        """Load the models now (they load on first use otherwise)."""
        ...


def _normalise(scores: dict[str, float]) -> dict[str, float]:
    total = sum(scores.values())
    if total <= 0:
        return {}
    return {k: v / total for k, v in scores.items()}


class NgramEngine:
    """The project's own n-gram model (see :mod:`.ngram`)."""

    name = "ngram"

    def __init__(self, open_set: Engine | None = None) -> None:
        self._open = open_set
        self._loaded = False

    def score(self, text: str, analysis: Analysis, candidates: Sequence[str]) -> dict[str, float]:
        from .ngram import load_model

        if not self._loaded:
            self.load(open_set=False)
        return load_model().scores(text, candidates)

    def score_many(
        self, texts: Sequence[str], candidates: Sequence[Sequence[str]], alone: Sequence[bool] | None = None
    ) -> list[dict[str, float]]:
        """``score`` of many texts in one pass over the model (``alone``: see ``NgramModel.raw_scores_many``)."""
        from .ngram import load_model

        if not self._loaded:
            self.load(open_set=False)
        return load_model().scores_many(texts, candidates, alone)

    def score_open(self, text: str) -> tuple[str, float] | None:
        return self._open.score_open(text) if self._open is not None else None

    def load(self, open_set: bool = True) -> None:
        """Load the n-gram model and (unless ``open_set`` is false) the open-set engine now.

        Scoring loads the n-gram model only: the open-set engine (py3langid for ``auto``,
        about 0.45 s and 85 MB) loads on its first use, when a text has letters the guess
        cannot explain or a script no supported language uses, so a batch that never needs
        it never pays for it.
        """
        from .ngram import load_model

        load_model()
        if open_set and self._open is not None:
            self._open.load()
        self._loaded = True


@functools.cache
def _py3langid_identifier() -> Any:
    """A private py3langid identifier (normalised probabilities); the module-global one is left alone."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


#: py3langid has no Kazakh Latin model: each Kazakh Latin marker letter (ñ ū, or ä beside
#: q ı ğ) leaves the other candidates this share of the probability.
_KK_LATN_KEEP_PER_MARKER = 0.25


class Py3langidEngine:
    """py3langid restricted to the candidates."""

    name = "py3langid"

    def score(self, text: str, analysis: Analysis, candidates: Sequence[str]) -> dict[str, float]:
        ranked = dict(_py3langid_identifier().rank(text))
        out: dict[str, float] = {}
        for label in candidates:
            code = LANGUAGES[label].code
            if label == "kk_Latn":
                continue  # no Kazakh Latin model: decided below from the letters
            out[label] = float(ranked.get(code, 0.0))
        out = _normalise(out)
        if "kk_Latn" in candidates:
            markers = analysis.markers.get("kk_Latn", 0)
            share = 1.0 - _KK_LATN_KEEP_PER_MARKER**markers if markers else 0.0
            out = {k: v * (1 - share) for k, v in out.items()}
            out["kk_Latn"] = share if out else 1.0
        return _normalise(out)

    def score_open(self, text: str) -> tuple[str, float] | None:
        ranked = _py3langid_identifier().rank(text)
        if not ranked:
            return None
        code, prob = ranked[0]
        return code, float(prob)

    def load(self) -> None:
        _py3langid_identifier()


class _LangdetectFactory:
    """A private langdetect ``DetectorFactory``: bundled profiles plus the project's, fixed seed."""

    def __init__(self) -> None:
        from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
        from langdetect.utils.lang_profile import LangProfile

        profiles: list[Any] = []
        ours = importlib.resources.files("toolkit").joinpath(*PROFILE_DIR)
        own_names = set()
        for entry in sorted(ours.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".json"):
                data = json.loads(entry.read_text(encoding="utf-8"))
                profiles.append(LangProfile(**data))
                own_names.add(data["name"])
        for filename in sorted(os.listdir(PROFILES_DIRECTORY)):
            if filename.startswith(".") or filename in own_names:
                continue
            with open(os.path.join(PROFILES_DIRECTORY, filename), encoding="utf-8") as fh:
                profiles.append(LangProfile(**json.load(fh)))
        factory = DetectorFactory()
        factory.seed = LANGDETECT_SEED  # an instance attribute: the class and global factory stay untouched
        for index, profile in enumerate(profiles):
            factory.add_profile(profile, index, len(profiles))
        self.factory = factory
        self.languages = factory.get_lang_list()
        self.own = sorted(own_names)


@functools.cache
def langdetect_factory() -> _LangdetectFactory:
    return _LangdetectFactory()


def _profile_name(label: str) -> str:
    """langdetect profile name of a label: ``kk_Latn`` -> ``kk-Latn``, ``ru`` -> ``ru``."""
    return label.replace("_", "-")


class LangdetectEngine:
    """langdetect with the project's profiles, restricted to the candidates."""

    name = "langdetect"

    def score(self, text: str, analysis: Analysis, candidates: Sequence[str]) -> dict[str, float]:
        from langdetect.lang_detect_exception import LangDetectException

        wrapper = langdetect_factory()
        names = {_profile_name(label): label for label in candidates}
        names = {name: label for name, label in names.items() if name in wrapper.languages}
        if not names:
            return {}
        detector = wrapper.factory.create()
        detector.set_prior_map(dict.fromkeys(names, 1.0))
        detector.append(text)
        try:
            found = detector.get_probabilities()
        except LangDetectException:
            return {}
        return _normalise({names[lang.lang]: float(lang.prob) for lang in found if lang.lang in names})

    def score_open(self, text: str) -> tuple[str, float] | None:
        from langdetect.lang_detect_exception import LangDetectException

        detector = langdetect_factory().factory.create()
        detector.append(text)
        try:
            found = detector.get_probabilities()
        except LangDetectException:
            return None
        if not found:
            return None
        return found[0].lang, float(found[0].prob)

    def load(self) -> None:
        langdetect_factory()


#: Engine names accepted by the API, the processor and the CLI.
ENGINE_NAMES = ("auto", "rules+ngram", "rules+py3langid", "langdetect")


@functools.cache
def get_engine(name: str) -> Engine:
    """The engine object for a name (shared within the process; engines hold no per-call state)."""
    if name == "auto":
        return NgramEngine(open_set=Py3langidEngine())
    if name in ("rules+ngram", "ngram"):
        return NgramEngine()
    if name in ("rules+py3langid", "py3langid"):
        return Py3langidEngine()
    if name == "langdetect":
        return LangdetectEngine()
    raise ValueError(f"unknown language identification engine {name!r} (known: {', '.join(ENGINE_NAMES)})")


def supported_labels() -> tuple[str, ...]:
    return LABELS
