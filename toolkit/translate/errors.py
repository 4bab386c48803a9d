"""Typed errors of the translation engine (codes are stable: they end up in failures.jsonl)."""

from __future__ import annotations

from ..errors import ConfigError, ProcessingError, ToolkitError


class ModelError(ToolkitError):
    """Something is wrong with a translation model or the model store."""

    code = "model"


class ModelPackageError(ModelError):
    """An ``.argosmodel`` archive or package directory is unsafe, broken or incomplete."""

    code = "bad-model-package"


class ModelNotFoundError(ModelError):
    code = "model-not-found"


class NoRouteError(ProcessingError):
    """No installed model (or chain of models) translates this language pair."""

    code = "no-route"

    def __init__(self, source: str, target: str, *, path: str | None = None, hint: str | None = None) -> None:
        self.source = source
        self.target = target
        message = f"no translation model for {source} -> {target}: " + (hint or _hint(source, target))
        super().__init__(message, path=path)


def _hint(source: str, target: str) -> str:
    return (
        f"install a {source}->{target} model, a multilingual model covering both, or {source}->en and en->{target} "
        "models with `toolkit models install FILE.argosmodel` (see README, 'Getting models')"
    )


class UnknownSourceLanguageError(ProcessingError):
    """The document has no language tag and none was given (``--from``)."""

    code = "no-source-language"


class TranslationEngineError(ProcessingError):
    """The engine failed on a batch (model could not be loaded, decoding failed)."""

    code = "translation-engine"


class EngineUnavailableError(ConfigError):
    """The engine asked for is not installed (``pip install toolkit[argos]``)."""

    code = "engine-unavailable"
