"""The ``toolkit`` command line: a thin adapter over the library.

Each command lives in its own module; this module only builds the group. Heavy modules
(translation engines, language models, HTML extractors) are imported inside commands,
never here, so ``toolkit --help`` stays fast.

Exit codes: 0 all ok, 1 some documents failed, 2 usage error.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

import click

from .. import __version__
from .common import apply_logging, log_options


def bridge_environment(environ: MutableMapping[str, str]) -> None:
    """What the command line sets in its own process's environment before any work starts.

    numpy's bundled OpenBLAS starts a busy-waiting thread per core when numpy is imported. The
    toolkit's numpy work is small vectors (n-gram lookups), where those threads only burn the
    other cores: 0.1 s of CPU per process at start, and time taken from `--jobs` workers. Set
    before anything imports numpy; a value the user set is kept. (The library itself reads and
    changes no environment variable.)
    """
    environ.setdefault("OPENBLAS_NUM_THREADS", "1")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="toolkit")
@log_options
@click.pass_context
def main(ctx: click.Context) -> None:
    """Clean, language-tag, translate and package multilingual news documents.

    -v, -q and --log-format work before the command name and after it.
    """
    apply_logging(ctx)  # the defaults, or what was given before the command name


def run() -> None:
    """The ``toolkit`` console script."""
    bridge_environment(os.environ)
    main(prog_name="toolkit")


def _register() -> None:
    from . import clean, consume, convert, detect, models, processors, stream, translate, validate, watch

    for module in (convert, clean, detect, processors, translate, models, watch, stream, consume, validate):
        main.add_command(module.command)


_register()
