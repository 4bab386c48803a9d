"""The worker: the one runner under every command and every engine.

A :class:`Worker` is built from a pipeline spec and an output spec (both picklable, so is
the worker), set up once per process, then given batches::

    worker = Worker(PipelineSpec.from_names(["clean", "langid"]), OutputSpec("out", "newsml"))
    worker.setup()                      # models loaded, output folder swept, once per process
    results = worker.process(["a.txt", "b.html"])   # one Result per document, never raises for a document
    worker.close()

``process`` reads its inputs (paths, bytes, records, Documents: :mod:`toolkit.inputs`),
runs the pipeline on the batch, renders each document with the output format against the
previous version of its story (asked of the sink), hands the batch to the sink, and returns
when the sink has made it durable: an engine can acknowledge its messages right after.

A document's fault never raises: an unreadable input, a processing error, an invalid output,
a write that failed is a ``failed`` result with a stable code and a one-line message naming
the input. A document with nothing to do is ``skipped`` with a reason code (see
:data:`SKIP_CODES`); skipped is not failed. Only usage errors (:class:`~toolkit.errors.ConfigError`:
an unknown processor, format or option) raise, from :meth:`Worker.setup`.

Many workers (processes, machines) may write one output folder at once: stories are locked
while they are rendered and written, so versions of a story never go backwards whatever the
order the workers reach them in.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import __version__
from .document import Document, Notice
from .errors import ConfigError, OutputError, error_record
from .formats import Format, OutputFile, Rendering
from .inputs import Input, read_item
from .io.readers import ReadOptions
from .io.sinks import FolderSink, MemorySink, Sink, SinkEntry
from .pipeline import PipelineSpec, Resources
from .registry import FORMATS
from .story import is_output

#: Why a document is skipped (``Result.code`` of a ``skipped`` result), besides the codes
#: processors and readers use (``empty-document``, ``not-text``, ``in-package``, ...).
SKIP_CODES = {
    "already-done": "written by an earlier run with this configuration (--resume)",
    "duplicate": "the same input as an earlier document of this run (merged into it)",
    "unchanged": "every output is already there with this content (an identical re-delivery)",
    "stale-version": "an older version than the one already written",
}

#: Documents remembered per worker to merge identical copies within a run.
SEEN_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class OutputSpec:
    """Where and how outputs are written (picklable).

    ``outdir`` writes into a folder (:class:`~toolkit.io.sinks.FolderSink`); ``sink`` is any
    other sink, or a callable that makes one (called once per process, so an unpicklable sink
    can still be used from a process pool); with neither, results carry the outputs' bytes
    (:class:`~toolkit.io.sinks.MemorySink`).
    """

    outdir: str | None = None
    format: str = "newsml"
    options: Mapping[str, Any] = field(default_factory=dict)
    sink: Any = None  # a Sink, or a callable returning one
    fsync: bool = True

    def fingerprint(self, pipeline: PipelineSpec) -> str:
        """Identifies the configuration that produced an output (for ``--resume``)."""
        config = {
            "toolkit": __version__,
            "steps": [[s.name, dict(s.options)] for s in pipeline.steps],
            "format": self.format,
            "options": dict(self.options),
        }
        blob = json.dumps(config, sort_keys=True, default=str).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()[:16]

    def build_format(self) -> Format:
        return FORMATS.create(self.format, **dict(self.options))  # type: ignore[no-any-return]

    def build_sink(self, pipeline: PipelineSpec) -> Sink:
        fingerprint = self.fingerprint(pipeline)
        if self.sink is not None:
            sink = self.sink() if callable(self.sink) and not isinstance(self.sink, Sink) else self.sink
            if not isinstance(sink, Sink):
                raise ConfigError(f"not a sink: {sink!r} (see toolkit.io.sinks.Sink)")
            if hasattr(sink, "fingerprint") and not getattr(sink, "fingerprint", ""):
                sink.fingerprint = fingerprint
            return sink
        if self.outdir is not None:
            return FolderSink(self.outdir, fingerprint=fingerprint, fsync=self.fsync)
        return MemorySink(fingerprint=fingerprint)


@dataclass(frozen=True, slots=True)
class ItemVersion:
    """One output of a document: its name, language, guid and version (where the format has them)."""

    name: str
    lang: str | None = None
    guid: str | None = None
    version: int | None = None
    written: bool = True  # False: it was already there with these bytes


@dataclass(slots=True)
class Result:
    """What happened to one document (small and picklable: engines send it between processes)."""

    status: str  # "ok" | "skipped" | "failed"
    id: str
    source: str | None
    code: str | None = None  # stable error or skip code
    message: str | None = None
    processor: str | None = None  # the step that failed or skipped it ("read", "clean", "write", ...)
    story: str | None = None  # the story key (every output's name starts with it)
    outputs: list[ItemVersion] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)
    files: list[OutputFile] | None = None  # the outputs' bytes, when the sink keeps none readable
    document: Document | None = None  # the processed document, for workers made with keep_documents

    @property
    def names(self) -> list[str]:
        return [o.name for o in self.outputs]

    @property
    def written(self) -> list[str]:
        return [o.name for o in self.outputs if o.written]

    @property
    def error(self) -> dict[str, Any] | None:
        """``{"code", "message", "processor"}`` of a failed or skipped document."""
        if self.status == "ok":
            return None
        return {"code": self.code, "message": self.message, "processor": self.processor}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "id": self.id, "source": self.source, "story": self.story}
        if self.status != "ok":
            out["code"], out["message"], out["processor"] = self.code, self.message, self.processor
        out["outputs"] = [
            {"name": o.name, "lang": o.lang, "guid": o.guid, "version": o.version, "written": o.written}
            for o in self.outputs
        ]
        if self.warnings:
            out["warnings"] = [{"code": w.code, "message": w.message, "processor": w.processor} for w in self.warnings]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Result:
        """A result back from :meth:`to_dict` (the outputs' bytes and the document do not travel)."""
        return cls(
            data["status"],
            data["id"],
            data.get("source"),
            data.get("code"),
            data.get("message"),
            data.get("processor"),
            data.get("story"),
            outputs=[ItemVersion(**o) for o in data.get("outputs", ())],
            warnings=[Notice(w["code"], w["message"], w.get("processor")) for w in data.get("warnings", ())],
        )


def result_of(doc: Document, **fields: Any) -> Result:
    """The result of a document that is failed, skipped, or ok with ``fields`` filled in."""
    notice = doc.errors[0] if doc.errors else doc.skipped
    if notice is None:
        return Result("ok", doc.id, doc.source, warnings=list(doc.warnings), **fields)
    return Result(
        doc.status,
        doc.id,
        doc.source,
        notice.code,
        notice.message,
        notice.processor,
        warnings=list(doc.warnings),
        **fields,
    )


def input_digest(doc: Document) -> str:
    """A digest of what the input said (its text and everything read with it, not where it came
    from): two deliveries with one digest are the same input; a correction (another author, a
    new ``updated`` time, same body) has another digest."""
    h = hashlib.blake2b(doc.raw.encode("utf-8", "surrogatepass"), digest_size=16)
    said = (doc.id, doc.raw_format, doc.title, doc.lang, doc.meta, doc.paragraphs, doc.translations, doc.extra)
    h.update(repr(said).encode("utf-8", "surrogatepass"))  # dataclass reprs: every field, in a fixed order
    return h.hexdigest()


class Worker:
    """Runs one pipeline into one output (see the module documentation).

    ``resume``: a document completely written before with this configuration (its id and
    input digest recorded by the sink, its outputs present) is skipped (``already-done``).
    ``fail_fast``: the results of a batch end at its first failed document. ``dedupe``: an
    identical copy of a document this worker already wrote is merged into it (``duplicate``;
    a copy of a document that failed fails too). ``keep_documents``: each result carries
    its processed Document (``Result.document``).
    """

    def __init__(
        self,
        pipeline: PipelineSpec,
        output: OutputSpec | None = None,
        *,
        resume: bool = False,
        fail_fast: bool = False,
        read_options: ReadOptions | None = None,
        keep_documents: bool = False,
        dedupe: bool = True,
    ) -> None:
        self.pipeline_spec = pipeline
        self.output = output or OutputSpec()
        self.resume = resume
        self.fail_fast = fail_fast
        self.read_options = read_options or ReadOptions()
        self.keep_documents = keep_documents
        self.dedupe = dedupe
        self._ready_pid = 0
        self._pipeline: Any = None
        self._format: Format | None = None
        self._sink: Sink | None = None
        self._seen: OrderedDict[tuple[str, str], str] = OrderedDict()

    # -- life cycle ---------------------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        """Only the specs travel: a worker unpickled in another process sets itself up there."""
        return {
            "pipeline_spec": self.pipeline_spec,
            "output": self.output,
            "resume": self.resume,
            "fail_fast": self.fail_fast,
            "read_options": self.read_options,
            "keep_documents": self.keep_documents,
            "dedupe": self.dedupe,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(  # type: ignore[misc]
            state["pipeline_spec"],
            state["output"],
            resume=state["resume"],
            fail_fast=state["fail_fast"],
            read_options=state["read_options"],
            keep_documents=state["keep_documents"],
            dedupe=state["dedupe"],
        )

    @property
    def ready(self) -> bool:
        return self._ready_pid == os.getpid()

    def validate(self) -> None:
        """Check the configuration without loading models (for the process that hands work out
        to others): build the pipeline and the format, open the sink. Raises
        :class:`~toolkit.errors.ConfigError` for usage errors; an output that cannot be
        created raises :class:`~toolkit.errors.OutputError`."""
        self.pipeline_spec.build()
        self.output.build_format()
        sink = self.output.build_sink(self.pipeline_spec)
        sink.open()
        sink.close()

    def setup(self, *, cpus: int | None = None) -> Worker:
        """Build the pipeline (its processors load their models now), the format and the sink
        (which clears what dead writers left), once per process. ``cpus``: the cores this
        worker may use (translation threads); default: every core available to the process.
        Usage errors raise :class:`~toolkit.errors.ConfigError`."""
        if self.ready:
            return self
        pipeline = self.pipeline_spec.build()
        fmt = self.output.build_format()
        sink = self.output.build_sink(self.pipeline_spec)
        pipeline.setup(Resources(cpus=cpus))
        sink.open()
        self._pipeline, self._format, self._sink = pipeline, fmt, sink
        self._seen.clear()
        self._ready_pid = os.getpid()
        return self

    def close(self) -> None:
        """Flush and release the output (staging folders, locks); the worker can be set up again."""
        if self._sink is not None and self.ready:
            self._sink.close()
        self._ready_pid = 0

    def __enter__(self) -> Worker:
        return self.setup()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def sink(self) -> Sink:
        self.setup()
        assert self._sink is not None
        return self._sink

    @property
    def format(self) -> Format:
        self.setup()
        assert self._format is not None
        return self._format

    # -- a batch --------------------------------------------------------------------------------------

    def read(self, items: Iterable[Input]) -> list[Document]:
        """The documents of ``items``, in order (bad inputs as failed documents)."""
        return [
            doc for n, item in enumerate(items, 1) for doc in read_item(item, self.read_options, where=f"<record {n}>")
        ]

    def process(self, items: Iterable[Input]) -> list[Result]:
        """Read, process, render and write a batch; one result per document, in input order.

        With ``fail_fast``, the results end at the first failed document: the documents
        before it are written and reported, nothing after it is.
        """
        return self.process_documents(self.read(items))

    def process_documents(self, docs: Sequence[Document]) -> list[Result]:
        """:meth:`process` for documents already read."""
        self.setup()
        assert self._pipeline is not None and self._sink is not None
        results: list[Result | None] = [None] * len(docs)
        todo: list[int] = []
        digests: dict[int, str] = {}
        copies: dict[int, int] = {}  # a copy of an earlier document of this batch -> that document
        first_of: dict[tuple[str, str], int] = {}
        for i, doc in enumerate(docs):
            if doc.status != "ok":
                results[i] = result_of(doc)
                if self.fail_fast and doc.status == "failed":
                    results = results[: i + 1]
                    break
                continue
            digest = digests[i] = input_digest(doc)
            key = (doc.id, digest)
            if self.dedupe and key in first_of:
                copies[i] = first_of[key]
                continue
            earlier = self._seen.get(key) if self.dedupe else None
            if earlier is not None:
                results[i] = self._skipped(doc, "duplicate", f"the same input as {earlier}: merged into it")
                continue
            if self.resume and (names := self._sink.done(doc.id, digest)) is not None:
                results[i] = self._skipped(doc, "already-done", "written before with this configuration (--resume)")
                results[i].outputs = [ItemVersion(n, written=False) for n in names if is_output(n)]  # type: ignore[union-attr]
                continue
            first_of[key] = i
            todo.append(i)
        processed = list(self._pipeline.pipe([docs[i] for i in todo])) if todo else []
        ready: list[tuple[int, Document]] = []
        for i, doc in zip(todo, processed, strict=True):
            if doc.status == "ok":
                ready.append((i, doc))
            else:
                results[i] = result_of(doc)
        if self.fail_fast:
            cut = _first_failure(results)
            if cut is not None:
                ready = [(i, d) for i, d in ready if i < cut]
        self._write(ready, digests, results)
        for i, first in copies.items():  # a copy shares the fate of the document it copies
            if i < len(results) and results[first] is not None:
                results[i] = _copy_of(docs[i], results[first], docs[first])  # type: ignore[arg-type]
        for i in todo if self.dedupe else ():
            result = results[i]
            if result is not None and (result.status == "ok" or result.code == "unchanged"):
                self._remember(docs[i].id, digests[i], docs[i].source or docs[i].id)
        if self.fail_fast and (cut := _first_failure(results)) is not None:
            results = results[: cut + 1]
        if self.keep_documents:
            for i, result in enumerate(results):
                if result is not None:
                    result.document = docs[i]
        return [r for r in results if r is not None]

    def _remember(self, doc_id: str, digest: str, where: str) -> None:
        self._seen[(doc_id, digest)] = where
        if len(self._seen) > SEEN_LIMIT:
            self._seen.popitem(last=False)

    def _skipped(self, doc: Document, code: str, message: str) -> Result:
        result = result_of(doc)
        _skip(result, code, message)
        return result

    def _write(self, ready: list[tuple[int, Document]], digests: dict[int, str], results: list[Result | None]) -> None:
        """Render the documents against the previous versions of their stories and write them,
        holding the stories' locks from the lookup to the last rename."""
        assert self._format is not None and self._sink is not None
        fmt, sink = self._format, self._sink
        keys: dict[int, str] = {}
        locks: set[str] = set()
        more = getattr(fmt, "locks", None)  # what else the format settles (a name after the input)
        for i, doc in ready:
            try:
                keys[i] = fmt.story_key(doc)
                locks.update(more(doc) if more is not None else ())
            except Exception as exc:
                results[i] = _failed(doc, exc, "render")
        ready = [(i, d) for i, d in ready if i in keys]
        if not ready:
            return
        overlay: dict[str, bytes] = {}  # outputs rendered earlier in this batch: later versions build on them
        asked: dict[str, bytes | None] = {}  # what the sink said of a name already (a format asks twice)

        def lookup(names: Sequence[str]) -> dict[str, bytes]:
            found: dict[str, bytes] = {}
            missing = []
            for name in names:
                if name in overlay:
                    found[name] = overlay[name]
                elif name not in asked:
                    missing.append(name)
                elif (known := asked[name]) is not None:
                    found[name] = known
            if missing:
                answer = sink.lookup(missing)
                for name in missing:
                    asked[name] = answer.get(name)
                found.update(answer)
            return found

        with sink.lock(set(keys.values()) | locks):
            entries: list[tuple[int, Document, Rendering]] = []
            for i, doc in ready:
                try:
                    rendering = fmt.render(doc, lookup)
                except Exception as exc:
                    results[i] = _failed(doc, exc, "render")
                    if self.fail_fast:
                        break
                    continue
                if rendering.skip is not None:
                    result = result_of(doc, story=rendering.story)
                    result.warnings.extend(rendering.warnings)
                    _skip(result, rendering.skip.code, rendering.skip.message, rendering.skip.processor)
                    results[i] = result
                    continue
                for f in rendering.files:
                    if f.changed:
                        overlay[f.name] = f.data
                entries.append((i, doc, rendering))
            batch = [
                SinkEntry(doc.id, doc.source, rendering.story, rendering.files, digests.get(i))
                for i, doc, rendering in entries
            ]
            outcomes = sink.write_batch(batch) if batch else []
        keep = sink.returns_data
        for (i, doc, rendering), outcome in zip(entries, outcomes, strict=True):
            if outcome is not None:
                results[i] = _failed(doc, outcome, "write")
                continue
            outputs = [f for f in rendering.files if is_output(f.name)]  # not the name records
            result = result_of(
                doc,
                story=rendering.story,
                outputs=[ItemVersion(f.name, f.lang, f.guid, f.version, f.changed) for f in outputs],
                files=outputs if keep else None,
            )
            result.warnings.extend(rendering.warnings)
            if rendering.files and not rendering.changed:
                _skip(result, "unchanged", "every output is already there with this content")
            results[i] = result


def _first_failure(results: Sequence[Result | None]) -> int | None:
    return next((i for i, r in enumerate(results) if r is not None and r.status == "failed"), None)


def _copy_of(doc: Document, first: Result, first_doc: Document) -> Result:
    """The result of an identical copy of an earlier document of the batch: merged into it when
    that one was written, else its fate (a copy of a failed document fails too)."""
    if first.status == "ok" or first.code == "unchanged":
        where = first_doc.source or first_doc.id
        result = Result("skipped", doc.id, doc.source, "duplicate", f"the same input as {where}: merged into it")
        result.story, result.outputs = (
            first.story,
            [ItemVersion(o.name, o.lang, o.guid, o.version, False) for o in first.outputs],
        )
        return result
    return Result(first.status, doc.id, doc.source, first.code, first.message, first.processor, first.story)


def _skip(result: Result, code: str, message: str, processor: str | None = None) -> None:
    result.status, result.code, result.message, result.processor = "skipped", code, message, processor


def _failed(doc: Document, exc: BaseException, step: str) -> Result:
    record = error_record(exc, processor=step)
    where = doc.source or doc.id
    message = record["message"] or ""
    if isinstance(exc, OutputError) and not exc.path:
        message = f"{where}: {message}"
    doc.add_error(record["code"] or "output", message, processor=step, type=record["type"])
    return result_of(doc)


__all__ = ["SKIP_CODES", "ItemVersion", "OutputSpec", "Result", "Worker", "input_digest", "result_of"]
