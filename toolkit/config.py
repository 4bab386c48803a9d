"""Pipeline configuration files (TOML).

::

    [pipeline]
    steps = ["segment"]          # processor names, in order
    batch_size = 64

    [steps.segment]              # options for one step, passed to its factory
    allow_empty = false

    [output]
    format = "jsonl"
    options = {}                 # options for the output format

Unknown sections, keys, processors and options are errors (a typo should not be silently
ignored): the message names the file, the table and the closest valid name
(``pipeline.toml: [steps.clean] has no option 'min_doc' (did you mean 'min_docs'?)``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigError
from .pipeline import DEFAULT_BATCH_SIZE, DEFAULT_STEPS, PipelineSpec
from .registry import FORMATS, PROCESSORS, UnknownOptionError, did_you_mean


@dataclass(slots=True)
class Config:
    steps: list[str] = field(default_factory=lambda: list(DEFAULT_STEPS))
    step_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    batch_size: int = DEFAULT_BATCH_SIZE
    output_format: str | None = None
    output_options: dict[str, Any] = field(default_factory=dict)
    path: str | None = None

    def pipeline_spec(self) -> PipelineSpec:
        return PipelineSpec.from_names(self.steps, self.step_options, self.batch_size)

    def check_output(self, fmt: str) -> None:
        """Check the file's ``[output] options`` against the format ``fmt`` (the one a command
        chose: ``-f``, the file's ``format``, or its default), naming the file and the closest
        valid option on a typo."""
        if self.output_options and fmt in FORMATS:
            _check_options(FORMATS, fmt, self.output_options, "[output.options]", self.path, f" for format {fmt!r}")


def _expect(value: Any, kind: type | tuple[type, ...], where: str, path: str) -> Any:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise ConfigError(f"{where} has the wrong type ({type(value).__name__})", path=path)
    return value


_SECTIONS = ("pipeline", "steps", "output")
_PIPELINE_KEYS = ("steps", "batch_size")
_OUTPUT_KEYS = ("format", "options")


def _unknown(keys: Any, valid: tuple[str, ...], what: str, path: str, *, sections: bool = False) -> None:
    """A ConfigError naming the first unknown key and the closest valid one."""
    for key in keys:
        if key not in valid:
            if sections:
                hint = did_you_mean(key, valid, " (did you mean [{}]?)")
                shown = ", ".join(f"[{v}]" for v in valid)
                raise ConfigError(f"unknown section [{key}]{hint}; valid: {shown}", path=path)
            raise ConfigError(f"unknown key {key!r} in {what}{did_you_mean(key, valid)}", path=path)


def parse_config(data: dict[str, Any], path: str = "<config>") -> Config:
    """A :class:`Config` from parsed TOML; a typo (an unknown section, key, processor or option)
    is a ConfigError naming the file, the table and the closest valid name."""
    config = Config(path=path)
    _unknown(data, _SECTIONS, "", path, sections=True)
    pipeline = _expect(data.get("pipeline", {}), dict, "[pipeline]", path)
    _unknown(pipeline, _PIPELINE_KEYS, "[pipeline]", path)
    if "steps" in pipeline:
        steps = _expect(pipeline["steps"], list, "pipeline.steps", path)
        if not all(isinstance(s, str) and s for s in steps):
            raise ConfigError("pipeline.steps must be a list of processor names", path=path)
        for step in steps:
            _check_processor(step, "pipeline.steps", path)
        config.steps = list(steps)
    if "batch_size" in pipeline:
        config.batch_size = _expect(pipeline["batch_size"], int, "pipeline.batch_size", path)
        if config.batch_size < 1:
            raise ConfigError("pipeline.batch_size must be >= 1", path=path)
    steps_opts = _expect(data.get("steps", {}), dict, "[steps]", path)
    for name, opts in steps_opts.items():
        options = dict(_expect(opts, dict, f"[steps.{name}]", path))
        _check_processor(name, f"[steps.{name}]", path)
        _check_options(PROCESSORS, name, options, f"[steps.{name}]", path)
        config.step_options[name] = options
    output = _expect(data.get("output", {}), dict, "[output]", path)
    _unknown(output, _OUTPUT_KEYS, "[output]", path)
    if "format" in output:
        config.output_format = _expect(output["format"], str, "output.format", path)
        if config.output_format not in FORMATS:
            hint = did_you_mean(config.output_format, FORMATS.names())
            raise ConfigError(f"output.format: unknown format {config.output_format!r}{hint}", path=path)
    config.output_options = dict(_expect(output.get("options", {}), dict, "output.options", path))
    if config.output_format:
        config.check_output(config.output_format)
    return config


def _check_processor(name: str, where: str, path: str) -> None:
    if name not in PROCESSORS:
        hint = did_you_mean(name, PROCESSORS.names())
        raise ConfigError(f"{where}: unknown processor {name!r}{hint} (see `toolkit processors`)", path=path)


def _check_options(
    registry: Any, name: str, options: dict[str, Any], where: str, path: str | None, what: str = ""
) -> None:
    try:
        registry.check_options(name, options)
    except UnknownOptionError as exc:
        raise ConfigError(f"{where} has no option {exc.option!r}{what}{exc.hint}", path=path) from None


def read_toml(path: str | os.PathLike[str], what: str = "config file") -> dict[str, Any]:
    """A user's TOML file as a dict; a missing, unreadable or invalid file is a ConfigError naming it."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{what} not found", path=name) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {what}: {exc.strerror}", path=name) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML in {what}: {exc}", path=name) from None


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read a TOML pipeline configuration; errors name the file."""
    return parse_config(read_toml(path), os.fspath(path))


# -- where translation models live ---------------------------------------------------------------
# The library reads no environment variable: these functions take the environment as an
# argument. The command line passes ``os.environ`` (its one bridge from the environment to
# explicit options); library code that passes nothing gets the defaults under the home folder.

MODELS_DIR_ENV = "TOOLKIT_MODELS_DIR"


def models_dir(explicit: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The toolkit's model directory: ``explicit`` (``--models-dir``), else ``$TOOLKIT_MODELS_DIR``,
    else ``$XDG_DATA_HOME/toolkit/models`` (``~/.local/share/toolkit/models``); the variables
    only when ``environ`` is given."""
    if explicit:
        return os.fspath(explicit)
    env = environ or {}
    if env.get(MODELS_DIR_ENV):
        return env[MODELS_DIR_ENV]
    return os.path.join(_xdg_data_home(env), "toolkit", "models")


def argos_package_dirs(environ: Mapping[str, str] | None = None) -> list[str]:
    """Where argostranslate installs packages (read only for toolkit): ``$ARGOS_PACKAGES_DIR``,
    else ``$XDG_DATA_HOME/argos-translate/packages``, plus the legacy ``~/.argos-translate`` one;
    the variables only when ``environ`` is given. ``TOOLKIT_ARGOS_PACKAGES=0`` turns the search off."""
    env = environ or {}
    if env.get("TOOLKIT_ARGOS_PACKAGES", "1").strip().lower() in ("0", "false", "no", "off"):
        return []
    dirs = [
        env.get("ARGOS_PACKAGES_DIR") or os.path.join(_xdg_data_home(env), "argos-translate", "packages"),
        os.path.join(os.path.expanduser("~"), ".argos-translate", "local", "share", "packages"),
    ]
    return list(dict.fromkeys(dirs))


def _xdg_data_home(environ: Mapping[str, str]) -> str:
    return environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
