"""Atomic, idempotent output.

* :func:`atomic_write` writes a temporary file in the target directory, fsyncs it and
  renames it over the target: a reader (or a crash) never sees a half-written file.
* :func:`safe_name` turns ids, guids and languages into file names that cannot escape the
  output directory.
* :class:`OutputDir` renders documents with a format, writes every output of a document
  atomically, then records the document as finished last (:mod:`.journal`). ``--resume``
  trusts a document as done only when its latest record matches the run's configuration
  and every output it lists is present.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import itertools
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..document import Document
from ..errors import OutputError, os_reason
from .journal import DoneJournal

MANIFEST_DIR = ".toolkit"
_MAX_NAME = 120
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)


def safe_name(text: str, *, max_length: int = _MAX_NAME) -> str:
    """A portable file-name component derived from ``text`` (never ``..``, never a path).

    Keeps letters, digits, ``-`` ``_`` ``.``; anything else becomes ``_``. Long names are
    cut and suffixed with a hash so distinct inputs stay distinct.
    """
    norm = unicodedata.normalize("NFKC", text)
    name = re.sub(r"[^\w.\-]+", "_", norm, flags=re.ASCII).strip("._-") or "_"
    name = re.sub(r"\.{2,}", ".", name)
    if _RESERVED.match(name):
        name = "_" + name
    if name != text or len(name) > max_length:
        # the name had to change: a hash of the original keeps distinct inputs distinct
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        name = f"{name[: max_length - 9]}-{digest}"
    return name


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


TEMP_SUFFIX = ".tmp"
_TEMP = re.compile(r"^\..*\.(\d+)\.[^.]+" + re.escape(TEMP_SUFFIX) + "$")


def _alive(pid: int) -> bool:
    """Whether process ``pid`` may still write (a zombie, killed but not yet reaped, cannot)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # Linux: the state follows the command name, which ends with the last ")"
        with open(f"/proc/{pid}/stat", "rb") as fh:
            state = fh.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in (b"Z", b"X")


def sweep_temp_files(directory: str | os.PathLike[str]) -> int:
    """Remove temporary files left in ``directory`` by writers that died (killed mid-write).

    Temporary names carry the writer's pid, so files of a live writer are left alone.
    """
    removed = 0
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return 0
    for entry in entries:
        match = _TEMP.match(entry.name)
        if match and not _alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed += 1
    return removed


_UMASK: int | None = None


def _file_mode() -> int:
    """0o666 minus the process umask: what a plain ``open(path, "w")`` would give."""
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0)
        os.umask(_UMASK)
    return 0o666 & ~_UMASK


def _os_error(exc: OSError, path: Path | str) -> OutputError:
    return OutputError(f"cannot write: {os_reason(exc)}", path=str(path))


#: Unique temporary names without ``tempfile``'s random draw per file (a measurable share of
#: writing small files): a per-process token and a counter; O_EXCL still refuses any clash.
_TEMP_TOKEN = os.urandom(4).hex()
_TEMP_COUNTER = itertools.count()
_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _create_temp(target: Path, folder: Path | None = None) -> tuple[int, str]:
    """Create an empty temporary file for ``target`` in ``folder`` (default: beside it), named
    ``.NAME.PID.UNIQUE.tmp``, mode 0600."""
    folder = target.parent if folder is None else folder
    prefix = os.path.join(folder, f".{target.name[:40]}.{os.getpid()}.{_TEMP_TOKEN}")
    for attempt in range(100):
        name = f"{prefix}{next(_TEMP_COUNTER):x}{TEMP_SUFFIX}"
        try:
            return os.open(name, _TEMP_FLAGS, 0o600), name
        except FileExistsError:  # a leftover of an earlier process with this pid: next name
            continue
        except FileNotFoundError:  # the folder first (rare: once per folder)
            if attempt:
                raise
            folder.mkdir(parents=True, exist_ok=True)
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(folder))


