"""Language identification benchmark: accuracy per bucket and speed, per engine.

Runs every engine of ``toolkit.langid`` and the raw references (py3langid and langdetect
as shipped, pycld2 when installed) on the labelled dev set, in the same process, and
prints accuracy per length bucket, on the hard language groups, and milliseconds per
1,000 texts (one core, best of ``--repeat`` passes after a warm-up), with the ratio to raw
py3langid measured in the same run (machines are noisy: compare ratios).

    python benchmarks/langid_bench.py [--data ../shared/langid/dev.tsv] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATA = Path(os.environ.get("TOOLKIT_SHARED", ROOT.parent / "shared")) / "langid" / "dev.tsv"

#: Groups of languages that are easy to confuse.
HARD_GROUPS = {
    "kk/ky/tt/ba": ("kk", "ky", "tt", "ba"),
    "uz/tk/az/tr": ("uz", "tk", "az", "tr"),
    "ru/bg/uk/mn/tg": ("ru", "bg", "uk", "mn", "tg"),
}
TARGETS = ("kk", "kk_Latn", "uz", "uz_Cyrl", "ky")


def base(code: str | None) -> str:
    return (code or "??").replace("-", "_").split("_")[0].lower()


def exact(code: str | None) -> str:
    c = (code or "??").replace("-", "_")
    return {"kk_Cyrl": "kk", "uz_Latn": "uz"}.get(c, c)


def raw_py3langid() -> Callable[[str], str]:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE)
    return lambda text: ident.classify(text)[0]


def raw_langdetect() -> Callable[[str], str]:
    """langdetect with its bundled profiles only, in a private factory (seed 0)."""
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
    from langdetect.lang_detect_exception import LangDetectException

    factory = DetectorFactory()
    factory.seed = 0
    factory.load_profile(PROFILES_DIRECTORY)

    def detect(text: str) -> str:
        detector = factory.create()
        detector.append(text)
        try:
            return detector.detect()
        except LangDetectException:
            return "und"

    return detect


def raw_pycld2() -> Callable[[str], str]:
    import pycld2

    def detect(text: str) -> str:
        try:
            return pycld2.detect(text)[2][0][1]
        except pycld2.error:
            return "und"

    return detect


def engine(name: str) -> Callable[[str], str]:
    from toolkit.langid import LanguageIdentifier

    ident = LanguageIdentifier(name)
    return lambda text: ident.identify(text).lang


def rules_only() -> Callable[[str], str]:
    """Layer 1 alone (prepare + analyse): its cost, and its answer when one candidate is left."""
    from toolkit.langid import analyse, prepare, tag_of

    def detect(text: str) -> str:
        a = analyse(prepare(text))
        return tag_of(a.candidates[0]) if len(a.candidates) == 1 else "und"

    return detect


def timed(fns: dict[str, Callable[[str], str]], texts: list[str], repeat: int) -> dict[str, tuple[list[str], float]]:
    """Predictions and ms per 1,000 texts for each function: passes interleaved, best pass kept."""
    for fn in fns.values():
        for text in texts[:20]:
            fn(text)
    best = dict.fromkeys(fns, float("inf"))
    preds: dict[str, list[str]] = {}
    for attempt in range(repeat):
        for name, fn in fns.items():
            if attempt and "langdetect" in name:
                continue  # slow and far off: one pass is enough
            start = time.perf_counter()
            preds[name] = [fn(t) for t in texts]
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: (preds[name], best[name] / len(texts) * 1e6) for name in fns}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-langdetect", action="store_true", help="leave out the two slow langdetect runs")
    args = parser.parse_args(argv)
    if not Path(args.data).is_file():
        print(f"no data: {args.data}", file=sys.stderr)
        return 2
    with open(args.data, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    texts = [r["text"] for r in rows]
    contenders: list[tuple[str, Callable[[], Callable[[str], str]]]] = [
        ("py3langid (raw)", raw_py3langid),
        ("auto", lambda: engine("auto")),
        ("rules+ngram", lambda: engine("rules+ngram")),
        ("rules+py3langid", lambda: engine("rules+py3langid")),
        ("rules only", rules_only),
    ]
    if not args.skip_langdetect:
        contenders += [("langdetect", lambda: engine("langdetect")), ("langdetect (raw)", raw_langdetect)]
    contenders.append(("pycld2 (raw)", raw_pycld2))
    fns: dict[str, Callable[[str], str]] = {}
    for name, make in contenders:
        try:
            fns[name] = make()
        except ImportError as exc:
            print(f"{name}: unavailable ({exc})", file=sys.stderr)
    measured = timed(fns, texts, args.repeat)
    results = [(name, preds, ms) for name, (preds, ms) in measured.items()]
    reference = next(ms for name, _, ms in results if name == "py3langid (raw)")
    header = "| | " + " | ".join(name for name, _, _ in results) + " |"
    print(header)
    print("|---|" + "---|" * len(results))

    def row(label: str, cells: list[str]) -> None:
        print(f"| {label} | " + " | ".join(cells) + " |")

    def accuracy(preds: list[str], keep: Callable[[dict[str, str]], bool]) -> str:
        pairs = [(r, p) for r, p in zip(rows, preds, strict=True) if keep(r)]
        if not pairs:
            return "-"
        return f"{sum(base(p) == base(r['lang']) for r, p in pairs) / len(pairs):.3f}"

    row("**overall**", [f"**{accuracy(p, lambda r: True)}**" for _, p, _ in results])
    for bucket in ("short", "medium", "paragraph"):
        row(f"*{bucket}*", [accuracy(p, lambda r, b=bucket: r["bucket"] == b) for _, p, _ in results])
    for label in TARGETS:
        row(label, [accuracy(p, lambda r, lb=label: r["lang"] == lb) for _, p, _ in results])
    for group, labels in HARD_GROUPS.items():
        row(f"group {group}", [accuracy(p, lambda r, g=labels: r["lang"] in g) for _, p, _ in results])
    script_cells = []
    for _, preds, _ in results:
        ok = [exact(p) == r["lang"] for r, p in zip(rows, preds, strict=True) if base(p) == base(r["lang"])]
        script_cells.append(f"{sum(ok) / len(ok):.3f}" if ok else "-")
    row("script exact (when the language is right)", script_cells)
    row("ms / 1,000 texts", [f"{ms:.0f}" for _, _, ms in results])
    row("× raw py3langid time", [f"{ms / reference:.2f}" for _, _, ms in results])
    print(f"\n{len(rows)} texts from {args.data}; best of {args.repeat} interleaved passes (langdetect: 1).")
    print("Raw references answer in their own label sets (kk_Latn and uz_Cyrl do not exist there).")
    print("'rules only' answers only when the letters leave one candidate (else und): it shows layer 1's cost.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
