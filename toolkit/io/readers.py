"""Readers: input paths (files, directories, globs, ``-`` for stdin) -> Documents.

Reading never raises for a bad file: an unreadable input becomes a failed
:class:`~toolkit.document.Document` carrying a one-line error that names the file, so
one bad input never stops a batch. Only usage errors (a named path that does not exist,
a glob that matches nothing) raise :class:`~toolkit.errors.ConfigError`.

Readers are found by file suffix in :data:`READERS` (``"module:function"`` strings,
imported on first use). A reader is ``read(data: bytes, source: str, options) ->
Iterator[Document]``.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..document import Document
from ..errors import (
    ConfigError,
    InputError,
    NotADocumentError,
    UnsafeInputError,
    UnsupportedInputError,
)
from .decode import Decoded, decode, plausibility, repeated_character, sniff_utf16

Reader = Callable[[bytes, str, "ReadOptions"], Iterator[Document]]

#: suffix -> "module:function" of the reader for it.
READERS: dict[str, str] = {
    ".txt": "toolkit.io.readers:read_text",
    ".text": "toolkit.io.readers:read_text",
    ".html": "toolkit.io.readers:read_html",
    ".htm": "toolkit.io.readers:read_html",
    ".xhtml": "toolkit.io.readers:read_html",
    ".jsonl": "toolkit.inputs:read_jsonl",  # records: documents, ninjs items, text records
    ".ndjson": "toolkit.inputs:read_jsonl",
    ".json": "toolkit.feeds.ninjs:read_json",
    ".xml": "toolkit.inputs:read_xml",  # by root element: feeds, NewsML-G2 (toolkit.newsml.read), XHTML
    ".rss": "toolkit.feeds.rss:read_feed",
    ".atom": "toolkit.feeds.rss:read_feed",
}

#: File names never taken as input when walking a directory (documentation next to data).
IGNORED_NAMES = re.compile(r"^(readme|license|licence|copying|changelog|notice)(\..*)?$", re.IGNORECASE)

#: Inputs larger than this are refused (a safety net against runaway files).
MAX_INPUT_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ReadOptions:
    encoding: str | None = None  # force an encoding for text and HTML inputs
    max_bytes: int = MAX_INPUT_BYTES
    origin: str | None = None  # path of the file being read (set by read_source; None for stdin)
    whole_folder: bool = False  # every file of the origin's folder is read in this run (a directory walk)
    follow_links: bool = False  # follow symbolic links out of the input folder (see iter_sources)


@dataclass(frozen=True, slots=True)
class Source:
    """One input: a file path, or stdin (``path is None``)."""

    path: str | None
    display: str
    supported: bool = True  # False: a file met in a directory walk that no reader handles
    walked: bool = False  # met in a directory walk or a glob: its folder is read as a whole
    refused: str | None = None  # why it is not read (a link out of the input folder): read_source reports it

    @property
    def is_stdin(self) -> bool:
        return self.path is None


# -- finding inputs ----------------------------------------------------------------------------

#: A folder holding this folder is an output folder of the toolkit (``toolkit.io.writers.MANIFEST_DIR``):
#: walks skip it, so a second run never reads the outputs of the first as inputs.
OUTPUT_MARKER = ".toolkit"
#: The run index an output folder holds (``toolkit.report.INDEX_FILE``): never read as an input there.
RUN_INDEX = "index.ndjson"

FOLLOW_LINKS_HINT = "use --follow-links to read it"


def _has_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def _supported(path: str) -> bool:
    return Path(path).suffix.lower() in READERS


def is_within(real: str, folder: str) -> bool:
    """Whether the real path ``real`` is the real folder ``folder`` or lies inside it."""
    return real == folder or real.startswith(folder.rstrip(os.sep) + os.sep)


def iter_sources(
    inputs: Iterable[str], *, exclude: Iterable[str | os.PathLike[str]] = (), follow_links: bool = False
) -> Iterator[Source]:
    """Expand inputs into sources: directories are walked (sorted, hidden entries
    skipped), globs expanded, ``-`` is stdin. ``exclude`` lists directories to leave out
    (such as the output directory).

    Only regular files are taken from a walk or a glob (a FIFO, socket or device could block
    the run for ever); output folders (``exclude``, and any folder holding ``.toolkit/``) are
    not entered, so a run never reads the outputs of an earlier one; a symbolic link leading
    out of the folder named (or out of a glob's fixed part) is not followed unless
    ``follow_links``: it comes out as a refused source, which :func:`read_source` reports with
    the way to allow it. A file named as such is taken as named (reading refuses anything but
    a regular file, with a clear error).
    """
    walk = _Walk({os.path.realpath(p) for p in exclude}, follow_links)
    for item in inputs:
        if item == "-":
            yield Source(None, "<stdin>")
            continue
        if os.path.isdir(item):
            walk.check_root(item)
            yield from walk.tree(item, item)
        elif os.path.exists(item):
            real = os.path.realpath(item)
            if real not in walk.seen:
                walk.seen.add(real)
                yield Source(item, item)
        elif _has_glob(item):
            base = _glob_base(item)
            walk.check_root(base)
            base_real = os.path.realpath(base)
            matches = sorted(set(walk.glob(item, base, base_real)))
            if not matches:
                raise ConfigError(f"no input matches {item!r}")
            for match in matches:
                if not os.path.isdir(match):
                    yield from walk.entry(match, os.path.basename(match), os.path.realpath(match), base, base_real)
                    continue
                real = os.path.realpath(match)
                refused = walk.refuse_folder(match, real, base, base_real)
                if refused is not None:
                    yield refused
                elif not walk.skip_folder(match, real):
                    yield from walk.tree(match, base)
        else:
            raise ConfigError(f"input not found: {item}")


def _glob_base(pattern: str) -> str:
    """The fixed folder a glob starts from (``in/a`` for ``in/a/**/*.txt``, ``.`` for ``*.txt``)."""
    fixed: list[str] = []
    for part in pattern.split(os.sep)[:-1]:
        if _has_glob(part):
            break
        fixed.append(part)
    if not fixed:
        return "."
    return os.sep.join(fixed) or os.sep


class _Walk:
    """One expansion of inputs: the files already taken, the folders to leave out, the link policy."""

    def __init__(self, excluded: set[str], follow_links: bool) -> None:
        self.excluded = excluded
        self.follow_links = follow_links
        self.seen: set[str] = set()  # real paths of the files taken

    def check_root(self, folder: str) -> None:
        if os.path.realpath(folder) in self.excluded:
            raise ConfigError(
                f"the output folder {folder} is also an input folder: each run would read the outputs of the "
                "last one; choose another output folder"
            )

    def skip_folder(self, path: str, real: str) -> bool:
        """Folders a walk never enters: the output folder, and any other output folder of the toolkit."""
        return real in self.excluded or os.path.isdir(os.path.join(path, OUTPUT_MARKER))

    def refuse_folder(self, path: str, real: str, root: str, root_real: str) -> Source | None:
        """A refused source for a link to a folder out of the input folder (None: it may be entered)."""
        if self.follow_links or is_within(real, root_real) or not os.path.islink(path):
            return None
        message = f"symbolic link to the folder {real}, outside the input folder {root}: not followed"
        return Source(path, path, walked=True, refused=f"{message} ({FOLLOW_LINKS_HINT})")

    def entry(
        self, path: str, name: str, real: str, root: str, root_real: str, regular: bool | None = None
    ) -> Iterator[Source]:
        """The source for a file met in a walk (``regular``: known to be a regular file, not a link)
        or a glob (``regular`` None): nothing for what is skipped. ``real``: its real path."""
        if name == "failures.jsonl" or (regular is not None and (name.startswith(".") or IGNORED_NAMES.match(name))):
            return
        if name == RUN_INDEX and os.path.isdir(os.path.join(os.path.dirname(path), OUTPUT_MARKER)):
            return  # an output folder's run index, in a folder named as an input
        if not regular:  # a link, something special, or a glob's match
            try:
                if not stat.S_ISREG(os.stat(path).st_mode):  # follows a link: its policy comes below
                    return  # a FIFO, socket or device: opening it could block for ever
            except OSError:
                return  # vanished, or a dangling link
        if real in self.seen or os.path.dirname(real) in self.excluded:
            return
        self.seen.add(real)
        refused = None
        if not regular and not self.follow_links and not is_within(real, root_real):
            refused = f"symbolic link to {real}, outside the input folder {root}: not followed ({FOLLOW_LINKS_HINT})"
        yield Source(path, path, _supported(path), walked=True, refused=refused)

    def tree(self, top: str, root: str) -> Iterator[Source]:
        """The files under ``top``, depth first: a folder's files (sorted), then its sub-folders
        (sorted). Hidden entries and output folders are skipped; a symbolic link is followed only
        to a target inside ``root`` (anywhere with ``follow_links``); each real folder is entered
        once, so links that loop cannot make a walk run for ever."""
        root_real = os.path.realpath(root)
        visited = {os.path.realpath(top)}
        stack = [top]
        while stack:
            folder = stack.pop()
            folder_real = os.path.realpath(folder)
            try:
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError:
                continue
            folders: list[str] = []
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                try:
                    link = entry.is_symlink()
                    is_dir = entry.is_dir()  # follows a link
                    regular = not link and entry.is_file(follow_symlinks=False)
                except OSError:
                    continue
                real = os.path.realpath(entry.path) if link else os.path.join(folder_real, entry.name)
                if not is_dir:
                    yield from self.entry(entry.path, entry.name, real, root, root_real, regular)
                    continue
                if real in visited or self.skip_folder(entry.path, real):
                    continue
                refused = self.refuse_folder(entry.path, real, root, root_real) if link else None
                if refused is not None:
                    yield refused
                    continue
                visited.add(real)
                folders.append(entry.path)
            stack.extend(reversed(folders))

    def glob(self, pattern: str, base: str, base_real: str) -> Iterator[str]:
        """Paths matching ``pattern`` (``*``, ``?``, ``[...]``, and ``**`` for any number of folders), as
        :func:`glob.glob` with ``recursive=True`` finds them (hidden names match only a pattern part
        starting with ``.``), except that ``**`` enters each real folder once and never an output
        folder, nor a link out of ``base`` unless ``follow_links``: looping links cannot make it run
        for ever (the standard library's glob follows them until the path is too long)."""
        parts = pattern.split(os.sep)
        start = 0 if base == "." and not pattern.startswith("." + os.sep) else len(base.split(os.sep))
        if base == os.sep:
            start = 1
        visited: set[tuple[str, int]] = set()

        def join(folder: str, name: str) -> str:
            return name if folder == "." and start == 0 else os.path.join(folder, name)

        def expand(folder: str, index: int) -> Iterator[str]:
            if index == len(parts):
                yield folder
                return
            part, last = parts[index], index == len(parts) - 1
            if part == "**":
                key = (os.path.realpath(folder), index)
                if key in visited:
                    return
                visited.add(key)
                yield from expand(folder, index + 1)  # no folder at all
                for sub in self._subfolders(folder, base_real, join):
                    yield from expand(sub, index)
                return
            if not _has_glob(part):
                path = join(folder, part)
                if os.path.lexists(path) and (last or os.path.isdir(path)):
                    yield from expand(path, index + 1)
                return
            try:
                with os.scandir(folder) as it:
                    names = sorted(e.name for e in it)
            except OSError:
                return
            for name in names:
                if (name.startswith(".") and not part.startswith(".")) or not fnmatch.fnmatchcase(name, part):
                    continue
                path = join(folder, name)
                if last:
                    yield path
                elif os.path.isdir(path) and not self.skip_folder(path, os.path.realpath(path)):
                    yield from expand(path, index + 1)

        yield from expand(base, start)

    def _subfolders(self, folder: str, base_real: str, join: Callable[[str, str], str]) -> Iterator[str]:
        """The folders ``**`` descends into: not hidden, not output folders, links only to inside the base."""
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            try:
                if entry.name.startswith(".") or not entry.is_dir():
                    continue
                link = entry.is_symlink()
            except OSError:
                continue
            path = join(folder, entry.name)
            real = os.path.realpath(path)
            if self.skip_folder(path, real) or (link and not self.follow_links and not is_within(real, base_real)):
                continue
            yield path


# -- reading ----------------------------------------------------------------------------------------


def _load_reader(target: str) -> Reader:
    from ..registry import _import_target

    return _import_target(target)  # type: ignore[no-any-return]


def read_source(
    source: Source, options: ReadOptions | None = None, *, stdin: BinaryIO | None = None
) -> Iterator[Document]:
    """Read one source into documents; failures become failed documents."""
    options = options or ReadOptions()
    if source.path is not None:
        options = dataclasses.replace(options, origin=source.path, whole_folder=source.walked)
    suffix = None if source.path is None else Path(source.path).suffix.lower()

    def documents() -> Iterator[Document]:
        yield from _read(_read_bytes(source, options, stdin), source.display, options, suffix)

    return _guarded(source.display, documents)


def _read(data: bytes, name: str, options: ReadOptions, suffix: str | None) -> Iterator[Document]:
    """The documents of ``data``: the reader for ``suffix``, else the one the content calls for."""
    target = READERS.get(suffix) if suffix else None
    reader = _load_reader(target) if target else sniff_reader(data)
    return reader(data, name, options)


def _guarded(name: str, documents: Callable[[], Iterator[Document]]) -> Iterator[Document]:
    """``documents()``, with any failure turned into one failed document naming ``name``."""
    try:
        yield from documents()
    except InputError as exc:
        if exc.path is None:
            exc.path = name
        yield Document.failed_input(name, exc)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        yield Document.failed_input(name, InputError(f"cannot read: {reason}", path=name))
    except Exception as exc:  # a reader's bug must not kill the batch: reported as an internal error
        yield Document.failed_input(name, exc)


def read_inputs(
    inputs: Iterable[str],
    options: ReadOptions | None = None,
    *,
    exclude: Iterable[str | os.PathLike[str]] = (),
    stdin: BinaryIO | None = None,
    follow_links: bool = False,
) -> Iterator[Document]:
    """All documents from the given inputs, lazily (unsupported files are skipped; see
    :func:`iter_sources` for what a walk takes)."""
    for source in iter_sources(inputs, exclude=exclude, follow_links=follow_links):
        if source.supported:
            yield from read_source(source, options, stdin=stdin)


def _read_bytes(source: Source, options: ReadOptions, stdin: BinaryIO | None) -> bytes:
    if source.refused:
        raise UnsafeInputError(source.refused, path=source.display)
    if source.is_stdin:
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = stream.read(options.max_bytes + 1)
    else:
        assert source.path is not None
        with open_regular(source.path, display=source.display) as fh:
            data = fh.read(options.max_bytes + 1)
    if len(data) > options.max_bytes:
        raise InputError(f"input larger than {options.max_bytes // (1024 * 1024)} MiB", path=source.display)
    return data


def read_source_bytes(source: Source, options: ReadOptions, stdin: BinaryIO | None = None) -> bytes:
    """The bytes of one source, within the size limit (for readers of other shapes than documents)."""
    return _read_bytes(source, options, stdin)


_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFDIR: "a folder",
}


def _not_regular(mode: int, display: str) -> UnsupportedInputError:
    kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
    hint = "; to read a stream, send it on stdin (`-`)" if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) else ""
    return UnsupportedInputError(f"not a regular file ({kind}): only regular files are read{hint}", path=display)


