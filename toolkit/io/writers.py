"""Atomic, durable file writing: the machinery under the folder sink (:mod:`.sinks`).

* :func:`atomic_write` writes a temporary file in the target directory, fsyncs it and
  renames it over the target: a reader (or a crash) never sees a half-written file.
* :func:`stage_file`, :func:`make_durable` and :func:`move_into_place` do the same for many
  files at once: every file is staged, the lot is made durable with one file-system sync,
  then each is renamed into place.
* Temporary names carry the writer's pid, so :func:`sweep_temp_files` and
  :func:`sweep_staging` can clear what writers that died left behind.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import re
from pathlib import Path
from typing import Any

from ..errors import OutputError, os_reason

MANIFEST_DIR = ".toolkit"


def fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


TEMP_SUFFIX = ".tmp"
_TEMP = re.compile(r"^\..*\.(\d+)\.[^.]+" + re.escape(TEMP_SUFFIX) + "$")


def alive(pid: int) -> bool:
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
        if match and not alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed += 1
    return removed


def os_error(exc: OSError, path: Path | str) -> OutputError:
    return OutputError(f"cannot write: {os_reason(exc)}", path=str(path))


#: Unique temporary names without ``tempfile``'s random draw per file (a measurable share of
#: writing small files): a per-process token and a counter; O_EXCL still refuses any clash.
_TEMP_TOKEN = os.urandom(4).hex()
_TEMP_COUNTER = itertools.count()
_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _create_temp(target: Path, folder: Path | None = None) -> tuple[int, str]:
    """Create an empty temporary file for ``target`` in ``folder`` (default: beside it), named
    ``.NAME.PID.UNIQUE.tmp``, with the mode a plain ``open(path, "w")`` would give (0o666 less
    the umask, which the kernel applies)."""
    folder = target.parent if folder is None else folder
    prefix = os.path.join(folder, f".{target.name[:40]}.{os.getpid()}.{_TEMP_TOKEN}")
    for attempt in range(100):
        name = f"{prefix}{next(_TEMP_COUNTER):x}{TEMP_SUFFIX}"
        try:
            return os.open(name, _TEMP_FLAGS, 0o666), name
        except FileExistsError:  # a leftover of an earlier process with this pid: next name
            continue
        except FileNotFoundError:  # the folder first (rare: once per folder)
            if attempt:
                raise
            folder.mkdir(parents=True, exist_ok=True)
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(folder))


def stage_file(target: Path, data: bytes, folder: Path | None = None) -> str:
    """Write ``data`` to a temporary file for ``target`` in ``folder`` (default: beside it; no
    fsync); return its path."""
    try:
        fd, tmp = _create_temp(target, folder)
    except OSError as exc:
        raise os_error(exc, target) from None
    try:
        try:
            write_all(fd, data)
        finally:
            os.close(fd)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise os_error(exc, target) from None
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
            raise os_error(exc, path) from None
        finally:
            os.close(fd)


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (looping only on a short write)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def append(path: str | os.PathLike[str], data: bytes) -> None:
    """Append ``data`` to ``path`` with one ``O_APPEND`` write (looping only on a short write)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        write_all(fd, data)
    finally:
        os.close(fd)


def atomic_write(path: str | os.PathLike[str], data: bytes | str, *, fsync: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in the same directory, fsync, rename)."""
    target = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    tmp = stage_file(target, data)
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
            raise os_error(exc, target) from None
        raise
    if fsync:
        fsync_dir(target.parent)
    return target


def same_device(a: Path, b: Path) -> bool:
    return os.stat(a).st_dev == os.stat(b).st_dev


def move_into_place(tmp: str, target: Path) -> None:
    """Rename a staged file into place (creating the target's folder the first time)."""
    try:
        os.replace(tmp, target)
    except FileNotFoundError:
        if not os.path.exists(tmp):
            raise
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)


def sweep_staging(staging_root: Path) -> None:
    """Remove what writers that died left in their staging folders, and the empty folders."""
    try:
        folders = [e for e in os.scandir(staging_root) if e.is_dir(follow_symlinks=False)]
    except FileNotFoundError:
        return
    for entry in folders:
        sweep_temp_files(entry.path)
        if entry.name.isdigit() and not alive(int(entry.name)):
            with contextlib.suppress(OSError):
                os.rmdir(entry.path)  # only when empty: anything else is left for a person to see


def discard(temps: list[tuple[str, Path]]) -> None:
    for tmp, _ in temps:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
