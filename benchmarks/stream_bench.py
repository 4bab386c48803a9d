"""`toolkit consume` through Kafka and through Redis (2 consumers) against `toolkit convert --jobs 2`
on the same items, in one run; then end-to-end latency at a steady 50 items/s.

    python benchmarks/stream_bench.py [--items 2000] [--repeat 3] [--rate 50] [--seconds 20]

Needs `pip install '.[kafka,redis,brokers]'` (the brokers run on 127.0.0.1). Throughput: the items
are in the topic / stream before the consumers start; the clock runs from starting the two
consumers until every message is acknowledged, so process start-up counts on both sides, as it
does for `convert` (its clock runs from its start to its exit). Latency: two consumers already
running; items produced at a steady rate; each consumer logs, per message, the time from its
production (Kafka: the producer's timestamp; Redis: the entry id) to its acknowledgement, which
comes after its outputs are durable. The machine may be shared: compare the ratios, measured in
the same run, not the absolute figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.consume_support import make_items, write_config  # noqa: E402
from toolkit.consume import testing  # noqa: E402


def consume_cmd(source: list[str], group: str, out: Path, config: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "toolkit", "consume", *source, "--group", group, "-o", str(out), "-c", str(config),
        "--session-timeout", "6", "--claim-idle", "10", *extra,
    ]  # fmt: skip


class Kafka:
    def __init__(self, broker: testing.Broker) -> None:
        import confluent_kafka as ck

        self.ck, self.broker = ck, broker
        self.offsets: dict[str, dict[int, int]] = {}

    def source(self, name: str) -> list[str]:
        testing.create_topics(self.broker.address, {name: 4})
        return [f"{self.broker.url}/{name}"]

    def produce(self, name: str, items: list[tuple[str, bytes]], rate: float | None = None) -> None:
        producer = self.ck.Producer({"bootstrap.servers": self.broker.address, "linger.ms": 0 if rate else 5})
        offsets = self.offsets.setdefault(name, {})

        def done(err, msg):
            if err is None:
                offsets[msg.partition()] = max(offsets.get(msg.partition(), 0), msg.offset() + 1)

        start = time.perf_counter()
        for i, (key, value) in enumerate(items):
            if rate:
                time.sleep(max(0.0, start + i / rate - time.perf_counter()))
            producer.produce(name, key=key.encode(), value=value, on_delivery=done)
            producer.poll(0)
        producer.flush(60)

    def finished(self, name: str, group: str) -> int:
        c = self.ck.Consumer({"bootstrap.servers": self.broker.address, "group.id": group})
        try:
            tps = c.committed([self.ck.TopicPartition(name, p) for p in self.offsets.get(name, {})], 10)
            return sum(max(0, tp.offset) for tp in tps)
        finally:
            c.close()


class Redis:
    def __init__(self, broker: testing.Broker) -> None:
        import redis

        self.r, self.broker = redis.Redis(port=broker.port), broker

    def source(self, name: str) -> list[str]:
        return [self.broker.url, "--stream", name]

    def produce(self, name: str, items: list[tuple[str, bytes]], rate: float | None = None) -> None:
        start = time.perf_counter()
        pipe = self.r.pipeline(transaction=False)
        for i, (key, value) in enumerate(items):
            if rate:
                time.sleep(max(0.0, start + i / rate - time.perf_counter()))
                self.r.xadd(name, {"data": value, "key": key})
            else:
                pipe.xadd(name, {"data": value, "key": key})
        pipe.execute()

    def finished(self, name: str, group: str) -> int:
        groups = {g["name"].decode(): g for g in self.r.xinfo_groups(name)}
        if group not in groups:
            return 0
        last = groups[group]["last-delivered-id"].decode()
        delivered = len(self.r.xrange(name, max=last)) if last != "0-0" else 0
        return delivered - int(groups[group]["pending"])


class Sampler:
    """Counts progress every 50 ms in a thread: the steady rate runs from the first item done
    to the last (process start-up and, for Kafka, the group join left out)."""

    def __init__(self, count) -> None:
        import threading

        self.count = count
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.perf_counter(), self.count()))
            self._stop.wait(0.05)

    def rate(self, total: int) -> float:
        self._stop.set()
        self._thread.join()
        self.samples.append((time.perf_counter(), total))
        first = next((t, n) for t, n in self.samples if n > 0)
        last = next(t for t, n in self.samples if n >= total)
        return (total - first[1]) / max(last - first[0], 1e-9)


def journal_lines(outdir: Path) -> int:
    """Documents recorded as done in an output folder's journal (cheaper than listing it)."""
    total = 0
    for path in (outdir / ".toolkit" / "done").glob("*.jsonl"):
        try:
            total += path.read_bytes().count(b"\n")
        except OSError:
            continue
    return total