def open_regular(path: str | os.PathLike[str], *, display: str | None = None) -> BinaryIO:
    """Open a regular file for reading, never blocking.

    Anything else (a FIFO, a socket, a device, a folder) raises :class:`UnsupportedInputError`
    without being opened: opening a FIFO waits for a writer for ever, reading a device may never
    end. The file is opened non-blocking and checked again once open, so one swapped for a FIFO
    in between cannot block either. A symbolic link is followed (the policy on links belongs to
    whoever found the path: :func:`iter_sources`)."""
    shown = display if display is not None else os.fspath(path)
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise _not_regular(mode, shown)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(mode, shown)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def sniff_reader(data: bytes) -> Reader:
    """Choose a reader from the content (stdin, files with an unknown suffix)."""
    head = data[:2048]
    utf16 = sniff_utf16(head)
    if utf16:  # UTF-16 markup or JSON: sniff its characters, not its bytes
        head = head[: len(head) - len(head) % 2].decode(utf16, errors="replace").encode("utf-8")
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"{"):
        return _load_reader("toolkit.inputs:read_jsonl" if _looks_like_jsonl(data) else "toolkit.feeds.ninjs:read_json")
    if head.startswith((b"<!doctype html", b"<html")):
        return read_html
    # Specific sniffers before the loose HTML test: a NewsML-G2 item carries XHTML <p>s.
    for prefix, target in SNIFFERS:
        if re.search(prefix, head):
            return _load_reader(target)
    if re.search(rb"<(html|body|head|p|div|article)[\s>]", head):
        return read_html
    return read_text


