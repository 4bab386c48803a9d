"""The optional argostranslate engine (``pip install toolkit[argos]``, ``--engine argos``).

It runs argostranslate's own translation function (``apply_packaged_translation``: its
tokenization, its ``translate_batch`` call with its batching, beam and length settings,
its prefix handling) on the same installed packages. Two things are supplied by the
toolkit so it stays offline: the sentence splitting (argostranslate's splitters download
models on first use; the processor hands over sentences already split) and the cached
``ctranslate2.Translator``. ``argostranslate`` is imported here only, on first use (its
import takes seconds and pulls in torch).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import Any

from .engine import SentenceCache, load_translator
from .errors import EngineUnavailableError, TranslationEngineError
from .store import ModelPackage


def available() -> bool:
    return importlib.util.find_spec("argostranslate") is not None


class _OneSentence:
    """argostranslate's sentence-boundary interface, for text already cut into one sentence."""

    def split_sentences(self, text: str) -> list[str]:
        return [text]


class ArgosEngine:
    """Translate sentences through argostranslate's API."""

    name = "argos"

    def __init__(
        self,
        *,
        beam_size: int = 4,
        device: str = "cpu",
        compute_type: str | None = None,
        inter_threads: int | None = None,
        intra_threads: int | None = None,
        threads: int | None = None,
        cache_size: int = 20_000,
    ) -> None:
        if not available():
            raise EngineUnavailableError(
                "the argos engine needs argostranslate: pip install 'toolkit[argos]' (or use --engine ctranslate2)"
            )
        self.beam_size = beam_size
        self.device = device
        self.compute_type = compute_type
        self.inter_threads = inter_threads
        self.intra_threads = intra_threads
        self.threads = threads
        self.cache = SentenceCache(cache_size)
        self._packages: dict[str, Any] = {}
        self.stats = {"sentences": 0, "decoded": 0, "batches": 0}

    def usable(self, package: ModelPackage) -> bool:
        return package.argos_compatible

    def _argos_package(self, package: ModelPackage) -> Any:
        from argostranslate import package as argos_package

        key = str(package.path)
        pkg = self._packages.get(key)
        if pkg is None:
            try:
                pkg = argos_package.Package(package.path)
            except Exception as exc:  # argostranslate raises plain exceptions
                raise TranslationEngineError(f"argostranslate cannot read the package: {exc}", path=key) from None
            self._packages[key] = pkg
        return pkg

    def translate(self, package: ModelPackage, source: str, target: str, sentences: Sequence[str]) -> list[str]:
        from argostranslate import settings
        from argostranslate.translate import apply_packaged_translation

        pkg = self._argos_package(package)
        prefix = package.target_prefix_for(target)
        pkg.target_prefix = prefix[0] if prefix else ""
        settings.beam_size = self.beam_size
        translator = load_translator(
            package.model_dir,
            device=self.device,
            compute_type=self.compute_type,
            # argostranslate decodes one sentence at a time: one worker, every thread in it
            inter_threads=self.inter_threads or 1,
            intra_threads=self.intra_threads,
            threads=self.threads,
        )
        splitter = _OneSentence()
        out = []
        for sentence in sentences:
            key = (str(package.path), package.version, source, target, sentence)
            hit = self.cache.get(key)
            if hit is None:
                try:
                    hyps = apply_packaged_translation(pkg, sentence, translator, splitter, 1)
                except Exception as exc:
                    raise TranslationEngineError(f"argostranslate failed: {exc}", path=str(package.path)) from None
                hit = hyps[0].value.strip()
                self.cache.put(key, hit)
                self.stats["decoded"] += 1
                self.stats["batches"] += 1
            out.append(hit)
        self.stats["sentences"] += len(sentences)
        return out
