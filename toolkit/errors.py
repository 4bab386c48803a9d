"""Typed errors raised by the library.

Every error the library raises on purpose is a :class:`ToolkitError`. Each carries a
short machine-readable ``code`` (stable, searchable, used in ``failures.jsonl``) and,
where it concerns a file, the ``path``. ``str(error)`` is one line that names the file,
so the CLI can print it as is.
"""

from __future__ import annotations

import errno
import os


def printable(text: str) -> str:
    """``text`` with what is not printable escaped (``\\n``, ``\\x1b``, ``\\udc80``...): file names
    from hostile inputs stay on one line and cannot drive a terminal."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


class ToolkitError(Exception):
    """Base class of every error the toolkit raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, path: str | os.PathLike[str] | None = None) -> None:
        self.message = printable(" ".join(str(message).split()))
        self.path = os.fspath(path) if path is not None else None
        super().__init__(self.message)

    def __str__(self) -> str:
        if self.path:
            shown = printable(self.path)
            if shown not in self.message and self.path not in self.message:
                return f"{shown}: {self.message}"
        return self.message

    def to_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "type": type(self).__name__, "message": str(self), "path": self.path}


# -- usage / configuration -------------------------------------------------------------


class ConfigError(ToolkitError):
    """A pipeline configuration, option or config file is wrong (a usage error)."""

    code = "config"


class UnknownProcessorError(ConfigError):
    code = "unknown-processor"


class UnknownFormatError(ConfigError):
    code = "unknown-format"


# -- input ---------------------------------------------------------------------------------


class InputError(ToolkitError):
    """An input file cannot be read as a document."""

    code = "input"


class EmptyInputError(InputError):
    code = "empty-input"


class BinaryInputError(InputError):
    code = "binary-input"


class EncodingError(InputError):
    code = "encoding"


class DocumentFormatError(InputError):
    """A serialised document (JSON/JSONL) is malformed."""

    code = "document-format"


class InvalidJSONError(DocumentFormatError):
    """A JSON (JSONL, stream) line that is not JSON at all."""

    code = "invalid-json"


class UnsupportedInputError(InputError):
    code = "unsupported-input"


class UnsafeInputError(InputError):
    """XML input with a DTD or entity declarations (XXE, "billion laughs"): refused unread."""

    code = "unsafe-input"


class NotADocumentError(InputError):
    """Text that cannot be a document: one character repeated (``-----``, ``00000``)."""

    code = "not-a-document"


class LimitError(InputError):
    """Input beyond a safety limit of the parsers (nesting depth, size of a text node or attribute)."""

    code = "limit"


class TooLargeError(LimitError):
    """Input beyond the work the toolkit does for one document (elements of a page, its size)."""

    code = "too-large"


# -- processing ------------------------------------------------------------------------------


class ProcessingError(ToolkitError):
    """A processor could not process a document."""

    code = "processing"


class Skip(ToolkitError):
    """Not an error: a processor (or reader) raises it to skip a document, with a reason code.

    The pipeline records it as ``doc.skipped`` (status ``skipped``, never ``failed``, even with
    ``fail_fast``): there was nothing to do.
    """

    code = "skipped"


class EmptyDocumentError(Skip):
    """Nothing is left of a document (for example: the page was only boilerplate)."""

    code = "empty-document"


# -- output ------------------------------------------------------------------------------------


class OutputError(ToolkitError):
    """An output could not be rendered or written."""

    code = "output"


def os_reason(exc: OSError) -> str:
    """Why a file operation failed, in words ("disk full" rather than the C library's phrase)."""
    return "disk full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))


class ValidationError(OutputError):
    """A rendered output does not validate against its schema."""

    code = "invalid-output"


def error_record(exc: BaseException, *, processor: str | None = None) -> dict[str, str | None]:
    """Describe any exception as a JSON-able record (typed errors keep their code)."""
    if isinstance(exc, ToolkitError):
        record = exc.to_dict()
    else:
        text = " ".join(str(exc).split()) or type(exc).__name__
        record = {
            "code": "internal",
            "type": type(exc).__name__,
            "message": f"internal error: {type(exc).__name__}: {text}",
            "path": None,
        }
    record["processor"] = processor
    return record
