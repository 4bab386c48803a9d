"""``translate``: add language versions of each document (``doc.translations``), offline.

For each target language the processor plans, per document, where every piece of text
comes from: the title and each paragraph are translated from their *own* language (a
Russian quote inside a Kazakh story goes ru -> target), text already in the target
language is kept as it is, and a target that is only a script variant (``uz-Cyrl`` from
``uz-Latn``, ``kk-Latn`` from ``kk-Cyrl``) is made by rule-based conversion. Routes come
from :class:`~toolkit.translate.routing.Router` (direct, multilingual, pivot).

Then :meth:`Translate.pipe` gathers the sentences of *all* the documents of a batch
that need the same model hop, and sends them to the engine in one call (the engine sorts
them by length, decodes in large batches, caches repeats and restores the order); pivot
routes run hop by hop. Finally each document gets one :class:`~toolkit.document.Translation`
per target, with paragraph structure kept and provenance recorded: engine, model name(s)
and version(s), and the route (``["kk-Cyrl", "en", "ru"]``).

Translation keys are canonical target tags (see :mod:`toolkit.translate.langs`):
``--to kk`` gives ``kk-Cyrl``, ``--to uz`` gives ``uz-Latn``, ``--to ru`` gives ``ru``.

Missing translations are honest partial results, never silent and never a failed document:

* before any input is read, the constructor checks (store metadata only, no model loading:
  :func:`toolkit.translate.preflight.check_targets`) that every target is a language code and
  that some installed model can produce it at all (or, with a fixed ``source``, that a route
  exists); otherwise it raises :class:`~toolkit.errors.ConfigError` naming the exact
  ``toolkit models fetch ...`` command;
* a document whose language has no route to a target, or has no language at all, keeps its
  original (the original-language item is still written) and gets a warning with the stable
  code ``translation-missing`` (:data:`MISSING`); the document stays ``ok``;
* a paragraph in another language with no route is kept in its own language inside the
  translation (its ``lang`` says which), the translation is marked ``extra["partial"] = True``
  with ``extra["untranslated_paragraphs"]``, and the document gets a ``translation-missing``
  warning.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..document import Document, Paragraph, Translation
from ..errors import ConfigError, ToolkitError
from ..pipeline import DEFAULT_BATCH_SIZE, Processor, Resources
from ..translate.errors import NoRouteError, UnknownSourceLanguageError
from ..translate.langs import LanguageCodeError, checked, script_of, try_canonical

ENGINES = ("ctranslate2", "argos")
#: The warning code of a translation (of a document or of a paragraph) that could not be made.
MISSING = "translation-missing"


@dataclass
class _Segment:
    """A title or paragraph of one document, for one target."""

    index: int  # -1: the title
    source: str
    route: Any  # Route | None (None: keep as is)
    sentences: list[str] = field(default_factory=list)
    step: int = 0


@dataclass
class _Plan:
    doc: Document
    doc_lang: str
    targets: dict[str, list[_Segment]]  # target -> segments
    routes: dict[str, Any]  # target -> the document language's route
    warnings: list[tuple[str, str]] = field(default_factory=list)


def _as_list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    out: list[str] = []
    for item in value:
        out.extend(v.strip() for v in str(item).split(",") if v.strip())
    return list(dict.fromkeys(out))


class Translate(Processor):
    """Translate documents offline into the target languages (CTranslate2 on argos-format models)."""

    name = "translate"

    def __init__(
        self,
        *,
        to: str | Sequence[str],
        source: str = "auto",
        engine: str = "ctranslate2",
        beam_size: int = 2,
        models_dir: str | None = None,
        argos_dirs: Sequence[str] | None = None,
        device: str = "cpu",
        device_index: int = 0,
        compute_type: str | None = None,
        inter_threads: int | None = None,
        intra_threads: int | None = None,
        threads: int | None = None,
        max_batch_size: int = 16,
        batch_type: str = "examples",
        max_decoding_length: int | None = None,
        length_ratio: float = 2.0,
        cache_size: int = 20_000,
        max_sentence_chars: int = 400,
    ) -> None:
        from ..translate.preflight import parse_targets
        from ..translate.store import ModelStore

        self.targets = parse_targets(_as_list(to))
        if not self.targets:
            raise ConfigError("translate: no target language (--to kk,ru,uz)")
        self.source = source.strip() if source else "auto"
        if self.source != "auto":
            try:
                self.source = checked(self.source)
            except LanguageCodeError as exc:
                raise ConfigError(f"translate: --from: {exc}") from None
        if engine not in ENGINES:
            raise ConfigError(f"translate: unknown engine {engine!r} (known: {', '.join(ENGINES)})")
        if beam_size < 1 or max_batch_size < 1:
            raise ConfigError("translate: beam_size and max_batch_size must be >= 1")
        if (inter_threads is not None and inter_threads < 1) or (threads is not None and threads < 0):
            raise ConfigError("translate: inter_threads must be >= 1 and threads >= 0")
        if intra_threads is not None and intra_threads < 0:
            raise ConfigError("translate: intra_threads must be >= 0")
        if batch_type not in ("examples", "tokens"):
            raise ConfigError("translate: batch_type must be 'examples' or 'tokens'")
        if device not in ("cpu", "cuda", "auto"):
            raise ConfigError("translate: device must be cpu, cuda or auto")
        if max_decoding_length is not None and max_decoding_length < 1:
            raise ConfigError("translate: max_decoding_length must be >= 1")
        self.engine_name = engine
        self.threads = threads or None
        self.max_sentence_chars = max_sentence_chars
        self.store = ModelStore(models_dir, argos_dirs=argos_dirs)
        if engine == "argos":
            from ..translate.argos import ArgosEngine

            self.engine: Any = ArgosEngine(
                beam_size=beam_size,
                device=device,
                compute_type=compute_type,
                inter_threads=inter_threads,
                intra_threads=intra_threads,
                threads=threads or None,
                cache_size=cache_size,
            )
        else:
            from ..translate.engine import CT2Engine, DecodeOptions

            self.engine = CT2Engine(
                device=device,
                device_index=device_index,
                compute_type=compute_type,
                inter_threads=inter_threads,
                intra_threads=intra_threads,
                threads=threads or None,
                options=DecodeOptions(
                    beam_size=beam_size,
                    max_batch_size=max_batch_size,
                    batch_type=batch_type,
                    max_decoding_length=max_decoding_length,
                    length_ratio=length_ratio,
                ),
                cache_size=cache_size,
            )
        self.beam_size = beam_size
        self._router: Any = None
        self.check()

    def setup(self, resources: Resources) -> None:
        """Once per process, before the first document: decode on the cores the worker was given
        (unless ``threads`` was set), and load the models now when the source language is fixed
        (with ``source="auto"`` a model loads when the first document that needs it comes)."""
        if self.threads is None and resources.cpus:
            self.engine.threads = resources.cpus
        if self.source == "auto":
            return
        for target in self.targets:
            route = self.router.route(self.source, target)
            for package in route.models if route is not None else ():
                if hasattr(self.engine, "translator"):
                    self.engine.translator(package)

    def check(self) -> None:
        """Raise ConfigError when a target cannot be produced by any installed model (metadata only)."""
        from ..translate.preflight import check_targets

        check_targets(self.targets, self.source, packages=self.store.packages(), usable=self.engine.usable)

    @property
    def router(self) -> Any:
        if self._router is None:
            from ..translate.routing import Router

            self._router = Router(self.store.packages(), usable=self.engine.usable)
        return self._router

    # -- the processor protocol -------------------------------------------------------------

    def __call__(self, doc: Document) -> Document:
        (result,) = self._run([doc])
        if isinstance(result, BaseException):
            raise result
        return doc

    def pipe(self, docs: Iterable[Document], batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[Document]:
        """Translate a batch at once; a document that cannot be translated is reported to the
        pipeline (as if ``__call__`` had raised for it), the rest go on."""
        batch = list(docs)
        for doc, result in zip(batch, self._run(batch), strict=True):
            if isinstance(result, BaseException):
                self.report(doc, result)
            yield doc

    # -- planning ----------------------------------------------------------------------------

    def _source_lang(self, doc: Document) -> str:
        if self.source != "auto":
            return self.source
        lang = try_canonical(doc.lang)
        if lang is None:
            langs = [try_canonical(p.lang) for p in doc.paragraphs]
            known = [x for x in langs if x]
            if known and len(known) == len(langs):
                lang = Counter(known).most_common(1)[0][0]
        if lang is None:
            raise UnknownSourceLanguageError(
                "the document has no language tag: run language identification first or give --from LANG",
                path=doc.source,
            )
        return lang

    def _plan(self, doc: Document) -> _Plan:
        from ..translate.split import split_sentences

        try:
            doc_lang = self._source_lang(doc)
        except UnknownSourceLanguageError as exc:
            plan = _Plan(doc, "und", {}, {})
            plan.warnings.append((MISSING, f"not translated into {', '.join(self.targets)}: {exc.message}"))
            return plan
        plan = _Plan(doc, doc_lang, {}, {})
        items: list[tuple[int, str, str]] = []  # (index, text, language)
        if doc.title and doc.title.strip():
            items.append((-1, doc.title, doc_lang))
        for i, p in enumerate(doc.paragraphs):
            lang = doc_lang if self.source != "auto" else (try_canonical(p.lang) or doc_lang)
            items.append((i, p.text, lang))
        for target in self.targets:
            if all(lang == target for _, _, lang in items):
                continue  # already in the target language: nothing to add
            doc_route = self.router.route(doc_lang, target)
            if doc_route is None:
                from ..translate.preflight import fetch_hint

                missing = NoRouteError(doc_lang, target, hint=fetch_hint(target, doc_lang))
                plan.warnings.append((MISSING, f"not translated into {target}: {missing.message}"))
                continue
            plan.routes[target] = doc_route
            segments = []
            for index, text, lang in items:
                route = doc_route if lang == doc_lang else self.router.route(lang, target)
                if route is None:
                    what = "the title" if index < 0 else f"paragraph {index + 1}"
                    plan.warnings.append(
                        (
                            MISSING,
                            f"{what} is in {lang} and no model translates {lang} -> {target}: "
                            f"kept in {lang} in the {target} version (partial)",
                        )
                    )
                seg = _Segment(index, lang, route if route is not None and route.steps else None)
                seg.sentences = split_sentences(text, lang, max_chars=self.max_sentence_chars) if seg.route else [text]
                segments.append(seg)
            plan.targets[target] = segments
        return plan

    # -- running ---------------------------------------------------------------------------------

    def _run(self, docs: Sequence[Document]) -> list[Document | BaseException]:
        results: list[Document | BaseException] = list(docs)
        plans: list[_Plan] = []
        for i, doc in enumerate(docs):
            try:
                plans.append(self._plan(doc))
            except ToolkitError as exc:
                results[i] = exc
        self._execute([seg for plan in plans for segs in plan.targets.values() for seg in segs])
        for plan in plans:
            self._assign(plan)
        return results

    def _execute(self, segments: list[_Segment]) -> None:
        """Run every segment's route hop by hop, one engine call per (model, pair) per round."""
        from ..translate.translit import converter

        active = [s for s in segments if s.route is not None]
        while active:
            groups: dict[tuple[Any, ...], list[_Segment]] = {}
            for seg in active:
                step = seg.route.steps[seg.step]
                key = (id(step.package), step.scheme, step.source, step.target)
                groups.setdefault(key, []).append(seg)
            for group in groups.values():
                step = group[0].route.steps[group[0].step]
                flat = [s for seg in group for s in seg.sentences]
                if step.package is None:
                    convert = converter(step.source, step.target)
                    assert convert is not None
                    out = [convert(s) for s in flat]
                else:
                    out = self.engine.translate(step.package, step.source, step.target, flat)
                pos = 0
                for seg in group:
                    n = len(seg.sentences)
                    seg.sentences = out[pos : pos + n]
                    pos += n
                    seg.step += 1
            active = [s for s in active if s.step < len(s.route.steps)]

    def _assign(self, plan: _Plan) -> None:
        from ..translate.split import join_sentences

        doc = plan.doc
        new: dict[str, Translation] = {}
        for target, segments in plan.targets.items():
            doc_route = plan.routes[target]
            title = None
            paragraphs: list[Paragraph] = []
            other_routes: dict[str, list[str]] = {}
            kept: list[int] = []
            untranslated: list[int] = []
            for seg in segments:
                text = join_sentences(seg.sentences) if seg.route is not None else seg.sentences[0]
                if seg.route is None:
                    lang = seg.source
                    if seg.index >= 0:
                        kept.append(seg.index)
                    if lang != target:  # no route (text already in the target needs none)
                        untranslated.append(seg.index)
                else:
                    lang = target
                    if seg.route is not doc_route and seg.index >= 0:
                        other_routes[str(seg.index)] = seg.route.langs
                if seg.index < 0:
                    title = text
                else:
                    paragraphs.append(Paragraph(text, lang, script_of(lang)))
            models = doc_route.models
            engine = self.engine.name if models else "translit"
            extra: dict[str, Any] = {
                "steps": [s.describe() for s in doc_route.steps],
                "route_kind": doc_route.kind,
            }
            if models:
                extra["beam_size"] = self.beam_size
            if other_routes:
                extra["paragraph_routes"] = other_routes
            if kept:
                extra["kept_paragraphs"] = kept
            if untranslated:
                extra["partial"] = True
                extra["untranslated_paragraphs"] = untranslated  # -1: the title
            new[target] = Translation(
                lang=target,
                title=title,
                paragraphs=paragraphs,
                source_lang=plan.doc_lang,
                engine=engine,
                model="+".join(p.name for p in models) or None,
                model_version="+".join(p.version for p in models) or None,
                route=doc_route.langs,
                extra=extra,
            )
        for code, message in plan.warnings:
            doc.warn(code, message, processor=self.name)
        doc.translations.update(new)
