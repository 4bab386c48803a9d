"""Shared pieces of the translation tests: tiny real models, built once per test session."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import pytest


@functools.lru_cache(maxsize=1)
def built_packages() -> dict[str, Path]:
    """The standard test packages (.argosmodel archives), built once per session (about 4 s)."""
    pytest.importorskip("ctranslate2")
    pytest.importorskip("sentencepiece")
    from tools.testmodels import build_test_packages

    work = Path(tempfile.mkdtemp(prefix="toolkit-test-models-"))
    return build_test_packages(work)


@pytest.fixture(scope="session")
def packages() -> dict[str, Path]:
    return built_packages()


@pytest.fixture
def models_dir(tmp_path, monkeypatch) -> Path:
    """An empty, isolated model store (argostranslate's directory isolated too), where both the
    library's default (under the home folder: the library reads no environment variable) and
    the command line's (``$TOOLKIT_MODELS_DIR``, else ``$XDG_DATA_HOME``) point."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    for name in ("TOOLKIT_MODELS_DIR", "XDG_DATA_HOME", "ARGOS_PACKAGES_DIR", "TOOLKIT_ARGOS_PACKAGES"):
        monkeypatch.delenv(name, raising=False)
    return home / ".local" / "share" / "toolkit" / "models"


def sp_path() -> Path:
    return next(iter(built_packages().values())).parent / "sp.model"


def upper_of(text: str) -> str:
    """What the test en->ru model (each piece mapped to its upper-case piece) makes of ``text``."""
    import sentencepiece

    from tools.testmodels import sp_vocabulary, upper_mapping

    sp = sentencepiece.SentencePieceProcessor(model_file=str(sp_path()))
    vocab = sp_vocabulary(sp_path())
    mapping = upper_mapping(vocab)
    ids = [mapping.get(i, i) for i in sp.encode(text)]
    return sp.decode(ids)


def roundtrip(text: str) -> str:
    """What a copy model makes of ``text`` (SentencePiece normalisation only)."""
    import sentencepiece

    sp = sentencepiece.SentencePieceProcessor(model_file=str(sp_path()))
    return sp.decode(sp.encode(text))
