"""Redis Streams: a consumer group (:class:`RedisSource`: XREADGROUP, XACK, XAUTOCLAIM) and
an output stream (:class:`RedisPublisher`), through ``redis`` (``pip install 'toolkit[redis]'``).

An entry holds the message in its ``data`` field (``value`` or ``body`` are accepted too),
an optional ``key`` field (the story key, as a Kafka message key), and any other fields as
headers (``toolkit-format``, ``content-type``).

**Order: what Redis promises and what it does not.** A stream keeps its entries in order,
but a consumer group hands them to whichever consumer asks next: two versions of one story
can be processed at once by two consumers, and the later one can finish first. Redis has no
partitions to pin a story to one consumer. So each consumer, before processing a batch,
takes a lock per story of the batch (and per message key) in Redis, and checks the story's
high-water mark: the id of the last entry of that story already written. An entry older than
the mark is skipped (``stale-version``: a newer version of its story is already out), and
the mark moves forward in the same transaction that acknowledges the entry. The outputs of a
story therefore never go backwards in stream order; what Redis cannot give is that every
intermediate version is written when versions of one story overtake each other (one that is
overtaken is skipped, never written after the newer one).

**Exactly once out.** With the results published to a stream on the same server as the
input stream and the outbox, the publication, the dead letters, the marks and the XACK are
one Lua script: all of it happens or none of it, and an outbox record is published only by
whoever removes it (:mod:`.state`).

**Dead consumers.** Entries a consumer took and did not acknowledge for ``claim_idle``
seconds are claimed by another (XAUTOCLAIM); Redis counts each delivery, which catches an
item that crashes every consumer. ``claim_idle`` must be longer than the longest batch.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from ..errors import ConfigError
from .engine import DeadLetter
from .messages import Message, dead_letter_headers
from .state import Outbox, OutboxRecord, RedisOutbox

log = logging.getLogger("toolkit.consume")

DATA_FIELDS = (b"data", b"value", b"body")

# KEYS: input stream, dead letters, outbox hash, output stream, marks hash, then story locks to release
# ARGV[1]: {"group", "acks": [id], "dead": [fields], "records": [{"origin", "messages": [fields]}],
#           "marks": [[story, id]], "token"}; a field list is [[name, index of its value in ARGV]]
_FINISH = """
local spec = cjson.decode(ARGV[1])
local function xadd(key, fields)
  local args = {key, '*'}
  for _, f in ipairs(fields) do
    args[#args + 1] = f[1]
    args[#args + 1] = ARGV[f[2]]
  end
  return redis.call('XADD', unpack(args))
end
local function newer(a, b)
  local a1, a2 = string.match(a, '^(%d+)-(%d+)$')
  local b1, b2 = string.match(b, '^(%d+)-(%d+)$')
  a1, a2, b1, b2 = tonumber(a1), tonumber(a2), tonumber(b1), tonumber(b2)
  return a1 > b1 or (a1 == b1 and a2 > b2)
end
local published = 0
for _, r in ipairs(spec.records) do
  if redis.call('HDEL', KEYS[3], r.origin) == 1 then
    for _, m in ipairs(r.messages) do
      xadd(KEYS[4], m)
      published = published + 1
    end
  end
end
for _, d in ipairs(spec.dead) do xadd(KEYS[2], d) end
for _, m in ipairs(spec.marks) do
  local current = redis.call('HGET', KEYS[5], m[1])
  if (not current) or newer(m[2], current) then redis.call('HSET', KEYS[5], m[1], m[2]) end
end
if #spec.acks > 0 then redis.call('XACK', KEYS[1], spec.group, unpack(spec.acks)) end
for i = 6, #KEYS do
  if redis.call('GET', KEYS[i]) == spec.token then redis.call('DEL', KEYS[i]) end
end
return published
"""
# KEYS: the marks hash, then one lock per story; ARGV: token, ttl (ms), then the stories.
# Returns false while a lock is held by another consumer, else the stories' marks.
_ACQUIRE = """
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then return false end
end
for i = 2, #KEYS do redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2]) end
local marks = {}
for i = 3, #ARGV do marks[#marks + 1] = redis.call('HGET', KEYS[1], ARGV[i]) or '' end
return marks
"""
_RELEASE = """
for i, k in ipairs(KEYS) do
  if redis.call('GET', k) == ARGV[1] then redis.call('DEL', k) end
end
return 1
"""


def parse_redis_url(url: str, stream: str | None = None) -> tuple[str, str | None]:
    """``redis://HOST:PORT/DB[/STREAM]`` -> (server URL, stream or None)."""
    from urllib.parse import unquote, urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.netloc or parts.path):
        raise ConfigError(f"not a Redis URL: {url!r} (expected redis://HOST:PORT/DB)")
    path = [p for p in parts.path.split("/") if p]
    if parts.scheme != "unix" and len(path) > 1:
        db, name = path[0], unquote("/".join(path[1:]))
        if stream and stream != name:
            raise ConfigError(f"two streams named: {name!r} in the URL and --stream {stream!r}")
        stream = name
        path = [db]
    if path and parts.scheme != "unix" and not path[0].isdigit():
        raise ConfigError(f"a Redis database is a number: {url!r} (redis://HOST:PORT/DB)")
    server = urlunsplit((parts.scheme, parts.netloc, "/" + "/".join(path) if path else "", parts.query, ""))
    return server, stream


def connect(url: str) -> Any:
    try:
        import redis
    except ImportError:
        raise ConfigError("Redis needs the redis client: pip install 'toolkit[redis]'") from None
    return redis.Redis.from_url(url)


def server_of(client: Any) -> tuple[Any, ...]:
    kw = client.connection_pool.connection_kwargs
    return (kw.get("host"), kw.get("port"), kw.get("path"), kw.get("db", 0))


def _fields(headers: dict[str, str], values: list[bytes], extra: Sequence[tuple[str, bytes]] = ()) -> list[list[Any]]:
    """A field list for the finishing script: each value goes to ARGV (binary-safe)."""
    fields: list[list[Any]] = []
    for name, value in [*extra, *((k, v.encode("utf-8", "surrogateescape")) for k, v in headers.items())]:
        values.append(value)
        fields.append([name, len(values) + 1])  # ARGV[1] is the spec
    return fields


def _older(a: str, b: str) -> bool:
    """Whether stream id ``a`` is older than ``b``."""
    x1, _, x2 = a.partition("-")
    y1, _, y2 = b.partition("-")
    return (int(x1), int(x2 or 0)) < (int(y1), int(y2 or 0))


class RedisSource:
    """Entries of one stream through a consumer group (see the module documentation)."""

    def __init__(
        self,
        client: Any,
        stream: str,
        group: str,
        *,
        consumer: str,
        dead_letter: str | None = None,
        claim_idle: float = 60.0,
    ) -> None:
        self.client = client
        self.stream = stream
        self.group = group
        self.consumer = consumer
        self.name = f"redis:{stream}"
        self.dead_letter = dead_letter or f"{stream}:dlq"
        self.claim_idle = claim_idle
        self.marks = f"{stream}:{group}:marks"
        self._finish_script = client.register_script(_FINISH)
        self._acquire = client.register_script(_ACQUIRE)
        self._release = client.register_script(_RELEASE)
        self._last_claim = 0.0
        self._own_pending = True  # entries delivered to this consumer name before (a restart)
        self._order: dict[str, set[str]] = {}  # origin -> story keys (for the marks)
        self._publisher: RedisPublisher | None = None  # publishing in the acknowledging script
        self._outbox_key: str | None = None
        self._held: tuple[list[str], str] | None = None  # the story locks of the batch at hand, and their token
        try:
            client.xgroup_create(stream, group, id="0", mkstream=True)
        except Exception as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    # -- taking entries -------------------------------------------------------------------------

    def _message(self, entry_id: bytes | str, fields: dict[bytes, bytes] | None, deliveries: int) -> Message:
        eid = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
        fields = fields or {}
        value = next((fields[f] for f in DATA_FIELDS if f in fields), None)
        headers = {k.decode("utf-8", "replace"): v for k, v in fields.items() if k not in DATA_FIELDS and k != b"key"}
        if value is None:
            headers["toolkit-format"] = b"json"
            value = b'"an entry needs a data field"'  # read as a failed record: dead-lettered with the reason
        ms = eid.partition("-")[0]
        return Message(
            origin=f"redis:{self.stream}@{eid}",
            value=value,
            key=fields.get(b"key"),
            headers=headers,
            deliveries=deliveries,
            handle=eid,
            timestamp=int(ms) / 1000 if ms.isdigit() else None,
        )

    def _deliveries(self, ids: list[str]) -> dict[str, int]:
        if not ids:
            return {}
        ordered = sorted(ids, key=lambda i: tuple(int(x) for x in i.split("-")))
        rows = self.client.xpending_range(
            self.stream,
            self.group,
            min=ordered[0],
            max=ordered[-1],
            count=len(ids) * 4 + 10,
            consumername=self.consumer,
        )
        counts = {}
        for row in rows:
            rid = row["message_id"]
            counts[rid.decode() if isinstance(rid, bytes) else str(rid)] = int(row["times_delivered"])
        return counts

    def _with_counts(self, entries: list[tuple[Any, Any]]) -> list[Message]:
        ids = [e[0].decode() if isinstance(e[0], bytes) else str(e[0]) for e in entries]
        counts = self._deliveries(ids)
        return [self._message(eid, fields, counts.get(i, 2)) for (eid, fields), i in zip(entries, ids, strict=True)]

    def poll(self, max_messages: int, timeout: float) -> list[Message]:
        out: list[Message] = []
        if self._own_pending:  # what this consumer name held when it stopped
            reply = self.client.xreadgroup(self.group, self.consumer, {self.stream: "0"}, count=max_messages)
            entries = [e for e in (reply[0][1] if reply else []) if e[1]]
            if len(entries) < max_messages:
                self._own_pending = False
            out.extend(self._with_counts(entries))
        now = time.monotonic()
        if not out and now - self._last_claim >= min(self.claim_idle / 4, 5.0):
            # one entry at a time: each claim counts a delivery, so the entries waiting behind
            # one that crashes every consumer are not counted with it; claim again at once
            # while there are some
            reply = self.client.xautoclaim(
                self.stream,
                self.group,
                self.consumer,
                min_idle_time=int(self.claim_idle * 1000),
                start_id="0-0",
                count=1,
            )
            if not reply[1]:
                self._last_claim = now
            claimed = [e for e in reply[1] if e[1]]
            gone = [e[0] for e in reply[1] if not e[1]] + list(reply[2] if len(reply) > 2 else [])
            if gone:  # entries deleted from the stream while pending: nothing left to process
                self.client.xack(self.stream, self.group, *gone)
            if claimed:
                log.info(
                    "claimed %d entries left by a stopped consumer",
                    len(claimed),
                    extra={"event": "claimed", "entries": len(claimed)},
                )
            out.extend(self._with_counts(claimed))
        deadline = time.monotonic() + timeout
        while len(out) < max_messages:
            left = deadline - time.monotonic()
            block = int(left * 1000) if not out and left > 0 else None
            if block is None and out:
                block = None  # take what is there without waiting
            reply = self.client.xreadgroup(
                self.group, self.consumer, {self.stream: ">"}, count=max_messages - len(out), block=block
            )
            entries = reply[0][1] if reply else []
            out.extend(self._message(eid, fields, 1) for eid, fields in entries)
            if not entries or time.monotonic() >= deadline:
                break
        return out

    # -- order ----------------------------------------------------------------------------------

    @contextlib.contextmanager
    def ordered(self, items: Sequence[tuple[Message, set[str]]]) -> Iterator[set[str]]:
        """Hold the stories of a batch; yield the origins of entries older than their story's mark."""
        keys = sorted({k for _, ks in items for k in ks})
        if not keys:
            yield set()
            return
        locks = [f"{self.stream}:{self.group}:lock:{k}" for k in keys]
        token = uuid.uuid4().hex
        delay = 0.002
        while (
            found := self._acquire(keys=[self.marks, *locks], args=[token, int(self.claim_idle * 1000), *keys])
        ) is None:
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
        self._held = (locks, token)
        try:
            marks = {k: m.decode() for k, m in zip(keys, found, strict=True) if m}
            stale: set[str] = set()
            for msg, ks in items:
                self._order[msg.origin] = ks
                if any(k in marks and _older(msg.handle, marks[k]) for k in ks):
                    stale.add(msg.origin)
            yield stale
        finally:
            for msg, _ in items:
                self._order.pop(msg.origin, None)
            if self._held is not None:  # not released by finish(): the batch was left undone
                self._held = None
                with contextlib.suppress(Exception):
                    self._release(keys=locks, args=[token])

    # -- finishing ------------------------------------------------------------------------------

    def publishes(self, publisher: Any, outbox: Outbox | None) -> bool:
        """True (and from now on publishing in the acknowledging transaction) when the publisher
        and the outbox are on this source's server."""
        joint = (
            isinstance(publisher, RedisPublisher)
            and isinstance(outbox, RedisOutbox)
            and server_of(publisher.client) == server_of(self.client) == server_of(outbox.client)
        )
        if joint:
            self._publisher, self._outbox_key = publisher, outbox.key  # type: ignore[union-attr]
        return joint

    def finish(self, done: Sequence[Message], dead: Sequence[DeadLetter], records: Sequence[OutboxRecord] = ()) -> None:
        values: list[bytes] = []
        spec: dict[str, Any] = {
            "group": self.group,
            "acks": [m.handle for m in (*done, *(d.message for d in dead))],
            "dead": [
                _fields(
                    dead_letter_headers(d.message, d.code, d.error),
                    values,
                    [("data", d.message.value), *([("key", d.message.key)] if d.message.key else [])],
                )
                for d in dead
            ],
            "records": [
                {
                    "origin": r.origin,
                    "messages": [
                        _fields(m.headers, values, [("data", m.value), ("key", m.key.encode())]) for m in r.messages
                    ],
                }
                for r in records
            ],
            "marks": [[k, m.handle] for m in done for k in sorted(self._order.get(m.origin, ()))],
            "token": self._held[1] if self._held else "",
        }
        if not (spec["acks"] or spec["records"] or self._held):
            return
        publisher = self._publisher
        keys = [
            self.stream,
            self.dead_letter,
            self._outbox_key or f"{self.stream}:none",
            publisher.stream if publisher is not None else f"{self.stream}:none",
            self.marks,
            *(self._held[0] if self._held else ()),
        ]
        self._finish_script(keys=keys, args=[json.dumps(spec), *values])
        self._held = None  # the locks went with the acknowledgement

    def lag(self) -> int | None:
        for group in self.client.xinfo_groups(self.stream):
            name = group.get("name")
            if (name.decode() if isinstance(name, bytes) else name) != self.group:
                continue
            pending = int(group.get("pending") or 0)
            lag = group.get("lag")
            if lag is None:  # Redis < 7: count what follows the last delivered entry (up to 10,000)
                last = group.get("last-delivered-id")
                last = last.decode() if isinstance(last, bytes) else str(last)
                lag = len(self.client.xrange(self.stream, min=f"({last}", count=10_000))
            return pending + int(lag)
        return None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            rows = self.client.xpending_range(self.stream, self.group, "-", "+", 1, consumername=self.consumer)
            if not rows:  # nothing left in our hands: leave the group
                self.client.xgroup_delconsumer(self.stream, self.group, self.consumer)


class RedisPublisher:
    """Results to a stream (``data``, ``key`` and the headers as fields)."""

    def __init__(self, client: Any, stream: str) -> None:
        self.client = client
        self.stream = stream
        self._script = client.register_script(_FINISH)

    def publish(self, records: Sequence[OutboxRecord], outbox: Outbox) -> None:
        if not records:
            return
        if isinstance(outbox, RedisOutbox) and server_of(outbox.client) == server_of(self.client):
            values: list[bytes] = []
            spec = {
                "group": "",
                "acks": [],
                "dead": [],
                "marks": [],
                "records": [
                    {
                        "origin": r.origin,
                        "messages": [
                            _fields(m.headers, values, [("data", m.value), ("key", m.key.encode())]) for m in r.messages
                        ],
                    }
                    for r in records
                ],
            }
            none = f"{self.stream}:none"
            self._script(keys=[none, none, outbox.key, self.stream, none], args=[json.dumps(spec), *values])
            return
        pipe = self.client.pipeline(transaction=True)
        for r in records:
            for m in r.messages:
                pipe.xadd(self.stream, {"data": m.value, "key": m.key, **m.headers})
        pipe.execute()
        outbox.delete([r.origin for r in records])

    def close(self) -> None:
        pass


__all__ = ["RedisPublisher", "RedisSource", "connect", "parse_redis_url"]
