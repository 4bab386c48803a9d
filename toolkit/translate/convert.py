"""``toolkit models convert``: a Hugging Face Marian / NLLB / M2M-100 model -> an installable package.

Given a local snapshot of a Hugging Face model (a folder with ``config.json``, the weights and
the tokenizer files), :func:`convert_model`:

1. converts the weights with CTranslate2's Transformers converter (``int8`` by default);
2. copies the SentencePiece model(s): ``source.spm``/``target.spm`` (Marian), or
   ``sentencepiece.bpe.model`` as one shared ``sentencepiece.model`` (NLLB, M2M-100);
3. finds the language tokens in the converted vocabulary and writes ``metadata.json``:
   ``>>kaz_Cyrl<<``-style target tokens at the start of the source (OPUS-MT multi-target
   models), ``kaz_Cyrl`` (NLLB) or ``__kk__`` (M2M-100) prefix tokens, ``source_eos`` (all
   three append ``</s>`` to the source, as their Hugging Face tokenizers do), the source,
   licence and conversion settings;
4. packs the folder into ``NAME.argosmodel``, checked as an install would check it.

Languages come from the model itself where it says (the language tokens of its vocabulary, the
``source_lang``/``target_lang`` of a Marian tokenizer configuration), narrowed or completed by
``from_codes``/``to_codes``. Only languages of the toolkit's code table get NLLB / M2M prefix
tokens. It needs ``pip install 'toolkit[convert]'`` (transformers and the CPU build of torch).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import ConfigError
from .errors import ModelError, ModelPackageError
from .langs import LANGUAGES, LanguageCodeError, argos_code, checked, m2m_token, nllb_code
from .store import _NAME, pack, read_package

ARCHITECTURES = ("marian", "nllb", "m2m100")
QUANTIZATIONS = ("int8", "int8_float32", "int16", "float16", "bfloat16", "float32")
_OPUS_TOKEN = re.compile(r"^>>([A-Za-z_]+)<<$")


class ConvertError(ModelError):
    code = "convert"


@dataclass
class Converted:
    archive: Path
    name: str
    architecture: str
    from_codes: list[str]
    to_codes: list[str]
    metadata: dict[str, Any]


def converter_available() -> str | None:
    """None when the converter's dependencies are importable, else what is missing."""
    import importlib.util

    missing = [m for m in ("ctranslate2", "transformers", "torch") if importlib.util.find_spec(m) is None]
    return ", ".join(missing) or None


def require_converter() -> None:
    missing = converter_available()
    if missing:
        raise ConfigError(
            f"converting a Hugging Face model needs {missing}: pip install 'toolkit[convert]' "
            "(it pins the CPU build of torch)"
        )


