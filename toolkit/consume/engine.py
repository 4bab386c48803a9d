"""The consumer loop, the same for every broker: batch, process, publish, acknowledge.

A :class:`Consumer` takes messages from a :class:`Source` (a Kafka consumer group, a Redis
stream consumer group), runs them through one :class:`~toolkit.worker.Worker`, and
acknowledges each message only once its outputs are durable (the worker's sink returned),
its results are published (when a :class:`Publisher` is given) and its dead letter, if any,
is written. Delivery is at least once from the broker; the outputs are effectively once:

* an output whose bytes are already in the version store is not written again, and not
  published again (``unchanged``); a document recorded as done with the same input digest is
  skipped (``already-done``): a message delivered twice changes nothing the second time;
* a message's results are recorded in an outbox before the outputs are written and removed
  when published, so a consumer that dies between the two leaves them to whoever gets the
  message next (see :mod:`.state`);
* a batch never holds two messages of the same story (or message key): the second starts a
  new batch, acknowledged after the first. So a message delivered again is never rendered
  against a newer version of its story written by a later message of its own batch.

Poison messages: a message with a document that cannot be read (bad XML, hostile input)
goes to the dead letters at once (reading it again gives the same error); a message whose
document fails later (processing, rendering, writing) is tried again, alone, up to
``max_deliveries`` times in all, then dead-lettered. A message delivered more than
``max_deliveries`` times without being finished (it crashed or hung every consumer that took
it) is dead-lettered without being read. A message delivered again is processed alone, so
the messages that happened to share a batch with a crashing one get through.

When every document of a batch fails to be written (the output is down or full), nothing is
acknowledged and the batch is tried again after a pause that doubles up to 30 s: the
consumer stops taking messages (back-pressure) instead of dead-lettering good items.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..document import Document
from ..io.readers import ReadOptions
from ..report import IDEMPOTENT, PARTIAL
from ..worker import Result, Worker
from .messages import Message, read_message
from .state import Outbox, OutboxRecord, OutboxSink

log = logging.getLogger("toolkit.consume")

#: Longest pause between tries of a batch whose outputs cannot be written.
MAX_BACKOFF = 30.0


@dataclass(slots=True)
class DeadLetter:
    message: Message
    code: str
    error: str


class Source(Protocol):
    """Where messages come from (see :mod:`.kafka`, :mod:`.redis`)."""

    name: str

    def poll(self, max_messages: int, timeout: float) -> list[Message]:
        """Up to ``max_messages`` messages, waiting at most ``timeout`` seconds for them."""

    def finish(self, done: Sequence[Message], dead: Sequence[DeadLetter], records: Sequence[OutboxRecord] = ()) -> None:
        """Write the dead letters, publish ``records`` when this source publishes them itself
        (:meth:`publishes`), then acknowledge ``done`` and the dead letters' messages."""

    def publishes(self, publisher: Publisher | None, outbox: Outbox | None) -> bool:
        """Whether :meth:`finish` publishes through ``publisher`` in the same transaction as
        the acknowledgement (a Redis stream into a Redis stream on one server)."""

    def lag(self) -> int | None:
        """Messages of this consumer's share not yet taken (None: not known)."""

    def close(self) -> None:
        """Leave the group."""


class Publisher(Protocol):
    """Where results are published (an output topic or stream)."""

    def publish(self, records: Sequence[OutboxRecord], outbox: Outbox) -> None:
        """Publish every record's messages, remove the records from ``outbox``; raise when
        the broker did not take them (nothing is acknowledged then, the batch is tried again)."""

    def close(self) -> None: ...


@dataclass(slots=True)
class Stats:
    consumed: int = 0  # messages taken
    documents: int = 0
    ok: int = 0
    skipped: int = 0
    duplicates: int = 0  # skipped because already there (unchanged, duplicate, already-done)
    failed: int = 0  # documents that failed (their messages were dead-lettered)
    dead_lettered: int = 0  # messages
    published: int = 0
    partial: int = 0
    lag: int | None = None
    started: float = field(default_factory=time.monotonic)

    def as_dict(self) -> dict[str, Any]:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        return {
            "consumed": self.consumed,
            "documents": self.documents,
            "ok": self.ok,
            "skipped": self.skipped,
            "duplicates": self.duplicates,
            "failed": self.failed,
            "dead_lettered": self.dead_lettered,
            "published": self.published,
            "partial": self.partial,
            "lag": self.lag,
            "rate": round(self.consumed / elapsed, 2),
        }


