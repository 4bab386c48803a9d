"""Layer 2: the project's own character n-gram model (multinomial naive Bayes).

Features are the character 1- to 5-grams of each word, with a space marking the word
edges (`` qa``, ``qaz``, ``an ``), after :func:`.normalize.prepare` and lower-casing;
digits and punctuation separate words. Each n-gram is packed into one 64-bit key (8 bits
per character of a small alphabet, the order in the high bits), so a text is scored with
a few vectorised numpy operations: keys -> rows of a log-probability table -> one sum per
language.

The model is built from the licensed training text by :mod:`toolkit.langid.build_ngram`
and shipped as ``toolkit/data/langid/ngram.npz``. It is loaded lazily, once per process
(:func:`load_model`).
"""

from __future__ import annotations

import functools
import importlib.resources
import io
import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .normalize import prepare

if TYPE_CHECKING:
    import numpy as np

RESOURCE = "ngram.npz"
ORDER_SHIFT = 56  # 8 bits per character below, the order above: orders up to 7
#: Recorded in the model file; a model built with another packing is refused.
KEY_FORMAT = f"8bit-chars/order@{ORDER_SHIFT}"
#: Code points below this are looked up in a table; others count as "another letter".
TABLE_SIZE = 0x3000
SPACE_ID = 0
OTHER_ID = 1
PAD_ID = 255  # never part of a known n-gram
_MUL = 0x9E3779B97F4A7C15  # Fibonacci hashing
_EMPTY = 0xFFFFFFFFFFFFFFFF  # no key has all bits set (the order field is at most 8)
#: Only the first this many characters of a text are scored (enough to decide; keeps long texts cheap).
MAX_CHARS = 1000
#: Characters scored in one numpy pass by ``scores_many``: its memory grows with the text of a
#: pass (n-grams x labels), so a document of a million paragraphs is scored in slices.
BATCH_CHARS = 200_000


def fold_case(text: str) -> str:
    """Lower-case without turning İ into i + combining dot (which would split words)."""
    if "İ" in text:
        text = text.replace("İ", "i")
    return text.lower()


def model_text(text: str) -> str:
    """The exact string the model sees: prepared, case-folded."""
    return fold_case(prepare(text))


