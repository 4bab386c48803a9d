"""The ``toolkit`` command line: a thin adapter over the library.

Each command lives in its own module; this module only builds the group. Heavy modules
(translation engines, language models, HTML extractors) are imported inside commands,
never here, so ``toolkit --help`` stays fast.

Exit codes: 0 all ok, 1 some documents failed, 2 usage error.
"""

from __future__ import annotations

import logging
import os

import click

from .. import __version__
from ..logs import configure

# numpy's bundled OpenBLAS starts a busy-waiting thread per core when numpy is imported. The
# toolkit's numpy work is small vectors (n-gram lookups), where those threads only burn the
# other cores: 0.1 s of CPU per process at start, and time taken from `--jobs` workers. Set
# here, before anything imports numpy; a value the user set is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="toolkit")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Log lines as text or as one JSON object per line.",
)
def main(verbose: int, quiet: bool, log_format: str) -> None:
    """Clean, language-tag, translate and package multilingual news documents."""
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    configure(level, log_format)


def _register() -> None:
    from . import clean, convert, detect, models, processors, stream, translate, validate, watch

    for module in (convert, clean, detect, processors, translate, models, watch, stream, validate):
        main.add_command(module.command)


_register()
