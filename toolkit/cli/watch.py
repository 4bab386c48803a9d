"""``toolkit watch``: a drop-folder service (see ``toolkit.watch``)."""

from __future__ import annotations

import logging
import signal

import click

from .common import handle_errors
from .convert import DEFAULT_FORMAT, build_config


@click.command("watch")
@click.argument("inbox", type=click.Path(file_okay=False, exists=True))
@click.option("-o", "--output", "outdir", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("-f", "--format", "fmt", default=None, help="Output format (see `toolkit processors`). [default: newsml]")
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False), help="Pipeline configuration (TOML).")
@click.option("--steps", help="Comma-separated processor names, replacing the configured pipeline.")
@click.option("--to", multiple=True, help="Also translate into these languages (kk,ru,uz): adds a translate step.")
@click.option(
    "--poll",
    type=click.FloatRange(0.05),
    default=2.0,
    show_default=True,
    help="Seconds between scans when no file-system event arrives.",
)
@click.option(
    "--settle",
    type=click.FloatRange(0),
    default=1.0,
    show_default=True,
    help="Seconds a file must stay unchanged before it is taken.",
)
@click.option(
    "--batch-size", type=click.IntRange(1), default=32, show_default=True, help="Most files processed together."
)
@click.option(
    "--processed",
    "processed_dir",
    type=click.Path(file_okay=False),
    help="Where finished inputs go [default: INBOX/processed].",
)
@click.option(
    "--failed",
    "failed_dir",
    type=click.Path(file_okay=False),
    help="Where failed inputs and their .error.json go [default: INBOX/failed].",
)
@click.option(
    "--health-every",
    type=click.IntRange(0),
    default=100,
    show_default=True,
    help="Log a health line every N documents (0: only at exit).",
)
@click.option("--once", is_flag=True, help="Process what is in the inbox now, then exit.")
@click.option("--instance", help="Name of this watcher instance [default: HOST-PID].")
@click.option(
    "--follow-links", is_flag=True, help="Read symbolic links to files outside the inbox (default: they fail)."
)
@handle_errors
def command(
    inbox: str,
    outdir: str,
    fmt: str | None,
    config_path: str | None,
    steps: str | None,
    to: tuple[str, ...],
    poll: float,
    settle: float,
    batch_size: int,
    processed_dir: str | None,
    failed_dir: str | None,
    health_every: int,
    once: bool,
    instance: str | None,
    follow_links: bool,
) -> None:
    """Watch INBOX and convert every file dropped into it, exactly once.

    Files are claimed by renaming them into INBOX/.work/, processed, written atomically to
    OUTDIR, then moved to processed/ (or failed/ with NAME.error.json beside it). Files still
    being written (changing size, temporary names such as *.part or .*) are left alone until
    stable. Restarting after a crash finishes the claimed files first. SIGINT/SIGTERM stop
    after the current batch. Exit code 1 when any document failed.
    """
    from ..batch import OutputSpec
    from ..io.readers import ReadOptions
    from ..watch import Inbox, Watcher

    logger = logging.getLogger("toolkit")
    if logger.level > logging.INFO and logger.level < logging.ERROR:
        logger.setLevel(logging.INFO)  # the service reports each file and its health
    config = build_config(config_path, steps, None, to)
    output = OutputSpec(
        outdir=outdir, format=fmt or config.output_format or DEFAULT_FORMAT, options=config.output_options
    )
    box = Inbox(inbox, processed=processed_dir, failed=failed_dir, settle=settle, instance=instance)
    watcher = Watcher(
        box,
        config.pipeline_spec(),
        output,
        batch_size=batch_size,
        poll=poll,
        health_every=health_every,
        read_options=ReadOptions(follow_links=follow_links),
    )

    def stop(signum: int, _frame: object) -> None:
        logger.info(
            "signal %s: stopping after the current batch", signal.Signals(signum).name, extra={"event": "stopping"}
        )
        watcher.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    stats = watcher.run(once=once)
    raise SystemExit(1 if stats.failed else 0)
