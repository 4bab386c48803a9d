"""Build the n-gram model shipped as ``toolkit/data/langid/ngram.npz``.

Usage (from the repository root; the corpus is ``shared/langid/train``)::

    python -m tools.langid.build_ngram [--train DIR] [--output PATH]

Deterministic: the same corpus and parameters give the same file. What it does:

1. Every line goes through the same normalisation as detection (:func:`.ngram.model_text`).
2. The alphabet is every letter seen at least ``MIN_CHAR_COUNT`` times in some language.
3. Each language's character 1-5-grams (within words, edges marked) are counted; the
   ``TOP_PER_ORDER`` most frequent of each order and language form the vocabulary.
4. Weights are add-``ALPHA`` smoothed log-probabilities per order (multinomial naive
   Bayes), centred per n-gram (which changes no decision but makes rows comparable), times
   the weight of their order (``ORDER_WEIGHTS``).

The parameters were chosen on ``shared/langid/dev.tsv`` (never on the training text); see
``benchmarks/langid_bench.py`` for the figures.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from toolkit.langid.ngram import ORDER_SHIFT, OTHER_ID, PAD_ID, SPACE_ID, Featurizer, NgramModel, model_text

from .corpus import Corpus, read_corpus

MAX_ORDER = 5
TOP_PER_ORDER = 3000
ALPHA = 0.5
MIN_CHAR_COUNT = 20
#: Weight of each n-gram order in the sum (1-grams first). Longer n-grams are closer to
#: words and tell languages apart better on short texts: chosen on held-out fragments of
#: the training corpus (1-4 words: 92.5% -> 92.9%), unchanged on dev.
ORDER_WEIGHTS = (0.5, 0.5, 1.0, 1.5, 1.5)
#: Softmax temperature turning summed log-likelihoods into confidences (fitted on dev).
TEMPERATURE = 8.0

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "data" / "langid" / "ngram.npz"


def build_alphabet(texts: dict[str, list[str]], min_count: int = MIN_CHAR_COUNT) -> str:
    keep: set[str] = set()
    for lines in texts.values():
        counts = Counter("".join(lines))
        keep.update(ch for ch, n in counts.items() if n >= min_count and ch.isalpha())
    return "".join(sorted(keep))


def valid_keys(keys, max_order: int):  # type: ignore[no-untyped-def]
    """Mask of keys that are real within-word n-grams of known letters (no inner space, padding or unknown letter)."""
    import numpy as np

    order = (keys >> np.uint64(ORDER_SHIFT)).astype(np.int64)
    valid = np.ones(len(keys), dtype=bool)
    for j in range(max_order):  # j-th character from the right
        byte = ((keys >> np.uint64(8 * j)) & np.uint64(0xFF)).astype(np.int64)
        in_gram = j < order
        from_left = order - 1 - j
        valid &= ~(in_gram & ((byte == PAD_ID) | (byte == OTHER_ID)))
        inner = in_gram & (from_left > 0) & (from_left < order - 1)
        valid &= ~(inner & (byte == SPACE_ID))
    first = ((keys >> (np.uint64(8) * (order.astype(np.uint64) - np.uint64(1)))) & np.uint64(0xFF)).astype(np.int64)
    last = (keys & np.uint64(0xFF)).astype(np.int64)
    valid &= ~((order == 1) & (last == SPACE_ID))
    valid &= ~((order == 2) & (first == SPACE_ID) & (last == SPACE_ID))
    return valid


def count_keys(featurizer: Featurizer, lines: list[str]):  # type: ignore[no-untyped-def]
    """(unique valid keys, their counts) over lines of model text."""
    import numpy as np

    chunks = [featurizer.keys(line) for line in lines]
    allkeys = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.uint64)
    allkeys = allkeys[valid_keys(allkeys, featurizer.max_order)]
    return np.unique(allkeys, return_counts=True)


def build(
    corpus: Corpus,
    *,
    max_order: int = MAX_ORDER,
    top_per_order: int = TOP_PER_ORDER,
    alpha: float = ALPHA,
    temperature: float = TEMPERATURE,
    min_char_count: int = MIN_CHAR_COUNT,
    order_weights: tuple[float, ...] = ORDER_WEIGHTS,
) -> NgramModel:
    import numpy as np

    labels = sorted(corpus.lines)
    texts = {label: [model_text(line) for line in corpus.lines[label]] for label in labels}
    alphabet = build_alphabet(texts, min_char_count)
    featurizer = Featurizer(alphabet, max_order)
    counted = {label: count_keys(featurizer, texts[label]) for label in labels}
    vocab: set[int] = set()
    for keys, counts in counted.values():
        order = keys >> np.uint64(ORDER_SHIFT)
        for n in range(1, max_order + 1):
            sel = order == n
            k, c = keys[sel], counts[sel]
            top = np.lexsort((k, -c))[:top_per_order]  # by count, ties by key: deterministic
            vocab.update(int(x) for x in k[top])
    vocab_keys = np.array(sorted(vocab), dtype=np.uint64)
    vocab_order = (vocab_keys >> np.uint64(ORDER_SHIFT)).astype(np.int64)
    sizes = {n: int((vocab_order == n).sum()) for n in range(1, max_order + 1)}
    weights = np.zeros((len(vocab_keys), len(labels)), dtype=np.float64)
    for j, label in enumerate(labels):
        keys, counts = counted[label]
        at = np.searchsorted(keys, vocab_keys)
        at = np.minimum(at, len(keys) - 1)
        c = np.where(keys[at] == vocab_keys, counts[at], 0).astype(np.float64)
        order = (keys >> np.uint64(ORDER_SHIFT)).astype(np.int64)
        for n in range(1, max_order + 1):
            sel = vocab_order == n
            total = float(counts[order == n].sum())
            weights[sel, j] = np.log((c[sel] + alpha) / (total + alpha * sizes[n]))
    weights -= weights.mean(axis=1, keepdims=True)
    factors = [order_weights[n - 1] if n <= len(order_weights) else order_weights[-1] for n in range(1, max_order + 1)]
    weights *= np.array(factors)[vocab_order - 1][:, None]
    info = {
        "built_by": "tools.langid.build_ngram",
        "corpus_sha256": corpus.digest(),
        "lines": {label: len(corpus.lines[label]) for label in labels},
        "params": {
            "max_order": max_order,
            "top_per_order": top_per_order,
            "alpha": alpha,
            "min_char_count": min_char_count,
            "order_weights": list(order_weights),
        },
    }
    return NgramModel(labels, alphabet, max_order, vocab_keys, weights, temperature=temperature, info=info)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.langid.build_ngram", description=__doc__.split("\n")[0])
    parser.add_argument("--train", help="training corpus folder (default: shared/langid/train)")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="model file to write")
    parser.add_argument("--max-order", type=int, default=MAX_ORDER)
    parser.add_argument("--top", type=int, default=TOP_PER_ORDER, help="n-grams kept per order and language")
    parser.add_argument("--alpha", type=float, default=ALPHA)
    parser.add_argument("--temperature", type=float, default=TEMPERATURE)
    args = parser.parse_args(argv)
    corpus = read_corpus(args.train)
    model = build(
        corpus, max_order=args.max_order, top_per_order=args.top, alpha=args.alpha, temperature=args.temperature
    )
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    model.save(args.output)
    size = Path(args.output).stat().st_size
    print(f"{args.output}: {len(model.keys)} n-grams, {len(model.labels)} labels, {size / 1e6:.2f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
