"""What consumers share besides the outputs: the outbox of results to publish and the
ledger of deliveries.

**Outbox.** Publishing results must neither lose an item nor publish an unchanged one twice,
yet the outputs (the version store) and the output topic are two systems. So the messages a
batch will publish are recorded in an outbox *before* the outputs are written, published
after, and removed from the outbox when published. A message delivered again (its consumer
died) whose outbox record is still there has had its outputs written but maybe not
published: the record is published as it stands (its outputs are not rendered again). A
record counts only when the documents it names are recorded as done by the store
(:meth:`~toolkit.io.sinks.Sink.done`): otherwise the write never happened and the message is
processed again. The outbox lives in Redis (:class:`RedisOutbox`: with a Redis output stream
its record is removed in the same transaction that publishes it, so nothing is published
twice) or in the output folder (:class:`FolderOutbox`).

**Ledger.** Kafka has no delivery count, so a consumer records in a ledger that it started
a message before processing it and that it finished it after. A message started before and
never finished was in the hands of a consumer that died (or hung): the count of such starts
is its delivery count, which catches an item that crashes every consumer it reaches (Redis
streams count deliveries themselves).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..errors import OutputError
from ..io.sinks import Sink, SinkEntry
from ..io.writers import MANIFEST_DIR, append, atomic_write
from .messages import Message, Outgoing, output_headers

CONSUME_DIR = "consume"


@dataclass(slots=True)
class OutboxRecord:
    """What one input message publishes: its documents (id, input digest) and the messages."""

    origin: str
    docs: list[tuple[str, str | None]] = field(default_factory=list)
    messages: list[Outgoing] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(
            {"origin": self.origin, "docs": self.docs, "messages": [m.to_json() for m in self.messages]},
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> OutboxRecord:
        data = json.loads(text)
        return cls(data["origin"], [tuple(d) for d in data["docs"]], [Outgoing.from_json(m) for m in data["messages"]])


class Outbox(Protocol):
    def put(self, records: Sequence[OutboxRecord]) -> None:
        """Record ``records`` durably (before the outputs are written)."""

    def get(self, origins: Collection[str]) -> dict[str, OutboxRecord]: ...

    def delete(self, origins: Collection[str]) -> None: ...


def _origin_file(origin: str) -> str:
    return hashlib.sha256(origin.encode("utf-8", "surrogatepass")).hexdigest()[:32] + ".json"


class FolderOutbox:
    """An outbox in ``OUTDIR/.toolkit/consume/outbox/GROUP`` (a file per input message)."""

    def __init__(self, root: str | os.PathLike[str], group: str, *, fsync: bool = True) -> None:
        self.folder = Path(root) / MANIFEST_DIR / CONSUME_DIR / "outbox" / _safe(group)
        self.fsync = fsync

    def put(self, records: Sequence[OutboxRecord]) -> None:
        if not records:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        for record in records:
            atomic_write(self.folder / _origin_file(record.origin), record.to_json(), fsync=self.fsync)

    def get(self, origins: Collection[str]) -> dict[str, OutboxRecord]:
        found: dict[str, OutboxRecord] = {}
        for origin in origins:
            try:
                record = OutboxRecord.from_json((self.folder / _origin_file(origin)).read_bytes())
            except (OSError, ValueError, KeyError):
                continue
            if record.origin == origin:
                found[origin] = record
        return found

    def delete(self, origins: Collection[str]) -> None:
        for origin in origins:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.folder / _origin_file(origin))


class RedisOutbox:
    """An outbox in a Redis hash (origin -> record)."""

    def __init__(self, client: Any, key: str) -> None:
        self.client = client
        self.key = key

    def put(self, records: Sequence[OutboxRecord]) -> None:
        if records:
            self.client.hset(self.key, mapping={r.origin: r.to_json() for r in records})

    def get(self, origins: Collection[str]) -> dict[str, OutboxRecord]:
        origins = list(origins)
        if not origins:
            return {}
        values = self.client.hmget(self.key, origins)
        return {o: OutboxRecord.from_json(v) for o, v in zip(origins, values, strict=True) if v is not None}

    def delete(self, origins: Collection[str]) -> None:
        if origins:
            self.client.hdel(self.key, *origins)


class OutboxSink:
    """A sink that records in an outbox what each input message will publish, then writes
    through to the version store (any :class:`~toolkit.io.sinks.Sink`).

    ``origins`` maps the document ids of the batch at hand to their input messages (set by
    the consumer before each batch); :meth:`take` returns the records of the batches written
    since it was last called.
    """

    def __init__(self, inner: Sink, outbox: Outbox) -> None:
        self.inner = inner
        self.outbox = outbox
        self.origins: dict[str, str] = {}
        self._taken: dict[str, OutboxRecord] = {}  # origin -> what it publishes, since the last take()

    @property
    def returns_data(self) -> bool:  # type: ignore[override]
        return bool(self.inner.returns_data)

    @property
    def fingerprint(self) -> str:
        return str(getattr(self.inner, "fingerprint", ""))

    @fingerprint.setter
    def fingerprint(self, value: str) -> None:
        if hasattr(self.inner, "fingerprint"):
            self.inner.fingerprint = value  # type: ignore[attr-defined]

    def open(self) -> None:
        self.inner.open()

    def close(self) -> None:
        self.inner.close()

    def lookup(self, names: Sequence[str]) -> Mapping[str, bytes]:
        return self.inner.lookup(names)

    def done(self, doc_id: str, digest: str | None) -> tuple[str, ...] | None:
        return self.inner.done(doc_id, digest)

    def lock(self, stories: Collection[str]) -> contextlib.AbstractContextManager[None]:
        return self.inner.lock(stories)

    def write_batch(self, entries: list[SinkEntry]) -> list[OutputError | None]:
        records: dict[str, OutboxRecord] = {}
        for entry in entries:
            origin = self.origins.get(entry.doc_id) or entry.source or entry.doc_id
            record = records.setdefault(origin, OutboxRecord(origin))
            record.docs.append((entry.doc_id, entry.digest))
            record.messages.extend(
                Outgoing(entry.story, f.data, output_headers(entry.story, f)) for f in entry.files if f.changed
            )
        todo = []
        for record in records.values():
            if not record.messages:
                continue
            earlier = self._taken.get(record.origin)  # the same message written again (a retry)
            if earlier is not None:
                record = OutboxRecord(record.origin, earlier.docs + record.docs, earlier.messages + record.messages)
            todo.append(record)
        try:
            self.outbox.put(todo)
        except Exception as exc:  # the outbox is down: nothing is written, the batch is tried again
            error = exc if isinstance(exc, OutputError) else OutputError(f"cannot record the outbox: {exc}")
            return [error] * len(entries)
        results = self.inner.write_batch(entries)
        failed = {e.doc_id for e, r in zip(entries, results, strict=True) if r is not None}
        for record in todo:
            if not any(doc_id in failed for doc_id, _ in record.docs):
                self._taken[record.origin] = record
        return results

    def take(self) -> list[OutboxRecord]:
        """The records written since the last call (one per input message)."""
        taken, self._taken = list(self._taken.values()), {}
        return taken


# -- ledgers of deliveries ------------------------------------------------------------------------


class Ledger(Protocol):
    def peek(self, messages: Sequence[Message], part: str) -> None:
        """Set each message's ``deliveries``: 1 + the times it was started and not finished."""

    def start(self, messages: Sequence[Message], part: str) -> None:
        """Record that these messages (of one partition) are being processed now (only the
        messages of the batch at hand: a message waiting behind a crashing one is not counted)."""

    def finish(self, origins: Iterable[str], part: str) -> None: ...

    def forget(self, parts: Iterable[str]) -> None:
        """Drop what is cached about partitions this consumer no longer owns."""


