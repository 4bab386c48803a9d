"""The CTranslate2 engine: batched decoding of many sentences with one model.

:meth:`CT2Engine.translate` takes every sentence that must go through one model hop
(gathered by the processor across all the documents of a batch), and:

1. answers repeated sentences from a cache (same model, same pair, same text) and
   translates each distinct sentence once;
2. tokenizes with the package's SentencePiece model(s), adds source prefix tokens and
   ``</s>`` where the package asks for them;
3. sorts by token length and cuts the list into chunks of at most ``max_batch_size``
   examples (or tokens, ``batch_type="tokens"``), so padding is minimal, and into at least as
   many chunks as the translator has workers, so that a small job keeps every core busy;
4. decodes each chunk with ``max_decoding_length`` tied to that chunk's longest source
   (``length_ratio * n + length_extra``, capped), or a fixed length when one is given;
   chunks are submitted asynchronously, so ``inter_threads > 1`` decodes them in parallel;
5. strips target prefix tokens, detokenizes, and puts the results back in input order.

Translators and SentencePiece processors are loaded on first use and kept by the engine
(:class:`ModelCache`: one per model and settings, a bounded number), so a long batch loads
each model once. Threads: one worker per core the engine is given (by default every core
available to the process), one thread each, unless told otherwise (:mod:`.threads`).
"""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import TranslationEngineError
from .store import ModelPackage
from .threads import plan_threads

log = logging.getLogger(__name__)

_SPECIALS = frozenset({"<s>", "</s>", "<pad>", "<blank>"})
#: Translators an engine keeps loaded (a pivot route uses two; a least recently used one goes).
MAX_MODELS = 8


class ModelCache:
    """The translators and SentencePiece processors one engine has loaded: each model once,
    at most ``max_models`` translators at a time (least recently used first out). Owned by an
    engine, never shared through module state."""

    def __init__(self, max_models: int = MAX_MODELS) -> None:
        self.max_models = max(1, max_models)
        self.translators: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self.tokenizers: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def translator(
        self,
        model_dir: str | Path,
        *,
        device: str = "cpu",
        compute_type: str | None = None,
        inter_threads: int | None = None,
        intra_threads: int | None = None,
        device_index: int = 0,
        threads: int | None = None,
    ) -> Any:
        """A ``ctranslate2.Translator`` for a model directory and settings, loaded on first use.

        ``inter_threads``/``intra_threads`` left out (``None``) are chosen from ``threads``
        (default: the CPUs this process may use): see :func:`.threads.plan_threads`.
        """
        import ctranslate2

        if device == "auto":
            device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        inter_threads, intra_threads = plan_threads(device, inter_threads, intra_threads, threads)
        compute = compute_type or ("int8" if device == "cpu" else "int8_float16")
        supported = ctranslate2.get_supported_compute_types(device, device_index)
        if compute != "auto" and compute not in supported:
            log.warning("compute type %s is not supported on %s; using auto", compute, device)
            compute = "auto"
        key = (str(Path(model_dir).resolve()), device, device_index, compute, inter_threads, intra_threads)
        with self._lock:
            translator = self.translators.get(key)
            if translator is not None:
                self.translators.move_to_end(key)
                return translator
            log.info("loading translation model %s", model_dir, extra={"event": "model-load", "model": str(model_dir)})
            try:
                translator = ctranslate2.Translator(
                    str(model_dir),
                    device=device,
                    device_index=device_index,
                    compute_type=compute,
                    inter_threads=inter_threads,
                    intra_threads=intra_threads,
                )
            except (RuntimeError, ValueError, OSError) as exc:
                raise TranslationEngineError(f"cannot load the model: {exc}", path=str(model_dir)) from None
            self.translators[key] = translator
            while len(self.translators) > self.max_models:
                self.translators.popitem(last=False)
        return translator

    def sentencepiece(self, path: str | Path) -> Any:
        """A SentencePiece processor, loaded on first use."""
        import sentencepiece

        key = str(Path(path).resolve())
        with self._lock:
            sp = self.tokenizers.get(key)
            if sp is not None:
                self.tokenizers.move_to_end(key)
                return sp
            try:
                sp = sentencepiece.SentencePieceProcessor(model_file=key)
            except (RuntimeError, OSError) as exc:
                raise TranslationEngineError(f"cannot load the SentencePiece model: {exc}", path=key) from None
            self.tokenizers[key] = sp
            while len(self.tokenizers) > 4 * self.max_models:
                self.tokenizers.popitem(last=False)
        return sp

    def clear(self) -> None:
        """Forget every loaded model (after models changed on disk)."""
        with self._lock:
            self.translators.clear()
            self.tokenizers.clear()