def detect_architecture(folder: Path) -> str:
    try:
        config = json.loads((folder / "config.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ConvertError(f"config.json cannot be read ({exc})", path=str(folder)) from None
    kind = config.get("model_type")
    if kind == "marian":
        return "marian"
    if kind == "m2m_100":
        tok = _json(folder / "tokenizer_config.json")
        if "nllb" in str(tok.get("tokenizer_class", "")).lower() or (
            (folder / "tokenizer.json").is_file() and not (folder / "vocab.json").is_file()
        ):
            return "nllb"
        return "m2m100"
    raise ConvertError(
        f"model type {kind!r} is not supported (Marian / OPUS-MT, NLLB-200 and M2M-100 are)", path=str(folder)
    )


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _readme_licence(folder: Path) -> str | None:
    try:
        text = (folder / "README.md").read_text("utf-8", errors="replace")
    except OSError:
        return None
    match = re.search(r"^---\s*$(.*?)^---\s*$", text, re.M | re.S)
    if match:
        lic = re.search(r"^license:\s*(\S+)", match.group(1), re.M)
        if lic:
            return lic.group(1)
    return None


def _codes(values: Sequence[str] | None, what: str) -> list[str] | None:
    if not values:
        return None
    out = []
    for value in values:
        try:
            out.append(checked(value))
        except LanguageCodeError as exc:
            raise ConfigError(f"models convert: {what}: {exc}") from None
    return list(dict.fromkeys(out))


def _vocabulary(model_dir: Path) -> list[str]:
    for name in ("shared_vocabulary.json", "source_vocabulary.json"):
        path = model_dir / name
        if path.is_file():
            return [t for t in json.loads(path.read_text("utf-8")) if isinstance(t, str)]
    for name in ("shared_vocabulary.txt", "source_vocabulary.txt"):
        path = model_dir / name
        if path.is_file():
            return path.read_text("utf-8").split("\n")
    return []


def default_name(model: str) -> str:
    base = model.rstrip("/").split("/")[-1].lower()
    base = re.sub(r"[^a-z0-9._+-]+", "-", base).strip("-.") or "model"
    return base[:100]


def convert_model(
    folder: str | Path,
    output_dir: str | Path,
    *,
    name: str | None = None,
    source: str | None = None,
    quantization: str = "int8",
    from_codes: Sequence[str] | None = None,
    to_codes: Sequence[str] | None = None,
    target_tokens: dict[str, str] | None = None,
    license: str | None = None,
    version: str = "1.0",
) -> Converted:
    """Convert the Hugging Face snapshot in ``folder``; write ``OUTPUT_DIR/NAME.argosmodel``."""
    snapshot = Path(folder)
    if not (snapshot / "config.json").is_file():
        raise ConvertError("not a Hugging Face model folder (config.json is missing)", path=str(snapshot))
    if quantization not in QUANTIZATIONS:
        raise ConfigError(f"models convert: unknown quantization {quantization!r} ({', '.join(QUANTIZATIONS)})")
    require_converter()
    arch = detect_architecture(snapshot)
    pkg_name = name or default_name(source or snapshot.resolve().name)
    if not _NAME.match(pkg_name):
        raise ConfigError(f"models convert: unusable package name {pkg_name!r} (letters, digits, . _ + -)")
    wanted_from = _codes(from_codes, "--from")
    wanted_to = _codes(to_codes, "--to")
    out_dir = Path(output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".convert-", dir=out_dir) as tmp:
        pkg = Path(tmp) / pkg_name
        pkg.mkdir()
        _run_converter(snapshot, pkg / "model", quantization)
        vocab = _vocabulary(pkg / "model")
        meta: dict[str, Any] = {
            "package_version": version,
            "argos_version": "1.0",
            "type": "translate",
            "source_eos": True,
        }
        if arch == "marian":
            src, tgt = _marian_languages(snapshot, vocab, wanted_from, wanted_to, target_tokens, meta)
            for spm in ("source.spm", "target.spm"):
                if not (snapshot / spm).is_file():
                    raise ConvertError(
                        f"{spm} is missing (a Marian model has source.spm and target.spm)", path=str(snapshot)
                    )
                shutil.copyfile(snapshot / spm, pkg / spm)
            meta["sentencepiece"] = {"source": "source.spm", "target": "target.spm"}
        else:
            src, tgt = _multilingual_languages(arch, vocab, wanted_from, wanted_to, meta)
            spm = snapshot / "sentencepiece.bpe.model"
            if not spm.is_file():
                raise ConvertError("sentencepiece.bpe.model is missing", path=str(snapshot))
            shutil.copyfile(spm, pkg / "sentencepiece.model")
        meta["from_codes"] = [_code(c) for c in src]
        meta["to_codes"] = [_code(c) for c in tgt]
        lic = license or _readme_licence(snapshot) or "unknown (not stated in the model folder)"
        meta["toolkit"] = {
            "source": source or str(snapshot),
            "architecture": arch,
            "license": lic,
            "quantization": quantization,
            "converted_by": f"toolkit {__version__} (CTranslate2 Transformers converter)",
        }
        (pkg / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), "utf-8")
        (pkg / "README.md").write_text(
            f"{pkg_name}: {source or snapshot.name}, converted for CTranslate2 ({quantization}) by toolkit.\n"
            f"Licence of the model: {lic}.\nLanguages: {', '.join(src)} -> {', '.join(tgt)}.\n",
            "utf-8",
        )
        try:
            read_package(pkg, check_tokenizers=True)
        except ModelPackageError as exc:
            raise ConvertError(f"the converted package is not usable: {exc.message}", path=str(snapshot)) from None
        archive = pack(pkg, out_dir / f"{pkg_name}.argosmodel")
    return Converted(archive, pkg_name, arch, list(src), list(tgt), meta)


def _code(tag: str) -> str:
    """The code written to metadata.json: argos (ISO 639-1) where that is the same language and
    script, else the tag (``uz-Cyrl``)."""
    code = argos_code(tag)
    return code if checked(code) == tag else tag


def _run_converter(snapshot: Path, out: Path, quantization: str) -> None:
    import logging

    from ctranslate2.converters import TransformersConverter

    logging.getLogger("transformers").setLevel(logging.ERROR)
    try:
        TransformersConverter(str(snapshot)).convert(str(out), quantization=quantization, force=True)
    except (ValueError, OSError, RuntimeError, KeyError) as exc:
        raise ConvertError(
            f"conversion failed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", path=str(snapshot)
        ) from None


def _marian_languages(
    snapshot: Path,
    vocab: list[str],
    wanted_from: list[str] | None,
    wanted_to: list[str] | None,
    target_tokens: dict[str, str] | None,
    meta: dict[str, Any],
) -> tuple[list[str], list[str]]:
    tok = _json(snapshot / "tokenizer_config.json")
    vocab_set = set(vocab)
    # target tokens: given (catalogue), else every >>xxx<< token of the vocabulary we can name
    tokens: dict[str, str] = {}
    if target_tokens:
        tokens = {checked(k): v for k, v in target_tokens.items() if v in vocab_set}
    else:
        for token in vocab:
            match = _OPUS_TOKEN.match(token)
            if match:
                try:
                    tag = checked(match.group(1))
                except LanguageCodeError:
                    continue
                tokens.setdefault(tag, token)
    if wanted_to:
        missing = [t for t in wanted_to if tokens and t not in tokens]
        if missing:
            raise ConvertError(f"the model has no target token for {', '.join(missing)}", path=str(snapshot))
        if tokens:
            tokens = {t: tokens[t] for t in wanted_to}
    if tokens:
        targets = list(tokens)
        if len(targets) > 1 or target_tokens or wanted_to is None:
            meta["target_token_in_source"] = {_code(t): v for t, v in tokens.items()}
    else:
        targets = wanted_to or _one(tok.get("target_lang"), "target", snapshot)
    sources = wanted_from or _one(tok.get("source_lang"), "source", snapshot)
    return sources, targets


def _one(code: Any, side: str, snapshot: Path) -> list[str]:
    try:
        return [checked(str(code))]
    except LanguageCodeError:
        flag = "--from" if side == "source" else "--to"
        raise ConfigError(
            f"models convert: the model does not name its {side} language as one language ({code!r}): "
            f"give {flag} LANG[,LANG...]"
        ) from None


def _multilingual_languages(
    arch: str, vocab: list[str], wanted_from: list[str] | None, wanted_to: list[str] | None, meta: dict[str, Any]
) -> tuple[list[str], list[str]]:
    vocab_set = set(vocab)
    token = nllb_code if arch == "nllb" else m2m_token
    known = [lang.tag for lang in LANGUAGES if (lang.nllb if arch == "nllb" else lang.argos)]
    present = [tag for tag in known if token(tag) in vocab_set]
    if not present:
        raise ConvertError(f"no {arch.upper()} language token of the toolkit's languages in the vocabulary")
    for wanted, side in ((wanted_from, "--from"), (wanted_to, "--to")):
        missing = [t for t in wanted or () if t not in present]
        if missing:
            raise ConfigError(f"models convert: {side}: the model has no language token for {', '.join(missing)}")
    meta["language_tokens"] = "nllb" if arch == "nllb" else "m2m"
    return wanted_from or present, wanted_to or present