class FolderLedger:
    """A ledger in ``OUTDIR/.toolkit/consume/ledger/GROUP/PART.log`` (only the partition's
    owner appends to it: one line per start, one per finish)."""

    def __init__(self, root: str | os.PathLike[str], group: str, *, fsync: bool = True) -> None:
        self.folder = Path(root) / MANIFEST_DIR / CONSUME_DIR / "ledger" / _safe(group)
        self.fsync = fsync
        self._open: dict[str, dict[str, int]] = {}

    def _path(self, part: str) -> Path:
        return self.folder / (_safe(part) + ".log")

    def _load(self, part: str) -> dict[str, int]:
        counts = self._open.get(part)
        if counts is not None:
            return counts
        counts = {}
        path = self._path(part)
        with contextlib.suppress(FileNotFoundError):
            for line in path.read_text("utf-8", "replace").splitlines():
                sign, _, origin = line.partition(" ")
                if sign == "+":
                    counts[origin] = counts.get(origin, 0) + 1
                elif sign == "-":
                    counts.pop(origin, None)
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write(path, "".join(f"+ {o}\n" * n for o, n in counts.items()), fsync=self.fsync)
        self._open[part] = counts
        return counts

    def _append(self, part: str, text: str) -> None:
        append(self._path(part), text.encode("utf-8", "surrogatepass"))

    def peek(self, messages: Sequence[Message], part: str) -> None:
        counts = self._load(part)
        for msg in messages:
            msg.deliveries = counts.get(msg.origin, 0) + 1

    def start(self, messages: Sequence[Message], part: str) -> None:
        counts = self._load(part)
        for msg in messages:
            counts[msg.origin] = counts.get(msg.origin, 0) + 1
        # no fsync: the ledger must outlive a crashed process (the page cache does), and a
        # machine that crashes is no message's fault
        self._append(part, "".join(f"+ {m.origin}\n" for m in messages))

    def finish(self, origins: Iterable[str], part: str) -> None:
        counts = self._load(part)
        origins = list(origins)
        for origin in origins:
            counts.pop(origin, None)
        if origins:
            self._append(part, "".join(f"- {o}\n" for o in origins))

    def forget(self, parts: Iterable[str]) -> None:
        for part in parts:
            self._open.pop(part, None)


