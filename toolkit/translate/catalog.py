"""The model catalogue: which models exist for which languages, their licences, how to get them.

The shipped catalogue (``toolkit/data/translate/catalog.json``) names real models only, checked
against their public pages; a fact not known (a size, a checksum) is marked unknown, not guessed.
Two kinds of entries:

* ``argos``: an ``.argosmodel`` package at ``url``, installed as downloaded;
* ``huggingface``: a Hugging Face model (``hf_repo``, files under ``base_url``) converted on
  this machine by :mod:`.convert` (``toolkit[convert]``) into a package.

``models catalog --refresh`` downloads argostranslate's package index (``argos_index_url``) and
caches it in the model store (``.catalog/argos-index.json``); its entries then replace the shipped
argos entries. A newsroom mirror may serve its own catalogue in the same format (``--catalog``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import ModelError
from .langs import LanguageCodeError, checked, try_canonical

CACHE_DIR = ".catalog"
ARGOS_CACHE = "argos-index.json"
KINDS = ("argos", "huggingface")


class CatalogError(ModelError):
    code = "catalog"


@dataclass(frozen=True)
class Entry:
    name: str
    kind: str
    from_codes: tuple[str, ...]
    to_codes: tuple[str, ...]
    license: str
    commercial_use: bool | None
    restrictive: bool
    source: str
    url: str | None = None  # argos: the package
    sha256: str | None = None
    version: str | None = None
    hf_repo: str | None = None
    base_url: str | None = None
    architecture: str | None = None
    files: tuple[dict[str, Any], ...] = ()
    target_token_in_source: dict[str, str] = field(default_factory=dict)
    download_bytes: int | None = None
    size_note: str = "unknown"
    quality: str = ""
    notes: str = ""
    rank: int = 50  # lower is better among entries serving the same pair
    origin: str = "shipped"

    def covers(self, source: str | None, target: str) -> bool:
        return target in self.to_codes and (source is None or (source in self.from_codes and source != target))

    @property
    def multilingual(self) -> bool:
        return len(self.from_codes) > 1 or len(self.to_codes) > 1

    def licence_line(self) -> str:
        use = {True: "commercial use allowed", False: "NON-COMMERCIAL only", None: "commercial use: check the licence"}
        return f"{self.license} [{use[self.commercial_use]}]"

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "from": list(self.from_codes),
            "to": list(self.to_codes),
            "license": self.license,
            "commercial_use": self.commercial_use,
            "restrictive": self.restrictive,
            "source": self.source,
            "url": self.url,
            "sha256": self.sha256,
            "hf_repo": self.hf_repo,
            "architecture": self.architecture,
            "download_bytes": self.download_bytes,
            "size": self.size_note,
            "quality": self.quality,
            "notes": self.notes,
            "origin": self.origin,
            "how": self.how(),
        }

    def text(self, installed: bool = False) -> str:
        """The entry as ``toolkit models catalog`` prints it: name, languages, licence, size, source, how."""
        lines = [
            self.name + (" (installed)" if installed else ""),
            f"  languages: {', '.join(self.from_codes)} -> {', '.join(self.to_codes)}",
            f"  licence:   {self.licence_line()}",
            f"  size:      {self.size_note}",
            f"  source:    {self.hf_repo or self.url}",
            f"  get it:    {self.how()}" + ("  --accept-license" if self.restrictive else ""),
        ]
        if self.quality:
            lines.append(f"  quality:   {self.quality}")
        return "\n".join(lines)

    def how(self) -> str:
        if self.kind == "argos":
            return f"toolkit models fetch {self.name}"
        return f"toolkit models fetch {self.name}  (downloads {self.hf_repo}, converts it: needs toolkit[convert])"


def _codes(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise CatalogError(f"{where}: languages must be a non-empty list")
    out = []
    for code in value:
        try:
            out.append(checked(str(code)))
        except LanguageCodeError as exc:
            raise CatalogError(f"{where}: {exc}") from None
    return tuple(dict.fromkeys(out))


def entry_from_dict(data: Mapping[str, Any], origin: str = "shipped") -> Entry:
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise CatalogError("catalogue entry without a name")
    kind = data.get("kind")
    if kind not in KINDS:
        raise CatalogError(f"{name}: unknown kind {kind!r}")
    tokens = {checked(k): str(v) for k, v in (data.get("target_token_in_source") or {}).items()}
    entry = Entry(
        name=name,
        kind=kind,
        from_codes=_codes(data.get("from"), name),
        to_codes=_codes(data.get("to"), name),
        license=str(data.get("license") or "unknown"),
        commercial_use=data.get("commercial_use"),
        restrictive=bool(data.get("restrictive", False)),
        source=str(data.get("source") or ""),
        url=data.get("url"),
        sha256=(data.get("sha256") or None),
        version=data.get("version"),
        hf_repo=data.get("hf_repo"),
        base_url=data.get("base_url"),
        architecture=data.get("architecture"),
        files=tuple(dict(f) for f in data.get("files") or ()),
        target_token_in_source=tokens,
        download_bytes=data.get("download_bytes"),
        size_note=str(data.get("size_note") or "unknown"),
        quality=str(data.get("quality") or ""),
        notes=str(data.get("notes") or ""),
        rank=int(data.get("rank", 50)),
        origin=origin,
    )
    if kind == "argos" and not entry.url:
        raise CatalogError(f"{name}: an argos entry needs a url")
    if kind == "huggingface" and not (entry.base_url and entry.files and entry.architecture):
        raise CatalogError(f"{name}: a huggingface entry needs base_url, files and architecture")
    return entry


def entries_from_argos_index(index: Any, origin: str = "argos-index") -> list[Entry]:
    """Entries from argostranslate's ``index.json`` (a list of packages with ``links``)."""
    if not isinstance(index, list):
        raise CatalogError("the argos index is not a JSON list")
    out = []
    for item in index:
        if not isinstance(item, dict) or item.get("type", "translate") != "translate":
            continue
        links = [u for u in item.get("links") or () if isinstance(u, str) and u.startswith(("https://", "http://"))]
        src, tgt = try_canonical(item.get("from_code")), try_canonical(item.get("to_code"))
        if not links or src is None or tgt is None:
            continue
        try:
            src, tgt = checked(src), checked(tgt)
        except LanguageCodeError:
            continue
        name = Path(links[0].split("?")[0]).name.removesuffix(".argosmodel")
        out.append(
            Entry(
                name=name,
                kind="argos",
                from_codes=(src,),
                to_codes=(tgt,),
                license="not stated in the argos index (read the README.md inside the package)",
                commercial_use=None,
                restrictive=False,
                source="argos package index",
                url=links[0],
                version=str(item.get("package_version") or ""),
                size_note="unknown (the argos index gives no sizes)",
                notes="an argos package: installs as downloaded",
                rank=10,
                origin=origin,
            )
        )
    return out


