"""The model store: argos-format translation packages on disk, installed safely.

A package (``.argosmodel``) is a zip archive holding exactly one top folder::

    translate-kk_en-1_0/
        metadata.json          what the model translates (see below)
        model/                 a CTranslate2 model (model.bin, config.json, vocabularies)
        sentencepiece.model    one SentencePiece model for both sides, or
        source.spm target.spm  one per side (OPUS-MT / NLLB conversions)
        README.md ...          optional extras

``metadata.json`` is argostranslate's, with a few optional additions for multilingual
models (argostranslate ignores what it does not know)::

    {"package_version": "1.0", "argos_version": "1.0", "type": "translate",
     "from_code": "kk", "to_code": "en"}                         # one pair, or
    {"from_codes": ["en", "kk", "ru", "uz"], "to_codes": [...],  # many pairs in one model
     "language_tokens": "nllb",      # "nllb" (kaz_Cyrl) or "m2m" (__kk__): prefix tokens
     "source_prefix": {...}, "target_prefix": "__kk__" or {"kk": "__kk__", ...},
     "target_token_in_source": {"kk": ">>kaz<<", ...},  # OPUS-MT multi-target models: the
                                     # target's token starts the *source* (by target language)
     "source_eos": true,             # append </s> to the source (NLLB, OPUS-MT conversions)
     "sentencepiece": {"source": "source.spm", "target": "target.spm"}}

Installing never trusts the archive: absolute paths, ``..``, symlinks and other special
files, several top folders, duplicate names, encrypted members, missing or wrong metadata,
an uncompressed size over the limit (zip bombs; sizes are counted while extracting, not
taken from the headers) and truncated or corrupt archives are all refused. The package is
extracted into a temporary folder inside the store, validated, then renamed into place:
a failed or interrupted install leaves nothing behind.

Packages installed by argostranslate's own tools are found too (read only).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import config
from .errors import ModelError, ModelNotFoundError, ModelPackageError
from .langs import LanguageCodeError, checked, m2m_token, nllb_code

#: Largest uncompressed package accepted (NLLB-200 3.3B in float16 is about 6.6 GB).
MAX_PACKAGE_BYTES = 16 * 1024**3
#: Most members accepted in one archive.
MAX_PACKAGE_FILES = 10_000
#: Largest metadata.json read.
MAX_METADATA_BYTES = 1024 * 1024
#: Largest expansion accepted for the archive as a whole and for any member that expands to more
#: than :data:`RATIO_FREE_BYTES`: real packages of that size (int8 or float weights, vocabularies,
#: SentencePiece models) expand 1-5 times; a zip bomb of zeros expands about 1000 times (3.3 MB ->
#: 3 GiB). Smaller members may expand more (the tests' tiny designed models are mostly zeros) and
#: cost little disk.
MAX_COMPRESSION_RATIO = 100
RATIO_FREE_BYTES = 256 * 1024 * 1024

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,119}$")
_SP_PAIRS = (("sentencepiece.model", "sentencepiece.model"), ("source.spm", "target.spm"))
_SPECIAL_TOKENS = frozenset({"<s>", "</s>", "<pad>", "<unk>", "<blank>"})


@dataclass(frozen=True)
class ModelPackage:
    """An installed, validated translation package."""

    name: str
    path: Path
    origin: str  # "toolkit" or "argos"
    version: str
    from_codes: tuple[str, ...]  # canonical tags
    to_codes: tuple[str, ...]
    source_prefix: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "*" applies to every language
    target_prefix: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: tokens that start the source and choose the target language (OPUS-MT ``>>kaz<<``), by target
    target_in_source: dict[str, tuple[str, ...]] = field(default_factory=dict)
    source_eos: bool = False
    source_spm: Path | None = None
    target_spm: Path | None = None
    metadata: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def model_dir(self) -> Path:
        return self.path / "model"

    @property
    def multilingual(self) -> bool:
        return len(self.from_codes) > 1 or len(self.to_codes) > 1

    @property
    def argos_compatible(self) -> bool:
        """argostranslate can run it: one shared SentencePiece model, no source prefix or EOS."""
        return (
            self.source_spm is not None
            and self.source_spm.name == "sentencepiece.model"
            and not self.source_prefix
            and not self.target_in_source
            and not self.source_eos
            and all(len(v) <= 1 for v in self.target_prefix.values())
        )

    def pairs(self) -> list[tuple[str, str]]:
        return [(s, t) for s in self.from_codes for t in self.to_codes if s != t]

    def covers(self, source: str, target: str) -> bool:
        return source in self.from_codes and target in self.to_codes and source != target

    def source_prefix_for(self, lang: str) -> tuple[str, ...]:
        return self.source_prefix.get(lang, self.source_prefix.get("*", ()))

    def target_prefix_for(self, lang: str) -> tuple[str, ...]:
        return self.target_prefix.get(lang, self.target_prefix.get("*", ()))

    def source_tokens_for(self, source: str, target: str) -> tuple[str, ...]:
        """Tokens put before the source: the target's token of an OPUS-MT multi-target model
        (``>>kaz<<``) first, then the source prefix (NLLB's ``kaz_Cyrl``)."""
        return self.target_in_source.get(target, ()) + self.source_prefix_for(source)

    @property
    def prefix_tokens(self) -> frozenset[str]:
        tokens = {t for v in self.target_prefix.values() for t in v}
        tokens.update(t for v in self.source_prefix.values() for t in v)
        tokens.update(t for v in self.target_in_source.values() for t in v)
        return frozenset(tokens)

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file() and not p.is_symlink())

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "origin": self.origin,
            "path": str(self.path),
            "from": list(self.from_codes),
            "to": list(self.to_codes),
            "multilingual": self.multilingual,
            "pairs": [f"{s}->{t}" for s, t in self.pairs()],
            "source_prefix": {k: list(v) for k, v in self.source_prefix.items()},
            "target_prefix": {k: list(v) for k, v in self.target_prefix.items()},
            "target_token_in_source": {k: list(v) for k, v in self.target_in_source.items()},
            "source_eos": self.source_eos,
            "tokenizer": [p.name for p in (self.source_spm, self.target_spm) if p is not None],
        }