class Featurizer:
    """Text -> 64-bit n-gram keys, for a fixed character alphabet."""

    def __init__(self, alphabet: str, max_order: int) -> None:
        import numpy as np

        if not 1 <= max_order <= ORDER_SHIFT // 8:
            raise ValueError(f"n-gram order must be between 1 and {ORDER_SHIFT // 8}")
        if len(alphabet) > PAD_ID - 2:
            raise ValueError(f"alphabet too large for 8-bit character ids: {len(alphabet)}")
        self.alphabet = alphabet
        self.max_order = max_order
        table = np.zeros(TABLE_SIZE + 1, dtype=np.uint64)
        for cp in range(TABLE_SIZE):
            if chr(cp).isalpha():
                table[cp] = OTHER_ID
        for i, ch in enumerate(alphabet):
            if ord(ch) < TABLE_SIZE:
                table[ord(ch)] = i + 2
        table[TABLE_SIZE] = OTHER_ID
        self._table = table
        self._pad = np.full(max_order - 1, PAD_ID, dtype=np.uint64)
        self._tags = np.array([n << ORDER_SHIFT for n in range(1, max_order + 1)], dtype=np.uint64)

    def ids(self, text: str) -> np.ndarray:
        """Character ids of model text (space-padded), followed by padding."""
        import numpy as np

        codes = np.frombuffer((" " + text + " ").encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        return np.concatenate((self._table[np.minimum(codes, TABLE_SIZE)], self._pad))

    def keys(self, text: str) -> np.ndarray:
        """All n-gram keys of model text (including ones that span words: they match nothing)."""

        return self.keys_of_ids(self.ids(text))

    def keys_of_ids(self, ids: np.ndarray) -> np.ndarray:
        """Keys of every order at every position, window by window (shifts, not a matmul)."""
        import numpy as np

        n_pos = len(ids) - (self.max_order - 1)
        out = np.empty((n_pos, self.max_order), dtype=np.uint64)
        key = ids[:n_pos].copy()
        out[:, 0] = key | self._tags[0]
        for n in range(1, self.max_order):
            key <<= np.uint64(8)
            key |= ids[n : n + n_pos]
            out[:, n] = key | self._tags[n]
        return out.ravel()

    def key_of(self, gram: str) -> int:
        """The key of one n-gram string (spaces mark word edges)."""
        key = 0
        for ch in gram:
            key = (key << 8) | (SPACE_ID if ch == " " else self.alphabet.index(ch) + 2)
        return key | (len(gram) << ORDER_SHIFT)

    def gram_of(self, key: int) -> str:
        order = key >> ORDER_SHIFT
        chars = []
        for i in range(order):
            cid = (key >> (8 * (order - 1 - i))) & 0xFF
            chars.append(" " if cid == SPACE_ID else self.alphabet[cid - 2])
        return "".join(chars)


class NgramModel:
    """Naive Bayes over character n-grams; scores restricted to candidate labels."""

    def __init__(
        self,
        labels: Sequence[str],
        alphabet: str,
        max_order: int,
        keys: np.ndarray,
        weights: np.ndarray,
        *,
        temperature: float = 1.0,
        info: dict[str, Any] | None = None,
    ) -> None:
        import numpy as np

        self.labels = tuple(labels)
        self.index = {label: i for i, label in enumerate(self.labels)}
        self.featurizer = Featurizer(alphabet, max_order)
        self.keys = np.ascontiguousarray(keys, dtype=np.uint64)
        if len(self.keys) > 1 and not bool((self.keys[1:] > self.keys[:-1]).all()):
            raise ValueError("n-gram keys must be sorted and unique")
        weights = np.asarray(weights, dtype=np.float32)
        # one extra all-zero row: the target of every unknown n-gram
        self.weights = np.vstack([weights, np.zeros((1, weights.shape[1]), dtype=np.float32)])
        self.temperature = temperature
        self.info = info or {}
        self._build_hash()

    def _build_hash(self) -> None:
        """Open hash table over the keys (first key per slot); colliding keys go to a sorted overflow list."""
        import numpy as np

        n = len(self.keys)
        bits = max(10, math.ceil(math.log2(max(n, 1) * 5)))
        self._shift = np.uint64(64 - bits)
        self._mul = np.uint64(_MUL)
        slots = (self.keys * self._mul) >> self._shift
        used, first = np.unique(slots, return_index=True)
        self._slot_keys = np.full(1 << bits, _EMPTY, dtype=np.uint64)
        self._slot_rows = np.full(1 << bits, n, dtype=np.int32)
        self._slot_keys[used] = self.keys[first]
        self._slot_rows[used] = first
        rest = np.setdiff1d(np.arange(n), first)
        order = np.argsort(self.keys[rest])
        self._over_keys = self.keys[rest][order]
        self._over_rows = rest[order].astype(np.int32)

    def rows(self, keys: np.ndarray) -> np.ndarray:
        """Row numbers of the known keys among ``keys``."""
        import numpy as np

        slots = (keys * self._mul) >> self._shift
        found = self._slot_keys[slots]
        hit = found == keys
        rows = self._slot_rows[slots[hit]]
        if len(self._over_keys):
            maybe = keys[(found != _EMPTY) & ~hit]  # the slot holds another key: look in the overflow
            if len(maybe):
                at = np.searchsorted(self._over_keys, maybe)
                np.minimum(at, len(self._over_keys) - 1, out=at)
                known = self._over_keys[at] == maybe
                if known.any():
                    rows = np.concatenate((rows, self._over_rows[at[known]]))
        return rows

    def rows_at(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row numbers, positions in ``keys``) of the known keys among ``keys``."""
        import numpy as np

        slots = (keys * self._mul) >> self._shift
        found = self._slot_keys[slots]
        hit = found == keys
        where = np.flatnonzero(hit)
        rows = self._slot_rows[slots[where]]
        if len(self._over_keys):
            maybe = np.flatnonzero((found != _EMPTY) & ~hit)
            if len(maybe):
                at = np.searchsorted(self._over_keys, keys[maybe])
                np.minimum(at, len(self._over_keys) - 1, out=at)
                known = self._over_keys[at] == keys[maybe]
                if known.any():
                    rows = np.concatenate((rows, self._over_rows[at[known]]))
                    where = np.concatenate((where, maybe[known]))
        return rows, where

    def raw_scores_many(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """``raw_scores`` of many model texts in one numpy pass: (texts x labels, known n-grams per text).

        The texts are laid end to end, each followed by padding, so no n-gram spans two
        texts (an n-gram holding padding matches nothing).
        """
        import numpy as np

        n_labels = len(self.labels)
        if not texts:
            return np.zeros((0, n_labels), dtype=np.float32), np.zeros(0, dtype=np.int64)
        feat = self.featurizer
        parts = [feat.ids(t) for t in texts]
        lengths = np.array([len(p) for p in parts])
        keys = feat.keys_of_ids(np.concatenate(parts))
        rows, where = self.rows_at(keys)
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        owner = np.searchsorted(starts, where // feat.max_order, side="right") - 1
        order = np.argsort(owner, kind="stable")  # overflow hits come last: put them with their text
        owner = owner[order]
        counts = np.bincount(owner, minlength=len(texts))
        if not len(rows):
            return np.zeros((len(texts), n_labels), dtype=np.float32), counts
        weights = self.weights.take(rows[order], axis=0)
        # reduceat over the texts with known n-grams only: their starts are distinct and in range, and
        # each segment runs to the next one (clamping the starts of trailing empty texts instead would
        # cut the last n-gram off the text before them)
        hit = counts > 0
        starts_of_hits = np.concatenate(([0], np.cumsum(counts)[:-1]))[hit]
        matrix = np.zeros((len(texts), n_labels), dtype=weights.dtype)
        matrix[hit] = np.add.reduceat(weights, starts_of_hits, axis=0)
        return matrix, counts

    def probabilities(self, raw: Sequence[float], known: int, candidates: Sequence[str] | None) -> dict[str, float]:
        """Posterior per candidate from one row of raw scores (``{}`` without evidence)."""
        index = self.index
        labels = self.labels if candidates is None else [c for c in candidates if c in index]
        if not labels or not known:
            return {}
        picked = [raw[index[c]] / self.temperature for c in labels]
        top = max(picked)
        exps = [math.exp(v - top) for v in picked]
        total = sum(exps)
        return {label: e / total for label, e in zip(labels, exps, strict=True)}

    def raw_scores(self, text: str) -> tuple[np.ndarray, int]:
        """(log-likelihood per label, number of known n-grams) of model text."""
        import numpy as np

        rows = self.rows(self.featurizer.keys(text))
        if not len(rows):
            return np.zeros(len(self.labels), dtype=np.float32), 0
        return np.ones(len(rows), dtype=np.float32) @ self.weights.take(rows, axis=0), len(rows)

    def scores(self, text: str, candidates: Sequence[str] | None = None) -> dict[str, float]:
        """Posterior probability per candidate label (all labels when None); ``{}`` without evidence.

        ``text`` must be prepared (:func:`.normalize.prepare`); use :meth:`scores_raw_text` otherwise.
        """
        raw, known = self.raw_scores(fold_case(text[:MAX_CHARS]))
        return self.probabilities(raw.tolist(), known, candidates)

    def scores_many(self, texts: Sequence[str], candidates: Sequence[Sequence[str] | None]) -> list[dict[str, float]]:
        """``scores`` of many prepared texts at once (one numpy pass per :data:`BATCH_CHARS`; same results)."""
        prepared = [fold_case(t[:MAX_CHARS]) for t in texts]
        out: list[dict[str, float]] = []
        start = 0
        while start < len(prepared):
            end, size = start, 0
            while end < len(prepared) and (end == start or size + len(prepared[end]) <= BATCH_CHARS):
                size += len(prepared[end])
                end += 1
            matrix, known = self.raw_scores_many(prepared[start:end])
            rows = matrix.tolist()
            out.extend(self.probabilities(rows[i], int(known[i]), candidates[start + i]) for i in range(end - start))
            start = end
        return out

    def scores_raw_text(self, text: str, candidates: Sequence[str] | None = None) -> dict[str, float]:
        return self.scores(prepare(text), candidates)

    # -- (de)serialisation --------------------------------------------------------------------

    def save(self, path: Any) -> None:
        """Write the model as a compressed .npz (weights quantised to 16 bits)."""
        import numpy as np

        weights = self.weights[:-1]
        low, high = float(weights.min()), float(weights.max())
        step = (high - low) / 65535 or 1.0
        quantised = np.rint((weights - low) / step).astype(np.uint16)
        meta = dict(self.info)
        meta.update(
            labels=list(self.labels),
            alphabet=self.featurizer.alphabet,
            max_order=self.featurizer.max_order,
            temperature=self.temperature,
            low=low,
            step=step,
            key_format=KEY_FORMAT,
        )
        np.savez_compressed(
            path,
            keys=self.keys,
            weights=quantised,
            meta=np.frombuffer(json.dumps(meta, ensure_ascii=False, sort_keys=True).encode("utf-8"), dtype=np.uint8),
        )

    @classmethod
    def load(cls, source: Any) -> NgramModel:
        import numpy as np

        with np.load(source, allow_pickle=False) as data:
            meta = json.loads(bytes(data["meta"]).decode("utf-8"))
            if meta.get("key_format") != KEY_FORMAT:
                raise ValueError(f"n-gram model built for key format {meta.get('key_format')}, not {KEY_FORMAT}")
            keys = data["keys"]
            weights = data["weights"].astype(np.float32) * np.float32(meta["step"]) + np.float32(meta["low"])
        # the quantised zero point is arbitrary: centre each row again (argmax-neutral)
        weights -= weights.mean(axis=1, keepdims=True)
        info = {
            k: v for k, v in meta.items() if k not in ("labels", "alphabet", "max_order", "low", "step", "key_format")
        }
        return cls(
            meta["labels"],
            meta["alphabet"],
            int(meta["max_order"]),
            keys,
            weights,
            temperature=float(meta.get("temperature", 1.0)),
            info=info,
        )


@functools.cache
def load_model() -> NgramModel:
    """The shipped model, loaded on first use and kept for the life of the process."""
    data = importlib.resources.files("toolkit").joinpath("data", "langid", RESOURCE).read_bytes()
    return NgramModel.load(io.BytesIO(data))