class SentenceCache:
    """A bounded LRU map (model, pair, sentence) -> translation."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._data: OrderedDict[tuple[str, ...], str] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[str, ...]) -> str | None:
        value = self._data.get(key)
        if value is None:
            self.misses += 1
            return None
        self._data.move_to_end(key)
        self.hits += 1
        return value

    def put(self, key: tuple[str, ...], value: str) -> None:
        if self.size <= 0:
            return
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.size:
            self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


@dataclass
class DecodeOptions:
    beam_size: int = 2
    # 16 examples: as fast as 32 and faster than 64 on 2 cores (Transformer-base, beam 4), with
    # half the peak memory of 32 and a third of 64's (benchmarks/translate_bench.py)
    max_batch_size: int = 16
    batch_type: str = "examples"  # or "tokens"
    max_decoding_length: int | None = None  # fixed length; None: tied to the source length
    length_ratio: float = 2.0
    length_extra: int = 10
    length_cap: int = 512
    max_input_length: int = 1024
    replace_unknowns: bool = True
    length_penalty: float = 1.0
    repetition_penalty: float = 1.0


class CT2Engine:
    """Translate sentence lists with CTranslate2 on argos-format packages."""

    name = "ctranslate2"

    def __init__(
        self,
        *,
        device: str = "cpu",
        device_index: int = 0,
        compute_type: str | None = None,
        inter_threads: int | None = None,
        intra_threads: int | None = None,
        threads: int | None = None,
        options: DecodeOptions | None = None,
        cache_size: int = 20_000,
        models: ModelCache | None = None,
    ) -> None:
        self.device = device
        self.threads = threads  # the cores this engine may use (None: every core available)
        self.models = models or ModelCache()
        self.device_index = device_index
        self.compute_type = compute_type
        self.inter_threads = inter_threads
        self.intra_threads = intra_threads
        self.options = options or DecodeOptions()
        self.cache = SentenceCache(cache_size)
        self.stats = {"sentences": 0, "decoded": 0, "batches": 0}

    def usable(self, package: ModelPackage) -> bool:
        return True

    def translator(self, package: ModelPackage) -> Any:
        return self.models.translator(
            package.model_dir,
            device=self.device,
            compute_type=self.compute_type,
            inter_threads=self.inter_threads,
            intra_threads=self.intra_threads,
            device_index=self.device_index,
            threads=self.threads,
        )

    def translate(self, package: ModelPackage, source: str, target: str, sentences: Sequence[str]) -> list[str]:
        """Translate ``sentences`` from ``source`` to ``target`` with ``package``; results in input order."""
        results: list[str | None] = [None] * len(sentences)
        todo: dict[str, list[int]] = {}
        model_key = (str(package.path), package.version, source, target)
        for i, sentence in enumerate(sentences):
            text = sentence.strip()
            if not text:
                results[i] = ""
                continue
            hit = self.cache.get((*model_key, text))
            if hit is not None:
                results[i] = hit
            else:
                todo.setdefault(text, []).append(i)
        self.stats["sentences"] += len(sentences)
        if todo:
            unique = list(todo)
            for text, out in zip(unique, self._decode(package, source, target, unique), strict=True):
                self.cache.put((*model_key, text), out)
                for i in todo[text]:
                    results[i] = out
        return [r if r is not None else "" for r in results]

    # -- decoding ----------------------------------------------------------------------------

    def _decode(self, package: ModelPackage, source: str, target: str, texts: list[str]) -> list[str]:
        assert package.source_spm is not None and package.target_spm is not None
        sp_source = self.models.sentencepiece(package.source_spm)
        sp_target = (
            sp_source if package.target_spm == package.source_spm else self.models.sentencepiece(package.target_spm)
        )
        translator = self.translator(package)
        opts = self.options
        prefix = list(package.source_tokens_for(source, target))
        suffix = ["</s>"] if package.source_eos else []
        target_prefix = list(package.target_prefix_for(target))
        pieces = sp_source.encode(texts, out_type=str)
        tokens = [prefix + p + suffix for p in pieces]
        order = sorted(range(len(tokens)), key=lambda i: len(tokens[i]))
        pending = []
        workers = getattr(translator, "num_translators", 1) or 1
        for chunk in self._chunks(order, tokens, workers):
            batch = [tokens[i] for i in chunk]
            longest = max(len(b) for b in batch)
            if opts.max_decoding_length is not None:
                max_len = opts.max_decoding_length
            else:
                max_len = min(opts.length_cap, int(opts.length_ratio * longest + opts.length_extra))
            max_len += len(target_prefix)
            try:
                futures = translator.translate_batch(
                    batch,
                    target_prefix=[target_prefix] * len(batch) if target_prefix else None,
                    asynchronous=True,
                    beam_size=opts.beam_size,
                    max_decoding_length=max_len,
                    max_input_length=opts.max_input_length,
                    replace_unknowns=opts.replace_unknowns,
                    length_penalty=opts.length_penalty,
                    repetition_penalty=opts.repetition_penalty,
                )
            except (RuntimeError, ValueError) as exc:
                raise TranslationEngineError(f"decoding failed: {exc}", path=str(package.path)) from None
            pending.append((chunk, futures))
            self.stats["batches"] += 1
        hypotheses: list[list[str]] = [[] for _ in texts]
        strip = set(target_prefix) | package.prefix_tokens | _SPECIALS
        for chunk, futures in pending:
            for i, future in zip(chunk, futures, strict=True):
                try:
                    result = future.result()
                except (RuntimeError, ValueError) as exc:
                    raise TranslationEngineError(f"decoding failed: {exc}", path=str(package.path)) from None
                hyp = result.hypotheses[0]
                n = len(target_prefix)
                if n and hyp[:n] == target_prefix:
                    hyp = hyp[n:]
                hypotheses[i] = [t for t in hyp if t not in strip]
        self.stats["decoded"] += len(texts)
        return [s.strip() for s in sp_target.decode(hypotheses)]

    def _chunks(self, order: list[int], tokens: list[list[str]], workers: int = 1) -> list[list[int]]:
        """Cut ``order`` (sorted by length) into chunks of at most ``max_batch_size``, evenly, and
        into a multiple of ``workers`` chunks where there is enough to share out."""
        opts = self.options
        size = max(1, opts.max_batch_size)
        if opts.batch_type != "tokens":
            n = len(order)
            count = workers * math.ceil(n / (workers * size)) if n else 0
            count = min(count, n)
            return [order[i * n // count : (i + 1) * n // count] for i in range(count)]
        total = sum(len(tokens[i]) for i in order)
        if workers > 1 and total:
            longest = max(len(tokens[i]) for i in order)
            size = min(size, max(longest, math.ceil(total / workers)))
        chunks: list[list[int]] = []
        current: list[int] = []
        for i in order:  # sorted ascending: the last one added is the longest
            if current and (len(current) + 1) * len(tokens[i]) > size:
                chunks.append(current)
                current = []
            current.append(i)
        if current:
            chunks.append(current)
        return chunks