def _stage(target: Path, data: bytes, folder: Path | None = None) -> str:
    """Write ``data`` to a temporary file for ``target`` in ``folder`` (default: beside it; no
    fsync); return its path."""
    try:
        fd, tmp = _create_temp(target, folder)
    except OSError as exc:
        raise _os_error(exc, target) from None
    try:
        try:
            os.fchmod(fd, _file_mode())
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _os_error(exc, target) from None
        raise
    return tmp


_SYNCFS: Any = None


def _syncfs(directory: Path) -> bool:
    """Flush the file system holding ``directory`` with one ``syncfs`` call (Linux); False if unavailable."""
    global _SYNCFS
    if _SYNCFS is None:
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            _SYNCFS = libc.syncfs
        except (OSError, AttributeError):
            _SYNCFS = False
    if _SYNCFS is False:
        return False
    fd = os.open(directory, os.O_RDONLY)
    try:
        return _SYNCFS(fd) == 0
    finally:
        os.close(fd)


def make_durable(paths: list[str], directory: Path) -> None:
    """Make the data of ``paths`` durable: one syncfs for the lot, else fsync each."""
    if not paths:
        return
    if _syncfs(directory):
        return
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        except OSError as exc:
            raise _os_error(exc, path) from None
        finally:
            os.close(fd)


