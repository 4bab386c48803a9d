"""XML Schema validation: IPTC's NewsML-G2 2.35 schema, our profile, or any XSD.

Schemas shipped with the toolkit are read from the ``toolkit.schemas`` package with
:mod:`importlib.resources` and compiled once per process, on first use. Compiling goes
through a resolver that serves only files of that package (``xs:import`` of ``xml.xsd``
and of our XHTML body schema) and refuses everything else, and the parser never touches
the network: validation works offline and installed.

Problems come back as data (:class:`Issue`, with line numbers where the document was
parsed from bytes); :func:`check_element` raises :class:`~toolkit.errors.ValidationError`
for the writers.
"""

from __future__ import annotations

import functools
import importlib.resources
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..errors import ConfigError, UnsafeInputError, ValidationError
from ..io.xmlsafe import parse_xml, parser, refuse_declarations, refuse_xinclude

#: Schemas shipped in ``toolkit.schemas``: name -> (file, label).
SCHEMAS: dict[str, tuple[str, str]] = {
    "iptc": ("NewsML-G2_2.35-spec-All-Power.xsd", "IPTC NewsML-G2 2.35"),
    "profile": ("toolkit-newsml-profile.xsd", "toolkit NewsML-G2 profile"),
}
#: What every output must pass, in this order (ours first: its messages are the more precise).
OUTPUT_SCHEMAS: tuple[str, ...] = ("profile", "iptc")

_BASE = "toolkit-schemas:/"


@dataclass(frozen=True, slots=True)
class Issue:
    """One validation problem."""

    message: str
    schema: str  # label of the schema (or "xml" for parse errors)
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.message} [{self.schema}]"


class _Resolver(etree.Resolver):
    """Serves schema documents from ``lookup`` and refuses anything it does not know."""

    def __init__(self, lookup: Callable[[str], bytes | None]) -> None:
        super().__init__()
        self.lookup = lookup

    def resolve(self, system_url, public_id, context):  # type: ignore[no-untyped-def,override]
        data = self.lookup(system_url or "")
        if data is None:
            raise ConfigError(f"schema refers to {system_url!r}, which is not available offline")
        return self.resolve_string(data, context, base_url=system_url)


