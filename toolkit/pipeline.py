"""Pipelines: ordered, named processors applied to a stream of documents.

A processor is any object with ``__call__(doc) -> doc``; it may add
``pipe(docs, batch_size) -> iterator`` to work on batches (translation does). Subclass
:class:`Processor` to get a default ``pipe``.

Errors are data: an exception raised while processing one document is recorded on that
document (``doc.errors``) and the stream goes on; a :class:`~toolkit.errors.Skip` raised by a
processor skips the document with its reason (``doc.skipped``): not an error. When a batched ``pipe`` raises, the
batch is retried one document at a time so the error names one document, not fifty.
Failed and skipped documents pass through the later steps untouched.

Processors must not leave a document half-changed when they raise: compute, then assign.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

from .document import Document, Notice
from .errors import ConfigError, Skip, ToolkitError, error_record
from .registry import PROCESSORS

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Steps run by ``toolkit convert`` and :func:`toolkit.process` unless told otherwise.
DEFAULT_STEPS: tuple[str, ...] = ("clean", "langid")

DEFAULT_BATCH_SIZE = 64


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Cut an iterable into lists of at most ``size`` items, lazily."""
    if size < 1:
        raise ValueError("chunk size must be >= 1")
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


@runtime_checkable
class ProcessorLike(Protocol):
    def __call__(self, doc: Document) -> Document: ...


