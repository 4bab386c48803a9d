"""Shared pieces of the command line: error handling, option groups, progress.

Option groups are decorators, so an option means the same and accepts the same values in
every command that has it: :func:`pipeline_options` (``-c/--config``, ``--steps``, ``--to``,
``--batch-size``), :func:`format_option` (``-f/--format``), :func:`jobs_option`
(``-j/--jobs``), :func:`input_options` (``--encoding``) and :func:`log_options` (``-v``,
``-q``, ``--log-format``: accepted before the command name and after it), :func:`models_dir_option`
(``--models-dir``) and :func:`progress_options` with :class:`Progress`.
"""

from __future__ import annotations

import codecs
import functools
import logging
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ..errors import ConfigError, ToolkitError, printable
from .progress import DEFAULT_EVERY, Progress, progress_mode

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def fail(message: str, code: int = EXIT_FAILED) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def handle_errors(fn: F) -> F:
    """Turn the library's typed errors into one-line messages and exit codes."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ConfigError as exc:
            fail(str(exc), EXIT_USAGE)
        except ToolkitError as exc:
            fail(str(exc), EXIT_FAILED)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:  # e.g. `toolkit ... | head`
            sys.stderr.close()
            sys.exit(EXIT_OK)
        return None

    return wrapper  # type: ignore[return-value]


def named(where: str | None, message: str) -> str:
    """``WHERE: MESSAGE`` on one line (the message alone when it already names the file);
    control characters of hostile file names are escaped."""
    if not where or where in message:
        return printable(message)
    shown = printable(where)
    return printable(message) if shown in message else f"{shown}: {printable(message)}"


def split_list(values: tuple[str, ...] | list[str] | None) -> list[str]:
    """``--to kk,ru --to uz`` -> ["kk", "ru", "uz"]."""
    out: list[str] = []
    for value in values or ():
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return list(dict.fromkeys(out))


def reading_stdin(inputs: list[str] | tuple[str, ...]) -> None:
    """Say so when a command is about to read a terminal (it would otherwise wait silently)."""
    if "-" in inputs and sys.stdin.isatty():
        click.echo("Reading standard input (end with Ctrl-D; `--help` for usage)...", err=True)


# -- option groups ---------------------------------------------------------------------------------


def _logging_state(ctx: click.Context) -> dict[str, Any]:
    return ctx.find_root().meta.setdefault("toolkit.logging", {"verbose": 0, "quiet": False, "format": "text"})


def apply_logging(ctx: click.Context) -> None:
    """Configure the ``toolkit`` logger from -v / -q / --log-format as given so far."""
    from ..logs import configure

    state = _logging_state(ctx)
    levels = (logging.WARNING, logging.INFO, logging.DEBUG)
    configure(logging.ERROR if state["quiet"] else levels[min(state["verbose"], 2)], state["format"])


def _set_logging(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Record -v / -q / --log-format wherever they are given (before or after the command)."""
    if not value:
        return value
    _logging_state(ctx)["format" if param.name == "log_format" else str(param.name)] = value
    if ctx.parent is not None:  # a command's own options: the group's callback has run already
        apply_logging(ctx)
    return value


def log_options(fn: F) -> F:
    """``-v``, ``-q`` and ``--log-format``: valid on the group and on every command."""
    fn = click.option(
        "--log-format",
        type=click.Choice(["text", "json"]),
        default=None,
        expose_value=False,
        callback=_set_logging,
        help="Log lines as text or as one JSON object per line. [default: text]",
    )(fn)
    fn = click.option(
        "-q", "--quiet", is_flag=True, expose_value=False, callback=_set_logging, help="Nothing but errors."
    )(fn)
    fn = click.option(
        "-v", "--verbose", count=True, expose_value=False, callback=_set_logging, help="More log output (-vv: debug)."
    )(fn)
    return fn


def log_format(ctx: click.Context | None = None) -> str:
    """``text`` or ``json`` (``--log-format``)."""
    ctx = ctx or click.get_current_context(silent=True)
    if ctx is None:
        return "text"
    return str(_logging_state(ctx)["format"])


def quiet(ctx: click.Context | None = None) -> bool:
    """Whether ``-q`` was given (summaries and progress are then left out)."""
    ctx = ctx or click.get_current_context(silent=True)
    if ctx is None:
        return False
    return bool(ctx.find_root().meta.get("toolkit.logging", {}).get("quiet"))


