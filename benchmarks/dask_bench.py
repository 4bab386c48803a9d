"""Dask engine: `convert --dask local:2` vs `--jobs 2` on sample-like documents, in one run.

    python benchmarks/dask_bench.py [--docs 5000] [--repeat 4] [--tmp DIR]

Needs the dask extra (`pip install -e '.[dask]'`). Every figure comes from this run:

* throughput: `python -m toolkit convert DOCS -o OUT --jobs 2` and `... --dask local:2`, run
  one at a time, back to back in pairs (each engine first in turn), best wall time of
  ``--repeat`` each and the median of the pairs' ratios, process start included;
  the NewsML-G2 clock is pinned so both must write byte-identical trees (asserted). The ratio
  dask / jobs is the goal (>= 0.85x); the same ratio beyond each engine's fixed start-up is
  printed beside it.
* CPU seconds per document of each (user + sys of every process of the command, workers
  included), beyond the start-up cost (the same command on 20 documents).
* start-up cost of the cluster: the 20-document command of each engine (the difference is
  what `--dask local:2` pays to start a scheduler, two nannies and two worker processes and
  to set the toolkit up in each), and, measured in this process, the time to start the
  LocalCluster and the time for the first shard to come back (the worker plugin's setup).
* the driver's cost: the same conversion driven from this process (which then also hosts the
  LocalCluster's scheduler): its CPU seconds per document, which bound what one client and
  one scheduler can feed, the number the estimate for N machines rests on.

Machines are noisy: ratios are against the reference measured in this run, and the load
average is printed before and after.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _corpus import write_corpus  # noqa: E402
from batch_bench import PROBE, Run, load, tree  # noqa: E402

NOW = "2024-05-01T12:00:00Z"
GOAL = 0.85
#: Published request rates of one S3 prefix (AWS: "at least 3,500 PUT/COPY/POST/DELETE or
#: 5,500 GET/HEAD requests per second per prefix"), for the estimate.
S3_PUTS, S3_GETS = 3500, 5500


def convert(src: Path, out: Path, config: Path, *extra: str) -> Run:
    cmd = [sys.executable, "-c", PROBE, sys.executable, "-m", "toolkit", "convert", str(src), "-o", str(out)]
    cmd += ["--config", str(config), "--no-progress", *extra]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    code, rss, cpu, kernel = proc.stdout.split()
    if int(code) not in (0, 1):
        raise SystemExit(f"convert failed ({code}): {proc.stderr}")
    return Run(wall, float(cpu), int(rss), int(code), float(kernel))


def driven_here(src: Path, out: Path, docs: int) -> dict[str, float]:
    """The conversion driven from this process: cluster start, first result, driver CPU per document."""
    from toolkit import dask_engine, shards
    from toolkit.config import Config
    from toolkit.worker import OutputSpec

    spec = Config().pipeline_spec()
    start = time.perf_counter()
    with dask_engine.connect("local:2") as (client, _cpus):
        started = time.perf_counter()
        first: list[float] = []
        cpu0, main0 = time.process_time(), time.thread_time()
        t0 = time.perf_counter()

        def seen(_result: object) -> None:
            if not first:
                first.append(time.perf_counter() - t0)

        report = dask_engine.convert(
            [str(src)], spec, OutputSpec(str(out), "newsml", {"now": NOW}), dask=client, on_result=seen
        )
        wall = time.perf_counter() - t0
        cpu, main = time.process_time() - cpu0, time.thread_time() - main0
        idle0, idle_t0 = time.process_time(), time.perf_counter()
        time.sleep(3.0)  # the same cluster doing nothing: its background cost per second
        idle = (time.process_time() - idle0) / (time.perf_counter() - idle_t0)
        listing0 = time.thread_time()
        listed = sum(1 for _ in shards.sources([str(src)], str(out), None))
        listing = time.thread_time() - listing0
        shard_count = -(-docs // (spec.batch_size * shards.SHARD_BATCHES))
    return {
        "cluster": started - start,
        "first": first[0] if first else float("nan"),
        "wall": wall,
        "driver_cpu_per_doc": cpu / max(report.documents, 1),
        "idle_share": idle,
        "per_doc_beyond_idle": max(cpu - idle * wall, 0.0) / max(report.documents, 1),
        "main_cpu_per_doc": main / max(report.documents, 1),
        "listing_cpu_per_doc": listing / max(listed, 1),
        "shards": shard_count,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=4)
    parser.add_argument("--tmp", default=None, help="scratch folder (default: system temp)")
    args = parser.parse_args()
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise SystemExit("needs the dask extra: pip install -e '.[dask]'") from None
    import toolkit

    compileall.compile_dir(Path(toolkit.__file__).parent, quiet=1)
    print(f"{load()} at the start; {os.cpu_count()} CPUs; {args.docs} sample-like documents")
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        root = Path(tmp)
        config = root / "pinned.toml"
        config.write_text(f'[output]\noptions = {{now = "{NOW}"}}\n', encoding="utf-8")
        src = write_corpus(root / "docs", args.docs)
        few = write_corpus(root / "few", 20)
        counter = iter(range(10**6))

        def fresh() -> Path:
            return root / f"out{next(counter)}"

        engines = {"jobs 2": ("--jobs", "2"), "dask local:2": ("--dask", "local:2")}
        convert(src, fresh(), config, "--jobs", "2")  # warm the page cache
        full: dict[str, list[Run]] = {k: [] for k in engines}
        small: dict[str, list[Run]] = {k: [] for k in engines}
        trees = {}
        for i in range(args.repeat):
            names = list(engines) if i % 2 == 0 else list(engines)[::-1]  # each goes first in turn
            for name in names:
                out = fresh()
                full[name].append(convert(src, out, config, *engines[name]))
                small[name].append(convert(few, fresh(), config, *engines[name]))
                trees[name] = tree(out)
        same = trees["jobs 2"] == trees["dask local:2"]
        assert same, "--dask local:2 wrote different outputs from --jobs 2"
        best = {k: min(v, key=lambda r: r.wall) for k, v in full.items()}
        fixed = {k: min(v, key=lambda r: r.wall) for k, v in small.items()}
        n = args.docs
        for name in engines:
            b, f = best[name], fixed[name]
            per_doc = (min(r.cpu for r in full[name]) - min(r.cpu for r in small[name])) / (n - 20)
            print(
                f"{name:>13}: {n} docs in {b.wall:.2f} s = {n / b.wall:.0f} docs/s (CPU {b.cpu:.2f} s); "
                f"start-up (20 docs) {f.wall:.2f} s wall, {f.cpu:.2f} s CPU; beyond it "
                f"{(n - 20) / (b.wall - f.wall):.0f} docs/s, {per_doc * 1000:.3f} ms CPU per document"
            )
        j, d = best["jobs 2"], best["dask local:2"]
        ratio = j.wall / d.wall
        steady = (j.wall - fixed["jobs 2"].wall) / (d.wall - fixed["dask local:2"].wall)
        pairs = sorted(a.wall / b.wall for a, b in zip(full["jobs 2"], full["dask local:2"], strict=True))
        print(
            f"throughput dask local:2 / jobs 2: {ratio:.2f}x end to end (best of each; goal >= {GOAL}x), "
            f"{steady:.2f}x beyond start-up; run by run (back to back): median {statistics.median(pairs):.2f}x, "
            f"{', '.join(f'{p:.2f}' for p in pairs)}; identical outputs: {same}"
        )
        print(
            f"cluster start-up cost: {fixed['dask local:2'].wall - fixed['jobs 2'].wall:.2f} s wall and "
            f"{fixed['dask local:2'].cpu - fixed['jobs 2'].cpu:.2f} s CPU more than --jobs 2 on 20 documents"
        )

        here = driven_here(src, fresh(), n)
        print(
            f"driven from this process: LocalCluster of 2 started in {here['cluster']:.2f} s; first result after "
            f"{here['first']:.2f} s (worker setup included); {n} docs in {here['wall']:.2f} s"
        )
        print(
            f"  driver + scheduler (this process): {here['driver_cpu_per_doc'] * 1000:.3f} ms CPU per document "
            f"({here['shards']:.0f} shards); idle, the same cluster costs {here['idle_share']:.1%} of a core "
            f"(heartbeats, nanny monitors), so per document beyond that {here['per_doc_beyond_idle'] * 1000:.3f} ms; "
            f"the driver's own thread {here['main_cpu_per_doc'] * 1000:.3f} ms, of which listing the input folder "
            f"{here['listing_cpu_per_doc'] * 1000:.3f} ms"
        )
        dask_cpu = (min(r.cpu for r in full["dask local:2"]) - min(r.cpu for r in small["dask local:2"])) / (n - 20)
        estimate(per_core=1 / max(dask_cpu - here["driver_cpu_per_doc"], 1e-6), driver=here["per_doc_beyond_idle"])
    print(f"{load()} at the end")


def estimate(per_core: float, driver: float) -> None:
    """On paper: N machines of C cores, one scheduler, outputs on one object-store prefix."""
    feed = 1 / driver
    puts = S3_PUTS / 2.05  # a NewsML-G2 document: an item and a package, and a journal object per batch
    gets = S3_GETS / 3  # previous versions looked up: the items' names and the package, per document
    print("estimate on paper (one client and scheduler, workers of C cores, outputs on one S3 prefix):")
    print(
        f"  workers: {per_core:.0f} docs/s per core (the dask run's CPU per document less the driver's), so "
        f"N machines x C cores x {per_core:.0f}; translation (--to) costs far more per document, and then the "
        "cores are the limit long before the rest"
    )
    print(
        f"  driver + scheduler: {driver * 1000:.3f} ms CPU per document here (beyond their background), so at "
        f"most {feed:.0f} docs/s from one client and scheduler (listing, results in order, task bookkeeping)"
    )
    print(
        f"  storage: {puts:.0f} docs/s by PUTs, {gets:.0f} docs/s by GETs on one prefix (S3 splits a prefix under "
        "sustained load, so this rises over time; a folder on a network file system has limits of its own)"
    )
    for machines, cores in ((1, 8), (4, 8), (16, 8), (64, 8)):
        workers = machines * cores * per_core
        limit = min(workers, feed, puts, gets)
        why = {workers: "the workers' cores", feed: "the driver", puts: "object-store PUTs", gets: "GETs"}[limit]
        print(f"  {machines:>3} x {cores} cores: ~{limit:.0f} docs/s (bound by {why})")


if __name__ == "__main__":
    main()
