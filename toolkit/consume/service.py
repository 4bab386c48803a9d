"""Build a consumer from URLs and options: the source, the version store, the outbox, the
publisher and the ledger (the command line's ``toolkit consume`` is a thin adapter on this)."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from ..io.readers import ReadOptions
from ..io.sinks import FolderSink
from ..pipeline import PipelineSpec
from ..worker import OutputSpec, Worker
from .engine import Consumer
from .state import FolderLedger, FolderOutbox, OutboxSink, RedisLedger, RedisOutbox, RedisSink


@dataclass(slots=True)
class ConsumeOptions:
    source: str  # kafka://HOST:PORT/TOPIC or redis://HOST:PORT/DB[/STREAM]
    group: str
    stream: str | None = None
    outdir: str | None = None
    produce: str | None = None  # kafka://HOST:PORT/TOPIC or redis://HOST:PORT/DB/STREAM
    store: str | None = None  # redis://HOST:PORT/DB[/PREFIX]: the version store without an output folder
    dead_letter: str | None = None
    max_deliveries: int = 3
    batch_size: int = 32
    batch_ms: int = 200
    instance: str | None = None
    claim_idle: float = 60.0
    session_timeout: float = 45.0
    idle_exit: float | None = None
    health_every: int = 1000
    fsync: bool = True


def build_consumer(
    opts: ConsumeOptions,
    pipeline: PipelineSpec,
    fmt: str,
    format_options: dict[str, Any] | None = None,
    *,
    read_options: ReadOptions | None = None,
    metrics: Any = None,
) -> Consumer:
    """A :class:`~.engine.Consumer` for ``opts`` (usage errors raise :class:`ConfigError`)."""
    if not opts.outdir and not opts.produce:
        raise ConfigError("nothing to write: give -o OUTDIR and/or --produce URL")
    if opts.outdir and opts.store:
        raise ConfigError("give one version store: -o OUTDIR or --store URL, not both")
    instance = opts.instance or f"{socket.gethostname()}-{os.getpid()}"
    clients: dict[str, Any] = {}

    def redis_client(url: str) -> Any:
        from .redis_streams import connect

        if url not in clients:
            clients[url] = connect(url)
        return clients[url]

    kind = opts.source.split(":", 1)[0]
    source: Any
    if kind == "kafka":
        from .kafka import parse_kafka_url

        bootstrap, topic = parse_kafka_url(opts.source)
    elif kind in ("redis", "rediss", "unix"):
        from .redis_streams import parse_redis_url

        server, stream = parse_redis_url(opts.source, opts.stream)
        if not stream:
            raise ConfigError("a Redis source needs a stream: --stream NAME (or redis://HOST:PORT/DB/STREAM)")
    else:
        raise ConfigError(f"unknown source {opts.source!r}: kafka://HOST:PORT/TOPIC or redis://HOST:PORT/DB")

    # the version store: the output folder, else Redis (--store, or the Redis source's own server)
    store_client = None
    prefix = "toolkit"
    inner: Any
    if opts.outdir:
        inner = FolderSink(opts.outdir, fsync=opts.fsync)
    else:
        from .redis_streams import parse_redis_url

        store_url = opts.store or (server if kind != "kafka" else None)
        if store_url is None:
            raise ConfigError(
                "publishing without an output folder needs a version store shared by the consumers: "
                "--store redis://HOST:PORT/DB (or -o OUTDIR)"
            )
        store_server, store_prefix = parse_redis_url(store_url)
        prefix = store_prefix or prefix
        store_client = redis_client(store_server)
        inner = RedisSink(store_client, prefix=prefix)

    publisher: Any = None
    outbox: Any = None
    if opts.produce:
        pkind = opts.produce.split(":", 1)[0]
        if pkind == "kafka":
            from .kafka import KafkaPublisher, parse_kafka_url

            pbootstrap, ptopic = parse_kafka_url(opts.produce)
            publisher = KafkaPublisher(pbootstrap, ptopic)
        else:
            from .redis_streams import RedisPublisher, parse_redis_url

            pserver, pstream = parse_redis_url(opts.produce)
            if not pstream:
                raise ConfigError(f"--produce names a stream: {opts.produce!r} (redis://HOST:PORT/DB/STREAM)")
            publisher = RedisPublisher(redis_client(pserver), pstream)
        if pkind != "kafka":
            outbox = RedisOutbox(publisher.client, f"{prefix}:{opts.group}:outbox")
        elif store_client is not None:
            outbox = RedisOutbox(store_client, f"{prefix}:{opts.group}:outbox")
        else:
            outbox = FolderOutbox(opts.outdir or ".", opts.group, fsync=opts.fsync)
    sink = OutboxSink(inner, outbox) if outbox is not None else inner

    if kind == "kafka":
        from .kafka import KafkaSource, ensure_topics

        if store_client is not None:
            ledger: Any = RedisLedger(store_client, f"{prefix}:{opts.group}:ledger")
        else:
            ledger = FolderLedger(opts.outdir or ".", opts.group, fsync=opts.fsync)
        source = KafkaSource(
            bootstrap,
            topic,
            opts.group,
            ledger=ledger,
            dead_letter=opts.dead_letter,
            instance=instance,
            session_timeout=opts.session_timeout,
        )
        topics = [source.dead_letter]
        if opts.produce and opts.produce.startswith("kafka:"):
            topics.append(publisher.topic)
        ensure_topics(bootstrap, topics, _partitions(source))
    else:
        from .redis_streams import RedisSource

        source = RedisSource(
            redis_client(server),
            stream,  # type: ignore[arg-type]
            opts.group,
            consumer=instance,
            dead_letter=opts.dead_letter,
            claim_idle=opts.claim_idle,
        )

    # resume: a document recorded as done with the same input is a re-delivery, skipped
    worker = Worker(
        pipeline, OutputSpec(None, fmt, dict(format_options or {}), sink=sink), resume=True, read_options=read_options
    )
    return Consumer(
        source,
        worker,
        publisher=publisher,
        outbox=outbox,
        sink=sink if isinstance(sink, OutboxSink) else None,
        batch_size=opts.batch_size,
        batch_ms=opts.batch_ms,
        max_deliveries=opts.max_deliveries,
        health_every=opts.health_every,
        idle_exit=opts.idle_exit,
        read_options=read_options,
        metrics=metrics,
    )


def _partitions(source: Any) -> int:
    meta = source.consumer.list_topics(source.topic, timeout=10).topics.get(source.topic)
    return max(1, len(meta.partitions)) if meta is not None and meta.partitions else 1


__all__ = ["ConsumeOptions", "build_consumer"]
