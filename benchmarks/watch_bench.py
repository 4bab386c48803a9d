"""Throughput of `toolkit watch` against `toolkit convert` on the same files (no translation).

    python benchmarks/watch_bench.py [--docs 1000] [--repeat 3]

Both run as separate processes over identical copies of one corpus, in the same run; the
watcher is measured in `--once` mode with `--settle 0` (the files are complete before it
starts), so the figure compares processing paths, not how long files take to settle.
Wall and CPU time (user + sys of the process) are both reported: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _corpus import write_corpus


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tmp", default=None, help="scratch folder (default: system temp)")
    args = parser.parse_args()
    py = [sys.executable, "-m", "toolkit"]
    print("load average {:.2f} {:.2f} {:.2f} at the start".format(*os.getloadavg()))
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        root = Path(tmp)
        corpus = write_corpus(root / "corpus", args.docs)
        conv, watch = [], []
        for i in range(args.repeat):
            a, b = root / f"a{i}", root / f"b{i}"
            shutil.copytree(corpus, a / "in")
            shutil.copytree(corpus, b / "inbox")
            conv.append(timed([*py, "convert", str(a / "in"), "-o", str(a / "out")]))
            watch.append(timed([*py, "watch", str(b / "inbox"), "-o", str(b / "out"), "--once", "--settle", "0"]))
            n_conv = len(list((a / "out").glob("*")))
            n_watch = len(list((b / "out").glob("*")))
            assert n_conv == n_watch, (n_conv, n_watch)
        (best_c, cpu_c), (best_w, cpu_w) = min(conv), min(watch)
        for name, wall, cpu in (("convert", best_c, cpu_c), ("watch --once", best_w, cpu_w)):
            print(f"{name}: {args.docs / wall:.0f} docs/s (best of {args.repeat}: {wall:.2f} s, CPU {cpu:.2f} s)")
        print(f"watch / convert throughput: {best_c / best_w:.2f} (wall), {cpu_c / cpu_w:.2f} (CPU)")
    print("load average {:.2f} {:.2f} {:.2f} at the end".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
