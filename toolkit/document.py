"""The one document type that flows through every processor.

A :class:`Document` starts as raw input (plain text or HTML) and is filled in by the
processors of a pipeline: cleaning sets the title, paragraphs, metadata and the log of
what it removed; language identification tags paragraphs; translation adds
:class:`Translation` entries. Each processor fills its own fields and leaves the others
alone.

``to_dict`` / ``from_dict`` are a lossless JSON round trip, so documents can be piped
between commands as JSONL.
"""

from __future__ import annotations

import hashlib
import json
import types
import typing
import unicodedata
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from .errors import DocumentFormatError

#: Version of the serialised form written by :meth:`Document.to_dict`.
SCHEMA_VERSION = 1

RawFormat = Literal["text", "html", "none"]
Status = Literal["ok", "skipped", "failed"]


def content_id(text: str) -> str:
    """A stable 16-hex-digit id derived from content.

    The text is normalised first (NFC, ``\\r\\n`` -> ``\\n``, BOM and surrounding
    whitespace stripped) so the same page saved with other line ends or another
    encoding gets the same id.
    """
    norm = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    norm = norm.lstrip("\ufeff").strip()
    return hashlib.sha256(norm.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(slots=True)
class Paragraph:
    """One body paragraph, with the language tag given to it by language identification."""

    text: str
    lang: str | None = None  # BCP 47 tag, e.g. "kk-Cyrl", "uz-Latn", "ru", "und"
    script: str | None = None  # ISO 15924, e.g. "Cyrl", "Latn"
    confidence: float | None = None


@dataclass(slots=True)
class Removal:
    """Something cleaning removed, and why."""

    text: str
    rule: str  # e.g. "copyright", "teaser-block", "repeated-title"
    reason: str  # human-readable explanation
    line: int | None = None  # 1-based line number in the raw input, where known


@dataclass(slots=True)
class Notice:
    """A warning or an error recorded on a document."""

    code: str
    message: str
    processor: str | None = None
    type: str | None = None  # exception class name for errors


@dataclass(slots=True)
class Metadata:
    """What is known about a document besides its text."""

    published: str | None = None  # ISO 8601 date or date-time
    modified: str | None = None
    byline: str | None = None
    photo_credits: list[str] = field(default_factory=list)
    copyright_holder: str | None = None
    copyright_year: int | None = None
    copyright_notice: str | None = None
    provider: str | None = None  # who supplied the item (agency, site)
    source_url: str | None = None
    description: str | None = None  # lede / summary
    keywords: list[str] = field(default_factory=list)
    guid: str | None = None  # identifier given by a feed / NewsML-G2 input
    version: int | None = None  # version given by a feed / NewsML-G2 input
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Translation:
    """One language version of a document made by a translation engine."""

    lang: str  # target BCP 47 tag
    title: str | None
    paragraphs: list[Paragraph]
    source_lang: str | None = None
    engine: str | None = None  # e.g. "ctranslate2", "argos", "translit"
    model: str | None = None  # model name(s)
    model_version: str | None = None
    route: list[str] = field(default_factory=list)  # languages passed through, e.g. ["kk", "en", "ru"]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Document:
    """A news document and everything the pipeline learned about it."""

    id: str
    raw: str = ""
    raw_format: RawFormat = "text"
    source: str | None = None  # path or URI the document came from
    encoding: str | None = None  # encoding the raw bytes were decoded with
    title: str | None = None
    title_derived: bool = False  # True when the title was derived from the text, not found
    paragraphs: list[Paragraph] = field(default_factory=list)
    lang: str | None = None  # document language (BCP 47)
    lang_confidence: float | None = None
    mixed: bool = False  # several languages in one document
    meta: Metadata = field(default_factory=Metadata)
    removed: list[Removal] = field(default_factory=list)
    translations: dict[str, Translation] = field(default_factory=dict)
    warnings: list[Notice] = field(default_factory=list)
    errors: list[Notice] = field(default_factory=list)
    skipped: Notice | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def from_text(
        cls,
        text: str,
        *,
        source: str | None = None,
        raw_format: RawFormat = "text",
        encoding: str | None = None,
        id: str | None = None,
    ) -> Document:
        """A new document from raw text or HTML; its id is derived from the content."""
        return cls(
            id=id or content_id(text),
            raw=text,
            raw_format=raw_format,
            source=source,
            encoding=encoding,
        )

    @classmethod
    def failed_input(cls, source: str, error: Exception) -> Document:
        """A placeholder for an input that could not be read, carrying the error (or, for a
        :class:`~toolkit.errors.Skip`, the reason it was skipped)."""
        from .errors import Skip, error_record

        doc = cls(
            id="input-" + hashlib.sha256(source.encode("utf-8", "surrogateescape")).hexdigest()[:10],
            raw="",
            raw_format="none",
            source=source,
        )
        if isinstance(error, Skip):
            doc.skip(error.code, str(error), processor="read")
            return doc
        record = error_record(error, processor="read")
        doc.errors.append(
            Notice(
                code=record["code"] or "input", message=record["message"] or "", processor="read", type=record["type"]
            )
        )
        return doc

    # -- state ------------------------------------------------------------------------------

    @property
    def status(self) -> Status:
        if self.errors:
            return "failed"
        if self.skipped is not None:
            return "skipped"
        return "ok"

    @property
    def text(self) -> str:
        """The body as plain text: paragraphs separated by blank lines."""
        return "\n\n".join(p.text for p in self.paragraphs)

    def add_error(self, code: str, message: str, *, processor: str | None = None, type: str | None = None) -> None:
        self.errors.append(Notice(code=code, message=message, processor=processor, type=type))

    def warn(self, code: str, message: str, *, processor: str | None = None) -> None:
        self.warnings.append(Notice(code=code, message=message, processor=processor))

    def skip(self, code: str, message: str, *, processor: str | None = None) -> None:
        """Mark the document as deliberately not processed further (not an error)."""
        self.skipped = Notice(code=code, message=message, processor=processor)

    def log_removal(self, text: str, rule: str, reason: str, line: int | None = None) -> None:
        self.removed.append(Removal(text=text, rule=rule, reason=reason, line=line))

    # -- serialisation ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict; ``Document.from_dict(d.to_dict()) == d``."""
        out: dict[str, Any] = {"schema": SCHEMA_VERSION}
        out.update(_dump(self))
        return out

    def to_json(self, **kwargs: Any) -> str:
        """One JSON line; non-ASCII kept, lone surrogates escaped (it always encodes to UTF-8)."""
        from .text import json_dumps

        return json_dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, data: Any) -> Document:
        if not isinstance(data, dict):
            raise DocumentFormatError(f"a document must be a JSON object, not {type(data).__name__}")
        data = dict(data)
        schema = data.pop("schema", SCHEMA_VERSION)
        if schema != SCHEMA_VERSION:
            raise DocumentFormatError(f"unsupported document schema version {schema!r} (expected {SCHEMA_VERSION})")
        if "id" not in data:
            if "raw" in data and isinstance(data["raw"], str):
                data["id"] = content_id(data["raw"])
            else:
                raise DocumentFormatError("a document needs an 'id' or a 'raw' text")
        return _load(cls, data, "document")

    @classmethod
    def from_json(cls, text: str) -> Document:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DocumentFormatError(f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
        return cls.from_dict(data)


# -- (de)serialisation helpers ------------------------------------------------------------------


def _dump(obj: Any) -> Any:
    if hasattr(obj, "__dataclass_fields__"):
        return {f.name: _dump(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, dict):
        return {str(k): _dump(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_dump(v) for v in obj]
    return obj


# How nested fields are rebuilt: field name -> (kind, class)
_SCHEMA: dict[type, dict[str, tuple[str, type]]] = {
    Document: {
        "paragraphs": ("list", Paragraph),
        "meta": ("one", Metadata),
        "removed": ("list", Removal),
        "translations": ("dict", Translation),
        "warnings": ("list", Notice),
        "errors": ("list", Notice),
        "skipped": ("optional", Notice),
    },
    Translation: {"paragraphs": ("list", Paragraph)},
}

_SCALARS = (str, int, float, bool, type(None))


def _load(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise DocumentFormatError(f"{where}: expected an object, got {type(data).__name__}")
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise DocumentFormatError(f"{where}: unknown field(s) {', '.join(map(repr, unknown))}")
    nested = _SCHEMA.get(cls, {})
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        spec = nested.get(key)
        if spec is None:
            kwargs[key] = value
            continue
        kind, sub = spec
        if kind == "one":
            kwargs[key] = _load(sub, value, f"{where}.{key}")
        elif kind == "optional":
            kwargs[key] = None if value is None else _load(sub, value, f"{where}.{key}")
        elif kind == "list":
            if not isinstance(value, list):
                raise DocumentFormatError(f"{where}.{key}: expected a list")
            kwargs[key] = [_load(sub, v, f"{where}.{key}[{i}]") for i, v in enumerate(value)]
        elif kind == "dict":
            if not isinstance(value, dict):
                raise DocumentFormatError(f"{where}.{key}: expected an object")
            kwargs[key] = {k: _load(sub, v, f"{where}.{key}.{k}") for k, v in value.items()}
    try:
        obj = cls(**kwargs)
    except TypeError as exc:  # a required field is missing
        raise DocumentFormatError(f"{where}: {exc}") from None
    _check_types(obj, where)
    return obj


_EXPECTED: dict[type, dict[str, tuple[type, ...]]] = {}


def _runtime_types(annotation: Any) -> tuple[type, ...]:
    """The JSON value types an annotation admits (``float`` admits ``int``)."""
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return tuple({type(a) for a in typing.get_args(annotation)})
    if origin in (typing.Union, types.UnionType):
        return tuple(t for a in typing.get_args(annotation) for t in _runtime_types(a))
    if origin is not None:
        return (origin,)
    if annotation is float:
        return (float, int)
    if annotation is Any:
        return (object,)
    return (type(None),) if annotation is None else (annotation,)


def _check_types(obj: Any, where: str) -> None:
    """Reject values of the wrong JSON type, so a bad JSONL line fails here, not deep in a processor."""
    cls = type(obj)
    expected = _EXPECTED.get(cls)
    if expected is None:
        hints = typing.get_type_hints(cls)
        expected = {name: _runtime_types(hint) for name, hint in hints.items() if name not in _SCHEMA.get(cls, {})}
        _EXPECTED[cls] = expected
    for name, allowed in expected.items():
        value = getattr(obj, name)
        if isinstance(value, bool) and bool not in allowed and object not in allowed:
            raise DocumentFormatError(f"{where}.{name}: unexpected value {value!r}")
        if not isinstance(value, allowed):
            raise DocumentFormatError(f"{where}.{name}: unexpected value {str(value)[:40]!r}")