#: (regex on the first bytes, lower-cased, "module:function"): extra content sniffers added by other
#: readers, tried in order before the loose HTML test (a NewsML-G2 item carries XHTML <p>s).
SNIFFERS: list[tuple[bytes, str]] = [
    (rb"<(?:[a-z0-9_.\-]+:)?(?:newsitem|packageitem|newsmessage)[\s>]", "toolkit.newsml.read:read_newsml"),
    (rb"^(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(rss|feed|rdf:rdf)[\s>]", "toolkit.feeds.rss:read_feed"),
    (rb"^(<\?xml[^>]*>\s*)", "toolkit.inputs:read_xml"),
    (rb"^\[\s*\{", "toolkit.feeds.ninjs:read_json"),
]


def _looks_like_jsonl(data: bytes) -> bool:
    for line in data.splitlines()[:5]:
        line = line.strip()
        if not line:
            continue
        try:
            if not isinstance(json.loads(line), dict):
                return False
        except ValueError:
            return False
    return True


def _decode(data: bytes, source: str, options: ReadOptions) -> Decoded:
    return decode(data, encoding=options.encoding, path=source)


def _document(decoded: Decoded, source: str, raw_format: str) -> Document:
    doc = Document.from_text(
        decoded.text,
        source=source,
        raw_format=raw_format,  # type: ignore[arg-type]
        encoding=decoded.encoding,
    )
    for message in decoded.warnings:
        doc.warn("encoding", message, processor="read")
    return doc


