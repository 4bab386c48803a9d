"""Kafka: a consumer group with manual commits (:class:`KafkaSource`) and an output topic
(:class:`KafkaPublisher`), through ``confluent-kafka`` (``pip install 'toolkit[kafka]'``).

Order: Kafka keeps the messages of one partition in order and gives a partition to one
consumer of the group at a time; producers key messages by story (the feed's guid, the
item's id), so the versions of one story arrive in order at one consumer, which finishes
them in that order. Results are published keyed by story key too.

Commits: offsets are committed synchronously after the messages before them are finished
(outputs durable, results published, dead letters written). The committed offset of a
partition never passes a message that is not finished, even when later messages of the
partition were finished first. A consumer that dies leaves its uncommitted messages to the
consumer that gets its partitions, which finds in the ledger (:mod:`.state`) how many times
each was started before.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from ..errors import ConfigError
from .engine import DeadLetter
from .messages import Message, dead_letter_headers
from .state import Ledger, Outbox, OutboxRecord

log = logging.getLogger("toolkit.consume")


class PublishError(RuntimeError):
    """The broker did not take every message (nothing is acknowledged; tried again)."""


def parse_kafka_url(url: str) -> tuple[str, str]:
    """``kafka://HOST:PORT[,HOST:PORT...]/TOPIC`` -> (bootstrap servers, topic)."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme != "kafka" or not parts.netloc:
        raise ConfigError(f"not a Kafka URL: {url!r} (expected kafka://HOST:PORT/TOPIC)")
    topic = unquote(parts.path.lstrip("/"))
    if not topic or "/" in topic:
        raise ConfigError(f"a Kafka URL names one topic: {url!r} (kafka://HOST:PORT/TOPIC)")
    return parts.netloc, topic


def _import() -> Any:
    try:
        import confluent_kafka
    except ImportError:
        raise ConfigError("Kafka needs confluent-kafka: pip install 'toolkit[kafka]'") from None
    return confluent_kafka


def _produce_all(
    producer: Any, items: Sequence[tuple[str, bytes | None, bytes, dict[str, str]]], timeout: float
) -> None:
    """Produce (topic, key, value, headers) items and wait until the broker took every one."""
    errors: list[str] = []

    def delivered(err: Any, _msg: Any) -> None:
        if err is not None:
            errors.append(str(err))

    for topic, key, value, headers in items:
        while True:
            try:
                producer.produce(topic, value=value, key=key, headers=list(headers.items()), on_delivery=delivered)
                break
            except BufferError:  # the local queue is full: let it drain (back-pressure)
                producer.poll(0.1)
    left = producer.flush(timeout)
    if left or errors:
        raise PublishError(f"{left} message(s) not delivered; {'; '.join(errors[:3]) or 'timed out'}")


def ensure_topics(bootstrap: str, topics: Sequence[str], partitions: int, config: dict[str, Any] | None = None) -> None:
    """Create the topics that do not exist yet (dead letters, results) with ``partitions``."""
    ck = _import()
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap, **(config or {})})
    existing = admin.list_topics(timeout=10).topics
    missing = [t for t in dict.fromkeys(topics) if t not in existing]
    if not missing:
        return
    for topic, future in admin.create_topics([NewTopic(t, partitions, 1) for t in missing]).items():
        try:
            future.result(15)
        except ck.KafkaException as exc:
            if exc.args[0].code() != ck.KafkaError.TOPIC_ALREADY_EXISTS:
                raise ConfigError(f"cannot create Kafka topic {topic!r}: {exc}") from None


