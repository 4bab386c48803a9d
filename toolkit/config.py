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

Unknown sections or keys are errors (a typo should not be silently ignored).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigError
from .pipeline import DEFAULT_BATCH_SIZE, DEFAULT_STEPS, PipelineSpec


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


def _expect(value: Any, kind: type | tuple[type, ...], where: str, path: str) -> Any:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise ConfigError(f"{where} has the wrong type ({type(value).__name__})", path=path)
    return value


def parse_config(data: dict[str, Any], path: str = "<config>") -> Config:
    config = Config(path=path)
    unknown = set(data) - {"pipeline", "steps", "output"}
    if unknown:
        raise ConfigError(f"unknown section(s): {', '.join(sorted(unknown))}", path=path)
    pipeline = _expect(data.get("pipeline", {}), dict, "[pipeline]", path)
    bad = set(pipeline) - {"steps", "batch_size"}
    if bad:
        raise ConfigError(f"unknown key(s) in [pipeline]: {', '.join(sorted(bad))}", path=path)
    if "steps" in pipeline:
        steps = _expect(pipeline["steps"], list, "pipeline.steps", path)
        if not all(isinstance(s, str) and s for s in steps):
            raise ConfigError("pipeline.steps must be a list of processor names", path=path)
        config.steps = list(steps)
    if "batch_size" in pipeline:
        config.batch_size = _expect(pipeline["batch_size"], int, "pipeline.batch_size", path)
        if config.batch_size < 1:
            raise ConfigError("pipeline.batch_size must be >= 1", path=path)
    steps_opts = _expect(data.get("steps", {}), dict, "[steps]", path)
    for name, opts in steps_opts.items():
        config.step_options[name] = dict(_expect(opts, dict, f"[steps.{name}]", path))
    output = _expect(data.get("output", {}), dict, "[output]", path)
    bad = set(output) - {"format", "options"}
    if bad:
        raise ConfigError(f"unknown key(s) in [output]: {', '.join(sorted(bad))}", path=path)
    if "format" in output:
        config.output_format = _expect(output["format"], str, "output.format", path)
    config.output_options = dict(_expect(output.get("options", {}), dict, "output.options", path))
    return config


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