class Catalog:
    """The shipped catalogue, plus a cached argos index, plus any extra catalogue given."""

    def __init__(self, entries: Iterable[Entry], *, argos_index_url: str | None = None, not_found: str = "") -> None:
        self.entries = list(entries)
        self.argos_index_url = argos_index_url
        self.not_found = not_found

    @classmethod
    def load(
        cls,
        models_dir: str | os.PathLike[str] | None = None,
        *,
        extra: Iterable[Mapping[str, Any]] = (),
        shipped: bool = True,
    ) -> Catalog:
        data = shipped_data() if shipped else {"models": []}
        entries = [entry_from_dict(e) for e in data.get("models", ())]
        if models_dir is not None:
            cached = Path(models_dir) / CACHE_DIR / ARGOS_CACHE
            if cached.is_file():
                try:
                    index = json.loads(cached.read_text("utf-8"))
                    fresh = entries_from_argos_index(index, origin="argos-index (cached)")
                except (ValueError, OSError, CatalogError):
                    fresh = []
                if fresh:
                    entries = [e for e in entries if e.kind != "argos"] + fresh
        for catalog in extra:
            more = [entry_from_dict(e, origin="extra") for e in catalog.get("models", ())]
            names = {e.name for e in more}
            entries = [e for e in entries if e.name not in names] + more
        return cls(entries, argos_index_url=data.get("argos_index_url"), not_found=data.get("not_found", ""))

    def get(self, name: str) -> Entry:
        for entry in self.entries:
            if entry.name == name or entry.hf_repo == name:
                return entry
        raise CatalogError(f"no model named {name!r} in the catalogue (see `toolkit models catalog`)")

    def serving(self, source: str | None, target: str | None) -> list[Entry]:
        """Entries that translate ``source`` -> ``target`` (either may be None: any), best first:
        a direct pair before a multilingual model, then by rank, then by name."""
        src = checked(source) if source else None
        tgt = checked(target) if target else None
        out = []
        for entry in self.entries:
            if tgt is not None and not entry.covers(src, tgt):
                continue
            if tgt is None and src is not None and src not in entry.from_codes:
                continue
            out.append(entry)
        return sorted(out, key=lambda e: (e.multilingual, e.rank, e.name))

    def search(self, langs: list[str], source: str | None = None, target: str | None = None) -> list[Entry]:
        """Entries serving ``source`` -> ``target`` (see :meth:`serving`) that cover every one of
        ``langs``; for two languages, the models translating that pair (either way) first."""
        wanted = [checked(x) for x in langs]
        entries = [e for e in self.serving(source, target) if all(w in e.from_codes or w in e.to_codes for w in wanted)]
        if len(wanted) == 2:
            a, b = wanted
            entries.sort(key=lambda e: not (e.covers(a, b) or e.covers(b, a)))
        return entries

    def suggest(self, target: str, source: str | None = None) -> Entry | None:
        """The best entry for a missing target: commercial-use-friendly first, then the ranking."""
        candidates = self.serving(source, target) or self.serving(None, target)
        if not candidates:
            return None
        return sorted(candidates, key=lambda e: (e.restrictive, candidates.index(e)))[0]


def shipped_data() -> dict[str, Any]:
    text = resources.files("toolkit").joinpath("data/translate/catalog.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def parse_catalog(data: bytes | str, where: str) -> dict[str, Any]:
    """A catalogue document (the shipped format) from bytes; checked entry by entry."""
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise CatalogError(f"{where}: not valid JSON ({exc})") from None
    if isinstance(doc, list):  # an argos index
        return {"models": [], "argos_index": doc}
    if not isinstance(doc, dict) or not isinstance(doc.get("models"), list):
        raise CatalogError(f'{where}: a catalogue is a JSON object with a "models" list')
    for item in doc["models"]:
        entry_from_dict(item, origin="extra")
    return doc


def save_argos_index(models_dir: str | os.PathLike[str], data: bytes) -> tuple[Path, int]:
    """Check and cache a downloaded argos index; return its path and how many packages it names."""
    try:
        index = json.loads(data)
    except ValueError as exc:
        raise CatalogError(f"the argos index is not valid JSON ({exc})") from None
    entries = entries_from_argos_index(index)
    if not entries:
        raise CatalogError("the argos index names no usable package")
    folder = Path(models_dir) / CACHE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ARGOS_CACHE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path, len(entries)
