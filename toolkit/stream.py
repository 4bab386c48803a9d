"""Streaming: one JSON record per input line in, one result per line out, as each finishes.

Meant for Unix pipes and message-queue consumers. Input lines are serialised Documents,
ninjs items or ``{"text": ...}`` / ``{"html": ...}`` records. Each result is written and
flushed as soon as its document is done; a bad line produces an error record and the
stream goes on. When several lines are already waiting, they are processed as one batch
(translation gains from it); an idle stream never waits for a batch to fill.
"""

from __future__ import annotations

import json
import os
import select
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from .document import Document
from .errors import InputError, ToolkitError, error_record
from .io.readers import record_to_document
from .io.writers import Rendered
from .pipeline import Pipeline
from .text import json_dumps

RS = "\x1e"


#: Longest input line accepted (the limit of every other input); a longer one is an error record.
MAX_LINE_BYTES = 256 * 1024 * 1024


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


def _render(fmt: Any, doc: Document) -> list[Rendered]:
    return list(fmt.render(doc))


def process_stream(
    batches: Iterable[list[tuple[int, bytes | None]]],
    pipeline: Pipeline,
    fmt: Any,
    emit: Callable[[str], None],
    *,
    separator: bool = False,
    source: str = "<stdin>",
) -> dict[str, int]:
    """Run every batch of lines through the pipeline and emit one result per line."""
    counts = {"ok": 0, "failed": 0, "skipped": 0}
    for batch in batches:
        docs: list[Document] = []
        for number, line in batch:
            where = f"{source}:{number}"
            if line is None:
                limit = MAX_LINE_BYTES // (1024 * 1024)
                doc = Document.failed_input(where, InputError(f"line longer than {limit} MiB", path=where))
                doc.extra.setdefault("line", number)
                docs.append(doc)
                continue
            text = line.decode("utf-8", "replace").strip()
            if not text:
                continue
            try:
                doc = record_to_document(json.loads(text), where)
            except json.JSONDecodeError as exc:
                doc = Document.failed_input(
                    where, ToolkitError(f"invalid JSON: {exc.msg} (column {exc.colno})", path=where)
                )
            except ToolkitError as exc:
                exc.path = exc.path or where
                doc = Document.failed_input(where, exc)
            doc.extra.setdefault("line", number)
            docs.append(doc)
        for doc in pipeline.pipe(docs):
            line_no = doc.extra.pop("line", None)
            outputs: list[Rendered] = []
            if doc.status == "ok":
                try:
                    outputs = _render(fmt, doc)
                except Exception as exc:
                    record = error_record(exc, processor="render")
                    doc.add_error(
                        record["code"] or "output", record["message"] or "", processor="render", type=record["type"]
                    )
            counts[doc.status] += 1
            emit(_result_line(doc, line_no, outputs, separator))
    return counts


def _result_line(doc: Document, line: int | None, outputs: list[Rendered], separator: bool) -> str:
    if separator and doc.status == "ok":
        return "".join(RS + o.data.decode("utf-8") + ("" if o.data.endswith(b"\n") else "\n") for o in outputs)
    record: dict[str, Any] = {"status": doc.status, "line": line, "id": doc.id, "source": doc.source}
    if doc.status == "ok":
        record["outputs"] = [{"name": o.name, "lang": o.lang, "content": o.data.decode("utf-8")} for o in outputs]
    else:
        notice = doc.errors[0] if doc.errors else doc.skipped
        record["error"] = {"code": notice.code, "message": notice.message, "processor": notice.processor}
    text = json_dumps(record) + "\n"
    return (RS + text) if separator else text
