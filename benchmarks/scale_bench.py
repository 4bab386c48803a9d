"""Does the time per file stay flat as folders grow? `convert` of plain text and of NewsML-G2
items, and a `watch --once` backlog, at growing sizes.

    python benchmarks/scale_bench.py           # 250, 1,000, 4,000 files; watch backlog 1,000 and 5,000
    python benchmarks/scale_bench.py --full    # 1k, 4k, 16k files; watch backlog 1k, 5k, 20k
    python benchmarks/scale_bench.py --sizes 1000,16000 --watch-sizes 20000 --kinds newsml

Each size runs `toolkit` as a separate process on a fresh folder (one file per document,
`-f jsonl` by default: the output format costs the same per document at any size, and a
light one shows per-file overheads better). A run of one file, measured in the same session,
is the start-up cost: the figure per file is (time - start-up) / files, wall and CPU (user +
sys: the machine may be shared). The verdict compares the largest size with the smallest:
linear work keeps the ratio near 1 (the target is at most 1.5).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _corpus import SAMPLES, write_corpus

TARGET = 1.5
NEWSML_TEMPLATE = SAMPLES / "feeds" / "newsml" / "tr_item.xml"


def write_newsml(folder: Path, n: int) -> Path:
    """n distinct NewsML-G2 newsItems (a guid and a paragraph of their own), one per file."""
    folder.mkdir(parents=True, exist_ok=True)
    template = NEWSML_TEMPLATE.read_text("utf-8")
    guid = re.search(r'guid="([^"]+)"', template).group(1)  # type: ignore[union-attr]
    for i in range(n):
        item = template.replace(guid, f"{guid}-{i}").replace(
            "</body>", f"<p>Bülten {i}: haber güncellendi, ayrıntılar {i} numaralı dosyada.</p></body>"
        )
        (folder / f"{i:06d}_item.xml").write_text(item, "utf-8")
    return folder


CORPORA = {"text": write_corpus, "newsml": write_newsml}


def timed(cmd: list[str], limit: float) -> tuple[float, float, bool]:
    """(wall seconds, CPU seconds, finished within ``limit``) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=limit, check=False)
        ok = proc.returncode == 0
        if not ok:
            print(proc.stderr.decode(errors="replace")[-2000:], file=sys.stderr)
    except subprocess.TimeoutExpired:
        ok = False
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), ok


def measure(kind: str, mode: str, n: int, root: Path, args: argparse.Namespace) -> tuple[float, float, bool]:
    """Run `convert` (or `watch --once`) on n fresh files of ``kind``; (wall, CPU, ok)."""
    work = root / f"{mode}-{kind}-{n}"
    inbox = CORPORA[kind](work / "in", n)
    out = work / "out"
    py = [sys.executable, "-m", "toolkit"]
    if mode == "convert":
        cmd = [*py, "convert", str(inbox), "-o", str(out), "-f", args.format, "--jobs", str(args.jobs)]
    else:
        cmd = [*py, "watch", str(inbox), "-o", str(out), "-f", args.format, "--once", "--settle", "0"]
    wall, cpu, ok = timed(cmd, args.limit)
    if ok:
        written = sum(1 for p in out.iterdir() if p.is_file() and p.name not in ("failures.jsonl", "index.ndjson"))
        ok = written >= n
        if not ok:
            print(f"  ! {mode} {kind} {n}: only {written} outputs", file=sys.stderr)
    shutil.rmtree(work, ignore_errors=True)
    return wall, cpu, ok


def series(kind: str, mode: str, sizes: list[int], root: Path, args: argparse.Namespace) -> None:
    base_wall, base_cpu, _ = measure(kind, mode, 1, root, args)
    print(f"\n{mode} {kind} (start-up: {base_wall:.2f} s wall, {base_cpu:.2f} s CPU)")
    print(f"  {'files':>7}  {'wall s':>8}  {'ms/file':>8}  {'CPU s':>8}  {'CPU ms/file':>11}  {'files/s':>8}")
    per_file: list[tuple[int, float, float]] = []
    for n in sizes:
        wall, cpu, ok = measure(kind, mode, n, root, args)
        if not ok:
            print(f"  {n:>7}  {wall:>8.1f}  did not finish (limit {args.limit:.0f} s, or failed)")
            per_file.append((n, float("inf"), float("inf")))
            continue
        w, c = (wall - base_wall) / n * 1000, (cpu - base_cpu) / n * 1000
        per_file.append((n, w, c))
        print(f"  {n:>7}  {wall:>8.1f}  {w:>8.2f}  {cpu:>8.1f}  {c:>11.2f}  {n / wall:>8.0f}")
    if len(per_file) >= 2:
        (n0, w0, c0), (n1, w1, c1) = per_file[0], per_file[-1]
        ratio_w, ratio_c = w1 / w0, c1 / c0
        verdict = "flat" if max(ratio_w, ratio_c) <= TARGET else f"NOT flat (target <= {TARGET})"
        print(f"  time per file {n1} / {n0}: {ratio_w:.2f} (wall), {ratio_c:.2f} (CPU): {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the full sizes: 1k, 4k, 16k; watch 1k, 5k, 20k")
    parser.add_argument("--sizes", help="comma-separated file counts for convert")
    parser.add_argument("--watch-sizes", help="comma-separated file counts for the watch backlog (0: none)")
    parser.add_argument("--kinds", default="text,newsml", help="text, newsml, both, or none ('')")
    parser.add_argument("--format", default="jsonl", help="output format [jsonl]")
    parser.add_argument("--jobs", type=int, default=1, help="convert --jobs [1]")
    parser.add_argument("--limit", type=float, default=900, help="seconds before a run is stopped [900]")
    parser.add_argument("--tmp", default=None, help="scratch folder (default: system temp)")
    args = parser.parse_args()
    sizes = [int(s) for s in (args.sizes or ("1000,4000,16000" if args.full else "250,1000,4000")).split(",")]
    watch = [int(s) for s in (args.watch_sizes or ("1000,5000,20000" if args.full else "1000,5000")).split(",")]
    watch = [n for n in watch if n > 0]
    print("load average {:.2f} {:.2f} {:.2f} at the start; {} CPUs".format(*os.getloadavg(), os.cpu_count()))
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        root = Path(tmp)
        for kind in filter(None, args.kinds.split(",")):
            series(kind, "convert", sizes, root, args)
        if watch:
            series("text", "watch", watch, root, args)
    print("\nload average {:.2f} {:.2f} {:.2f} at the end".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
