"""Language identification for Central Asian news: Kazakh (Cyrillic and Latin), Uzbek
(Latin and Cyrillic), Kyrgyz, Russian, Turkish, English, Azerbaijani, Turkmen, Tajik,
Tatar, Bashkir, Mongolian, Ukrainian and Bulgarian.

Three layers, each usable alone:

1. :mod:`.rules`: script and letter rules (no dependency): the script, the candidates.
2. :mod:`.ngram`: the project's character n-gram model, trained on licensed text
   (built by the repository's ``tools/langid/build_ngram.py``); or py3langid restricted to the candidates.
3. langdetect with profiles this project builds for kk, kk-Latn, uz, uz-Cyrl, ky and
   the other languages it lacks (``tools/langid/build_profiles.py``).

>>> from toolkit.langid import detect, identify
>>> detect("Oʻzbekiston Respublikasi Markaziy Osiyodagi davlat.")
'uz-Latn'

Results are BCP 47 tags, with the script for languages written in several (``kk-Cyrl``,
``kk-Latn``, ``uz-Latn``, ``uz-Cyrl``) and without it for the others (``ru``, ``ky``).
Empty, letterless or too short texts are ``und`` with confidence 0. Models load lazily,
once per process; importing this package imports no numpy.
"""

from __future__ import annotations

from .detector import DEFAULT_MIN_LETTERS, Detection, LanguageIdentifier, detect, get_identifier, identify
from .engines import ENGINE_NAMES
from .normalize import normalize_uzbek_apostrophes, prepare
from .rules import analyse
from .tags import LABELS, LANGUAGES, UND, label_of, tag_of

__all__ = [
    "DEFAULT_MIN_LETTERS",
    "ENGINE_NAMES",
    "LABELS",
    "LANGUAGES",
    "UND",
    "Detection",
    "LanguageIdentifier",
    "analyse",
    "detect",
    "detect_label",
    "get_identifier",
    "identify",
    "label_of",
    "normalize_uzbek_apostrophes",
    "prepare",
    "tag_of",
]


def detect_label(text: str) -> str:
    """Like :func:`detect`, written as a corpus label (``kk_Latn``, ``uz_Cyrl``, ``kk_Cyrl``, ``ru``).

    The shared scorer checks the script only on predictions written with an underscore.
    """
    return detect(text).replace("-", "_")