class RedisLedger:
    """A ledger in a Redis hash per consumer group (origin -> unfinished starts)."""

    def __init__(self, client: Any, key: str) -> None:
        self.client = client
        self.key = key

    def peek(self, messages: Sequence[Message], part: str) -> None:
        if messages:
            counts = self.client.hmget(self.key, [m.origin for m in messages])
            for msg, count in zip(messages, counts, strict=True):
                msg.deliveries = int(count or 0) + 1

    def start(self, messages: Sequence[Message], part: str) -> None:
        if messages:
            pipe = self.client.pipeline(transaction=False)
            for msg in messages:
                pipe.hincrby(self.key, msg.origin, 1)
            pipe.execute()

    def finish(self, origins: Iterable[str], part: str) -> None:
        origins = list(origins)
        if origins:
            self.client.hdel(self.key, *origins)

    def forget(self, parts: Iterable[str]) -> None:
        pass


def _safe(text: str) -> str:
    from ..story import safe_name

    return safe_name(text)


# -- a version store in Redis ---------------------------------------------------------------------

_ACQUIRE = """
for i, k in ipairs(KEYS) do
  if redis.call('EXISTS', k) == 1 then return 0 end
end
for i, k in ipairs(KEYS) do redis.call('SET', k, ARGV[1], 'PX', ARGV[2]) end
return 1
"""
_RELEASE = """
for i, k in ipairs(KEYS) do
  if redis.call('GET', k) == ARGV[1] then redis.call('DEL', k) end
end
return 1
"""


