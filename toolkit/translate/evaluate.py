"""``toolkit models evaluate``: score an installed model on source/reference pairs.

chrF and BLEU are sacrebleu's corpus scores (``pip install 'toolkit[evaluate]'``), on the
model's output for each source line (one line, one segment: sentences are not split, so the
segments line up with the references). The speed is sentences per second of decoding, model
loading excluded (it is timed apart).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, InputError
from .langs import LanguageCodeError, checked


@dataclass
class Evaluation:
    model: str
    source: str
    target: str
    chrf: float
    bleu: float
    sentences: int
    seconds: float
    load_seconds: float
    hypotheses: list[str] = field(repr=False, default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "from": self.source,
            "to": self.target,
            "chrf": round(self.chrf, 2),
            "bleu": round(self.bleu, 2),
            "sentences": self.sentences,
            "seconds": round(self.seconds, 3),
            "sentences_per_second": round(self.sentences / self.seconds, 1) if self.seconds else None,
            "load_seconds": round(self.load_seconds, 3),
            "metrics": "sacrebleu corpus_chrf / corpus_bleu (default settings)",
        }


def read_pairs(path: str | Path) -> list[tuple[str, str]]:
    """``source<TAB>reference`` lines; blank lines skipped; a line without a tab is an error."""
    where = str(path)
    try:
        text = Path(path).read_text("utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=where) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", path=where) from None
    pairs = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if "\t" not in line:
            raise InputError(f"line {number}: expected SOURCE<TAB>REFERENCE", path=where)
        src, ref = line.split("\t", 1)
        pairs.append((src.strip(), ref.strip()))
    if not pairs:
        raise InputError("no source/reference pairs", path=where)
    return pairs


def scores(hypotheses: list[str], references: list[str]) -> tuple[float, float]:
    """(chrF, BLEU) with sacrebleu's defaults."""
    try:
        import sacrebleu
    except ImportError:
        raise ConfigError("scoring needs sacrebleu: pip install 'toolkit[evaluate]'") from None
    chrf = sacrebleu.corpus_chrf(hypotheses, [references]).score
    bleu = sacrebleu.corpus_bleu(hypotheses, [references]).score
    return float(chrf), float(bleu)


def evaluate_model(
    name: str,
    pairs: list[tuple[str, str]],
    source: str,
    target: str,
    *,
    models_dir: str | None = None,
    argos_dirs: list[str] | None = None,
    beam_size: int = 2,
    threads: int | None = None,
) -> Evaluation:
    from .engine import CT2Engine, DecodeOptions
    from .store import ModelStore

    try:
        src, tgt = checked(source), checked(target)
    except LanguageCodeError as exc:
        raise ConfigError(f"models evaluate: {exc}") from None
    package = ModelStore(models_dir, argos_dirs=argos_dirs).get(name)
    if not package.covers(src, tgt):
        raise ConfigError(f"models evaluate: {name} does not translate {src} -> {tgt} (it covers {package.pairs()})")
    scores([""], [""])  # sacrebleu present? (fail before the model loads)
    engine = CT2Engine(threads=threads, options=DecodeOptions(beam_size=beam_size), cache_size=0)
    started = time.perf_counter()
    engine.translator(package)  # load apart from the timing
    loaded = time.perf_counter()
    hypotheses = engine.translate(package, src, tgt, [s for s, _ in pairs])
    seconds = time.perf_counter() - loaded
    chrf, bleu = scores(hypotheses, [r for _, r in pairs])
    return Evaluation(name, src, tgt, chrf, bleu, len(pairs), seconds, loaded - started, hypotheses)
