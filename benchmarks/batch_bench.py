"""Batch path: `convert --jobs 2` vs `--jobs 1`, memory with 1,000 vs 10,000 documents, docs/s.

    python benchmarks/batch_bench.py [--docs 2000] [--big 10000] [--small 1000]

Every figure is measured in this run; ratios are against the reference measured here.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _corpus import write_corpus

RSS_PROBE = """
import resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], capture_output=True)
print(proc.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def convert(src: Path, out: Path, *extra: str) -> tuple[float, int, int]:
    """Run `toolkit convert`; return (seconds, exit code, peak RSS in KiB of the largest process)."""
    cmd = [
        sys.executable,
        "-c",
        RSS_PROBE,
        sys.executable,
        "-m",
        "toolkit",
        "convert",
        str(src),
        "-o",
        str(out),
        *extra,
    ]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    code, rss = map(int, proc.stdout.split())
    return seconds, code, rss


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--big", type=int, default=10000)
    parser.add_argument("--format", default=None, help="output format (default: convert's default)")
    args = parser.parse_args()
    fmt = ["--format", args.format] if args.format else []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        src = write_corpus(root / "docs", args.docs)
        convert(src, root / "warmup", *fmt)  # warm the page cache and imports
        t1, c1, _ = convert(src, root / "j1", "--jobs", "1", *fmt)
        t2, c2, _ = convert(src, root / "j2", "--jobs", "2", *fmt)
        same = tree(root / "j1") == tree(root / "j2")
        print(f"jobs=1: {args.docs} docs in {t1:.2f} s = {args.docs / t1:.0f} docs/s (exit {c1})")
        print(f"jobs=2: {args.docs} docs in {t2:.2f} s = {args.docs / t2:.0f} docs/s (exit {c2})")
        print(f"speed-up jobs 2 vs 1: {t1 / t2:.2f}x; identical outputs: {same}")

        seeds = write_corpus(root / "seeds", args.docs, seed_sized=True)
        ts, _, _ = convert(seeds, root / "seeds-out", "--jobs", "1", *fmt)
        print(f"end-to-end on seed-sized pages, one process: {args.docs / ts:.0f} docs/s (process start included)")

        small = write_corpus(root / "small", args.small)
        big = write_corpus(root / "big", args.big)
        _, _, rss_small = convert(small, root / "small-out", "--jobs", "1", *fmt)
        _, _, rss_big = convert(big, root / "big-out", "--jobs", "1", *fmt)
        print(
            f"peak RSS: {args.small} docs {rss_small / 1024:.1f} MiB, {args.big} docs {rss_big / 1024:.1f} MiB "
            f"(ratio {rss_big / rss_small:.3f})"
        )


if __name__ == "__main__":
    main()