class RedisSink:
    """Outputs, done records and story locks in Redis: a version store shared by consumers
    on any number of machines (:class:`~toolkit.io.sinks.Sink`).

    Keys: ``PREFIX:out:NAME`` (an output's bytes), the hash ``PREFIX:done`` (document id ->
    configuration, output names, input digest), ``PREFIX:lock:STORY`` (a lock with a time to
    live). A batch is written in one MULTI/EXEC transaction: all of it or none of it. It is as
    durable as the server is configured to be (``appendonly yes`` with ``appendfsync always``
    for a single server); on Redis 7.2 and later each batch also waits for the server's AOF
    to be synced (``WAITAOF``).
    """

    returns_data = False

    def __init__(self, client: Any, *, prefix: str = "toolkit", fingerprint: str = "", lock_ttl: float = 60.0) -> None:
        self.client = client
        self.prefix = prefix
        self.fingerprint = fingerprint
        self.lock_ttl = lock_ttl
        self._waitaof: bool | None = None
        self._acquire = client.register_script(_ACQUIRE)
        self._release = client.register_script(_RELEASE)

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> RedisSink:
        import redis

        return cls(redis.Redis.from_url(url), **kwargs)

    def _out(self, name: str) -> str:
        return f"{self.prefix}:out:{name}"

    def open(self) -> None:
        try:
            self.client.ping()
        except Exception as exc:
            raise OutputError(f"cannot reach the Redis version store: {exc}", path=self.prefix) from None

    def close(self) -> None:
        pass

    def lookup(self, names: Sequence[str]) -> dict[str, bytes]:
        if not names:
            return {}
        values = self.client.mget([self._out(n) for n in names])
        return {n: v for n, v in zip(names, values, strict=True) if v is not None}

    def done(self, doc_id: str, digest: str | None) -> tuple[str, ...] | None:
        raw = self.client.hget(f"{self.prefix}:done", doc_id)
        if raw is None:
            return None
        fingerprint, names, recorded = json.loads(raw)
        if fingerprint != self.fingerprint or (digest and recorded and recorded != digest):
            return None
        if names and self.client.exists(*[self._out(n) for n in names]) != len(names):
            return None
        return tuple(names)

    @contextlib.contextmanager
    def lock(self, stories: Collection[str]) -> Iterator[None]:
        if not stories:
            yield
            return
        import time
        import uuid

        keys = sorted(f"{self.prefix}:lock:{s}" for s in set(stories))
        token = uuid.uuid4().hex
        delay, deadline = 0.002, time.monotonic() + self.lock_ttl
        while not self._acquire(keys=keys, args=[token, int(self.lock_ttl * 1000)]):
            if time.monotonic() > deadline:
                raise OutputError(f"story locks held for over {self.lock_ttl:.0f} s by another consumer")
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                self._release(keys=keys, args=[token])

    def write_batch(self, entries: list[SinkEntry]) -> list[OutputError | None]:
        if not entries:
            return []
        pipe = self.client.pipeline(transaction=True)
        done: dict[str, str] = {}
        for entry in entries:
            for out in entry.files:
                if out.changed:
                    pipe.set(self._out(out.name), out.data)
            done[entry.doc_id] = json.dumps([self.fingerprint, entry.names, entry.digest])
        pipe.hset(f"{self.prefix}:done", mapping=done)
        try:
            pipe.execute()
            self._sync()
        except Exception as exc:
            return [OutputError(f"cannot write to the Redis version store: {exc}", path=self.prefix)] * len(entries)
        return [None] * len(entries)

    def _sync(self) -> None:
        """Wait for the server's append-only file to be synced (Redis 7.2+; elsewhere the
        server's own ``appendfsync`` setting decides)."""
        if self._waitaof is False:
            return
        try:
            self.client.execute_command("WAITAOF", 1, 0, 10_000)
            self._waitaof = True
        except Exception as exc:
            if self._waitaof is None:  # an older server, or AOF off: rely on its configuration
                self._waitaof = False
            else:
                raise OutputError(f"the Redis version store did not sync its log: {exc}") from None


__all__ = [
    "FolderLedger",
    "FolderOutbox",
    "Ledger",
    "Outbox",
    "OutboxRecord",
    "OutboxSink",
    "RedisLedger",
    "RedisOutbox",
    "RedisSink",
]
