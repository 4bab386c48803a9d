"""Layer 2: the project's own character n-gram model (multinomial naive Bayes).

Features are the character 1- to 5-grams of each word, with a space marking the word
edges (`` qa``, ``qaz``, ``an ``), after :func:`.normalize.prepare` and lower-casing;
digits and punctuation separate words. Each n-gram is packed into one 64-bit key (8 bits
per character of a small alphabet, the order in the high bits), so a text is scored with
a few vectorised numpy operations: keys -> rows of a log-probability table -> one sum per
language.

The model is built from the licensed training text by :mod:`tools.langid.build_ngram`
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
        self._columns: dict[tuple[str, ...], tuple[list[str], list[int]]] = {}  # candidates -> (labels, columns)
        self._column_weights: dict[tuple[int, ...], np.ndarray] = {}  # label columns -> their weights
        self.info = info or {}
        self._build_hash()

    def _build_hash(self) -> None:
        """Open hash table over the keys (first key per slot); colliding keys go to a sorted overflow list.

        Batches are scored with :class:`_FastLookup`, built from which keys go to the overflow
        list; the table itself is built on first use (single texts, and models that lookup
        cannot pack).
        """
        import numpy as np

        n = len(self.keys)
        self._bits = max(10, math.ceil(math.log2(max(n, 1) * 5)))
        self._shift = np.uint64(64 - self._bits)
        self._mul = np.uint64(_MUL)
        self._slot_keys: np.ndarray | None = None
        _, _, rest = self._slot_owners()
        self._fast = _FastLookup.build(self.keys, rest, self.featurizer) if n else None

    def _slot_owners(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(slot of each key, the keys first in their slot, the others: the overflow list)."""
        import numpy as np

        slots = (self.keys * self._mul) >> self._shift
        by_slot = np.argsort(slots, kind="stable")  # within a slot, keys (sorted) in order
        starts = np.ones(len(self.keys), dtype=bool)
        starts[1:] = slots[by_slot][1:] != slots[by_slot][:-1]
        first = by_slot[starts]
        overflow = np.ones(len(self.keys), dtype=bool)
        overflow[first] = False
        return slots, first, np.flatnonzero(overflow)

    def _table(self) -> None:
        """Build the hash table itself (once)."""
        import numpy as np

        if self._slot_keys is not None:
            return
        n = len(self.keys)
        slots, first, rest = self._slot_owners()
        slot_rows = np.full(1 << self._bits, n, dtype=np.int32)
        slot_rows[slots[first]] = first
        self._slot_rows = slot_rows
        self._over_keys = self.keys[rest]  # sorted: the keys are
        self._over_rows = rest.astype(np.int32)
        slot_keys = np.full(1 << self._bits, _EMPTY, dtype=np.uint64)
        slot_keys[slots[first]] = self.keys[first]
        self._slot_keys = slot_keys  # last: the table is complete once this is set

    def rows(self, keys: np.ndarray) -> np.ndarray:
        """Row numbers of the known keys among ``keys``: those found in their hash slot in
        key order, then those found in the overflow list, in key order."""
        import numpy as np

        self._table()
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
        """(row numbers, positions in ``keys``) of the known keys among ``keys`` (in the order of :meth:`rows`)."""
        import numpy as np

        self._table()
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

    def raw_scores_many(
        self, texts: Sequence[str], alone: Sequence[bool] | None = None, columns: Sequence[int] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """``raw_scores`` of many model texts in one numpy pass: (texts x labels, known n-grams per text).

        The texts are laid end to end, each followed by padding, so no n-gram spans two
        texts (an n-gram holding padding matches nothing). Texts flagged in ``alone`` are
        summed as :meth:`raw_scores` sums a single text (a matrix product, whose float32
        rounding differs from the batch's), so they get exactly ``raw_scores(text)``.
        ``columns``: sum only these labels' columns (the others stay 0); each is exactly what
        the full sum gives (columns are summed independently), at a fraction of the cost.
        """
        import numpy as np

        n_labels = len(self.labels)
        if not texts:
            return np.zeros((0, n_labels), dtype=np.float32), np.zeros(0, dtype=np.int64)
        if self._fast is not None:
            rows, counts = self._fast.text_rows(texts)
        else:
            rows, counts = self._text_rows(texts)
        if not len(rows):
            return np.zeros((len(texts), n_labels), dtype=np.float32), counts
        table = self.weights if columns is None else self._weights_of(tuple(columns))
        # reduceat over the texts with known n-grams only: their starts are distinct and in range, and
        # each segment runs to the next one (clamping the starts of trailing empty texts instead would
        # cut the last n-gram off the text before them)
        hit = counts > 0
        starts_of_hits = np.concatenate(([0], np.cumsum(counts)[:-1]))[hit]
        summed = np.add.reduceat(table.take(rows, axis=0), starts_of_hits, axis=0)
        matrix = np.zeros((len(texts), n_labels), dtype=np.float32)
        if columns is None:
            matrix[hit] = summed
        else:
            matrix[np.ix_(np.flatnonzero(hit), list(columns))] = summed
        if alone is not None and any(alone):
            ends = np.cumsum(counts).tolist()
            for i, (flag, n, end) in enumerate(zip(alone, counts.tolist(), ends, strict=True)):
                if flag and n:
                    own = rows[end - n : end].copy()
                    matrix[i] = np.ones(n, dtype=np.float32) @ self.weights.take(own, axis=0)
        return matrix, counts

    def _weights_of(self, columns: tuple[int, ...]) -> np.ndarray:
        """The weights of some labels only, contiguous (a few sets per process: kept)."""
        import numpy as np

        table = self._column_weights.get(columns)
        if table is None:
            if len(self._column_weights) >= 8:
                self._column_weights.clear()
            table = self._column_weights[columns] = np.ascontiguousarray(self.weights[:, list(columns)])
        return table

    def _text_rows(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The model's own lookup for :meth:`raw_scores_many` (rows of all texts, number per text)."""
        import numpy as np

        feat = self.featurizer
        parts = [feat.ids(t) for t in texts]
        lengths = np.array([len(p) for p in parts])
        keys = feat.keys_of_ids(np.concatenate(parts))
        rows, where = self.rows_at(keys)
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        owner = np.searchsorted(starts, where // feat.max_order, side="right") - 1
        order = np.argsort(owner, kind="stable")  # overflow hits come last: put them with their text
        counts = np.bincount(owner[order], minlength=len(texts))
        return rows[order], counts

    def _plan(self, candidates: Sequence[str] | None) -> tuple[list[str], list[int]]:
        """(the candidates the model knows, their columns)."""
        plan = self._columns.get(candidates) if isinstance(candidates, tuple) else None
        if plan is None:
            index = self.index
            labels = list(self.labels) if candidates is None else [c for c in candidates if c in index]
            plan = (labels, [index[c] for c in labels])
            if isinstance(candidates, tuple) and len(self._columns) < 4096:
                self._columns[candidates] = plan
        return plan

    def probabilities(self, raw: Sequence[float], known: int, candidates: Sequence[str] | None) -> dict[str, float]:
        """Posterior per candidate from one row of raw scores (``{}`` without evidence)."""
        if not known:
            return {}
        labels, columns = self._plan(candidates)
        if not labels:
            return {}
        temperature = self.temperature
        picked = [raw[i] / temperature for i in columns]
        top = max(picked)
        exps = [math.exp(v - top) for v in picked]
        total = sum(exps)
        return {label: e / total for label, e in zip(labels, exps, strict=True)}

    def raw_scores(self, text: str) -> tuple[np.ndarray, int]:
        """(log-likelihood per label, number of known n-grams) of model text."""
        import numpy as np

        rows = self.rows(self.featurizer.keys(text))  # fewer numpy calls than the batch lookup: one text is short
        if not len(rows):
            return np.zeros(len(self.labels), dtype=np.float32), 0
        return np.ones(len(rows), dtype=np.float32) @ self.weights.take(rows, axis=0), len(rows)

    def scores(self, text: str, candidates: Sequence[str] | None = None) -> dict[str, float]:
        """Posterior probability per candidate label (all labels when None); ``{}`` without evidence.

        ``text`` must be prepared (:func:`.normalize.prepare`); use :meth:`scores_raw_text` otherwise.
        """
        raw, known = self.raw_scores(fold_case(text[:MAX_CHARS]))
        return self.probabilities(raw.tolist(), known, candidates)

    def scores_many(
        self,
        texts: Sequence[str],
        candidates: Sequence[Sequence[str] | None],
        alone: Sequence[bool] | None = None,
    ) -> list[dict[str, float]]:
        """``scores`` of many prepared texts at once: one numpy pass per :data:`BATCH_CHARS` of
        text, so memory stays bounded (``alone``: see :meth:`raw_scores_many`)."""
        needed: set[int] = set()
        for c in candidates:  # probabilities() reads the candidates' columns only
            if c is None:
                needed = set(range(len(self.labels)))
                break
            needed.update(self._plan(c)[1])
        columns = sorted(needed) if 0 < len(needed) < len(self.labels) else None
        prepared = [fold_case(t[:MAX_CHARS]) for t in texts]
        out: list[dict[str, float]] = []
        start = 0
        while start < len(prepared):
            end, size = start, 0
            while end < len(prepared) and (end == start or size + len(prepared[end]) <= BATCH_CHARS):
                size += len(prepared[end])
                end += 1
            flags = alone[start:end] if alone is not None else None
            matrix, known = self.raw_scores_many(prepared[start:end], flags, columns)
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


class _FastLookup:
    """Key -> row lookup for scoring: the same rows in the same order as the model's own
    hash table, found with fewer memory accesses and numpy passes.

    The model's table (:meth:`NgramModel._build_hash`) keeps the first key of each hash slot
    and sends the others to a sorted overflow list; a text's score adds the weights of its
    n-grams found in their slot first, then those found in the overflow list (each group in
    text order). Float32 sums depend on the order of the terms, so this keeps that order:

    * 1- and 2-grams (never in the overflow list: keys sort by order first) are looked up
      in two dense tables indexed by the character ids (256 and 65,536 entries);
    * longer n-grams in one open-addressing table of buckets of two 64-bit entries that
      pack the n-gram with a code (its row, or ``-2 - row`` for a key of the overflow
      list), so one memory access answers almost always;
    * the character ids of all the texts of a batch come from one encoded string.

    :meth:`build` returns None for models it cannot pack (n-grams longer than 5
    characters, half a million keys or more); those use the model's own table.
    """

    ORDER_BITS = 40  # the n-gram's characters (8 bits each, at most 5) below, its order above
    CODE_SHIFT = 43  # a signed 21-bit code above: the row, or -2 - row for an overflow key
    MAX_ROWS = 1 << 19
    SPARE = 64  # buckets after the end, so probing never wraps around

    def __init__(self, featurizer: Featurizer, uni: np.ndarray, bi: np.ndarray, table: np.ndarray, bits: int) -> None:
        import numpy as np

        self.featurizer = featurizer
        self.max_order = featurizer.max_order
        self.uni = uni  # int32[256]: code of each 1-gram, -1 when unknown
        self.bi = bi  # int32[65536]
        self.table = table  # buckets x 2 uint64 entries, 0 = empty
        self.shift = np.uint64(64 - bits)
        self.ids_table = featurizer._table.astype(np.uint8)
        self.key_mask = np.uint64((1 << self.CODE_SHIFT) - 1)
        self.tags = [np.uint64(n << self.ORDER_BITS) for n in range(max(self.max_order + 1, 3))]

    @classmethod
    def build(cls, keys: np.ndarray, overflow: np.ndarray, featurizer: Featurizer) -> _FastLookup | None:
        import numpy as np

        n = len(keys)
        if featurizer.max_order > 5 or n >= cls.MAX_ROWS:
            return None
        order = (keys >> np.uint64(ORDER_SHIFT)).astype(np.int64)
        chars = keys & np.uint64((1 << ORDER_SHIFT) - 1)
        limits = np.array([0, 1 << 8, 1 << 16, 1 << 40, 1 << 40, 1 << 40], dtype=np.uint64)
        if (order < 1).any() or (order > featurizer.max_order).any() or (chars >= limits[order]).any():
            return None  # a key the packing cannot hold
        code = np.arange(n, dtype=np.int64)
        code[overflow] = -2 - code[overflow]
        if (code[order <= 2] < 0).any():  # not the case for sorted keys; keep the model's table then
            return None
        uni = np.full(256, -1, dtype=np.int32)
        bi = np.full(1 << 16, -1, dtype=np.int32)
        uni[chars[order == 1].astype(np.int64)] = code[order == 1]
        bi[chars[order == 2].astype(np.int64)] = code[order == 2]
        long = order >= 3
        packed = (chars[long] | (order[long].astype(np.uint64) << np.uint64(cls.ORDER_BITS))) | (
            code[long] << cls.CODE_SHIFT
        ).view(np.uint64)
        # buckets of two entries, about 5 slots per key; a full bucket sends keys to the next
        bits = max(10, math.ceil(math.log2(max(len(packed), 1) * 2.5)))
        table = np.zeros(((1 << bits) + cls.SPARE, 2), dtype=np.uint64)
        key_mask = np.uint64((1 << cls.CODE_SHIFT) - 1)
        bucket = (((packed & key_mask) * np.uint64(_MUL)) >> np.uint64(64 - bits)).astype(np.int64)
        fill = np.zeros(len(table), dtype=np.int64)
        todo = np.arange(len(packed))
        while len(todo):  # one key per bucket and round; a key moves on only past a full bucket
            at = bucket[todo]
            if at.max() >= len(table):
                return None
            _, first = np.unique(at, return_index=True)
            room = fill[at[first]] < 2
            take, where = todo[first[room]], at[first[room]]
            table[where, fill[where]] = packed[take]
            fill[where] += 1
            placed = np.zeros(len(todo), dtype=bool)
            placed[first[room]] = True
            todo, at = todo[~placed], at[~placed]
            bucket[todo] += fill[at] >= 2
        return cls(featurizer, uni, bi, table, bits)

    def _find(self, q: np.ndarray) -> np.ndarray:
        """Codes of the packed n-grams ``q``: row, ``-2 - row`` (overflow list) or -1 (unknown)."""
        import numpy as np

        buckets = ((q * np.uint64(_MUL)) >> self.shift).view(np.int64)
        pair = self.table.take(buckets, axis=0)
        first = (pair[:, 0] & self.key_mask) == q
        entries = np.where(first, pair[:, 0], pair[:, 1])
        found = first | ((pair[:, 1] & self.key_mask) == q)
        pending = np.flatnonzero(~found & (pair[:, 1] != 0))
        step = 1
        while len(pending):  # rare: a full bucket without the key
            pair = self.table.take(buckets[pending] + step, axis=0)
            first = (pair[:, 0] & self.key_mask) == q[pending]
            hit = first | ((pair[:, 1] & self.key_mask) == q[pending])
            entries[pending[hit]] = np.where(first, pair[:, 0], pair[:, 1])[hit]
            found[pending[hit]] = True
            pending = pending[~hit & (pair[:, 1] != 0)]
            step += 1
        return np.where(found, entries.view(np.int64) >> self.CODE_SHIFT, -1)

    def _codes(self, ids: np.ndarray, n_pos: int) -> np.ndarray:
        """Codes of every n-gram, positions x orders, flattened (the model's key order)."""
        import numpy as np

        m = self.max_order
        grid = np.empty((n_pos, m), dtype=np.int32)
        grid[:, 0] = self.uni.take(ids[:n_pos])
        if m >= 2:
            key = ids[:n_pos].astype(np.uint64)
            key <<= np.uint64(8)
            key |= ids[1 : n_pos + 1]
            grid[:, 1] = self.bi.take(key.view(np.int64))
        if m >= 3:
            q = np.empty((n_pos, m - 2), dtype=np.uint64)
            for n in range(2, m):
                key <<= np.uint64(8)
                key |= ids[n : n + n_pos]
                np.bitwise_or(key, self.tags[n + 1], out=q[:, n - 2])
            grid[:, 2:] = self._find(q.ravel()).reshape(n_pos, m - 2)
        return grid.ravel()

    def text_rows(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the known n-grams of each model text, concatenated in the order of the
        model's own lookup (``NgramModel.raw_scores_many``), and the number per text."""
        import numpy as np

        m = self.max_order
        pad = m - 1
        n_texts = len(texts)
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n_texts)
        # each text: a space, the text, a space, then padding; one encoding for all
        joined = " " + (" " * (pad + 2)).join(texts) + " " * (pad + 1)
        codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        ids = self.ids_table.take(np.minimum(codes, TABLE_SIZE))
        starts = np.zeros(n_texts + 1, dtype=np.int64)
        np.cumsum(lengths + (pad + 2), out=starts[1:])
        if pad:
            ids[((starts[:-1] + lengths + 2)[:, None] + np.arange(pad)).ravel()] = PAD_ID
        n_pos = len(ids) - pad
        flat = self._codes(ids, n_pos)
        starts[-1] = n_pos
        starts *= m
        direct = np.flatnonzero(flat >= 0)
        counts = np.diff(np.searchsorted(direct, starts))
        rows = flat[direct]
        late = np.flatnonzero(flat < -1)
        if len(late):  # overflow keys: after the others of their text
            late_counts = np.diff(np.searchsorted(late, starts))
            out = np.empty(len(rows) + len(late), dtype=np.int32)
            before = np.cumsum(late_counts) - late_counts  # overflow keys of the texts before
            out[np.arange(len(rows)) + np.repeat(before, counts)] = rows
            out[np.arange(len(late)) + np.repeat(np.cumsum(counts), late_counts)] = -2 - flat[late]
            return out, counts + late_counts
        return rows, counts


@functools.cache
def load_model() -> NgramModel:
    """The shipped model, loaded on first use and kept for the life of the process."""
    data = importlib.resources.files("toolkit").joinpath("data", "langid", RESOURCE).read_bytes()
    return NgramModel.load(io.BytesIO(data))
