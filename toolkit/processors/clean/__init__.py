"""``clean``: scraped news page -> title, body paragraphs, metadata, and a log of removals.

Plain-text pages go through the rules of :mod:`.text`; HTML pages through trafilatura
first (:mod:`.html`), then the same rules. What is removed is logged on the document
(``doc.removed``: text, rule, reason, line); what it tells (publication date, photo
credits, copyright holder and year, byline, ...) goes to ``doc.meta``. In ``pipe()`` a
second pass removes lines that recur across many pages of one source in the batch
(:mod:`.crossdoc`).

The marker phrases are data (``toolkit/data/clean/markers/*.toml``); a pipeline adds its
own with the ``extra_markers`` / ``markers_file`` options::

    [steps.clean]
    extra_markers = { teaser = ["Daha fazla haber"], credit = ["Kaynak:"] }
    markers_file = "site-markers.toml"
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...document import Document, Paragraph, Removal
from ...errors import ConfigError, EmptyDocumentError, ToolkitError
from ...pipeline import DEFAULT_BATCH_SIZE, Processor, chunks
from .crossdoc import CrossDocOptions, Page, learn, source_key
from .html import Favor, PageMeta
from .markers import Markers, default_markers, key, load_markers
from .rules import Rules
from .text import Cleaned, clean_text, derive_title

__all__ = ["Clean", "Cleaned", "Markers", "Rules", "load_markers"]

_FAVOR = ("balanced", "precision", "recall")


@dataclass(slots=True)
class _Result:
    """One page's cleaning, computed before anything is assigned to the document."""

    cleaned: Cleaned
    page: PageMeta | None
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (code, message)
    path: str | None = None  # HTML: how the main text was found (html.PATHS)


#: Fewer body words than this, on a page that had boilerplate removed, is not a story.
MIN_WORDS_AFTER_REMOVAL = 3


