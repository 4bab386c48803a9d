"""``toolkit models fetch NAME|URL``: download a catalogued model (or a package URL), install it.

* an ``argos`` entry or a URL: the ``.argosmodel`` is downloaded (:mod:`.download`: resumable,
  checksum-verified where a checksum is known) into ``STORE/.downloads/``, then installed by
  :meth:`.store.ModelStore.install` (all of its checks) and the download removed;
* a ``huggingface`` entry: its files are downloaded into ``STORE/.downloads/NAME/``, converted
  (:mod:`.convert`, needs ``toolkit[convert]``), and the package installed;
* ``output``: write the package file there instead of installing it (fetch on a connected
  machine, copy the file, ``toolkit models install FILE`` offline);
* a licence that restricts use (``restrictive``: NLLB-200 is CC BY-NC 4.0) needs ``accept_license``.
"""

from __future__ import annotations

import shutil
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .catalog import Catalog, Entry
from .download import Downloaded, OfflineError, Progress, download
from .store import ModelPackage, ModelStore

DOWNLOADS = ".downloads"


class LicenseNotAcceptedError(ConfigError):
    code = "license-not-accepted"


@dataclass
class FetchResult:
    name: str
    package: ModelPackage | None  # installed
    archive: Path | None  # written to the output folder instead
    downloads: list[Downloaded] = field(default_factory=list)
    entry: Entry | None = None


def offline_hint(what: str) -> str:
    return (
        f"on a machine with network access run `toolkit models fetch {what} -o DIR`, copy DIR/*.argosmodel "
        "here and run `toolkit models install FILE`"
    )


def fetch(
    what: str,
    *,
    store: ModelStore,
    catalog: Catalog,
    accept_license: bool = False,
    output: str | Path | None = None,
    sha256: str | None = None,
    force: bool = False,
    proxies: Mapping[str, str] | None = None,
    timeout: float = 30.0,
    retries: int = 5,
    allow_http: bool = False,
    progress: Callable[[str], Progress | None] | None = None,
    quantization: str = "int8",
) -> FetchResult:
    """Fetch ``what`` (a catalogue name, a Hugging Face repo named in the catalogue, or an https URL
    of an ``.argosmodel``)."""
    is_url = "://" in what
    entry = None if is_url else catalog.get(what)
    if entry is not None and entry.restrictive and not accept_license:
        raise LicenseNotAcceptedError(
            f"{entry.name} is licensed {entry.license}; fetch it only if that fits your use, "
            f"with --accept-license: toolkit models fetch {entry.name} --accept-license"
        )
    if entry is not None and entry.kind == "huggingface":
        from .convert import require_converter

        require_converter()  # before any download
    downloads_dir = store.root / DOWNLOADS
    common: dict[str, Any] = {
        "proxies": proxies,
        "timeout": timeout,
        "retries": retries,
        "allow_http": allow_http,
    }
    try:
        if entry is None or entry.kind == "argos":
            url = what if entry is None else str(entry.url)
            file_name = Path(urllib.parse.urlsplit(url).path).name or "package.argosmodel"
            if not file_name.endswith(".argosmodel"):
                file_name += ".argosmodel"
            folder = Path(output) if output is not None else downloads_dir
            got = download(
                url,
                folder / file_name,
                sha256=sha256 or (entry.sha256 if entry else None),
                progress=progress(file_name) if progress else None,
                **common,
            )
            if output is not None:
                return FetchResult(file_name, None, got.path, [got], entry)
            try:
                pkg = store.install(got.path, force=force)
            finally:
                got.path.unlink(missing_ok=True)
            return FetchResult(pkg.name, pkg, None, [got], entry)
        return _fetch_hf(entry, store, downloads_dir, output, force, progress, quantization, common)
    except OfflineError as exc:
        raise OfflineError(f"{exc.message}: no network? {offline_hint(what)}") from None


def _fetch_hf(
    entry: Entry,
    store: ModelStore,
    downloads_dir: Path,
    output: str | Path | None,
    force: bool,
    progress: Callable[[str], Progress | None] | None,
    quantization: str,
    common: dict[str, Any],
) -> FetchResult:
    from .convert import convert_model

    snapshot = downloads_dir / entry.name
    got = []
    base = str(entry.base_url)
    for item in entry.files:
        name = str(item["name"])
        url = urllib.parse.urljoin(base if base.endswith("/") else base + "/", urllib.parse.quote(name))
        got.append(
            download(
                url,
                snapshot / name,
                sha256=item.get("sha256"),
                size=item.get("size"),
                progress=progress(name) if progress else None,
                **common,
            )
        )
    out_dir = Path(output) if output is not None else downloads_dir
    converted = convert_model(
        snapshot,
        out_dir,
        name=entry.name,
        source=entry.hf_repo or entry.source,
        quantization=quantization,
        from_codes=entry.from_codes,
        to_codes=entry.to_codes,
        target_tokens=entry.target_token_in_source or None,
        license=entry.license,
    )
    shutil.rmtree(snapshot, ignore_errors=True)
    if output is not None:
        return FetchResult(entry.name, None, converted.archive, got, entry)
    try:
        pkg = store.install(converted.archive, force=force)
    finally:
        converted.archive.unlink(missing_ok=True)
    return FetchResult(pkg.name, pkg, None, got, entry)
