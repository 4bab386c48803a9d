"""One-call library entry points."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from .document import Document
from .io.readers import ReadOptions, Source, read_source
from .pipeline import DEFAULT_STEPS, Pipeline


def read(path: str | os.PathLike[str], *, encoding: str | None = None) -> Iterator[Document]:
    """Documents read from one file (text, HTML, JSONL, ...); unreadable input yields a failed document."""
    source = os.fspath(path)
    return read_source(Source(source, source), ReadOptions(encoding=encoding))


def _as_document(source: str | os.PathLike[str] | Document, raw_format: str | None) -> Document:
    if isinstance(source, Document):
        return source
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and "\n" not in source and len(source) < 4096 and Path(source).is_file()
    ):
        docs = list(read(source))
        if len(docs) != 1:
            raise ValueError(f"{os.fspath(source)} holds {len(docs)} documents; use toolkit.read() and Pipeline.pipe()")
        return docs[0]
    text = str(source)
    if raw_format is None:
        head = text.lstrip()[:512].lower()
        raw_format = "html" if head.startswith(("<!doctype html", "<html")) or "<body" in head else "text"
    return Document.from_text(text, raw_format=raw_format)  # type: ignore[arg-type]


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
    naming an existing file). With ``fail_fast`` (the default) a processing error raises
    :class:`~toolkit.pipeline.PipelineError`; otherwise it is recorded on the document.
    """
    doc = _as_document(source, raw_format)
    pipeline = Pipeline.from_names(list(steps or DEFAULT_STEPS), options, fail_fast=fail_fast)
    if fail_fast and doc.errors:
        from .errors import InputError
        from .pipeline import PipelineError

        raise PipelineError(doc, "read", InputError(doc.errors[0].message))
    return pipeline(doc)
