"""``langid``: tag each paragraph with its language, and the document with the language
of the majority of its letters.

Per paragraph: ``Paragraph.lang`` (BCP 47: ``kk-Cyrl``, ``uz-Latn``, ``ru``, ``und``),
``.script`` (ISO 15924) and ``.confidence``. Per document: ``doc.lang``,
``doc.lang_confidence`` (the winning language's share of the letters times its mean
confidence), ``doc.mixed`` (another language holds at least ``mixed_share`` of the
letters, or a whole paragraph of at least ``MIXED_MIN_LETTERS`` letters, confidently).
``doc.extra["langid"]`` records the engine, the letters per language and the title's
language.

A short paragraph (fewer than ``short_letters`` letters) whose runner-up is the document's
language is given the document's language: a one-line caption or a name alone is weak
evidence, the rest of the document is strong.

``pipe()`` scores the paragraphs of a few documents together (about ``PIPE_CHARS``
characters per numpy pass): that spreads the fixed cost of a pass, while much larger passes
were measured slower (the gathered weights no longer fit in the CPU cache). Each paragraph
gets exactly the detection it gets alone: paragraphs are scored independently, and a
document with a single paragraph is identified as ``__call__`` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..document import Document, Paragraph
from ..errors import ConfigError, ProcessingError
from ..pipeline import DEFAULT_BATCH_SIZE, Processor

if TYPE_CHECKING:
    from ..langid import Detection

#: Paragraphs with fewer letters than this may take the document's language.
SHORT_LETTERS = 40
#: A second language with at least this share of the letters makes a document mixed...
MIXED_SHARE = 0.2
#: ... and so does one paragraph in another language with this many letters...
MIXED_MIN_LETTERS = 60
#: ... identified with at least this confidence (a quotation, not a stray name or button).
MIXED_MIN_CONFIDENCE = 0.9
#: ``pipe()`` scores the paragraphs of documents together up to about this many characters.
PIPE_CHARS = 8_000


@dataclass(slots=True)
class _Outcome:
    """What langid decided for one document, before anything is assigned to it."""

    paragraphs: list[Paragraph]
    lang: str
    confidence: float
    mixed: bool
    info: dict[str, Any]
    warnings: list[tuple[str, str]] = field(default_factory=list)


class LangId(Processor):
    """Tag paragraphs and the document with BCP 47 language tags (rules + n-gram model)."""

    name = "langid"

    def __init__(
        self,
        *,
        engine: str = "auto",
        languages: list[str] | None = None,
        min_letters: int = 3,
        min_confidence: float = 0.0,
        short_letters: int = SHORT_LETTERS,
        mixed_share: float = MIXED_SHARE,
        title: bool = True,
    ) -> None:
        from ..langid import LanguageIdentifier

        if isinstance(languages, str):
            languages = [x for x in languages.replace(" ", ",").split(",") if x]
        for name, value in (("min_letters", min_letters), ("short_letters", short_letters)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise ConfigError(f"langid: {name} must be an integer, not {value!r}")
        for name, value in (("min_confidence", min_confidence), ("mixed_share", mixed_share)):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise ConfigError(f"langid: {name} must be a number, not {value!r}")
        try:
            self.identifier = LanguageIdentifier(
                engine, languages=languages, min_letters=min_letters, min_confidence=min_confidence
            )
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"langid: {exc}") from None
        if not 0.0 < mixed_share <= 0.5:
            raise ConfigError("langid: mixed_share must be in (0, 0.5]")
        self.engine = engine
        self.short_letters = short_letters
        self.mixed_share = mixed_share
        self.title = title

    def _given_language(
        self, doc: Document, detected: str, confidence: float, info: dict[str, Any], warnings: list[tuple[str, str]]
    ) -> tuple[str, float]:
        """A language given by the feed beats the guess (the guess is kept in ``extra``)."""
        given = doc.lang
        from_feed = doc.meta.extra.get("from_feed")
        if not given or not isinstance(from_feed, list) or "lang" not in from_feed:
            return detected, confidence
        from ..translate.langs import try_canonical

        tag = try_canonical(given) or given
        info["detected"] = detected
        if detected != "und" and detected.split("-")[0] == tag.split("-")[0]:
            return detected, confidence  # same language: keep the script we saw
        if detected != "und":
            warnings.append(
                (
                    "lang-mismatch",
                    f"the feed says {given!r} but the text looks like {detected!r}; keeping the feed's language",
                )
            )
        return tag, 1.0

    def _identify(self, docs: list[Document]) -> list[tuple[list[Detection], Detection | None]]:
        """(paragraph detections, title detection) of each document, all scored in one pass.

        Each text gets what it got when documents were identified one by one: the
        paragraphs of a document with several as ``identify_many`` scores them, a single
        paragraph and the title as ``identify`` scores one text (``alone``).
        """
        texts: list[str] = []
        alone: list[bool] = []  # a single paragraph or a title: scored as identify() scores it
        for doc in docs:
            texts.extend(p.text for p in doc.paragraphs)
            alone.extend([len(doc.paragraphs) == 1] * len(doc.paragraphs))
            if self.title and doc.title:
                texts.append(doc.title)
                alone.append(True)
        try:
            found = iter(self.identifier.identify_many(texts, alone))
        except (ImportError, OSError) as exc:  # a model that cannot be loaded
            where = docs[0].source if len(docs) == 1 else None
            raise ProcessingError(f"language identification unavailable: {exc}", path=where) from exc
        out = []
        for doc in docs:
            detections = [next(found) for _ in doc.paragraphs]
            out.append((detections, next(found) if self.title and doc.title else None))
        return out

    def _decide(self, doc: Document, detections: list[Detection], title: Detection | None) -> _Outcome:
        letters: dict[str, int] = {}
        for d in detections:
            if d.lang != "und":
                letters[d.lang] = letters.get(d.lang, 0) + d.letters
        doc_lang = max(letters, key=lambda tag: (letters[tag], tag)) if letters else None
        if doc_lang is None and title is not None and title.lang != "und":
            doc_lang = title.lang  # no language in the body: the title decides
        # short paragraphs lean to the document's language when it is their runner-up
        tagged: list[Paragraph] = []
        for p, d in zip(doc.paragraphs, detections, strict=True):
            lang, confidence, script = d.lang, d.confidence, d.script
            if doc_lang and lang not in ("und", doc_lang) and d.letters < self.short_letters:
                alt = dict(d.alternatives)
                if doc_lang in alt:
                    lang, confidence = doc_lang, alt[doc_lang]
            tagged.append(Paragraph(p.text, lang, script, round(confidence, 4)))
        letters = {}
        weighted: dict[str, float] = {}
        for p, d in zip(tagged, detections, strict=True):
            if p.lang and p.lang != "und":
                letters[p.lang] = letters.get(p.lang, 0) + d.letters
                weighted[p.lang] = weighted.get(p.lang, 0.0) + d.letters * (p.confidence or 0.0)
        total = sum(letters.values())
        if total:
            doc_lang = max(letters, key=lambda tag: (letters[tag], tag))
            share = letters[doc_lang] / total
            confidence = share * weighted[doc_lang] / letters[doc_lang]
            mixed = any(t != doc_lang and n / total >= self.mixed_share for t, n in letters.items()) or any(
                p.lang not in (doc_lang, "und")
                and d.letters >= MIXED_MIN_LETTERS
                and (p.confidence or 0.0) >= MIXED_MIN_CONFIDENCE
                for p, d in zip(tagged, detections, strict=True)
            )
        elif doc_lang is not None and title is not None:
            confidence, mixed = title.confidence, False
        else:
            doc_lang, confidence, mixed = "und", 0.0, False
        info: dict[str, Any] = {
            "engine": self.engine,
            "letters": dict(sorted(letters.items(), key=lambda kv: (-kv[1], kv[0]))),
        }
        if title is not None:
            info["title"] = {"lang": title.lang, "script": title.script, "confidence": round(title.confidence, 4)}
        warnings: list[tuple[str, str]] = []
        doc_lang, confidence = self._given_language(doc, doc_lang, confidence, info, warnings)
        return _Outcome(tagged, doc_lang, round(confidence, 4), mixed, info, warnings)

    def _commit(self, doc: Document, outcome: _Outcome) -> None:
        for code, message in outcome.warnings:
            doc.warn(code, message, processor=self.name)
        doc.paragraphs = outcome.paragraphs
        doc.lang = outcome.lang
        doc.lang_confidence = outcome.confidence
        doc.mixed = outcome.mixed
        doc.extra["langid"] = outcome.info

    def __call__(self, doc: Document) -> Document:
        ((detections, title),) = self._identify([doc])
        # compute first, assign last: a failure above leaves the document untouched
        self._commit(doc, self._decide(doc, detections, title))
        return doc

    def pipe(self, docs: Iterable[Document], batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[Document]:
        """Tag a stream, scoring the paragraphs of a few documents at a time (see the module doc).

        Nothing is assigned to any document of a group until all of them are decided, so an
        error leaves the group untouched (and the pipeline retries its documents one by one).
        """
        from ..langid.ngram import MAX_CHARS

        group: list[Document] = []
        size = 0
        for doc in docs:
            group.append(doc)
            size += sum(min(len(p.text), MAX_CHARS) for p in doc.paragraphs)
            if size >= PIPE_CHARS or len(group) >= batch_size:
                yield from self._group(group)
                group, size = [], 0
        if group:
            yield from self._group(group)

    def _group(self, docs: list[Document]) -> list[Document]:
        outcomes = [
            self._decide(doc, dets, title) for doc, (dets, title) in zip(docs, self._identify(docs), strict=True)
        ]
        for doc, outcome in zip(docs, outcomes, strict=True):
            self._commit(doc, outcome)
        return docs
