"""Benchmark of the ``clean`` processor.

Plain text: documents per second on one core for seed-sized pages (the text samples,
about 2-5 KB each), with two references measured in the same run and printed as ratios:
the ``segment`` processor (split into paragraphs, no cleaning) and a bare
``str.split`` over blank lines.

HTML: the boilerplate DEV set scorer (``../shared/boilerplate/score.py``) for our
extractor (trafilatura + the text rules) and for trafilatura alone: token and shingle
P/R/F1, required snippets kept (``with``), boilerplate snippets wrongly kept
(``without``), pages per second, and the CPU time of each on the same pages in the same
run (the speed ratio ours / trafilatura; goal >= 1.0x).

    python benchmarks/clean_bench.py                 # both parts
    python benchmarks/clean_bench.py --text-only --seconds 5
    python benchmarks/clean_bench.py --html-limit 100
    python benchmarks/clean_bench.py --text-pages     # plain-text quality on real sites' text
    python benchmarks/clean_bench.py --synthetic-pages [--seed 1] [--per-language 90] [--show-failures 5]
        # plain-text pages in seven languages: lexicon-known, held-out and fresh boilerplate wording
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from toolkit.document import Document  # noqa: E402
from toolkit.io.decode import decode  # noqa: E402
from toolkit.processors.clean import Clean  # noqa: E402
from toolkit.processors.segment import Segment  # noqa: E402

SHARED = Path(os.environ.get("TOOLKIT_SHARED", ROOT.parent / "shared"))


def text_pages() -> list[str]:
    pages = []
    for path in sorted((ROOT / "samples").glob("*.txt")):
        pages.append(decode(path.read_bytes()).text)
    return pages


def rate(fn: Callable[[str], object], pages: list[str], seconds: float) -> tuple[float, int]:
    """Documents per CPU second of ``fn`` over ``pages`` (repeated for at least ``seconds``).

    CPU time of this process (``time.process_time``), not wall time: on a shared machine
    the figure does not drop when other processes take the core.
    """
    for page in pages:  # warm-up: caches, compiled patterns
        fn(page)
    done = 0
    gc.collect()
    start = time.process_time()
    while True:
        for page in pages:
            fn(page)
        done += len(pages)
        elapsed = time.process_time() - start
        if elapsed >= seconds:
            return done / elapsed, done


def bench_text(seconds: float) -> None:
    for label, pages in (("the two seeds", text_pages()[:2]), ("all text samples", text_pages())):
        bench_pages(label, pages, seconds)


def bench_pages(label: str, pages: list[str], seconds: float) -> None:
    clean, segment = Clean(), Segment()
    size = sum(len(p.encode("utf-8")) for p in pages) / len(pages)
    print(f"plain text, {label}: {len(pages)} pages, mean {size / 1024:.1f} KiB, one core, >= {seconds:.0f} s each")

    def run_clean(page: str) -> object:
        return clean(Document(id="x", raw=page))

    def run_segment(page: str) -> object:
        return segment(Document(id="x", raw=page))

    def run_split(page: str) -> object:
        return [b.strip() for b in page.split("\n\n") if b.strip()]

    results = {}
    for name, fn in (("clean", run_clean), ("segment (reference)", run_segment), ("str.split (baseline)", run_split)):
        docs_s, n = rate(fn, pages, seconds)
        results[name] = docs_s
        print(f"  {name:<22} {docs_s:10,.0f} docs per CPU second  ({n} docs)")
    ref = results["segment (reference)"]
    base = results["str.split (baseline)"]
    print(f"  clean / segment = {results['clean'] / ref:.3f}   clean / str.split = {results['clean'] / base:.4f}")
    print(f"  target >= 2,000 docs/s: {'met' if results['clean'] >= 2000 else 'NOT met'}")

    def run_batch(_page: str) -> object:
        return list(clean.pipe([Document(id=str(i), raw=p, source=f"site/{i}.txt") for i, p in enumerate(pages)]))

    batch_s, _ = rate(run_batch, [""], seconds)
    print(f"  clean.pipe (cross-document pass, batches of {len(pages)}): {batch_s * len(pages):,.0f} docs/s")


def bench_html(limit: int | None) -> None:
    root = SHARED / "boilerplate"
    score_py = root / "score.py"
    if not score_py.exists():
        print(f"html: skipped ({score_py} not found; set TOOLKIT_SHARED)")
        return
    spec = importlib.util.spec_from_file_location("boilerplate_score", score_py)
    assert spec and spec.loader
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    items = score.load_dataset("wcxb-dev-article", root, limit)
    from toolkit.processors.clean.html import html_to_text

    print(f"html: boilerplate DEV set, {len(items)} pages (scored with {score_py})")
    columns = ("tok_P", "tok_R", "tok_F1", "sh_F1", "with", "w/out")
    print(f"  {'extractor':<30} " + " ".join(f"{c:>6}" for c in columns) + f" {'empty':>5} {'pg/cpu-s':>8}")
    extractors = {"toolkit clean (ours)": html_to_text, "trafilatura alone": score._builtin("trafilatura")}
    # timing: the two extractors page by page, in alternating order, so that both see the same
    # load on a shared machine (CPU time, which other processes inflate less than wall time)
    cpu = dict.fromkeys(extractors, 0.0)
    outputs: dict[str, dict[int, str]] = {name: {} for name in extractors}
    for fn in extractors.values():  # warm-up: imports, caches
        fn(items[0]["html"], url=items[0]["url"])
    for i, item in enumerate(items):
        order = list(extractors) if i % 2 == 0 else list(reversed(extractors))
        for name in order:
            start = time.process_time()
            out = extractors[name](item["html"], url=item["url"])
            cpu[name] += time.process_time() - start
            outputs[name][id(item["html"])] = out or ""
    results = {}
    for name in extractors:
        done = outputs[name]
        res = score.evaluate(lambda html, url=None, done=done: done[id(html)], items, keep_outputs=True)
        res["pages_s"] = len(items) / cpu[name] if cpu[name] else 0.0
        results[name] = res
        print(
            f"  {name:<30} {res['tok_P']:6.3f} {res['tok_R']:6.3f} {res['tok_F1']:6.3f} {res['sh_F1']:6.3f} "
            f"{res['with'] or 0:6.3f} {res['without'] or 0:6.3f} {res['empty']:5d} {res['pages_s']:6.1f}"
        )
    ours, theirs = results["toolkit clean (ours)"], results["trafilatura alone"]
    print(f"  token F1 ours / trafilatura = {ours['tok_F1'] / theirs['tok_F1']:.4f}")
    a, b = cpu["toolkit clean (ours)"], cpu["trafilatura alone"]
    print(
        f"  CPU: ours {a:.2f} s, trafilatura {b:.2f} s on the same {len(items)} pages (interleaved): "
        f"speed ours / trafilatura = {b / a:.3f}x (goal >= 1.0x)"
    )
    kept = dropped = both_kept = both_dropped = 0
    examples: dict[str, list[str]] = {"kept by ours only": [], "dropped by ours only": []}
    for item in items:
        a, b = score._norm(ours["outputs"][item["id"]]), score._norm(theirs["outputs"][item["id"]])
        for snippet in item["without"] or []:  # boilerplate: should be dropped
            s = score._norm(snippet)
            if s in b and s not in a:
                dropped += 1
                if len(examples["dropped by ours only"]) < 5:
                    examples["dropped by ours only"].append(snippet[:70])
            both_kept += s in a and s in b
        for snippet in item["with"] or []:  # body: should be kept
            s = score._norm(snippet)
            if s in a and s not in b:
                kept += 1
                if len(examples["kept by ours only"]) < 5:
                    examples["kept by ours only"].append(snippet[:70])
            both_dropped += s not in a and s not in b
    lost = sum(
        1
        for item in items
        for s in (score._norm(x) for x in item["with"] or [])
        if s in score._norm(theirs["outputs"][item["id"]]) and s not in score._norm(ours["outputs"][item["id"]])
    )
    print(f"  boilerplate snippets trafilatura keeps and we drop: {dropped} (both keep {both_kept})")
    print(f"  body snippets we keep and trafilatura drops: {kept}; body snippets we lose that it keeps: {lost}")
    for what, snippets in examples.items():
        for s in snippets:
            print(f"    {what}: {s!r}")


def bench_text_pages(limit: int | None) -> None:
    """Plain-text cleaning on real sites' text: each DEV page as a scraper saves it (its title
    twice, then the text trafilatura finds in recall mode, which keeps related lists, credits
    and teasers), scored against the page's ground truth. Body precision: kept tokens that are
    in the truth; body recall: truth tokens kept, of those the input had (the cleaner cannot
    keep what the input lacks); title: same words as the true title. Split by site (host
    hash) into a tuning half and a held-out half, both printed."""
    import hashlib
    from collections import Counter
    from urllib.parse import urlsplit

    import trafilatura

    from toolkit.processors.clean.markers import key

    root = SHARED / "boilerplate"
    score_py = root / "score.py"
    if not score_py.exists():
        print(f"text pages: skipped ({score_py} not found)")
        return
    spec = importlib.util.spec_from_file_location("boilerplate_score", score_py)
    assert spec and spec.loader
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    items = score.load_dataset("wcxb-dev-article", root, limit)
    titles = {}
    for line in (root / "wcxb-dev-article" / "ground-truth.jsonl").read_text("utf-8").splitlines():
        r = __import__("json").loads(line)
        titles[r["id"]] = r.get("title") or ""
    clean = Clean(cross_document=False)
    sums: dict[str, list[float]] = {"tune": [0, 0, 0, 0, 0], "held-out": [0, 0, 0, 0, 0]}
    for it in items:
        title = titles.get(it["id"]) or ""
        body = trafilatura.extract(it["html"], favor_recall=True) or ""
        if not title or not body:
            continue
        raw = f"{title}\n\n{title}\n\n" + "\n\n".join(line for line in body.splitlines() if line.strip())
        host = urlsplit(it["url"] or "").hostname or it["id"]
        part = "held-out" if hashlib.sha1(host.encode()).digest()[0] % 2 else "tune"
        try:
            doc = clean(Document(id=it["id"], raw=raw))
            kept = " ".join(p.text for p in doc.paragraphs)
            got_title = doc.title or ""
        except Exception:  # an empty result counts as nothing kept
            kept, got_title = "", ""
        truth = Counter(score.tokens(it["truth"]))
        given = Counter(score.tokens(body)) & truth
        out = Counter(score.tokens(kept))
        good = sum((out & truth).values())
        acc = sums[part]
        acc[0] += good / max(1, sum(out.values())) if out else 0.0
        acc[1] += good / max(1, sum(given.values())) if given else 1.0
        acc[2] += key(got_title) == key(title)
        acc[3] += 1
        scraped = Counter(score.tokens(raw))
        acc[4] += sum((scraped & truth).values()) / max(1, sum(scraped.values()))
    print("plain text from real sites (DEV pages as scraped text; split by site):")
    total = [sum(v[i] for v in sums.values()) for i in range(5)]
    for name, acc in [*sums.items(), ("all", total)]:
        n = max(1, acc[3])
        print(
            f"  {name:<9} {int(acc[3]):4d} pages  body precision {acc[0] / n:.3f}  "
            f"body recall {acc[1] / n:.3f}  title right {acc[2] / n:.3f}  (the input's precision {acc[4] / n:.3f})"
        )


def bench_synthetic_pages(seed: int, per_language: int, show: int) -> None:
    """Plain-text cleaning on synthetic scraped pages (``benchmarks/synthetic_pages.py``): real
    sentences in seven languages, boilerplate in lexicon-known wording and in held-out wording
    the lexicons lack. Scored like :func:`bench_text_pages`: body precision (kept tokens that are
    body tokens), body recall (body tokens kept), title right (same key as the true title)."""
    from collections import Counter

    from toolkit.processors.clean.markers import key

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from synthetic_pages import LANGS, WORDINGS, build_pages

    train = SHARED / "langid" / "train"
    if not train.is_dir():
        print(f"synthetic pages: skipped ({train} not found)")
        return
    spec = importlib.util.spec_from_file_location("boilerplate_score", SHARED / "boilerplate" / "score.py")
    assert spec and spec.loader
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    pages, dropped = build_pages(train, seed=seed, per_language=per_language)
    for lang, seen in dropped.items():
        if seen:
            print(f"  ({lang}: unseen-set phrases the lexicons know, not used: {', '.join(seen)})")
    clean = Clean(cross_document=False)
    sums: dict[tuple[str, str], list[float]] = {}
    failures: list[tuple[str, str, str]] = []
    for i, page in enumerate(pages):
        try:
            doc = clean(Document(id=str(i), raw=page.raw))
            kept = " ".join(p.text for p in doc.paragraphs)
            got_title = doc.title or ""
        except Exception:  # an empty result counts as nothing kept
            kept, got_title = "", ""
        truth = Counter(score.tokens(" ".join(page.body)))
        out = Counter(score.tokens(kept))
        good = sum((out & truth).values())
        prec = good / max(1, sum(out.values())) if out else 0.0
        rec = good / max(1, sum(truth.values()))
        right = key(got_title) == key(page.title)
        for group in ((page.lang, page.wording), ("all", page.wording)):
            acc = sums.setdefault(group, [0.0, 0.0, 0.0, 0])
            acc[0] += prec
            acc[1] += rec
            acc[2] += right
            acc[3] += 1
        if (prec < 1 or rec < 1 or not right) and len(failures) < show:
            failures.append((page.lang, page.wording, f"P {prec:.3f} R {rec:.3f} title {got_title!r}\n{page.raw}"))
    print(
        f"plain text, synthetic pages (seed {seed}, {per_language} per language, wording in turn: "
        f"{' / '.join(WORDINGS)}):"
    )
    print(f"  {'lang':<8} {'wording':<9} {'pages':>5} {'precision':>9} {'recall':>7} {'title':>6}")
    for lang in [*LANGS, "all"]:
        for wording in WORDINGS:
            acc = sums.get((lang, wording))
            if not acc:
                continue
            n = acc[3]
            print(f"  {lang:<8} {wording:<9} {n:5d} {acc[0] / n:9.3f} {acc[1] / n:7.3f} {acc[2] / n:6.3f}")
    for lang, wording, text in failures:
        print(f"--- failure ({lang}, {wording}): {text}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=3.0, help="minimum timing per text measurement")
    ap.add_argument("--html-limit", type=int, help="first N pages of the DEV set only")
    ap.add_argument("--text-only", action="store_true")
    ap.add_argument("--html-only", action="store_true")
    ap.add_argument("--text-pages", action="store_true", help="only the plain-text quality on real sites' text")
    ap.add_argument("--synthetic-pages", action="store_true", help="only the synthetic seven-language text pages")
    ap.add_argument("--seed", type=int, default=1, help="seed of the synthetic pages")
    ap.add_argument("--per-language", type=int, default=90, help="synthetic pages per language")
    ap.add_argument("--show-failures", type=int, default=0, help="print this many failing synthetic pages")
    args = ap.parse_args()
    if args.synthetic_pages:
        bench_synthetic_pages(args.seed, args.per_language, args.show_failures)
        return
    if args.text_pages:
        bench_text_pages(args.html_limit)
        return
    if not args.html_only:
        bench_text(args.seconds)
    if not args.text_only:
        bench_html(args.html_limit)
        bench_text_pages(args.html_limit)


if __name__ == "__main__":
    main()