def check_text(text: str, source: str) -> None:
    """Refuse a text that cannot be a document (:class:`NotADocumentError`): one character repeated."""
    char = repeated_character(text)
    if char is not None:
        count = text.count(char)
        raise NotADocumentError(f"not a document: the text is one character repeated ({char!r} x {count})", path=source)


def read_text(data: bytes, source: str, options: ReadOptions) -> Iterator[Document]:
    """A plain-text page: one document."""
    decoded = _decode(data, source, options)
    check_text(decoded.text, source)
    yield _document(decoded, source, "text")


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)


def decode_html(data: bytes, source: str, options: ReadOptions) -> Decoded:
    """Decode an HTML page, taking its declared charset into account (but checking it)."""
    if options.encoding:
        return decode(data, encoding=options.encoding, path=source)
    decoded = decode(data, path=source)
    if decoded.encoding in ("utf-8", "utf-8-sig", "utf-16", "utf-32", "utf-16-le", "utf-16-be"):
        return decoded
    match = _META_CHARSET.search(data[:4096])
    if match:
        import codecs

        try:
            declared = codecs.lookup(match.group(1).decode("ascii")).name
            text = data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            return decoded
        # Pages labelled windows-1252 are often Turkish cp1254: keep the better reading.
        if plausibility(text[:65536]) >= plausibility(decoded.text[:65536]):
            return Decoded(text, declared)
    return decoded