def wait(bus, name: str, group: str, total: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while bus.finished(name, group) < total:
        if time.monotonic() > deadline:
            raise SystemExit(f"{name}: timed out with {bus.finished(name, group)} of {total} finished")
        time.sleep(0.05)


def start_consumers(cmd: list[str], logs: list[Path]) -> list[subprocess.Popen[bytes]]:
    procs = []
    for log in logs:
        with open(log, "wb") as fh:
            procs.append(subprocess.Popen(cmd, stdout=fh, stderr=fh))
    return procs


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(60)


def throughput(bus, kind: str, items, work: Path, config: Path, round_: int) -> tuple[float, float]:
    name = f"tp-{kind}-{round_}"
    source = bus.source(name)
    bus.produce(name, [(i.key, i.data) for i in items])
    out = work / f"out-{kind}-{round_}"
    group = f"bench-{round_}"
    cmd = consume_cmd(source, group, out, config, "--batch-size", "64", "--batch-ms", "50")
    start = time.perf_counter()
    procs = start_consumers(cmd, [work / f"{kind}-tp-{n}.log" for n in range(2)])
    try:
        sampler = Sampler(lambda: bus.finished(name, group))
        wait(bus, name, group, len(items), 600)
        seconds = time.perf_counter() - start
        return seconds, sampler.rate(len(items))
    finally:
        stop(procs)


def latency(bus, kind: str, items, work: Path, config: Path, rate: float) -> list[float]:
    name = f"lat-{kind}"
    source = bus.source(name)
    cmd = consume_cmd(source, "lat", work / f"lat-{kind}", config, "--batch-ms", "20", "--log-format", "json", "-vv")
    logs = [work / f"{kind}-lat-{n}.log" for n in range(2)]
    procs = start_consumers(cmd, logs)
    try:
        bus.produce(name, [("warm-up", items[0].data)])  # both consumers up and in the group
        wait(bus, name, "lat", 1, 120)
        time.sleep(8 if kind == "kafka" else 1)  # the second consumer has joined: partitions shared
        bus.produce(name, [(i.key, i.data) for i in items[1:]], rate=rate)
        wait(bus, name, "lat", len(items), 300)
    finally:
        stop(procs)
    values = []
    for log in logs:
        for line in log.read_text("utf-8", "replace").splitlines():
            if '"event": "done"' in line and '"latency_ms"' in line:
                record = json.loads(line)
                values.append(record["latency_ms"])
    return values[1:] if len(values) > 1 else values


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the throughput runs (interleaved)")
    parser.add_argument("--rate", type=float, default=50.0, help="items/s of the latency run")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the latency run")
    parser.add_argument("--tmp", default=None)
    args = parser.parse_args()
    print("load average {:.2f} {:.2f} {:.2f} at the start".format(*os.getloadavg()))
    work = Path(tempfile.mkdtemp(prefix="stream-bench-", dir=args.tmp))
    try:
        items = make_items(args.items)
        config = write_config(work)
        inbox = work / "inbox"
        inbox.mkdir()
        for item in items:
            (inbox / item.name).write_bytes(item.data)
        lat_items = make_items(int(args.rate * args.seconds) + 1, seed=99)
        times: dict[str, list[float]] = {"convert": [], "kafka": [], "redis": []}
        steady: dict[str, list[float]] = {"convert": [], "kafka": [], "redis": []}
        latencies: dict[str, list[float]] = {}
        with testing.running("kafka", work / "kafka") as kb, testing.running("redis", work / "redis") as rb:
            buses = {"kafka": Kafka(kb), "redis": Redis(rb)}
            for round_ in range(args.repeat):  # interleaved: a noisy minute hits every contender
                target = work / f"convert-{round_}"
                target.mkdir()
                sampler = Sampler(lambda t=target: journal_lines(t))
                start = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "toolkit", "convert", str(inbox), "-o", str(target),
                     "--jobs", "2", "-c", str(config), "-q"], check=True,
                )  # fmt: skip
                times["convert"].append(time.perf_counter() - start)
                steady["convert"].append(sampler.rate(len(items)))
                for kind, bus in buses.items():
                    seconds, rate = throughput(bus, kind, items, work, config, round_)
                    times[kind].append(seconds)
                    steady[kind].append(rate)
                    want = {p.name: p.read_bytes() for p in (work / f"convert-{round_}").glob("*.xml")}
                    got = {p.name: p.read_bytes() for p in (work / f"out-{kind}-{round_}").glob("*.xml")}
                    assert got == want, f"{kind}: the outputs differ from convert's"
                print(
                    f"round {round_ + 1}: convert {times['convert'][-1]:.2f} s, kafka {times['kafka'][-1]:.2f} s, "
                    f"redis {times['redis'][-1]:.2f} s",
                    flush=True,
                )
            for kind, bus in buses.items():
                latencies[kind] = latency(bus, kind, lat_items, work, config, args.rate)
        convert_s = statistics.median(times["convert"])
        convert_r = statistics.median(steady["convert"])
        print(f"\n{args.items} items (ninjs, NewsML-G2, RSS, JSON records), clean + langid + NewsML-G2, pinned clock;")
        print(f"median of {args.repeat} interleaved rounds; outputs checked equal to convert's in every round")
        print("whole run: start of the processes to the last item (consume: start-up and group join included)")
        print("steady: from the first item done to the last, items/s")
        print(
            f"{'run':28} {'seconds':>7} {'items/s':>8} {'vs convert':>10} {'steady':>8} {'vs convert':>10}  per round"
        )
        for label, kind in (("toolkit convert --jobs 2", "convert"), ("consume kafka, 2 consumers", "kafka"),
                            ("consume redis, 2 consumers", "redis")):  # fmt: skip
            seconds, rate = statistics.median(times[kind]), statistics.median(steady[kind])
            rounds = " ".join(
                f"{c / t:.2f}/{r / cr:.2f}"
                for c, t, r, cr in zip(times["convert"], times[kind], steady[kind], steady["convert"], strict=True)
            )
            print(
                f"{label:28} {seconds:7.2f} {args.items / seconds:8.1f} {convert_s / seconds:9.2f}x "
                f"{rate:8.1f} {rate / convert_r:9.2f}x  {rounds}"
            )
        print(
            f"\nlatency, produce -> outputs durable and acknowledged, {args.rate:.0f} items/s for {args.seconds:.0f} s:"
        )
        for kind, values in latencies.items():
            if values:
                print(
                    f"  {kind:6} p50 {statistics.median(values):7.1f} ms   p99 {pct(values, 0.99):7.1f} ms"
                    f"   ({len(values)} items)"
                )
            else:
                print(f"  {kind:6} no latency recorded")
        print("load average {:.2f} {:.2f} {:.2f} at the end".format(*os.getloadavg()))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
