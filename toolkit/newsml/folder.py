"""The NewsML-G2 files of one folder, indexed by the guid of their root element.

A ``packageItem`` read from a file refers to its items by guid; they are looked up among the
``.xml`` files of the same folder. The folder is listed once and its index kept while the folder
does not change (its modification time, change time and size stay the same), so reading a
folder of N files lists it once, not N times: converting 20,000 files used to list the folder
20,000 times.

Only regular files are ever opened, and never in a way that can block: a FIFO, a socket or a
device named ``*.xml`` beside a package is left alone (a FIFO opened for reading waits for a
writer for ever). Files are opened with ``O_NONBLOCK`` and checked with ``fstat`` after opening,
so a file replaced by a FIFO between listing and opening is refused too.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from ..errors import ToolkitError
from ..io.readers import open_regular

#: The root element (the first start tag after the prolog) when it is a newsItem or packageItem, with its guid.
_ROOT_GUID = re.compile(
    rb"\A(?:\s|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)*<(?:[A-Za-z_][\w.\-]*:)?(newsItem|packageItem)\b[^>]*?\sguid\s*=\s*[\"']([^\"']+)[\"']",
    re.S,
)
_RESIDREF = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?itemRef\b[^>]*?\sresidref\s*=\s*[\"']([^\"']+)[\"']")
#: How much of a file is read to find its root's guid, and of a package to find its references.
HEAD_BYTES = 8192
PACKAGE_BYTES = 1 << 20


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes | None:
    """Up to ``limit`` bytes of ``path`` if it is a regular file, else None (never blocks:
    :func:`toolkit.io.readers.open_regular`)."""
    try:
        with open_regular(path) as fh:
            return fh.read(limit)
    except (OSError, ToolkitError):
        return None


class Folder:
    """The guid index of the NewsML-G2 files in one folder (built by listing it once)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.items: dict[str, Path] = {}
        self.packaged: dict[str, str] = {}  # item guid -> the guid of a package that references it
        for path in _xml_files(directory):
            head = read_regular(path, HEAD_BYTES)
            match = _ROOT_GUID.match(head.removeprefix(b"\xef\xbb\xbf")) if head else None
            if not match:
                continue
            root, guid = match.group(1).decode("ascii"), match.group(2).decode("utf-8", "replace").strip()
            if root == "newsItem" and guid:
                self.items.setdefault(guid, path)
            elif root == "packageItem" and guid:
                data = read_regular(path, PACKAGE_BYTES) or b""
                for ref in _RESIDREF.findall(data):
                    self.packaged.setdefault(ref.decode("utf-8", "replace").strip(), guid)

    def item_path(self, guid: str) -> Path | None:
        return self.items.get(guid)

    def package_of(self, guid: str) -> str | None:
        return self.packaged.get(guid) if guid in self.items else None


def _xml_files(directory: Path) -> list[Path]:
    """The regular ``.xml`` files of ``directory`` (one listing; links followed to regular files only)."""
    out = []
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                if not entry.name.lower().endswith(".xml"):
                    continue
                try:
                    if entry.is_file():  # not a FIFO, socket, device or folder (a link: what it points to)
                        out.append(Path(entry.path))
                except OSError:
                    continue
    except OSError:
        return []
    return sorted(out)


class FolderCache:
    """Folder indexes, each kept while its folder is unchanged (a few at a time)."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._folders: dict[tuple[str, int, int, int, int], Folder] = {}

    def get(self, directory: Path) -> Folder | None:
        try:
            st = os.stat(directory)
        except OSError:
            return None
        if not stat.S_ISDIR(st.st_mode):
            return None
        key = (os.path.realpath(directory), st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size)
        folder = self._folders.get(key)
        if folder is None:
            if len(self._folders) >= self.size:
                self._folders.clear()
            folder = self._folders[key] = Folder(directory)
        return folder