def read_html(data: bytes, source: str, options: ReadOptions) -> Iterator[Document]:
    """An HTML page: one document (text extraction is the cleaner's job)."""
    yield _document(decode_html(data, source, options), source, "html")


__all__ = [
    "FOLLOW_LINKS_HINT",
    "OUTPUT_MARKER",
    "READERS",
    "SNIFFERS",
    "ReadOptions",
    "Source",
    "check_text",
    "decode_html",
    "is_within",
    "iter_sources",
    "open_regular",
    "read_data",
    "read_html",
    "read_inputs",
    "read_source",
    "read_source_bytes",
    "read_text",
    "sniff_reader",
]


def read_data(data: bytes, name: str, options: ReadOptions, fmt: str | None = None) -> Iterator[Document]:
    """Read bytes that came from somewhere else than a file (a message, a request body) into
    documents; ``fmt`` is a reader suffix (``"html"``, ``".xml"``), else ``name``'s suffix
    chooses the reader, else the content. Failures become failed documents; an unknown ``fmt``
    is a :class:`~toolkit.errors.ConfigError`."""
    suffix = ("." + fmt.lstrip(".").lower()) if fmt else Path(name).suffix.lower()
    if fmt and suffix not in READERS:
        known = ", ".join(sorted(s.lstrip(".") for s in READERS))
        raise ConfigError(f"unknown input format {fmt!r} (known: {known})")

    def documents() -> Iterator[Document]:
        if len(data) > options.max_bytes:
            raise InputError(f"input larger than {options.max_bytes // (1024 * 1024)} MiB", path=name)
        yield from _read(data, name, options, suffix)

    return _guarded(name, documents)