class KafkaSource:
    """Messages of one topic through a consumer group (see the module documentation)."""

    def __init__(
        self,
        bootstrap: str,
        topic: str,
        group: str,
        *,
        ledger: Ledger,
        dead_letter: str | None = None,
        instance: str | None = None,
        session_timeout: float = 45.0,
        config: dict[str, Any] | None = None,
    ) -> None:
        ck = _import()
        self.ck = ck
        self.topic = topic
        self.group = group
        self.name = f"kafka:{topic}"
        self.ledger = ledger
        self.dead_letter = dead_letter or f"{topic}.dlq"
        base = {"bootstrap.servers": bootstrap, **(config or {})}
        session_ms = int(session_timeout * 1000)
        self.consumer = ck.Consumer(
            {
                **base,
                "group.id": group,
                "client.id": instance or "toolkit",
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",
                "isolation.level": "read_committed",
                "session.timeout.ms": session_ms,
                "heartbeat.interval.ms": max(100, min(3000, session_ms // 10)),
                "fetch.wait.max.ms": 50,
                "queued.max.messages.kbytes": 16384,  # prefetch at most 16 MiB: back-pressure
            }
        )
        self.producer = ck.Producer(
            {**base, "enable.idempotence": True, "acks": "all", "linger.ms": 5, "client.id": instance or "toolkit"}
        )
        self._outstanding: dict[int, set[int]] = {}  # partition -> offsets taken, not finished
        self._next: dict[int, int] = {}  # partition -> offset after the last one taken
        self.consumer.subscribe([topic], on_assign=self._assigned, on_revoke=self._revoked, on_lost=self._revoked)

    def _part(self, partition: int) -> str:
        return f"{self.topic}/{partition}"

    def _assigned(self, _consumer: Any, partitions: list[Any]) -> None:
        log.info(
            "assigned %s",
            ", ".join(self._part(p.partition) for p in partitions) or "nothing",
            extra={"event": "assigned", "partitions": [p.partition for p in partitions]},
        )

    def _revoked(self, _consumer: Any, partitions: list[Any]) -> None:
        parts = [p.partition for p in partitions]
        self.ledger.forget(self._part(p) for p in parts)
        for p in parts:
            self._outstanding.pop(p, None)
            self._next.pop(p, None)
        log.info("revoked %s", parts, extra={"event": "revoked", "partitions": parts})

    def poll(self, max_messages: int, timeout: float) -> list[Message]:
        raw = self.consumer.consume(num_messages=max_messages, timeout=timeout)
        messages: list[Message] = []
        for m in raw:
            error = m.error()
            if error is not None:
                if error.fatal():
                    raise RuntimeError(f"Kafka consumer failed: {error}")
                if error.code() != self.ck.KafkaError._PARTITION_EOF:
                    log.warning("Kafka: %s", error, extra={"event": "kafka-error", "error": str(error)})
                continue
            ts_type, ts = m.timestamp()
            messages.append(
                Message(
                    origin=f"kafka:{m.topic()}/{m.partition()}@{m.offset()}",
                    value=m.value() or b"",
                    key=m.key(),
                    headers={k: (v or b"") for k, v in (m.headers() or [])},
                    handle=(m.partition(), m.offset()),
                    timestamp=ts / 1000 if ts_type != self.ck.TIMESTAMP_NOT_AVAILABLE and ts > 0 else None,
                )
            )
        by_part: dict[int, list[Message]] = {}
        for msg in messages:
            partition, offset = msg.handle
            by_part.setdefault(partition, []).append(msg)
            self._outstanding.setdefault(partition, set()).add(offset)
            self._next[partition] = max(self._next.get(partition, 0), offset + 1)
        for partition, msgs in by_part.items():
            self.ledger.peek(msgs, self._part(partition))
        return messages

    def start(self, messages: Sequence[Message]) -> None:
        """Record in the ledger that these messages are being processed now."""
        by_part: dict[int, list[Message]] = {}
        for msg in messages:
            by_part.setdefault(msg.handle[0], []).append(msg)
        for partition, msgs in by_part.items():
            self.ledger.start(msgs, self._part(partition))

    def publishes(self, publisher: Any, outbox: Outbox | None) -> bool:
        return False

    def finish(self, done: Sequence[Message], dead: Sequence[DeadLetter], records: Sequence[OutboxRecord] = ()) -> None:
        if dead:
            _produce_all(
                self.producer,
                [
                    (self.dead_letter, d.message.key, d.message.value, dead_letter_headers(d.message, d.code, d.error))
                    for d in dead
                ],
                30.0,
            )
        finished = [*done, *(d.message for d in dead)]
        touched: dict[int, list[str]] = {}
        for msg in finished:
            partition, offset = msg.handle
            self._outstanding.get(partition, set()).discard(offset)
            touched.setdefault(partition, []).append(msg.origin)
        if not touched:
            return
        offsets = []
        for partition in touched:
            left = self._outstanding.get(partition)
            position = min(left) if left else self._next.get(partition)
            if position is not None:
                offsets.append(self.ck.TopicPartition(self.topic, partition, position))
        if offsets:
            self.consumer.commit(offsets=offsets, asynchronous=False)
        for partition, origins in touched.items():
            self.ledger.finish(origins, self._part(partition))

    def lag(self) -> int | None:
        assignment = self.consumer.assignment()
        if not assignment:
            return 0
        total = 0
        for tp in self.consumer.position(assignment):
            low, high = self.consumer.get_watermark_offsets(tp, timeout=2.0, cached=False)
            position = tp.offset if tp.offset >= 0 else low
            total += max(0, high - position)
        return total

    def close(self) -> None:
        try:
            self.producer.flush(10)
        finally:
            self.consumer.close()  # leaves the group: its partitions go to the others at once


class KafkaPublisher:
    """Results to an output topic, keyed by story (idempotent producer, acks from all replicas)."""

    def __init__(self, bootstrap: str, topic: str, *, config: dict[str, Any] | None = None) -> None:
        ck = _import()
        self.topic = topic
        self.producer = ck.Producer(
            {
                "bootstrap.servers": bootstrap,
                "enable.idempotence": True,
                "acks": "all",
                "linger.ms": 5,
                **(config or {}),
            }
        )

    def publish(self, records: Sequence[OutboxRecord], outbox: Outbox) -> None:
        items = [(self.topic, m.key.encode("utf-8"), m.value, m.headers) for r in records for m in r.messages]
        if items:
            _produce_all(self.producer, items, 30.0)
        outbox.delete([r.origin for r in records])

    def close(self) -> None:
        self.producer.flush(10)


__all__ = ["KafkaPublisher", "KafkaSource", "PublishError", "ensure_topics", "parse_kafka_url"]