def _encoding(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return codecs.lookup(value).name
    except LookupError:
        raise click.BadParameter(f"unknown encoding {value!r} (e.g. utf-8, cp1254, cp1251, koi8-r)") from None


def input_options(fn: F) -> F:
    """``--encoding`` and ``--follow-links``: passed on as ``read_options`` (a
    :class:`~toolkit.io.readers.ReadOptions`)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, encoding: str | None = None, follow_links: bool = False, **kwargs: Any) -> Any:
        from ..io.readers import ReadOptions

        return fn(*args, read_options=ReadOptions(encoding=encoding, follow_links=follow_links), **kwargs)

    wrapped = click.option(
        "--follow-links",
        is_flag=True,
        help="Follow symbolic links that lead out of the input folders (default: refuse them).",
    )(wrapper)
    return click.option(  # type: ignore[no-any-return]
        "--encoding", callback=_encoding, help="Force the encoding of text and HTML inputs (default: detect)."
    )(wrapped)


def pipeline_options(*, steps: bool = True, to: bool = True, batch_size: int | None = None) -> Callable[[F], F]:
    """``-c/--config``, ``--steps``, ``--to`` and ``--batch-size``: passed on as ``config`` (a
    :class:`~toolkit.config.Config`, the one bridge from options and a config file)."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(
            *args: Any,
            config_path: str | None = None,
            steps_option: str | None = None,
            to_option: tuple[str, ...] = (),
            batch_size_option: int | None = None,
            **kwargs: Any,
        ) -> Any:
            models_dir = kwargs.pop("models_dir", None) if to else None  # --models-dir comes with --to
            try:
                config = build_config(config_path, steps_option, batch_size_option, to_option, models_dir)
            except ConfigError as exc:  # outside the command's own handle_errors
                fail(str(exc), EXIT_USAGE)
            return fn(*args, config=config, **kwargs)

        wrapped: Any = click.option(
            "--batch-size",
            "batch_size_option",
            type=click.IntRange(1),
            default=batch_size,
            show_default=batch_size is not None,
            help="Documents processed together." + ("" if batch_size else " [default: the configuration's, else 64]"),
        )(wrapper)
        if to:
            wrapped = models_dir_option()(wrapped)
            wrapped = click.option(
                "--to",
                "to_option",
                multiple=True,
                help="Also translate into these languages (kk,ru,uz): adds a translate step.",
            )(wrapped)
        if steps:
            wrapped = click.option(
                "--steps", "steps_option", help="Comma-separated processor names, replacing the configured pipeline."
            )(wrapped)
        wrapped = click.option(
            "-c", "--config", "config_path", type=click.Path(dir_okay=False), help="Pipeline configuration (TOML)."
        )(wrapped)
        return wrapped  # type: ignore[no-any-return]

    return decorate


MODELS_DIR_HELP = "Model directory (default: $TOOLKIT_MODELS_DIR, else $XDG_DATA_HOME/toolkit/models)."


