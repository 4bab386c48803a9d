"""Downloads for ``toolkit models fetch``: HTTPS, proxies, resume, progress, checksums.

Only ``models fetch`` and ``models catalog --refresh`` download, and only when the user runs
them. :func:`download` writes ``DEST.part`` beside the destination and renames it into place
when it is complete and its SHA-256 matches the expected one (when one is known):

* **resume**: an existing ``.part`` is continued with an HTTP ``Range`` request; a server that
  ignores ranges (``200`` instead of ``206``) is read again from the start. A connection that
  drops or stalls mid-way is retried, from where it stopped, ``retries`` times;
* **proxies**: ``proxies`` (scheme -> URL, as :func:`toolkit.config.proxies` reads them from
  ``https_proxy``/``http_proxy``/``no_proxy``) are used by ``urllib``;
* **HTTPS only**, except for this machine (``127.0.0.1``, ``localhost``, ``::1``) or when
  ``allow_http`` is set: a checksum is not always known, TLS is the other guard;
* **errors** are :class:`DownloadError` (``download``: 404, checksum mismatch, a server that
  keeps dropping) or :class:`OfflineError` (``offline``: the host cannot be reached at all),
  with one-line messages.

The standard library's ``urllib`` is used on purpose: one GET with a Range header is all that is
needed, and it honours proxy settings without another dependency.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelError

CHUNK = 1024 * 1024
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
USER_AGENT = "toolkit-models-fetch"


class DownloadError(ModelError):
    """A download failed (HTTP error, checksum mismatch, connection dropped too often)."""

    code = "download"


class OfflineError(DownloadError):
    """The server cannot be reached at all (no network, DNS failure, connection refused)."""

    code = "offline"


@dataclass
class Downloaded:
    path: Path
    size: int
    sha256: str
    resumed_from: int  # bytes already there when this call started
    verified: bool  # the SHA-256 matched an expected value


Progress = Callable[[int, int | None], None]  # (bytes so far, total or None)


def check_url(url: str, *, allow_http: bool = False) -> urllib.parse.SplitResult:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise DownloadError(f"not an http(s) URL: {url}")
    if parts.scheme == "http" and not allow_http and (parts.hostname or "") not in LOOPBACK:
        raise DownloadError(f"refusing plain http for {parts.hostname}: use an https URL (or --allow-http)")
    return parts


def _opener(proxies: Mapping[str, str] | None) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler(dict(proxies or {}))]
    return urllib.request.build_opener(*handlers)


def _offline_reason(exc: BaseException) -> str | None:
    """A short reason when ``exc`` means the host cannot be reached at all."""
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, socket.gaierror):
        return "name resolution failed"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, OSError) and getattr(reason, "errno", None) in (101, 113, 65):  # ENETUNREACH...
        return "network unreachable"
    if isinstance(reason, (socket.timeout, TimeoutError)) and isinstance(exc, urllib.error.URLError):
        return "connection timed out"
    return None


def _hash_file(path: Path) -> tuple[hashlib._Hash, int]:  # type: ignore[name-defined]
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest, size


def download(
    url: str,
    dest: str | os.PathLike[str],
    *,
    sha256: str | None = None,
    size: int | None = None,
    proxies: Mapping[str, str] | None = None,
    timeout: float = 30.0,
    retries: int = 5,
    allow_http: bool = False,
    progress: Progress | None = None,
    max_bytes: int | None = None,
) -> Downloaded:
    """Download ``url`` to ``dest`` (resuming ``dest.part``); verify ``sha256`` when given."""
    check_url(url, allow_http=allow_http)
    target = Path(dest)
    part = target.with_name(target.name + ".part")
    target.parent.mkdir(parents=True, exist_ok=True)
    expected = sha256.lower() if sha256 else None
    opener = _opener(proxies)
    digest, have = _hash_file(part) if part.exists() else (hashlib.sha256(), 0)
    start = have
    total: int | None = size
    attempts = 0
    while True:
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
        if have:
            headers["Range"] = f"bytes={have}-"
        request = urllib.request.Request(url, headers=headers)
        try:
            response = opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as exc:
            if exc.code == 416 and have and (total is None or have == total):
                break  # asked past the end: the .part is whole (its checksum decides)
            raise DownloadError(f"HTTP {exc.code} {exc.reason} for {url}") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = _offline_reason(exc)
            if reason is not None and attempts == 0 and have == start:
                host = urllib.parse.urlsplit(url).hostname
                raise OfflineError(f"cannot reach {host} ({reason})") from None
            attempts += 1
            if attempts > retries:
                raise DownloadError(f"download failed after {retries} retries: {_why(exc)} ({url})") from None
            time.sleep(min(2.0, 0.2 * attempts))
            continue
        with response:
            status = response.status
            if have and status == 206:
                match = re.match(r"bytes (\d+)-\d+/(\d+|\*)", response.headers.get("Content-Range", ""))
                if not match or int(match.group(1)) != have:
                    raise DownloadError(f"the server answered a range request with the wrong range ({url})")
                if match.group(2) != "*":
                    total = int(match.group(2))
            else:  # a whole body: start again
                if have:
                    digest, have = hashlib.sha256(), 0
                length = response.headers.get("Content-Length")
                if length and length.isdigit():
                    total = int(length)
            if max_bytes is not None and total is not None and total > max_bytes:
                raise DownloadError(f"{url} is {total} bytes, over the limit ({max_bytes} bytes)")
            mode = "ab" if have else "wb"
            try:
                with open(part, mode) as out:
                    if progress:
                        progress(have, total)
                    while True:
                        chunk = response.read(64 * 1024)
                        if not chunk:
                            break
                        out.write(chunk)
                        digest.update(chunk)
                        have += len(chunk)
                        if max_bytes is not None and have > max_bytes:
                            raise DownloadError(f"{url} sends more than the limit ({max_bytes} bytes)")
                        if progress:
                            progress(have, total)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                if isinstance(exc, DownloadError):
                    raise
                if isinstance(exc, OSError) and exc.errno is not None and exc.errno in (28, 122):  # ENOSPC, EDQUOT
                    raise DownloadError(f"cannot write {part}: {exc.strerror}") from None
                attempts += 1
                if attempts > retries:
                    raise DownloadError(
                        f"the connection dropped {attempts} times: {_why(exc)}; run the command again to resume "
                        f"({have} bytes kept in {part})"
                    ) from None
                time.sleep(min(2.0, 0.2 * attempts))
                continue
        if total is not None and have < total:  # the server closed early without an error
            attempts += 1
            if attempts > retries:
                raise DownloadError(
                    f"the connection dropped {attempts} times; run the command again to resume "
                    f"({have} of {total} bytes kept in {part})"
                )
            continue
        break
    got = digest.hexdigest()
    if expected and got != expected:
        part.unlink(missing_ok=True)
        raise DownloadError(
            f"checksum mismatch for {url}: expected sha256 {expected}, got {got}; the corrupt download was removed"
        )
    os.replace(part, target)
    return Downloaded(target, have, got, start, verified=expected is not None)


def _why(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.URLError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
    if isinstance(exc, ssl.SSLError):
        return f"TLS error ({exc.reason or exc})"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timed out"
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text


def fetch_bytes(
    url: str,
    *,
    proxies: Mapping[str, str] | None = None,
    timeout: float = 30.0,
    allow_http: bool = False,
    max_bytes: int = 64 * 1024 * 1024,
) -> bytes:
    """A small document (a catalogue, an index) in memory."""
    check_url(url, allow_http=allow_http)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with _opener(proxies).open(request, timeout=timeout) as response:
            data = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"HTTP {exc.code} {exc.reason} for {url}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = _offline_reason(exc)
        if reason is not None:
            raise OfflineError(f"cannot reach {urllib.parse.urlsplit(url).hostname} ({reason})") from None
        raise DownloadError(f"cannot read {url}: {_why(exc)}") from None
    if len(data) > max_bytes:
        raise DownloadError(f"{url} is over {max_bytes} bytes")
    return data