def _compile(data: bytes, base_url: str, lookup: Callable[[str], bytes | None], label: str) -> etree.XMLSchema:
    _refuse_unsafe_schema(data, label)
    xml_parser = parser()
    xml_parser.resolvers.add(_Resolver(lookup))
    try:
        doc = etree.fromstring(data, xml_parser, base_url=base_url)
        return etree.XMLSchema(doc)
    except (etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
        raise ConfigError(f"cannot load schema {label}: {exc}") from None


def _refuse_unsafe_schema(data: bytes, label: str) -> None:
    """A schema (or a file it includes) must not carry a DTD or entities: refused, never loaded."""
    try:
        refuse_declarations(data, label)
        refuse_xinclude(data, label)
    except UnsafeInputError as exc:
        raise ConfigError(f"cannot load schema {label}: {exc.message}") from None


def _package_file(url: str) -> bytes | None:
    name = url[len(_BASE) :] if url.startswith(_BASE) else ""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    resource = importlib.resources.files("toolkit.schemas").joinpath(name)
    return resource.read_bytes() if resource.is_file() else None


@functools.cache
def schema(name: str) -> etree.XMLSchema:
    """A shipped schema (``"iptc"`` or ``"profile"``), compiled once per process."""
    try:
        filename, label = SCHEMAS[name]
    except KeyError:
        raise ConfigError(f"unknown schema {name!r} (known: {', '.join(SCHEMAS)})") from None
    data = _package_file(_BASE + filename)
    if data is None:
        raise ConfigError(f"schema file {filename} is missing from toolkit.schemas")
    return _compile(data, _BASE + filename, _package_file, label)


def label(name: str) -> str:
    return SCHEMAS[name][1] if name in SCHEMAS else name


def _read_capped(path: str | os.PathLike[str]) -> bytes | None:
    """The bytes of a file, or None when it is larger than the limit of every input (a
    /dev/zero must not fill memory); raises OSError when it cannot be read."""
    from ..io.readers import MAX_INPUT_BYTES

    with open(path, "rb") as fh:
        data = fh.read(MAX_INPUT_BYTES + 1)
    return data if len(data) <= MAX_INPUT_BYTES else None


def _too_large() -> str:
    from ..io.readers import MAX_INPUT_BYTES

    return f"larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB"


@functools.cache
def load_xsd(path: str) -> etree.XMLSchema:
    """Any XSD file; what it imports or includes must lie in its own folder (no network)."""
    real = Path(path).resolve()
    folder = real.parent

    def lookup(url: str) -> bytes | None:
        if "://" in url and not url.startswith("file://"):
            return None
        target = Path(url.removeprefix("file://"))
        target = (folder / target).resolve() if not target.is_absolute() else target.resolve()
        if (target.parent != folder and folder not in target.parents) or not target.is_file():
            return None  # outside the folder, or not a regular file (a FIFO would block)
        try:
            data = _read_capped(target)
        except OSError:
            return None
        if data is None:
            return None
        _refuse_unsafe_schema(data, str(target))
        return data

    try:
        data = _read_capped(real)
    except OSError as exc:
        raise ConfigError(f"cannot read schema: {exc.strerror}", path=path) from None
    if data is None:
        raise ConfigError(f"schema {_too_large()}", path=path)
    return _compile(data, str(real), lookup, path)


def _issues(xmlschema: etree.XMLSchema, tree: etree._Element, name: str) -> list[Issue]:
    if xmlschema.validate(tree):
        return []
    return [Issue(e.message, name, e.line or None, e.column or None) for e in xmlschema.error_log]


def validate_element(element: etree._Element, schemas: Iterable[str] = OUTPUT_SCHEMAS) -> list[Issue]:
    """Issues of an in-memory element against shipped schemas (no line numbers)."""
    out: list[Issue] = []
    for name in schemas:
        out.extend(_issues(schema(name), element, label(name)))
    return out


def validate_bytes(
    data: bytes, source: str = "<bytes>", schemas: Sequence[str | etree.XMLSchema] = ("iptc",)
) -> list[Issue]:
    """Issues of a serialised document, with line numbers; refuses unsafe XML like every reader."""
    from ..errors import InputError

    try:
        root = parse_xml(data, source)
    except InputError as exc:
        return [Issue(exc.message, "xml", getattr(exc, "line", None), getattr(exc, "column", None))]
    out: list[Issue] = []
    for item in schemas:
        if isinstance(item, str):
            out.extend(_issues(schema(item), root, label(item)))
        else:
            out.extend(_issues(item, root, "xsd"))
    return out


def validate_file(path: str | os.PathLike[str], schemas: Sequence[str | etree.XMLSchema] = ("iptc",)) -> list[Issue]:
    name = os.fspath(path)
    try:
        data = _read_capped(name)
    except OSError as exc:
        return [Issue(f"cannot read: {exc.strerror}", "io")]
    if data is None:
        return [Issue(f"{_too_large()}: not read", "io")]
    return validate_bytes(data, name, schemas)


def check_element(
    element: etree._Element, what: str, serialised: bytes | None = None, *, path: str | None = None
) -> None:
    """Raise ValidationError when ``element`` fails our profile or IPTC's schema.

    The message gives the first problem with its line in the serialised output (the
    element is serialised again only on failure) and how many more there are.
    """
    issues = validate_element(element)
    if not issues:
        return
    if serialised is None:
        from .serialize import to_bytes

        serialised = to_bytes(element)
    located = validate_bytes(serialised, what, OUTPUT_SCHEMAS) or issues
    first = located[0]
    more = f" (+{len(located) - 1} more)" if len(located) > 1 else ""
    error = ValidationError(f"{what} is not valid NewsML-G2: {first}{more}", path=path)
    error.issues = located  # type: ignore[attr-defined]
    raise error