# -- reading and validating a package directory ----------------------------------------------------


def read_package(
    path: str | os.PathLike[str],
    origin: str = "toolkit",
    *,
    check_vocabulary: bool = True,
    check_tokenizers: bool = False,
) -> ModelPackage:
    """Read and validate a package directory; raise :class:`ModelPackageError` naming what is wrong.

    ``check_tokenizers`` loads each SentencePiece file to prove it is one (done at install and
    pack time, not on every scan of the store)."""
    root = Path(path)
    where = str(root)
    meta_path = root / "metadata.json"
    if not meta_path.is_file() or meta_path.is_symlink():
        raise ModelPackageError("not a translation package: metadata.json is missing", path=where)
    if meta_path.stat().st_size > MAX_METADATA_BYTES:
        raise ModelPackageError("metadata.json is too large", path=where)
    try:
        metadata = json.loads(meta_path.read_text("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ModelPackageError(f"metadata.json is not valid JSON ({exc})", path=where) from None
    if not isinstance(metadata, dict):
        raise ModelPackageError("metadata.json must hold a JSON object", path=where)
    kind = metadata.get("type", "translate")
    if kind != "translate":
        raise ModelPackageError(f"not a translation package (type {kind!r})", path=where)

    from_codes = _codes(metadata, "from", where)
    to_codes = _codes(metadata, "to", where)
    version = metadata.get("package_version", "")
    if not isinstance(version, (str, int, float)) or isinstance(version, bool):
        raise ModelPackageError("metadata.json: package_version must be a string", path=where)

    model_dir = root / "model"
    if not (model_dir / "model.bin").is_file():
        raise ModelPackageError("model/model.bin is missing (not a CTranslate2 model)", path=where)

    source_spm, target_spm = _tokenizers(root, metadata, where)
    style = metadata.get("language_tokens")
    if style not in (None, "m2m", "nllb"):
        raise ModelPackageError(f"metadata.json: language_tokens must be 'm2m' or 'nllb', not {style!r}", path=where)
    source_prefix = _prefixes(metadata.get("source_prefix"), from_codes, style, "source_prefix", where)
    target_prefix = _prefixes(metadata.get("target_prefix"), to_codes, style, "target_prefix", where)
    key = "target_token_in_source"
    target_in_source = _prefixes(metadata.get(key), to_codes, None, key, where)
    if "*" in target_in_source:
        raise ModelPackageError(f"metadata.json: {key} must name the token of each target language", path=where)
    if len(to_codes) > 1:
        chosen = set(target_in_source) if target_in_source else set(target_prefix)
        if not chosen:
            raise ModelPackageError(
                "metadata.json: a model with several to_codes needs target_prefix tokens (or language_tokens, "
                "or target_token_in_source)",
                path=where,
            )
        if "*" not in chosen and not set(to_codes) <= chosen:
            missing = ", ".join(sorted(set(to_codes) - chosen))
            raise ModelPackageError(f"metadata.json: no token chooses the target language {missing}", path=where)
    source_eos = metadata.get("source_eos", False)
    if not isinstance(source_eos, bool):
        raise ModelPackageError("metadata.json: source_eos must be true or false", path=where)

    package = ModelPackage(
        name=root.name,
        path=root,
        origin=origin,
        version=str(version),
        from_codes=from_codes,
        to_codes=to_codes,
        source_prefix=source_prefix,
        target_prefix=target_prefix,
        target_in_source=target_in_source,
        source_eos=source_eos,
        source_spm=source_spm,
        target_spm=target_spm,
        metadata=metadata,
    )
    if check_vocabulary:
        _check_vocabulary(package, where)
    if check_tokenizers:
        _check_tokenizers(package, where)
    return package


def _check_tokenizers(package: ModelPackage, where: str) -> None:
    """Each tokenizer file must load as a SentencePiece model (a BPE merges file, a vocabulary
    or random bytes under that name would only fail at translation time)."""
    import sentencepiece

    for path in dict.fromkeys(p for p in (package.source_spm, package.target_spm) if p is not None):
        try:
            sp = sentencepiece.SentencePieceProcessor(model_file=str(path))
            ok = sp.get_piece_size() > 0
        except (RuntimeError, OSError, ValueError, TypeError):
            ok = False
        if not ok:
            name = path.relative_to(package.path).as_posix()
            raise ModelPackageError(f"{name} is not a SentencePiece model", path=where)


def _codes(metadata: dict[str, Any], side: str, where: str) -> tuple[str, ...]:
    many = metadata.get(f"{side}_codes")
    one = metadata.get(f"{side}_code")
    raw: list[Any]
    if many:
        if not isinstance(many, list):
            raise ModelPackageError(f"metadata.json: {side}_codes must be a list", path=where)
        raw = list(many)
    elif one:
        raw = [one]
    else:
        raise ModelPackageError(f"metadata.json: {side}_code (or {side}_codes) is missing", path=where)
    out: list[str] = []
    for code in raw:
        if not isinstance(code, str):
            raise ModelPackageError(f"metadata.json: {side} language {code!r} is not a string", path=where)
        try:
            out.append(checked(code))
        except LanguageCodeError:
            raise ModelPackageError(f"metadata.json: unknown {side} language code {code!r}", path=where) from None
    return tuple(dict.fromkeys(out))


def _tokenizers(root: Path, metadata: dict[str, Any], where: str) -> tuple[Path, Path]:
    declared = metadata.get("sentencepiece")
    if declared is not None:
        if not (isinstance(declared, dict) and isinstance(declared.get("source"), str)):
            raise ModelPackageError('metadata.json: sentencepiece must be {"source": ..., "target": ...}', path=where)
        names = (declared["source"], declared.get("target") or declared["source"])
        paths = []
        for name in names:
            if not _inside(root, name):
                raise ModelPackageError(f"metadata.json: sentencepiece path {name!r} leaves the package", path=where)
            paths.append(root / name)
        candidates = [tuple(paths)]
    else:
        candidates = [(root / s, root / t) for s, t in _SP_PAIRS]
    for source, target in candidates:
        if source.is_file() and target.is_file() and not source.is_symlink() and not target.is_symlink():
            return source, target
    if (root / "bpe.model").is_file():
        raise ModelPackageError(
            "BPE tokenizer packages (bpe.model) are not supported: use a SentencePiece package", path=where
        )
    raise ModelPackageError("no SentencePiece model (sentencepiece.model, or source.spm and target.spm)", path=where)


def _inside(root: Path, name: str) -> bool:
    parts = Path(name).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts


def _prefixes(
    value: Any, codes: tuple[str, ...], style: str | None, key: str, where: str
) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    if style is not None:
        for code in codes:
            token = m2m_token(code) if style == "m2m" else nllb_code(code)
            if token is None:
                raise ModelPackageError(f"metadata.json: no NLLB code known for {code}", path=where)
            out[code] = (token,)
    if value in (None, ""):
        return out
    if isinstance(value, str):
        out = {"*": tuple(value.split())}
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        out = {"*": tuple(value)}
    elif isinstance(value, dict):
        for code, tokens in value.items():
            try:
                lang = checked(code)
            except LanguageCodeError:
                raise ModelPackageError(
                    f"metadata.json: {key} names an unknown language {code!r}", path=where
                ) from None
            if isinstance(tokens, str):
                out[lang] = tuple(tokens.split())
            elif isinstance(tokens, list) and all(isinstance(t, str) for t in tokens):
                out[lang] = tuple(tokens)
            else:
                raise ModelPackageError(
                    f"metadata.json: {key}[{code!r}] must be a token or a list of tokens", path=where
                )
    else:
        raise ModelPackageError(f"metadata.json: {key} must be a token, a list or an object", path=where)
    return out


def _vocabulary(model_dir: Path, side: str) -> set[str] | None:
    for name in (f"{side}_vocabulary", "shared_vocabulary"):
        for suffix in (".txt", ".json"):
            path = model_dir / (name + suffix)
            if path.is_file():
                text = path.read_text("utf-8", errors="replace")
                if suffix == ".json":
                    try:
                        tokens = json.loads(text)
                    except ValueError:
                        return None
                    return {t for t in tokens if isinstance(t, str)} if isinstance(tokens, list) else None
                return set(text.split("\n"))
    return None


def _check_vocabulary(package: ModelPackage, where: str) -> None:
    """Prefix tokens the metadata promises must exist in the model's vocabularies."""
    source_tokens = {t for v in (*package.source_prefix.values(), *package.target_in_source.values()) for t in v}
    target_tokens = {t for v in package.target_prefix.values() for t in v}
    for side, tokens in (("source", source_tokens), ("target", target_tokens)):
        if not tokens:
            continue
        vocab = _vocabulary(package.model_dir, side)
        if vocab is None:
            continue
        missing = sorted(tokens - vocab)
        if missing:
            raise ModelPackageError(
                f"metadata.json: {side} prefix token(s) {', '.join(missing)} are not in the model's vocabulary",
                path=where,
            )


# -- the store ----------------------------------------------------------------------------------------------


class ModelStore:
    """Installed packages: the toolkit's own directory plus argostranslate's (read only)."""

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        *,
        argos_dirs: Iterable[str | os.PathLike[str]] | None = None,
    ) -> None:
        self.root = Path(config.models_dir(root))
        dirs = config.argos_package_dirs() if argos_dirs is None else list(argos_dirs)
        self.argos_dirs = [Path(d) for d in dirs if Path(d).resolve() != self.root.resolve()]
        self._cache: tuple[list[ModelPackage], list[tuple[str, str]]] | None = None

    # -- reading

    def _scan(self) -> tuple[list[ModelPackage], list[tuple[str, str]]]:
        if self._cache is None:
            packages: list[ModelPackage] = []
            problems: list[tuple[str, str]] = []
            seen: set[str] = set()
            for origin, directory in [("toolkit", self.root)] + [("argos", d) for d in self.argos_dirs]:
                for entry in _entries(directory):
                    try:
                        pkg = read_package(entry, origin)
                    except ModelPackageError as exc:
                        if origin == "argos" and "not a translation package (type" in exc.message:
                            continue  # argostranslate's sentence-boundary packages
                        problems.append((str(entry), exc.message))
                        continue
                    except OSError as exc:
                        problems.append((str(entry), f"cannot read: {exc.strerror or exc}"))
                        continue
                    if pkg.name in seen:  # the toolkit's own copy wins over argostranslate's
                        continue
                    seen.add(pkg.name)
                    packages.append(pkg)
            self._cache = (packages, problems)
        return self._cache

    def refresh(self) -> None:
        self._cache = None

    def packages(self) -> list[ModelPackage]:
        """Valid installed packages (the toolkit's first, then argostranslate's), sorted by name."""
        return list(self._scan()[0])

    def problems(self) -> list[tuple[str, str]]:
        """(path, reason) for every folder in a model directory that is not a usable package."""
        return list(self._scan()[1])

    def get(self, name: str) -> ModelPackage:
        for pkg in self.packages():
            if pkg.name == name:
                return pkg
        known = ", ".join(p.name for p in self.packages()) or "none installed"
        raise ModelNotFoundError(f"no installed model named {name!r} (installed: {known})")

    # -- writing

    def install(
        self,
        source: str | os.PathLike[str],
        *,
        force: bool = False,
        max_bytes: int = MAX_PACKAGE_BYTES,
        max_files: int = MAX_PACKAGE_FILES,
    ) -> ModelPackage:
        """Install an ``.argosmodel`` archive or a package directory; return the installed package.

        Installs into one store are serialised by a lock on its folder; a package replaced with
        ``force`` is swapped in by one atomic exchange of the two folders (Linux ``renameat2``),
        so a scan of the store at any moment sees the old package or the new one, never neither.
        """
        src = Path(source)
        where = str(src)
        if not src.exists():
            raise ModelPackageError("no such file or directory", path=where)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ModelError(
                f"cannot write to the model directory: {exc.strerror or exc}", path=str(self.root)
            ) from None
        with _store_lock(self.root):
            try:
                tmp = Path(tempfile.mkdtemp(prefix=".install-", dir=self.root))
            except OSError as exc:
                raise ModelError(
                    f"cannot write to the model directory: {exc.strerror or exc}", path=str(self.root)
                ) from None
            try:
                if src.is_dir():
                    name = _copy_dir(src, tmp, max_bytes, max_files)
                else:
                    name = _extract_zip(src, tmp, max_bytes, max_files)
                staged = tmp / name
                try:
                    read_package(staged, check_tokenizers=True)
                except ModelPackageError as exc:
                    raise ModelPackageError(exc.message.replace(str(staged), ""), path=where) from None
                dest = self.root / name
                if dest.exists() or dest.is_symlink():
                    if not force:
                        raise ModelPackageError(
                            f"a model named {name!r} is already installed (use --force to replace it)", path=where
                        )
                    _replace_dir(staged, dest, tmp / ".replaced")
                else:
                    os.rename(staged, dest)
            except OSError as exc:
                raise ModelError(f"cannot install: {exc.strerror or exc}", path=where) from None
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        self.refresh()
        return read_package(dest)

    def remove(self, name: str) -> ModelPackage:
        """Remove a package installed in the toolkit's directory (argostranslate's are left alone)."""
        pkg = self.get(name)
        if pkg.origin != "toolkit":
            raise ModelError(
                f"{name!r} was installed by argostranslate in {pkg.path.parent}; remove it with `argospm remove`",
                path=str(pkg.path),
            )
        try:
            with _store_lock(self.root):
                trash = Path(tempfile.mkdtemp(prefix=".remove-", dir=self.root))
                os.rename(pkg.path, trash / pkg.name)  # atomic: the package disappears at once
                shutil.rmtree(trash, ignore_errors=True)
        except OSError as exc:
            raise ModelError(f"cannot remove: {exc.strerror or exc}", path=str(pkg.path)) from None
        self.refresh()
        return pkg


@contextlib.contextmanager
def _store_lock(root: Path) -> Iterator[None]:
    """An exclusive lock on the store folder itself (``flock`` on its descriptor: no lock file is
    left behind) for the length of an install or removal."""
    try:
        import fcntl
    except ImportError:  # not on POSIX: installs are not serialised
        yield
        return
    try:
        fd = os.open(root, os.O_RDONLY)
    except OSError as exc:
        raise ModelError(f"cannot lock the model directory: {exc.strerror or exc}", path=str(root)) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    import ctypes
    import ctypes.util
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False  # the file system (or kernel) cannot exchange: fall back
    raise OSError(err, os.strerror(err), str(b))


def _replace_dir(staged: Path, dest: Path, old: Path) -> None:
    """Put ``staged`` in the place of ``dest``; the previous ``dest`` ends up at ``old``."""
    if _exchange(staged, dest):
        os.rename(staged, old)  # ``staged`` now holds the previous package
        return
    os.rename(dest, old)  # two renames: a scan in between would miss the package
    os.rename(staged, dest)


def _entries(directory: Path) -> Iterator[Path]:
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return
    for name in names:
        path = directory / name
        if name.startswith(".") or not path.is_dir():
            continue
        yield path


def _check_name(name: str, where: str) -> str:
    if not _NAME.match(name) or name in (".", ".."):
        raise ModelPackageError(f"unsafe package folder name {name!r}", path=where)
    return name


def _check_space(root: Path, needed: int, where: str) -> None:
    with contextlib.suppress(OSError):
        free = shutil.disk_usage(root).free
        if needed > free:
            raise ModelPackageError(f"not enough disk space ({needed} bytes needed, {free} free)", path=where)


def _extract_zip(archive: Path, tmp: Path, max_bytes: int, max_files: int) -> str:
    where = str(archive)
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise ModelPackageError("not a zip archive, or a truncated one", path=where) from None
    except OSError as exc:
        raise ModelPackageError(f"cannot read: {exc.strerror or exc}", path=where) from None
    with zf:
        infos = zf.infolist()
        top = _check_members(infos, where, max_bytes, max_files)
        _check_space(tmp, sum(i.file_size for i in infos), where)
        written = 0
        try:
            for info in infos:
                target = tmp.joinpath(*info.filename.rstrip("/").split("/"))
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                size = 0
                with zf.open(info) as src, open(target, "xb") as out:
                    while chunk := src.read(1024 * 1024):
                        size += len(chunk)
                        written += len(chunk)
                        if size > info.file_size or written > max_bytes:
                            raise ModelPackageError(
                                f"{info.filename}: more data than its header declares, or over the size limit "
                                f"({max_bytes} bytes): refusing a possible zip bomb",
                                path=where,
                            )
                        out.write(chunk)
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise ModelPackageError(f"corrupt or truncated archive ({exc})", path=where) from None
        except NotImplementedError as exc:
            raise ModelPackageError(f"unsupported archive ({exc})", path=where) from None
    return top


def _check_members(infos: list[zipfile.ZipInfo], where: str, max_bytes: int, max_files: int) -> str:
    if not infos:
        raise ModelPackageError("the archive is empty", path=where)
    if len(infos) > max_files:
        raise ModelPackageError(f"the archive holds {len(infos)} members (limit {max_files})", path=where)
    tops: set[str] = set()
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if "\\" in name or "\x00" in name:
            raise ModelPackageError(f"unsafe member name {name!r}", path=where)
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
            raise ModelPackageError(f"absolute path in archive: {name!r}", path=where)
        parts = name.rstrip("/").split("/")
        if ".." in parts:
            raise ModelPackageError(f"path escapes the package ('..'): {name!r}", path=where)
        if any(p in ("", ".") for p in parts):
            raise ModelPackageError(f"unsafe member name {name!r}", path=where)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise ModelPackageError(f"symbolic link in archive: {name!r}", path=where)
        if mode and stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            raise ModelPackageError(f"special file in archive: {name!r}", path=where)
        if info.flag_bits & 0x1:
            raise ModelPackageError(f"encrypted member: {name!r}", path=where)
        key = "/".join(parts).casefold()
        if key in seen:
            raise ModelPackageError(f"duplicate member: {name!r}", path=where)
        seen.add(key)
        if len(parts) == 1 and not info.is_dir():
            raise ModelPackageError(f"file at the top of the archive: {name!r} (expected one top folder)", path=where)
        tops.add(parts[0])
        total += info.file_size
    if len(tops) != 1:
        raise ModelPackageError(
            f"the archive must hold one top folder, not {len(tops)}: {', '.join(sorted(tops))}", path=where
        )
    if total > max_bytes:
        raise ModelPackageError(f"uncompressed size {total} bytes is over the limit ({max_bytes} bytes)", path=where)
    _check_ratio(infos, total, where)
    top = tops.pop()
    if f"{top}/metadata.json".casefold() not in seen:
        raise ModelPackageError(f"{top}/metadata.json is missing: not a translation package", path=where)
    return _check_name(top, where)


def _check_ratio(infos: list[zipfile.ZipInfo], total: int, where: str) -> None:
    """Refuse an archive that expands absurdly (a zip bomb under the size limit): by member, and
    as a whole, counting the sizes the headers declare (extraction then holds each member to its
    declared size)."""
    packed = sum(i.compress_size for i in infos)
    for info in infos:
        if info.file_size > RATIO_FREE_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise ModelPackageError(
                f"{info.filename}: expands {ratio:.0f} times ({info.compress_size} -> {info.file_size} bytes; "
                f"limit {MAX_COMPRESSION_RATIO}): refusing a possible zip bomb",
                path=where,
            )
    if total > RATIO_FREE_BYTES and total > MAX_COMPRESSION_RATIO * max(packed, 1):
        raise ModelPackageError(
            f"the archive expands {total / max(packed, 1):.0f} times ({packed} -> {total} bytes; "
            f"limit {MAX_COMPRESSION_RATIO}): refusing a possible zip bomb",
            path=where,
        )


def _copy_dir(src: Path, tmp: Path, max_bytes: int, max_files: int) -> str:
    where = str(src)
    name = _check_name(src.resolve().name, where)
    dest = tmp / name
    total = 0
    count = 0
    for dirpath, dirnames, filenames in os.walk(src, followlinks=False):
        here = Path(dirpath)
        rel = here.relative_to(src)
        (dest / rel).mkdir(parents=True, exist_ok=True)
        for entry in dirnames + filenames:
            path = here / entry
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                raise ModelPackageError(f"symbolic link in package: {path.relative_to(src)}", path=where)
            if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
                raise ModelPackageError(f"special file in package: {path.relative_to(src)}", path=where)
        for entry in filenames:
            count += 1
            total += (here / entry).stat().st_size
            if count > max_files or total > max_bytes:
                raise ModelPackageError(f"package over the limit ({max_files} files, {max_bytes} bytes)", path=where)
            shutil.copyfile(here / entry, dest / rel / entry)
    if not (dest / "metadata.json").is_file():
        raise ModelPackageError("metadata.json is missing: not a translation package", path=where)
    return name


def pack(directory: str | os.PathLike[str], archive: str | os.PathLike[str]) -> Path:
    """Zip a package directory into an ``.argosmodel`` archive (one top folder, as argostranslate expects)."""
    src = Path(directory)
    read_package(src, check_tokenizers=True)  # refuse to pack what would not install
    out = Path(archive)
    tmp = out.with_name(f".{out.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(src.rglob("*")):
            if path.is_symlink():
                raise ModelPackageError(f"symbolic link in package: {path}", path=str(src))
            arcname = f"{src.name}/{path.relative_to(src).as_posix()}"
            if path.is_dir():
                zf.write(path, arcname + "/")
            else:
                zf.write(path, arcname)
    os.replace(tmp, out)
    return out