def atomic_write(path: str | os.PathLike[str], data: bytes | str, *, fsync: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in the same directory, fsync, rename)."""
    target = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    tmp = _stage(target, data)
    try:
        if fsync:
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _os_error(exc, target) from None
        raise
    if fsync:
        _fsync_dir(target.parent)
    return target


@dataclass(frozen=True, slots=True)
class Rendered:
    """One output file of a document: a relative file name and its bytes."""

    name: str
    data: bytes
    lang: str | None = None


class Format(Protocol):
    """An output format: renders a document into one or more files."""

    name: str

    def render(self, doc: Document) -> list[Rendered]: ...


def _check_relative(name: str) -> str:
    if name not in ("", ".", "..") and not any(sep in name for sep in "/\\:"):
        return name  # one plain component (the usual case): nothing to resolve
    parts = Path(name).parts
    if not parts or Path(name).is_absolute() or any(p in ("..", ".", "") for p in parts):
        raise OutputError(f"refusing to write outside the output directory: {name!r}")
    return name


class OutputDir:
    """Writes rendered documents into a directory and records each finished one (``--resume``)."""

    def __init__(self, root: str | os.PathLike[str], fmt: Format, *, fingerprint: str = "", fsync: bool = True) -> None:
        self.root = Path(root)
        self.format = fmt
        self.fingerprint = fingerprint
        self.fsync = fsync
        self._manifests = self.root / MANIFEST_DIR / "done"
        self.journal = DoneJournal(self._manifests)
        self._staging_root = self.root / MANIFEST_DIR / "tmp"
        self._staging_folder: Path | None = None
        self._staging_pid = 0

    def _staging(self) -> Path | None:
        """This process's own folder for staged outputs (``.toolkit/tmp/PID``), or None to
        stage each output beside its target.

        Creating a file holds its folder's lock for the whole creation, which costs up to a
        millisecond on some file systems (this machine's ext4; NFS, a round trip): `--jobs`
        workers creating their temporary files in the one output folder would wait for each
        other. Each creates them in a folder of its own; only the renames into the output
        folder (cheap) share it. None when that folder cannot be made or lies on another file
        system than the outputs (a rename could not move the file).
        """
        pid = os.getpid()
        if self._staging_pid != pid:  # once per process (a forked worker gets its own)
            folder = self._staging_root / str(pid)
            try:
                folder.mkdir(parents=True, exist_ok=True)
                same = _same_device(folder, self.root)
            except OSError:
                same = False
            if not same:
                with contextlib.suppress(OSError):
                    folder.rmdir()
            self._staging_folder, self._staging_pid = (folder if same else None), pid
        return self._staging_folder

    def prepare(self) -> None:
        """Create the directory and clear temporary files of writers that died."""
        try:
            self._manifests.mkdir(parents=True, exist_ok=True)
            sweep_temp_files(self.root)
            sweep_temp_files(self._manifests)
            _sweep_staging(self._staging_root)
        except OSError as exc:
            raise OutputError(f"cannot create the output directory: {os_reason(exc)}", path=str(self.root)) from None
        self.journal.compact()

    def finish(self) -> None:
        """Remove the staging folders left empty by this process and by writers that have
        exited (the workers of a finished pool)."""
        if self._staging_pid == os.getpid() and self._staging_folder is not None:
            with contextlib.suppress(OSError):
                os.rmdir(self._staging_folder)
            self._staging_pid = 0  # made again if this process writes more
        with contextlib.suppress(OSError):
            _sweep_staging(self._staging_root)
            os.rmdir(self._staging_root)

    def is_complete(self, doc_id: str) -> bool:
        """True when a previous run wrote every output of this document with this configuration."""
        outputs = self.journal.outputs(doc_id, self.fingerprint)
        return outputs is not None and all((self.root / n).is_file() for n in outputs)

    def render(self, doc: Document) -> list[Rendered]:
        outputs = self.format.render(doc)
        for out in outputs:
            _check_relative(out.name)
        return outputs

    def write(self, doc: Document, outputs: Iterable[Rendered] | None = None) -> list[str]:
        """Render (unless given) and write every output of ``doc``; return the names written."""
        rendered = list(self.render(doc) if outputs is None else outputs)
        (result,) = self.write_batch([(doc, rendered)])
        if isinstance(result, OutputError):
            raise result
        return result

    def write_batch(self, items: list[tuple[Document, list[Rendered]]]) -> list[list[str] | OutputError]:
        """Write the outputs of several documents; one result per document (names or the error).

        Every output is staged in a temporary file first; the data of the whole batch is made
        durable with one file-system sync (not one fsync per file), then each file is renamed
        into place, and only then are the documents recorded as finished (one journal append
        for the batch). A record therefore never describes outputs that could still be lost,
        and no output is ever half-written.
        """
        results: list[list[str] | OutputError] = []
        staged: list[list[tuple[str, Path]]] = []
        staging = self._staging()
        for _doc, outputs in items:
            temps: list[tuple[str, Path]] = []
            try:
                for out in outputs:
                    target = self.root / _check_relative(out.name)
                    temps.append((_stage(target, out.data, staging), target))
            except OutputError as exc:
                _discard(temps)
                temps = []
                results.append(exc)
            else:
                results.append([out.name for out in outputs])
            staged.append(temps)
        try:
            if self.fsync:
                make_durable([tmp for temps in staged for tmp, _ in temps], self.root)
        except OutputError as exc:
            for temps in staged:
                _discard(temps)
            return [exc] * len(items)
        for i, temps in enumerate(staged):
            for n, (tmp, target) in enumerate(temps):
                try:
                    _move(tmp, target)
                except OSError as exc:
                    _discard(temps[n:])
                    results[i] = _os_error(exc, target)
                    break
        if self.fsync:
            _fsync_dir(self.root)
        records = []
        for (doc, _), result in zip(items, results, strict=True):
            if isinstance(result, list):
                records.append((doc.id, doc.source, self.fingerprint, result))
        error = self.journal.record(records)  # no fsync: a lost record only means "do it again"
        if error is not None:
            results = [error if isinstance(r, list) else r for r in results]
        return results


def _same_device(a: Path, b: Path) -> bool:
    return os.stat(a).st_dev == os.stat(b).st_dev


def _move(tmp: str, target: Path) -> None:
    """Rename a staged file into place (creating the target's folder the first time)."""
    try:
        os.replace(tmp, target)
    except FileNotFoundError:
        if not os.path.exists(tmp):
            raise
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)


def _sweep_staging(staging_root: Path) -> None:
    """Remove what writers that died left in their staging folders, and the empty folders."""
    try:
        folders = [e for e in os.scandir(staging_root) if e.is_dir(follow_symlinks=False)]
    except FileNotFoundError:
        return
    for entry in folders:
        sweep_temp_files(entry.path)
        if entry.name.isdigit() and not _alive(int(entry.name)):
            with contextlib.suppress(OSError):
                os.rmdir(entry.path)  # only when empty: anything else is left for a person to see


def _discard(temps: list[tuple[str, Path]]) -> None:
    for tmp, _ in temps:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
