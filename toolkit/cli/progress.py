"""Progress of a long run on stderr: a bar on a terminal, a plain line now and then elsewhere.

The unit is the input file: the total is counted from the inputs before the run starts (a
walk of the folders, no file read), files are counted done as their results come back, and
documents (a feed or a JSONL file holds many) and failures are counted as they come. On a
terminal it is a tqdm bar (total, percent, rate, ETA, documents and failures so far); when
stderr is not a terminal (a log file, a CI job, cron), one plain line every ``every``
seconds; with ``-q`` or ``--no-progress``, nothing. tqdm is the team's progress library
(`toolkit models fetch` uses it): it is imported only when a bar is shown.
"""

from __future__ import annotations

import collections
import contextlib
import os
import re
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

#: Seconds between two plain progress lines when stderr is not a terminal.
DEFAULT_EVERY = 10.0

_ENTRY = re.compile(r"^(?P<file>.+?)(?:#|:)[0-9]+$")  # FILE#N (a feed's entry), FILE:N (a JSONL line)


def progress_mode(flag: bool | None, quiet: bool, stream: TextIO | None = None) -> str | None:
    """``"bar"`` on a terminal, ``"lines"`` elsewhere, None with ``-q`` or ``--no-progress``."""
    if quiet or flag is False:
        return None
    stream = stream or sys.stderr
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return "bar" if tty else "lines"


def _clock(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Progress:
    """Files done of ``total``, documents and failures so far (see the module documentation).

    Feed it either results, in input order, from sources passed through :meth:`track`
    (:meth:`update`), or whole files (:meth:`advance`).
    """

    def __init__(
        self,
        total: int | None,
        *,
        mode: str | None = "bar",
        every: float = DEFAULT_EVERY,
        label: str = "",
        stream: TextIO | None = None,
    ) -> None:
        self.total = total
        self.mode = mode
        self.every = every
        self.label = label
        self.stream = stream or sys.stderr
        self.files = 0
        self.documents = 0
        self.failed = 0
        self._pending: collections.deque[str] = collections.deque()  # files taken, not yet counted done
        self._waiting: collections.Counter[str] = collections.Counter()  # the same, for lookups
        self._started = time.monotonic()
        self._shown = self._started
        self._bar: Any = None
        self._redirect: contextlib.ExitStack | None = None
        if mode == "bar":
            self._open_bar()

    @property
    def enabled(self) -> bool:
        return self.mode is not None

    # -- counting ---------------------------------------------------------------------------------

    def track(self, sources: Iterable[Any]) -> Iterator[Any]:
        """``sources`` as they are, remembering the files the run takes (in order) to count them
        done as their results come."""
        for source in sources:
            if getattr(source, "supported", True):
                name = getattr(source, "display", str(source))
                self._pending.append(name)
                self._waiting[name] += 1
            yield source

    def update(self, result: Any) -> None:
        """One document's result: documents (and failures) +1; files done as far as it shows."""
        where = result.source or ""
        name, entry = where, False
        if not self._waiting.get(where):
            match = _ENTRY.match(where)
            name, entry = (match["file"], True) if match is not None else ("", False)
        done = 0
        if name and self._waiting.get(name):
            while self._pending[0] != name:  # every file taken before it is done
                self._pop()
                done += 1
            if not entry:  # a file of one document is done with it; a feed's when the next file starts
                self._pop()
                done += 1
        self.advance(done, 1, 1 if result.status == "failed" else 0)

    def _pop(self) -> None:
        name = self._pending.popleft()
        self._waiting[name] -= 1
        if not self._waiting[name]:
            del self._waiting[name]

    def advance(self, files: int = 0, documents: int = 0, failed: int = 0) -> None:
        """Count ``files`` more done, with ``documents`` and ``failed`` documents."""
        self.files += files
        self.documents += documents
        self.failed += failed
        if self.total is not None and self.files > self.total:  # files added to a folder while it ran
            self.total = self.files
            if self._bar is not None:
                self._bar.total = self.total
        if self.mode == "bar":
            self._bar.set_postfix_str(self._counts(), refresh=False)
            if files:
                self._bar.update(files)
            elif time.monotonic() - self._shown >= 0.5:
                self._bar.refresh()
            self._shown = time.monotonic()
        elif self.mode == "lines" and time.monotonic() - self._shown >= self.every:
            self._shown = time.monotonic()
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def finish(self) -> None:
        """Every file taken is done (the run ended): count those still pending."""
        if self._pending:
            self.advance(len(self._pending))
            self._pending.clear()
            self._waiting.clear()

    # -- showing -----------------------------------------------------------------------------------

    def _counts(self) -> str:
        return f"{self.documents} docs, {self.failed} failed"

    def line(self) -> str:
        """``convert: 450/1000 files (45%), 1203 documents, 2 failed, 48.9 files/s, ETA 0:00:11``"""
        elapsed = max(time.monotonic() - self._started, 1e-9)
        rate = self.files / elapsed
        total = "?" if self.total is None else str(self.total)
        parts = [f"{self.files}/{total} files"]
        if self.total:
            parts[0] += f" ({100 * self.files // self.total}%)"
        parts += [f"{self.documents} documents", f"{self.failed} failed", f"{rate:.1f} files/s"]
        if self.total is not None and rate > 0:
            parts.append(f"ETA {_clock((self.total - self.files) / rate)}")
        return (f"{self.label}: " if self.label else "") + ", ".join(parts)

    def echo(self, message: str) -> None:
        """A line on stderr, above the bar."""
        if self._bar is not None:
            self._bar.write(message, file=self.stream)
        else:
            self.stream.write(message + "\n")
            self.stream.flush()

    def _open_bar(self) -> None:
        import logging

        from tqdm import tqdm
        from tqdm.contrib.logging import logging_redirect_tqdm

        try:
            sized = os.get_terminal_size(self.stream.fileno()).columns > 0
        except (AttributeError, OSError, ValueError):
            sized = False
        self._bar = tqdm(
            total=self.total,
            desc=self.label or None,
            unit="file",
            file=self.stream,
            leave=False,  # the run's summary line takes its place
            # follow the terminal's size; where it says 0 x 0 (some ptys), 100 columns and 20 lines
            # (tqdm would show nothing on a terminal of no lines)
            dynamic_ncols=sized,
            ncols=None if sized else 100,
            nrows=None if sized else 20,
            mininterval=0.2,
            smoothing=0.1,
        )
        self._bar.set_postfix_str(self._counts(), refresh=True)
        self._redirect = contextlib.ExitStack()  # log lines go above the bar, not through it
        self._redirect.enter_context(logging_redirect_tqdm([logging.getLogger("toolkit")], tqdm_class=tqdm))

    def close(self) -> None:
        """Take the bar away (the summary line follows); nothing more is shown after."""
        self.mode = None
        if self._bar is not None:
            self._bar.refresh()
            self._bar.close()
            self._bar = None
        if self._redirect is not None:
            self._redirect.close()
            self._redirect = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def count_files(sources: Iterable[Any]) -> int:
    """How many of ``sources`` a run would take (supported files), without reading any."""
    return sum(1 for source in sources if getattr(source, "supported", True))


__all__ = ["DEFAULT_EVERY", "Progress", "count_files", "progress_mode"]