def _existing_models_dir(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not os.path.isdir(value):
        what = "is not a folder" if os.path.exists(value) else "does not exist"
        raise click.BadParameter(
            f"{value!r} {what}: give the folder models are installed in "
            "(`toolkit models install FILE --models-dir DIR` creates it)"
        )
    return value


def models_dir_option(*, must_exist: bool = True, hidden: bool = False) -> Callable[[F], F]:
    """``--models-dir DIR``. ``must_exist``: the folder is read (translate, list, show, remove,
    evaluate), so a missing one is a usage error (exit 2) rather than an empty store."""
    return click.option(
        "--models-dir",
        "models_dir",
        type=click.Path(file_okay=False),
        callback=_existing_models_dir if must_exist else None,
        hidden=hidden,
        help=MODELS_DIR_HELP,
    )


def model_locations(models_dir: str | None = None) -> dict[str, Any]:
    """Where translation models are: ``--models-dir``, else the environment (``TOOLKIT_MODELS_DIR``,
    ``XDG_DATA_HOME``, argostranslate's ``ARGOS_PACKAGES_DIR``): the command line's bridge from
    the environment to the library's explicit options."""
    from .. import config

    return {
        "models_dir": config.models_dir(models_dir, os.environ),
        "argos_dirs": config.argos_package_dirs(os.environ),
    }


def model_store(models_dir: str | None = None) -> Any:
    """The model store the command line uses (see :func:`model_locations`)."""
    from ..translate.store import ModelStore

    where = model_locations(models_dir)
    return ModelStore(where["models_dir"], argos_dirs=where["argos_dirs"])


def build_config(
    config_path: str | None,
    steps: str | None,
    batch_size: int | None,
    to: tuple[str, ...] | list[str] = (),
    models_dir: str | None = None,
) -> Any:
    """The one bridge from command-line options and a config file to a library Config."""
    from ..config import Config, load_config

    config = load_config(config_path) if config_path else Config()
    if steps:
        config.steps = split_list([steps])
    if to:  # --to kk,ru: translate as the last step
        if "translate" not in config.steps:
            config.steps.append("translate")
        config.step_options.setdefault("translate", {})["to"] = split_list(list(to))
    if batch_size is not None:
        if batch_size < 1:
            raise ConfigError("--batch-size must be >= 1")
        config.batch_size = batch_size
    if "translate" in config.steps:  # where the models are: --models-dir, the config, the environment
        options = config.step_options.setdefault("translate", {})
        if models_dir:
            options["models_dir"] = models_dir
        for key, value in model_locations(options.get("models_dir")).items():
            options.setdefault(key, value)
    return config


def partial_option(fn: F) -> F:
    """``--allow-partial``: a translation that could not be made does not make the exit code 1."""
    return click.option(
        "--allow-partial",
        is_flag=True,
        help="Exit 0 even when a translation could not be made for a document or a paragraph (translation-missing).",
    )(fn)


def format_option(default: str | None = None, choices: tuple[str, ...] | None = None) -> Callable[[F], F]:
    """``-f/--format``: an output format (see `toolkit processors`)."""
    shown = f" [default: {default}]" if default else ""
    return click.option(
        "-f",
        "--format",
        "fmt",
        type=click.Choice(choices) if choices else None,
        default=None,
        help=f"Output format ({', '.join(choices) if choices else 'newsml, ninjs, jsonl, txt, ...'}).{shown}",
    )


def fail_fast_option(fn: F) -> F:
    """``--fail-fast``: stop at the first document that fails (the ones before it are written and
    reported, nothing after it is; runs in one process)."""
    return click.option(
        "--fail-fast", is_flag=True, help="Stop at the first document that fails (runs in one process)."
    )(fn)


def jobs_option(fn: F) -> F:
    """``-j/--jobs``: worker processes (0: one per CPU)."""
    return click.option(
        "-j", "--jobs", type=click.IntRange(0), default=1, show_default=True, help="Worker processes (0: one per CPU)."
    )(fn)


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def progress_options(fn: F) -> F:
    """``--progress/--no-progress`` and ``--progress-every``: passed on as ``progress``, a function
    ``progress(count, label) -> Progress`` where ``count()`` gives the total (None: nothing to
    show), called only when progress is shown (a bar on a terminal, plain lines elsewhere, nothing with ``-q`` or
    ``--no-progress``; see :mod:`.progress`)."""

    @functools.wraps(fn)
    def wrapper(
        *args: Any, progress_flag: bool | None = None, progress_every: float = DEFAULT_EVERY, **kwargs: Any
    ) -> Any:
        def make(count: Callable[[], int | None], label: str) -> Progress:
            mode = progress_mode(progress_flag, quiet())
            total = count() if mode else None
            if total is None:  # nothing to count (a service without a backlog): no progress
                mode = None
            return Progress(total, mode=mode, every=progress_every, label=label)

        return fn(*args, progress=make, **kwargs)

    wrapped = click.option(
        "--progress-every",
        type=click.FloatRange(0),
        default=DEFAULT_EVERY,
        show_default=True,
        metavar="SECONDS",
        help="Seconds between progress lines when stderr is not a terminal.",
    )(wrapper)
    return click.option(  # type: ignore[no-any-return]
        "--progress/--no-progress",
        "progress_flag",
        default=None,
        help="Progress: a bar on a terminal, a line every --progress-every seconds elsewhere [default: on; -q: off].",
    )(wrapped)


def names_option(fn: F) -> F:
    """``--names story|input``: how output files are named (the ``names`` option of the formats)."""
    return click.option(
        "--names",
        type=click.Choice(["story", "input"]),
        default="story",
        show_default=True,
        help="Name outputs by story key, or after the input file's stem (story.txt -> story.en.xml; "
        "a second story from an input of that stem, or a feed's entries: STEM-XXXXXXXX).",
    )(fn)
