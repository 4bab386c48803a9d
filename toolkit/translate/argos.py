"""The optional argostranslate engine (``pip install toolkit[argos]``, ``--engine argos``).

It decodes as argostranslate's own ``apply_packaged_translation`` does, on the same installed
packages: argostranslate's package reader and tokenizers (SentencePiece or BPE), its
``translate_batch`` call (token batches of its batch size, unknowns replaced, its length
penalty, its prefix handling), one sentence at a time. The beam is passed explicitly:
argostranslate reads its beam from a process-wide setting, which the toolkit never changes.
Two things are supplied by the toolkit so it stays offline: the sentence splitting
(argostranslate's splitters download models on first use; the processor hands over
sentences already split) and the ``ctranslate2.Translator`` (kept by the engine's
:class:`~toolkit.translate.engine.ModelCache`). ``argostranslate`` is imported here only,
on first use (its import takes seconds and pulls in torch).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import Any

from .engine import ModelCache, SentenceCache
from .errors import EngineUnavailableError, TranslationEngineError
from .store import ModelPackage


def available() -> bool:
    return importlib.util.find_spec("argostranslate") is not None


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
        self.models = ModelCache()
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
        pkg = self._argos_package(package)
        prefix = package.target_prefix_for(target)
        translator = self.models.translator(
            package.model_dir,
            device=self.device,
            compute_type=self.compute_type,
            # argostranslate decodes one sentence at a time: one worker, every thread in it
            inter_threads=self.inter_threads or 1,
            intra_threads=self.intra_threads,
            threads=self.threads,
        )
        out = []
        for sentence in sentences:
            key = (str(package.path), package.version, source, target, sentence)
            hit = self.cache.get(key)
            if hit is None:
                try:
                    hit = self._decode(pkg, translator, sentence, prefix[0] if prefix else "").strip()
                except Exception as exc:
                    raise TranslationEngineError(f"argostranslate failed: {exc}", path=str(package.path)) from None
                self.cache.put(key, hit)
                self.stats["decoded"] += 1
                self.stats["batches"] += 1
            out.append(hit)
        self.stats["sentences"] += len(sentences)
        return out

    def _decode(self, pkg: Any, translator: Any, sentence: str, target_prefix: str) -> str:
        """One sentence as ``argostranslate.translate.apply_packaged_translation`` decodes it
        (argostranslate 1.9 to 1.11), with this engine's beam."""
        from argostranslate import settings

        tokens = pkg.tokenizer.encode(sentence)
        result = translator.translate_batch(
            [tokens],
            target_prefix=[[target_prefix]] if target_prefix else None,
            replace_unknowns=True,
            max_batch_size=settings.batch_size,
            batch_type="tokens",
            beam_size=self.beam_size,
            num_hypotheses=1,
            length_penalty=0.2,
            return_scores=True,
        )
        value = pkg.tokenizer.decode(result[0].hypotheses[0])
        if target_prefix and value.startswith(target_prefix):
            value = value[len(target_prefix) :]
        return value[1:] if value.startswith(" ") else value
