"""One-argument detector functions for the shared scorer (``score.py --detector``).

Each returns the tag written as a corpus label (``kk_Latn``, ``uz_Cyrl``), so that the
scorer also checks the script::

    python ../shared/langid/score.py --detector toolkit.langid.scoring:auto \\
        --detector toolkit.langid.scoring:rules_py3langid --detector toolkit.langid.scoring:langdetect
"""

from __future__ import annotations

from .detector import get_identifier


def _label(engine: str, text: str) -> str:
    return get_identifier(engine).identify(text).lang.replace("-", "_")


def auto(text: str) -> str:
    return _label("auto", text)


def rules_ngram(text: str) -> str:
    return _label("rules+ngram", text)


def rules_py3langid(text: str) -> str:
    return _label("rules+py3langid", text)


def langdetect(text: str) -> str:
    return _label("langdetect", text)
