"""One-call library entry points: :func:`read` a file, :func:`process` one document.

For batches, and for anything that writes outputs, use a :class:`~toolkit.worker.Worker`
(what every command and engine runs on).
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from .document import Document
from .errors import InputError
from .io.readers import READERS, ReadOptions, Source, read_source
from .pipeline import DEFAULT_STEPS, Pipeline, PipelineSpec

#: Pipelines :func:`process` keeps built (each costs milliseconds to build; models load once).
PIPELINES_KEPT = 4
_BUILT: OrderedDict[str, Pipeline] = OrderedDict()
_BUILT_LOCK = threading.Lock()
#: A one-line string that looks like a file name (no white space, a known input suffix).
_PATH_LIKE = re.compile(r"^\S+(" + "|".join(re.escape(s) for s in READERS) + r")$", re.IGNORECASE)


def read(path: str | os.PathLike[str], *, encoding: str | None = None) -> Iterator[Document]:
    """Documents read from one file (text, HTML, JSONL, ...); unreadable input yields a failed document."""
    source = os.fspath(path)
    return read_source(Source(source, source), ReadOptions(encoding=encoding))


def _as_document(source: str | os.PathLike[str] | Document, raw_format: str | None) -> Document:
    if isinstance(source, Document):
        return source
    if isinstance(source, str) and "\n" not in source and len(source) < 4096:
        if Path(source).is_file():
            source = Path(source)
        elif _PATH_LIKE.match(source):
            raise InputError("file not found (to process this string as text, pass raw_format='text')", path=source)
    if isinstance(source, os.PathLike):
        docs = list(read(source))
        if len(docs) != 1:
            raise ValueError(f"{os.fspath(source)} holds {len(docs)} documents; use toolkit.read() and a Worker")
        return docs[0]
    text = str(source)
    if raw_format is None:
        head = text.lstrip()[:512].lower()
        raw_format = "html" if head.startswith(("<!doctype html", "<html")) or "<body" in head else "text"
    return Document.from_text(text, raw_format=raw_format)  # type: ignore[arg-type]


def _pipeline(steps: Sequence[str], options: Mapping[str, Mapping[str, Any]] | None, fail_fast: bool) -> Pipeline:
    """A built pipeline for these steps and options, kept for the next call (at most
    :data:`PIPELINES_KEPT`): building one (and loading its models) costs more than a document."""
    spec = PipelineSpec.from_names(list(steps), options)
    key = json.dumps([[s.name, dict(s.options)] for s in spec.steps] + [fail_fast], sort_keys=True, default=repr)
    with _BUILT_LOCK:
        pipeline = _BUILT.get(key)
        if pipeline is not None:
            _BUILT.move_to_end(key)
            return pipeline
    pipeline = spec.build(fail_fast=fail_fast)
    with _BUILT_LOCK:
        _BUILT[key] = pipeline
        while len(_BUILT) > PIPELINES_KEPT:
            _BUILT.popitem(last=False)
    return pipeline


def process(
    source: str | os.PathLike[str] | Document,
    *,
    steps: Sequence[str] | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    raw_format: str | None = None,
    fail_fast: bool = True,
) -> Document:
    """Run a pipeline (the default one unless ``steps`` is given) on one document.

    ``source`` is text, HTML, a :class:`Document`, or a path (a ``Path``, or a string
    naming an existing file; a string that looks like a file name but names none raises
    :class:`~toolkit.errors.InputError`). With ``fail_fast`` (the default) a processing error
    raises :class:`~toolkit.pipeline.PipelineError`; otherwise it is recorded on the document.
    The pipeline is built once and kept for the next calls with the same steps and options.
    """
    doc = _as_document(source, raw_format)
    pipeline = _pipeline(list(steps or DEFAULT_STEPS), options, fail_fast)
    if fail_fast and doc.errors:
        from .pipeline import PipelineError

        raise PipelineError(doc, "read", InputError(doc.errors[0].message))
    return pipeline(doc)