class Processor:
    """Base class for processors: implement ``__call__``; override ``pipe`` to batch.

    A ``pipe`` that meets an error for one document of its batch reports it with
    :meth:`report` and yields the document on: the pipeline then treats it exactly as an
    exception raised by ``__call__`` (recorded, or a skip for a :class:`~toolkit.errors.Skip`,
    the error handler called, ``fail_fast`` honoured).
    """

    name: str = ""

    def __call__(self, doc: Document) -> Document:  # pragma: no cover - abstract
        raise NotImplementedError

    def pipe(self, docs: Iterable[Document], batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[Document]:
        for doc in docs:
            yield self(doc)

    def report(self, doc: Document, exc: BaseException) -> None:
        """From inside ``pipe``: ``doc`` failed (or is skipped) with ``exc``. Recorded on the
        document now (as the pipeline records an exception from ``__call__``); a pipeline then
        calls its error handler and honours ``fail_fast``."""
        record_error(doc, exc, self.name or type(self).__name__.lower())
        self.__dict__.setdefault("_reported", []).append((doc, exc))

    def reported(self) -> list[tuple[Document, BaseException]]:
        """The errors reported since the last call (the pipeline collects them after each batch)."""
        return self.__dict__.pop("_reported", [])

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class PipelineError(ToolkitError):
    """Raised by a pipeline in fail-fast mode: wraps the first error met."""

    code = "pipeline"

    def __init__(self, doc: Document, step: str, cause: BaseException) -> None:
        self.doc = doc
        self.step = step
        self.cause = cause
        record = error_record(cause, processor=step)
        super().__init__(f"{doc.source or doc.id}: {step}: {record['message']}")
        self.code = record["code"] or "pipeline"


@dataclass(frozen=True, slots=True)
class Resources:
    """What a process gives its pipeline, passed explicitly to each processor's ``setup``."""

    cpus: int | None = None  # cores the pipeline may use (None: every core available to the process)


@dataclass(frozen=True, slots=True)
class StepSpec:
    name: str
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PipelineSpec:
    """A picklable description of a pipeline: what a worker process needs to build it."""

    steps: tuple[StepSpec, ...]
    batch_size: int = DEFAULT_BATCH_SIZE

    @classmethod
    def from_names(
        cls,
        names: Sequence[str],
        options: Mapping[str, Mapping[str, Any]] | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> PipelineSpec:
        options = options or {}
        unknown = sorted(set(options) - set(names))
        if unknown:
            raise ConfigError(f"options given for step(s) not in the pipeline: {', '.join(unknown)}")
        return cls(tuple(StepSpec(n, dict(options.get(n, {}))) for n in names), batch_size)

    def build(self, *, fail_fast: bool = False) -> Pipeline:
        return Pipeline.from_spec(self, fail_fast=fail_fast)


ErrorHandler = Callable[[str, Any, Document, BaseException], None]


class Pipeline:
    """Ordered named processors.

    >>> from toolkit import Pipeline
    >>> nlp = Pipeline.from_names(["segment"])
    >>> [p.text for p in nlp.process_text("One.\\n\\nTwo.").paragraphs]
    ['One.', 'Two.']
    """

    def __init__(
        self,
        steps: Iterable[tuple[str, ProcessorLike] | ProcessorLike] = (),
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        fail_fast: bool = False,
        on_error: ErrorHandler | None = None,
    ) -> None:
        self._steps: list[tuple[str, ProcessorLike]] = []
        self.batch_size = batch_size
        self.fail_fast = fail_fast
        self.on_error = on_error
        for step in steps:
            if isinstance(step, tuple):
                self.add(step[1], name=step[0])
            else:
                self.add(step)

    # -- building ----------------------------------------------------------------------------

    @classmethod
    def from_names(
        cls, names: Sequence[str], options: Mapping[str, Mapping[str, Any]] | None = None, **kwargs: Any
    ) -> Pipeline:
        """Build from registered processor names and per-name options."""
        return cls.from_spec(PipelineSpec.from_names(names, options), **kwargs)

    @classmethod
    def from_spec(cls, spec: PipelineSpec, **kwargs: Any) -> Pipeline:
        kwargs.setdefault("batch_size", spec.batch_size)
        pipeline = cls(**kwargs)
        for step in spec.steps:
            pipeline.add(PROCESSORS.create(step.name, **dict(step.options)), name=step.name)
        return pipeline

    @classmethod
    def default(cls, **kwargs: Any) -> Pipeline:
        return cls.from_names(list(DEFAULT_STEPS), **kwargs)

    def add(self, processor: ProcessorLike | str, *, name: str | None = None, **options: Any) -> Pipeline:
        """Append a processor (an object, or a registered name plus options)."""
        if isinstance(processor, str):
            name = name or processor
            processor = PROCESSORS.create(processor, **options)
        elif options:
            raise ConfigError("options can only be given with a processor name")
        if not callable(processor):
            raise ConfigError(f"processor {processor!r} is not callable")
        name = name or getattr(processor, "name", "") or type(processor).__name__.lower()
        if name in self.names:
            raise ConfigError(f"the pipeline already has a step named {name!r}")
        self._steps.append((name, processor))
        return self

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self._steps]

    @property
    def steps(self) -> list[tuple[str, ProcessorLike]]:
        return list(self._steps)

    def get(self, name: str) -> ProcessorLike:
        for step_name, proc in self._steps:
            if step_name == name:
                return proc
        raise KeyError(name)

    def __len__(self) -> int:
        return len(self._steps)

    def __repr__(self) -> str:
        return f"Pipeline({self.names!r})"

    # -- running -------------------------------------------------------------------------------

    def setup(self, resources: Resources | None = None) -> None:
        """Prepare every processor that has a ``setup(resources)`` method (load models, size
        thread pools), once per process, before the first document."""
        resources = resources or Resources()
        for _, proc in self._steps:
            setup = getattr(proc, "setup", None)
            if callable(setup):
                setup(resources)

    def __call__(self, doc: Document) -> Document:
        for name, proc in self._steps:
            if doc.status != "ok":
                break
            doc = self._call_one(name, proc, doc)
        return doc

    def process_text(self, text: str, *, source: str | None = None, raw_format: str = "text") -> Document:
        return self(Document.from_text(text, source=source, raw_format=raw_format))  # type: ignore[arg-type]

    def pipe(self, docs: Iterable[Document], batch_size: int | None = None) -> Iterator[Document]:
        """Process a stream lazily; documents come out in input order."""
        size = batch_size or self.batch_size
        stream: Iterable[Document] = docs
        for name, proc in self._steps:
            stream = self._run_step(name, proc, stream, size)
        yield from stream

    def _run_step(self, name: str, proc: ProcessorLike, docs: Iterable[Document], size: int) -> Iterator[Document]:
        batch_pipe = getattr(proc, "pipe", None)
        for batch in chunks(docs, size):
            live = [i for i, d in enumerate(batch) if d.status == "ok"]
            if not live:
                yield from batch
                continue
            if batch_pipe is None or len(live) == 1:
                for i in live:
                    batch[i] = self._call_one(name, proc, batch[i])
                yield from batch
                continue
            todo = [batch[i] for i in live]
            collect = getattr(proc, "reported", None)
            try:
                done = list(batch_pipe(iter(todo), batch_size=size))
                if len(done) != len(todo):
                    raise RuntimeError(f"{name}.pipe() returned {len(done)} documents for {len(todo)}")
            except Exception as exc:  # retry one by one so the error names one document
                log.debug("step %s failed on a batch of %d (%s); retrying one by one", name, len(todo), exc)
                if callable(collect):
                    collect()  # what the failed batch reported is redone below
                done = [self._call_one(name, proc, doc) for doc in todo]
            else:
                for doc, exc in collect() if callable(collect) else ():
                    self._reported(name, proc, doc, exc)
            for i, doc in zip(live, done, strict=True):
                batch[i] = doc
            yield from batch

    def _call_one(self, name: str, proc: ProcessorLike, doc: Document) -> Document:
        try:
            result = proc(doc)
        except Exception as exc:
            self._record(name, proc, doc, exc)
            return doc
        if not isinstance(result, Document):
            self._record(
                name, proc, doc, TypeError(f"processor {name!r} returned {type(result).__name__}, not a Document")
            )
            return doc
        return result

    def _record(self, name: str, proc: Any, doc: Document, exc: BaseException) -> None:
        if isinstance(exc, Skip):  # nothing to do: not an error
            doc.skip(exc.code, str(exc), processor=name)
            return
        if self.fail_fast:
            raise PipelineError(doc, name, exc) from exc
        record_error(doc, exc, name)
        if self.on_error is not None:
            self.on_error(name, proc, doc, exc)

    def _reported(self, name: str, proc: Any, doc: Document, exc: BaseException) -> None:
        """An error a processor reported from ``pipe`` (already recorded on the document)."""
        if isinstance(exc, Skip):
            return
        if self.fail_fast:
            raise PipelineError(doc, name, exc) from exc
        if self.on_error is not None:
            self.on_error(name, proc, doc, exc)


def record_error(doc: Document, exc: BaseException, processor: str) -> None:
    """Record ``exc`` on ``doc``: a :class:`~toolkit.errors.Skip` skips it, anything else fails it."""
    if isinstance(exc, Skip):
        doc.skip(exc.code, str(exc), processor=processor)
        return
    record = error_record(exc, processor=processor)
    doc.errors.append(
        Notice(
            code=record["code"] or "error", message=record["message"] or "", processor=processor, type=record["type"]
        )
    )
    if not isinstance(exc, ToolkitError):
        log.debug("unexpected error in step %s on %s", processor, doc.source or doc.id, exc_info=exc)