class Consumer:
    """Runs a worker on a source until stopped (see the module documentation).

    ``sink`` is the worker's :class:`~.state.OutboxSink` when results are published (the
    worker must be built with it as its sink). ``batch_size`` messages or ``batch_ms``
    milliseconds make a batch, whichever comes first. ``on_batch(messages, results)`` is
    called after each batch is acknowledged (tests, benchmarks, metrics).
    """

    def __init__(
        self,
        source: Source,
        worker: Worker,
        *,
        publisher: Publisher | None = None,
        outbox: Outbox | None = None,
        sink: OutboxSink | None = None,
        batch_size: int = 32,
        batch_ms: int = 200,
        max_deliveries: int = 3,
        health_every: int = 1000,
        idle_exit: float | None = None,
        read_options: ReadOptions | None = None,
        metrics: Any = None,
        on_batch: Callable[[list[Message], list[Result]], None] | None = None,
        sleep: Callable[[float], bool] | None = None,
    ) -> None:
        if publisher is not None and (outbox is None or sink is None):
            raise ValueError("publishing results needs an outbox and the worker's OutboxSink")
        self.source = source
        self.worker = worker
        self.publisher = publisher
        self.outbox = outbox
        self.sink = sink
        self.batch_size = max(1, batch_size)
        self.batch_ms = max(0, batch_ms)
        self.max_deliveries = max(1, max_deliveries)
        self.health_every = health_every
        self.idle_exit = idle_exit
        self.read_options = read_options or ReadOptions()
        self.metrics = metrics
        self.on_batch = on_batch
        self.stats = Stats()
        self.stop_event = threading.Event()
        self._sleep = sleep or self.stop_event.wait
        self._last_health = 0
        self._joint = bool(publisher is not None and source.publishes(publisher, outbox))
        self._key_cache: dict[str, set[str]] = {}
        self._lag_at = 0.0

    # -- the service loop -----------------------------------------------------------------------

    def stop(self) -> None:
        """Finish the batch at hand, acknowledge it, then leave (safe from a signal handler)."""
        self.stop_event.set()

    def run(self) -> Stats:
        self.worker.setup()
        idle_since = time.monotonic()
        try:
            while not self.stop_event.is_set():
                messages = self.source.poll(self.batch_size, self.batch_ms / 1000)
                if not messages:
                    self._update_lag()
                    if self.idle_exit is not None and time.monotonic() - idle_since >= self.idle_exit:
                        break
                    continue
                self.stats.consumed += len(messages)
                self._count("consumed", len(messages))
                self.handle(messages)
                idle_since = time.monotonic()
                if self.health_every and self.stats.documents - self._last_health >= self.health_every:
                    self._update_lag(every=0)
                    self.health()
        finally:
            self._update_lag(every=0)
            try:
                self.source.close()
            finally:
                if self.publisher is not None:
                    self.publisher.close()
                self.worker.close()
                self.health()
        return self.stats

    # -- one batch ------------------------------------------------------------------------------

    def handle(self, messages: list[Message]) -> None:
        """Process the messages taken together, in batches that are finished one after the other."""
        dead: list[DeadLetter] = []
        todo: list[tuple[Message, list[Document]]] = []
        for msg in messages:
            if msg.deliveries > self.max_deliveries:
                error = (
                    f"{msg.origin}: delivered {msg.deliveries} times without being finished "
                    f"(it crashed or stalled the consumers that took it; limit {self.max_deliveries})"
                )
                dead.append(DeadLetter(msg, "too-many-deliveries", error))
                continue
            todo.append((msg, read_message(msg, self.read_options)))
        if dead:
            self._finish([], dead, [], [])
        for batch in self._plan(todo):
            self._run_batch(batch)

    def _keys(self, msg: Message, docs: list[Document]) -> set[str]:
        keys = {f"key:{msg.key!r}"} if msg.key else set()
        fmt = self.worker.format
        for doc in docs:
            if doc.status == "ok":
                try:
                    keys.add(fmt.story_key(doc))
                except Exception:
                    continue
        return keys

    def _plan(self, todo: list[tuple[Message, list[Document]]]) -> list[list[tuple[Message, list[Document]]]]:
        """Batches in message order: a message delivered before goes alone; a message that
        shares a story (or a key) with one already in the batch starts the next batch."""
        batches: list[list[tuple[Message, list[Document]]]] = []
        current: list[tuple[Message, list[Document]]] = []
        seen: set[str] = set()
        self._key_cache = {}
        for msg, docs in todo:
            keys = self._key_cache[msg.origin] = self._keys(msg, docs)
            if msg.deliveries > 1 or (keys & seen):
                if current:
                    batches.append(current)
                current, seen = [], set()
            current.append((msg, docs))
            seen |= keys
            if msg.deliveries > 1:
                batches.append(current)
                current, seen = [], set()
        if current:
            batches.append(current)
        return batches

    def _run_batch(self, batch: list[tuple[Message, list[Document]]]) -> None:
        ordered = getattr(self.source, "ordered", None)
        if ordered is None:
            self._run_ordered(batch, set())
            return
        with ordered([(msg, self._key_cache.get(msg.origin, set())) for msg, _ in batch]) as stale:
            self._run_ordered(batch, stale)

    def _run_ordered(self, batch: list[tuple[Message, list[Document]]], stale: set[str]) -> None:
        done: list[Message] = []
        dead: list[DeadLetter] = []
        records: list[OutboxRecord] = []
        results_of: list[Result] = []
        if stale:  # older entries than what is written for their stories (see redis_streams)
            for msg, docs in batch:
                if msg.origin in stale:
                    done.append(msg)
                    for doc in docs:
                        results_of.append(
                            Result(
                                "skipped",
                                doc.id,
                                doc.source,
                                "stale-version",
                                f"{msg.origin}: a later entry of this story is already written",
                            )
                        )
            batch = [(msg, docs) for msg, docs in batch if msg.origin not in stale]
        if self.publisher is not None:
            batch = self._replay(batch, done, records)
        tries: dict[str, int] = {}
        queue = [batch] if batch else []  # the batch, then each message to try again, alone
        start = getattr(self.source, "start", None)
        if start is not None and batch:  # counted as a delivery from now on (Kafka's ledger)
            start([msg for msg, _ in batch])
        backoff = 0.5
        while queue:
            group = queue[0]
            outcome = self._process(group)
            if outcome is None:  # the output is down: nothing counted, try again after a pause
                if self._sleep(backoff) and self.stop_event.is_set():
                    if self.sink is not None:
                        self.sink.take()
                    return  # stopping: the batch is left unacknowledged (delivered again later)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            queue.pop(0)
            for (msg, _docs), msg_results in zip(group, outcome, strict=True):
                failed = [r for r in msg_results if r.status == "failed"]
                if not failed:
                    done.append(msg)
                    results_of.extend(msg_results)
                    continue
                first = failed[0]
                tries[msg.origin] = tries.get(msg.origin, msg.deliveries - 1) + 1
                if first.processor == "read" or tries[msg.origin] >= self.max_deliveries:
                    dead.append(DeadLetter(msg, first.code or "failed", first.message or "failed"))
                    results_of.extend(msg_results)
                    continue
                log.warning(
                    "%s failed (%s), trying again (%d of %d)",
                    msg.origin,
                    first.message,
                    tries[msg.origin],
                    self.max_deliveries,
                    extra={"event": "retry", "origin": msg.origin, "code": first.code},
                )
                queue.append([(msg, read_message(msg, self.read_options))])
        if self.sink is not None:  # what the batch's messages publish (one record per message)
            records.extend(self.sink.take())
        self._finish(done, dead, records, results_of)

    def _replay(
        self, batch: list[tuple[Message, list[Document]]], done: list[Message], records: list[OutboxRecord]
    ) -> list[tuple[Message, list[Document]]]:
        """Messages delivered again whose results were written but maybe not published: their
        outbox record is published as it stands, they are not processed again (see :mod:`.state`)."""
        again = [msg.origin for msg, _ in batch if msg.deliveries > 1]
        if not again or self.outbox is None:
            return batch
        found = self.outbox.get(again)
        if not found:
            return batch
        sink = self.worker.sink
        keep: list[tuple[Message, list[Document]]] = []
        stale: list[str] = []
        for msg, docs in batch:
            record = found.get(msg.origin)
            if record is None:
                keep.append((msg, docs))
            elif all(sink.done(doc_id, digest) is not None for doc_id, digest in record.docs):
                log.info(
                    "%s: publishing the results written before its consumer stopped",
                    msg.origin,
                    extra={"event": "replayed", "origin": msg.origin, "messages": len(record.messages)},
                )
                records.append(record)
                done.append(msg)
            else:  # its outputs were never written: process it again
                stale.append(msg.origin)
                keep.append((msg, docs))
        if stale:
            self.outbox.delete(stale)
        return keep

    def _process(self, batch: list[tuple[Message, list[Document]]]) -> list[list[Result]] | None:
        """Results per message; None when nothing could be written (every document failed in
        the sink, or the sink raised)."""
        docs = [doc for _, msg_docs in batch for doc in msg_docs]
        if self.sink is not None:
            self.sink.origins = {doc.id: msg.origin for msg, msg_docs in batch for doc in msg_docs}
        try:
            results = self.worker.process_documents(docs)
        except Exception as exc:  # the sink or a lock failed (a store that is down): no document's fault
            log.error("batch not written: %s", exc, extra={"event": "output-down", "error": str(exc)})
            return None
        written = [r for r in results if r.status != "skipped" or r.code not in IDEMPOTENT]
        if written and all(r.status == "failed" and r.processor == "write" for r in written):
            log.error(
                "batch not written: %s",
                written[0].message,
                extra={"event": "output-down", "error": written[0].message},
            )
            return None
        out: list[list[Result]] = []
        it = iter(results)
        for _, msg_docs in batch:
            out.append([next(it) for _ in msg_docs])
        return out

    def _finish(
        self,
        done: list[Message],
        dead: list[DeadLetter],
        records: list[OutboxRecord],
        results: list[Result],
    ) -> None:
        backoff = 0.5
        while True:
            try:
                if records and self.publisher is not None and not self._joint:
                    assert self.outbox is not None
                    self.publisher.publish(records, self.outbox)
                    self.source.finish(done, dead, ())
                else:
                    self.source.finish(done, dead, records if self._joint else ())
                break
            except Exception as exc:
                log.error(
                    "cannot publish or acknowledge: %s (trying again)",
                    exc,
                    extra={"event": "broker-down", "error": str(exc)},
                )
                if self._sleep(backoff) and self.stop_event.is_set():
                    return  # left unacknowledged: delivered again, its outbox published then
                backoff = min(backoff * 2, MAX_BACKOFF)
        self._account(done, dead, records, results)

    # -- accounting -----------------------------------------------------------------------------

    def _account(
        self, done: list[Message], dead: list[DeadLetter], records: list[OutboxRecord], results: list[Result]
    ) -> None:
        stats = self.stats
        for result in results:
            stats.documents += 1
            if result.status == "ok":
                stats.ok += 1
                self._count("ok")
            elif result.status == "skipped":
                stats.skipped += 1
                stats.duplicates += result.code in IDEMPOTENT
                self._count("skipped")
            else:
                stats.failed += 1
                self._count("failed")
            if any(w.code == PARTIAL for w in result.warnings):
                stats.partial += 1
        published = sum(len(r.messages) for r in records)
        stats.published += published
        stats.dead_lettered += len(dead)
        self._count("dead_lettered", len(dead))
        self._count("published", published)
        now = time.time()
        for msg in done:
            extra: dict[str, Any] = {"event": "done", "origin": msg.origin}
            if msg.timestamp is not None:
                extra["latency_ms"] = round((now - msg.timestamp) * 1000, 2)
            log.debug("%s done", msg.origin, extra=extra)
        for letter in dead:
            log.warning(
                "%s dead-lettered: %s",
                letter.message.origin,
                letter.error,
                extra={"event": "dead-letter", "origin": letter.message.origin, "code": letter.code},
            )
        if self.on_batch is not None:
            self.on_batch([*done, *(d.message for d in dead)], results)

    def _count(self, name: str, n: int = 1) -> None:
        if self.metrics is not None and n:
            self.metrics.inc(name, n)

    def _update_lag(self, *, every: float = 1.0) -> None:
        """Ask the broker for the lag (at most once a second: it costs a round trip or more)."""
        now = time.monotonic()
        if now - self._lag_at < every:
            return
        self._lag_at = now
        try:
            self.stats.lag = self.source.lag()
        except Exception:
            self.stats.lag = None
        if self.metrics is not None and self.stats.lag is not None:
            self.metrics.set_lag(self.stats.lag)

    def health(self) -> None:
        self._last_health = self.stats.documents
        stats = self.stats.as_dict()
        log.info(
            "health: %(consumed)d messages, %(documents)d documents, %(ok)d ok, %(skipped)d skipped "
            "(%(duplicates)d already there), %(failed)d failed, %(dead_lettered)d dead-lettered, "
            "%(published)d published, lag %(lag)s, %(rate).1f messages/s",
            stats,
            extra={"event": "health", "source": self.source.name, **stats},
        )


__all__ = ["Consumer", "DeadLetter", "Publisher", "Source", "Stats"]
