"""Processors (and output formats) found by name.

Built-in entries are declared as ``"module:attribute"`` strings and imported only when
used, so listing them or starting the CLI imports nothing heavy. Other packages add
entries through the entry-point groups ``toolkit.processors`` and ``toolkit.formats``::

    [project.entry-points."toolkit.processors"]
    shout = "my_package.processors:Shout"

An entry is a factory (usually a class) called with the step's options as keyword
arguments.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError, UnknownFormatError, UnknownProcessorError


@dataclass(frozen=True, slots=True)
class Entry:
    name: str
    target: str | Callable[..., Any]  # "module:attr" or the factory itself
    description: str = ""
    origin: str = "builtin"  # "builtin", "entry point (dist)", "registered"


def did_you_mean(word: str, choices: Iterable[str], template: str = " (did you mean {!r}?)") -> str:
    """`` (did you mean 'min_docs'?)`` when a choice is close to ``word``, else ``""``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return template.format(close[0]) if close else ""


class UnknownOptionError(ConfigError):
    """A processor or format was given an option it does not have (a typo in a config file)."""

    code = "unknown-option"

    def __init__(self, kind: str, name: str, option: str, valid: list[str]) -> None:
        self.kind, self.name, self.option, self.valid = kind, name, option, valid
        self.hint = did_you_mean(option, valid)
        super().__init__(f"{kind} {name!r} has no option {option!r}{self.hint}")


def option_names(factory: Callable[..., Any]) -> list[str] | None:
    """The keyword options ``factory`` accepts (None: any, or unknown)."""
    try:
        params = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):  # no signature available (builtins)
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    kinds = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in params if p.kind in kinds]


def _import_target(target: str) -> Any:
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    obj: Any = module
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


class Registry:
    """A name -> factory table, filled from built-ins, entry points and ``register``."""

    def __init__(
        self, kind: str, group: str, builtins: dict[str, tuple[str, str]], error: type[ConfigError] = ConfigError
    ) -> None:
        self.kind = kind
        self.group = group
        self._error = error
        self._entries: dict[str, Entry] = {
            name: Entry(name, target, description) for name, (target, description) in builtins.items()
        }
        self._entry_points_loaded = False

    def _load_entry_points(self) -> None:
        if self._entry_points_loaded:
            return
        self._entry_points_loaded = True
        from importlib.metadata import entry_points  # not at import: it costs `toolkit --help` 20 ms

        for ep in entry_points(group=self.group):
            if ep.name in self._entries:
                continue  # built-ins and explicit registrations win
            dist = getattr(ep, "dist", None)
            origin = f"entry point ({dist.name})" if dist is not None else "entry point"
            self._entries[ep.name] = Entry(ep.name, ep.value, "", origin)

    def register(self, name: str, factory: Callable[..., Any] | None = None, *, description: str = "") -> Any:
        """Register ``factory`` under ``name``; usable as a decorator."""

        def add(obj: Callable[..., Any]) -> Callable[..., Any]:
            doc = description or (obj.__doc__ or "").strip().splitlines()[0:1]
            text = doc if isinstance(doc, str) else (doc[0] if doc else "")
            self._entries[name] = Entry(name, obj, text, "registered")
            return obj

        return add(factory) if factory is not None else add

    def unregister(self, name: str) -> None:
        self._entries.pop(name, None)

    def entries(self) -> list[Entry]:
        self._load_entry_points()
        return sorted(self._entries.values(), key=lambda e: e.name)

    def names(self) -> list[str]:
        return [e.name for e in self.entries()]

    def __contains__(self, name: object) -> bool:
        self._load_entry_points()
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def get(self, name: str) -> Callable[..., Any]:
        """The factory registered under ``name`` (imported on first use)."""
        self._load_entry_points()
        entry = self._entries.get(name)
        if entry is None:
            known = ", ".join(self.names()) or "none"
            raise self._error(f"unknown {self.kind} {name!r}{did_you_mean(name, self.names())} (known: {known})")
        if isinstance(entry.target, str):
            try:
                factory = _import_target(entry.target)
            except (ImportError, AttributeError) as exc:
                raise self._error(f"{self.kind} {name!r} cannot be loaded from {entry.target}: {exc}") from exc
            self._entries[name] = Entry(name, factory, entry.description, entry.origin)
            return factory
        return entry.target

    def check_options(self, name: str, options: Mapping[str, Any]) -> None:
        """Raise :class:`UnknownOptionError` (naming the closest valid option) when ``options``
        holds a key the factory of ``name`` does not accept; missing options are not checked."""
        valid = option_names(self.get(name))
        if valid is None:
            return
        for key in options:
            if key not in valid:
                raise UnknownOptionError(self.kind, name, str(key), valid)

    def create(self, name: str, **options: Any) -> Any:
        """Call the factory of ``name`` with ``options``; a wrong option is a ConfigError
        (an unknown one: :class:`UnknownOptionError`, with the closest valid option)."""
        factory = self.get(name)
        self.check_options(name, options)
        try:
            inspect.signature(factory).bind(**options)
        except TypeError as exc:
            raise self._error(f"{self.kind} {name!r}: {exc}") from None
        except ValueError:  # no signature available (builtins): let the call decide
            pass
        obj = factory(**options)
        if hasattr(obj, "name") and not getattr(obj, "name", None):
            obj.name = name
        return obj


# Built-in processors: name -> ("module:Factory", one-line description).
# Keep these strings: importing a processor module may be heavy.
PROCESSORS = Registry(
    "processor",
    "toolkit.processors",
    {
        "clean": (
            "toolkit.processors.clean:Clean",
            "remove boilerplate from text and HTML pages; removed parts become metadata",
        ),
        "segment": (
            "toolkit.processors.segment:Segment",
            "split raw text into normalised paragraphs (no boilerplate removal)",
        ),
        "langid": ("toolkit.processors.langid:LangId", "tag paragraphs and the document with BCP 47 language tags"),
        "translate": ("toolkit.processors.translate:Translate", "translate offline into --to languages (CTranslate2)"),
    },
    error=UnknownProcessorError,
)

# Built-in output formats: name -> ("module:Factory", description).
FORMATS = Registry(
    "format",
    "toolkit.formats",
    {
        "jsonl": (
            "toolkit.formats:JsonlFormat",
            "one JSON document per line: the full Document, translations included",
        ),
        "txt": ("toolkit.formats:TextFormat", "title, blank line, paragraphs; one file per language version"),
        "none": ("toolkit.formats:NoFormat", "no output files: only the results (what detect uses)"),
        "newsml": (
            "toolkit.newsml.format:NewsMLFormat",
            "NewsML-G2 2.35: a newsItem per language version and a packageItem, validated (default)",
        ),
        "ninjs": (
            "toolkit.newsml.ninjs:NinjsFormat",
            "IPTC ninjs 3.1 JSON: one object per language version + a composite",
        ),
    },
    error=UnknownFormatError,
)
