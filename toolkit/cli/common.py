"""Shared pieces of the command line: error handling, option groups, progress."""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ..errors import ConfigError, ToolkitError, printable

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def fail(message: str, code: int = EXIT_FAILED) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def handle_errors(fn: F) -> F:
    """Turn the library's typed errors into one-line messages and exit codes."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ConfigError as exc:
            fail(str(exc), EXIT_USAGE)
        except ToolkitError as exc:
            fail(str(exc), EXIT_FAILED)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        except BrokenPipeError:  # e.g. `toolkit ... | head`
            sys.stderr.close()
            sys.exit(EXIT_OK)
        return None

    return wrapper  # type: ignore[return-value]


def named(where: str | None, message: str) -> str:
    """``WHERE: MESSAGE`` on one line (the message alone when it already names the file);
    control characters of hostile file names are escaped."""
    if not where or where in message:
        return printable(message)
    shown = printable(where)
    return printable(message) if shown in message else f"{shown}: {printable(message)}"


def split_list(values: tuple[str, ...] | list[str] | None) -> list[str]:
    """``--to kk,ru --to uz`` -> ["kk", "ru", "uz"]."""
    out: list[str] = []
    for value in values or ():
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return list(dict.fromkeys(out))


class Progress:
    """A one-line progress counter on stderr, shown only when stderr is a terminal."""

    def __init__(self, enabled: bool | None = None, every: float = 0.2) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.every = every
        self.count = 0
        self.failed = 0
        self._last = 0.0
        self._start = time.perf_counter()

    def update(self, status: str) -> None:
        self.count += 1
        if status == "failed":
            self.failed += 1
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self._last >= self.every:
            self._last = now
            rate = self.count / max(now - self._start, 1e-9)
            click.echo(f"\r{self.count} documents, {self.failed} failed ({rate:.0f}/s)", err=True, nl=False)

    def close(self) -> None:
        if self.enabled and self.count:
            click.echo("\r" + " " * 60 + "\r", err=True, nl=False)