class Clean(Processor):
    """Remove boilerplate from scraped pages (text and HTML); removed parts become metadata."""

    name = "clean"

    def __init__(
        self,
        *,
        languages: list[str] | None = None,
        extra_markers: Mapping[str, Any] | None = None,
        markers_file: str | list[str] | None = None,
        cross_document: bool = True,
        min_docs: int = 5,
        min_count: int = 3,
        min_share: float = 0.5,
        html_favor: str = "balanced",
        allow_empty: bool = False,
    ) -> None:
        if html_favor not in _FAVOR:
            raise ConfigError(f"clean: html_favor must be one of {', '.join(_FAVOR)}, not {html_favor!r}")
        if min_docs < 2 or min_count < 2 or not 0 < min_share <= 1:
            raise ConfigError("clean: min_docs and min_count must be >= 2 and 0 < min_share <= 1")
        files = [markers_file] if isinstance(markers_file, str) else list(markers_file or [])
        if languages is None and not extra_markers and not files:
            markers = default_markers()
        else:
            markers = load_markers(languages, extra_markers, files)
        self.rules = Rules(markers)
        self.cross_document = cross_document
        self.crossdoc = CrossDocOptions(min_docs=min_docs, min_count=min_count, min_share=min_share)
        self.html_favor: Favor = html_favor  # type: ignore[assignment]
        self.allow_empty = allow_empty

    # -- one document ----------------------------------------------------------------------------

    def __call__(self, doc: Document) -> Document:
        if doc.paragraphs:  # already cleaned or segmented (for example read back from JSONL)
            return doc
        result = self._clean(doc)
        self._check_empty(doc, result.cleaned)
        self._commit(doc, result)
        return doc

    def _clean(self, doc: Document) -> _Result:
        if doc.raw_format == "html":
            from .html import clean_html

            try:
                out = clean_html(doc.raw, self.rules, favor=self.html_favor)
            except ToolkitError as exc:  # a page the parser refuses: name the file
                exc.path = exc.path or doc.source or doc.id
                raise
            return _Result(out.cleaned, out.meta, out.warnings, out.path)
        return _Result(clean_text(doc.raw, self.rules), None)

    def _check_empty(self, doc: Document, cleaned: Cleaned) -> None:
        if self.allow_empty or (doc.title and doc.title.strip() and not cleaned.paragraphs):
            return  # a headline given with no body left (a flash, a title-only feed entry): headline-only
        if not cleaned.paragraphs:
            reason = "the page holds only boilerplate" if cleaned.removals else "no text in the document"
            raise EmptyDocumentError(f"nothing left after cleaning: {reason}", path=doc.source or doc.id)
        if not cleaned.removals:
            return
        left = 0
        for p in cleaned.paragraphs:  # counted until there are enough (a story has many more)
            left += len(p.split())
            if left >= MIN_WORDS_AFTER_REMOVAL:
                return
        # a page that was all furniture leaves a stray menu word ("Sport") behind, not a story
        raise EmptyDocumentError(
            f"nothing left after cleaning: only {left} word(s) beside the boilerplate removed",
            path=doc.source or doc.id,
        )

    def _commit(self, doc: Document, result: _Result) -> None:
        c, page = result.cleaned, result.page
        meta = doc.meta
        title, derived = c.title, c.title_derived
        if page is not None:
            title = page.title or title
            derived = page.title is None and c.title_derived
            if not title and c.paragraphs:
                title, derived = derive_title(c.paragraphs[0]), True
        # compute everything first, then assign (a processor never leaves a half-changed document)
        paragraphs = [Paragraph(text) for text in c.paragraphs]
        credits = list(meta.photo_credits)
        for name in (page.credits if page else []) + c.credits:
            if key(name) not in {key(x) for x in credits}:
                credits.append(name)
        if doc.title is None:
            doc.title, doc.title_derived = title, derived if title else False
        doc.paragraphs = paragraphs
        doc.removed.extend(c.removals)
        meta.photo_credits = credits
        meta.published = meta.published or (page.published if page else None) or c.published
        meta.modified = meta.modified or (page.modified if page else None) or c.modified
        meta.byline = meta.byline or (page.byline if page else None) or c.byline
        holder = (page.copyright_holder if page else None) or c.copyright_holder
        if meta.copyright_holder is None and meta.copyright_year is None:
            meta.copyright_holder = holder
            meta.copyright_year = (page.copyright_year if page else None) or c.copyright_year
            meta.copyright_notice = (
                meta.copyright_notice or (page.copyright_notice if page else None) or (c.copyright_notice)
            )
        if page is not None:
            meta.description = meta.description or page.description
            meta.keywords = meta.keywords or list(page.keywords)
            meta.source_url = meta.source_url or page.source_url
            meta.provider = meta.provider or page.provider
            if page.lang:
                doc.extra.setdefault("html_lang", page.lang)
            if result.path:
                doc.extra["html_extraction"] = result.path
        for code, message in result.warnings:
            doc.warn(code, message, processor=self.name)
        if c.control_chars:
            doc.warn("control-characters", f"removed {c.control_chars} control character(s)", processor=self.name)

    # -- a batch ---------------------------------------------------------------------------------------

    def pipe(self, docs: Iterable[Document], batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[Document]:
        """Clean a stream; within each batch, also remove lines recurring across pages of one source.

        A document that fails (or is skipped: a page that is only boilerplate) is reported to
        the pipeline (:meth:`~toolkit.pipeline.Processor.report`), as if ``__call__`` had raised
        for it, and the rest of the batch goes on.
        """
        for batch in chunks(docs, batch_size):
            yield from self._batch(batch)

    def _batch(self, batch: list[Document]) -> list[Document]:
        results: list[_Result | None] = []
        for doc in batch:
            if doc.paragraphs or doc.status != "ok":
                results.append(None)
                continue
            try:
                results.append(self._clean(doc))
            except ToolkitError as exc:
                self.report(doc, exc)
                results.append(None)
        if self.cross_document:
            self._cross_document(batch, results)
        for doc, result in zip(batch, results, strict=True):
            if result is None:
                continue
            try:
                self._check_empty(doc, result.cleaned)
            except ToolkitError as exc:
                self.report(doc, exc)
                continue
            self._commit(doc, result)
        return batch

    def _cross_document(self, batch: list[Document], results: list[_Result | None]) -> None:
        pages: list[tuple[Page, _Result]] = []
        for doc, result in zip(batch, results, strict=True):
            if result is None or not result.cleaned.paragraphs:
                continue
            c, meta = result.cleaned, result.page
            source = source_key(
                provider=(meta.provider if meta else None) or doc.meta.provider,
                url=(meta.source_url if meta else None) or doc.meta.source_url,
                holder=c.copyright_holder or (meta.copyright_holder if meta else None),
                path=doc.source,
            )
            title = (meta.title if meta else None) or (None if c.title_derived else c.title) or c.paragraphs[0]
            pages.append((Page(source, key(title), c.paragraphs), result))
        learned = learn([p for p, _ in pages], self.crossdoc)
        for page, result in pages:
            common = learned.get(page.source)
            if not common:
                continue
            lines, stories = common
            c = result.cleaned
            drop = [i for i, text in enumerate(c.paragraphs) if key(text) in lines]
            if not drop or len(drop) == len(c.paragraphs):
                continue  # never empty a page this way: it is more likely a duplicate than boilerplate
            label = page.source.split(":", 1)[-1] or "this batch"
            for i in drop:
                c.removals.append(
                    Removal(
                        c.paragraphs[i],
                        "cross-document",
                        f"recurs in {lines[key(c.paragraphs[i])]} of {stories} pages from {label}",
                        c.lines[i] if i < len(c.lines) else None,
                    )
                )
            keep = [i for i in range(len(c.paragraphs)) if i not in set(drop)]
            c.paragraphs = [c.paragraphs[i] for i in keep]
            c.lines = [c.lines[i] for i in keep if i < len(c.lines)]
