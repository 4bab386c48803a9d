"""Streaming: one JSON record per input line in, one result per line out, as each finishes.

Meant for Unix pipes and message-queue consumers. Input lines are serialised Documents,
ninjs items or ``{"text": ...}`` / ``{"html": ...}`` records. The lines already waiting are
processed as one batch by a :class:`~toolkit.worker.Worker` (translation gains from it; an
idle stream never waits for a batch to fill), and each result is written and flushed as
soon as its batch is done; a bad line produces an error record and the stream goes on.
"""

from __future__ import annotations

import json
import os
import select
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from .document import Document
from .errors import InputError
from .inputs import invalid_json, read_record
from .io.readers import MAX_INPUT_BYTES
from .report import PARTIAL, RunReport
from .text import json_dumps
from .worker import Result, Worker

RS = "\x1e"


#: Longest input line accepted: the limit of every other input; a longer one is an error record.
MAX_LINE_BYTES = MAX_INPUT_BYTES


def read_lines(
    stream: IO[bytes], max_batch: int, *, max_line: int = MAX_LINE_BYTES
) -> Iterator[list[tuple[int, bytes | None]]]:
    """Batches of (line number, line): everything already available, at most ``max_batch``.

    A line longer than ``max_line`` comes as ``None`` (its bytes are skipped, never held).
    Linear in the input whatever its lines: the buffer grows in place and is searched for a
    newline only where it has not been searched yet.
    """
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        fd = None
    if fd is None or max_batch <= 1:
        for number, line in enumerate(stream, 1):
            yield [(number, line if len(line) <= max_line else None)]
        return
    buffer = bytearray()
    scanned = 0  # the start of the buffer known to hold no newline
    skipping = False  # inside a line over the limit: drop bytes up to its newline
    number = 0
    eof = False
    while not eof:
        ready: list[tuple[int, bytes | None]] = []
        block = True
        while len(ready) < max_batch:
            newline = buffer.find(b"\n", scanned)
            if newline != -1:
                number += 1
                ready.append((number, None if skipping or newline > max_line else bytes(buffer[:newline])))
                del buffer[: newline + 1]
                scanned, skipping = 0, False
                continue
            scanned = len(buffer)
            if scanned > max_line:
                buffer.clear()
                scanned, skipping = 0, True
            if not block and not select.select([fd], [], [], 0)[0]:
                break
            chunk = os.read(fd, 1 << 16)
            block = False
            if not chunk:
                eof = True
                break
            buffer += chunk
        if eof and (buffer or skipping):
            number += 1
            ready.append((number, None if skipping or len(buffer) > max_line else bytes(buffer)))
            buffer.clear()
        if ready:
            yield ready


def line_document(number: int, line: bytes | None, source: str = "<stdin>") -> Document | None:
    """The document of one input line (None for a blank line); a bad line is a failed document."""
    where = f"{source}:{number}"
    if line is None:
        limit = MAX_LINE_BYTES // (1024 * 1024)
        return Document.failed_input(where, InputError(f"line longer than {limit} MiB", path=where))
    text = line.decode("utf-8", "replace").strip()
    if not text:
        return None
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        return Document.failed_input(where, invalid_json(exc, where))
    return read_record(record, where)


def process_stream(
    batches: Iterable[list[tuple[int, bytes | None]]],
    worker: Worker,
    emit: Callable[[str], None],
    *,
    separator: bool = False,
    source: str = "<stdin>",
    report: RunReport | None = None,
) -> RunReport:
    """Run every batch of lines through the worker and emit one result per line."""
    report = report if report is not None else RunReport()
    with worker:
        for batch in batches:
            numbered = [(n, doc) for n, line in batch if (doc := line_document(n, line, source)) is not None]
            results = worker.process_documents([doc for _, doc in numbered])
            for (number, _), result in zip(numbered, results, strict=False):
                report.add(result)
                emit(_result_line(result, number, separator))
    return report.finish()


def _result_line(result: Result, line: int, separator: bool) -> str:
    files = result.files or []
    if separator and result.status == "ok":
        return "".join(RS + f.data.decode("utf-8") + ("" if f.data.endswith(b"\n") else "\n") for f in files)
    record: dict[str, Any] = {"status": result.status, "line": line, "id": result.id, "source": result.source}
    record["story"] = result.story
    if any(w.code == PARTIAL for w in result.warnings):
        record["partial"] = True
    if result.warnings:
        record["warnings"] = [{"code": w.code, "message": w.message} for w in result.warnings]
    if result.status == "ok":
        record["outputs"] = [{"name": f.name, "lang": f.lang, "content": f.data.decode("utf-8")} for f in files]
    else:
        record["error"] = result.error
    text = json_dumps(record) + "\n"
    return (RS + text) if separator else text
