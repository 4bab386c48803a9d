"""``toolkit watch``: a drop-folder service (see ``toolkit.watch``)."""

from __future__ import annotations

import logging
import signal
from typing import TYPE_CHECKING, Any

import click

from .common import (
    format_option,
    handle_errors,
    input_options,
    log_format,
    log_options,
    names_option,
    partial_option,
    pipeline_options,
    progress_options,
)
from .convert import DEFAULT_FORMAT

if TYPE_CHECKING:
    from ..watch import Inbox


@click.command("watch")
@click.argument("inbox", type=click.Path(file_okay=False, exists=True))
@click.option("-o", "--output", "outdir", required=True, type=click.Path(file_okay=False), help="Output folder.")
@format_option(DEFAULT_FORMAT)
@names_option
@pipeline_options(batch_size=32)
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
@partial_option
@input_options
@log_options
@click.option(
    "--ignore-suffix",
    "ignore_suffixes",
    multiple=True,
    metavar="SUFFIX",
    help="Never take files ending so (a producer's temporary suffix, e.g. .uploading); repeatable.",
)
@click.option(
    "--marker",
    metavar="SUFFIX",
    help="Take NAME only once NAME+SUFFIX (or STEM+SUFFIX) exists, e.g. --marker .done; markers are removed after.",
)
@click.option("--dry-run", is_flag=True, help="List the files it would take now, take nothing, and exit.")
@progress_options
@handle_errors
def command(
    inbox: str,
    outdir: str,
    fmt: str | None,
    names: str,
    config: Any,
    poll: float,
    settle: float,
    processed_dir: str | None,
    failed_dir: str | None,
    health_every: int,
    once: bool,
    instance: str | None,
    allow_partial: bool,
    read_options: Any,
    ignore_suffixes: tuple[str, ...],
    marker: str | None,
    dry_run: bool,
    progress: Any,
) -> None:
    """Watch INBOX and convert every file dropped into it, exactly once.

    Files are claimed by renaming them into INBOX/.work/, processed, written atomically to
    OUTDIR, then moved to processed/ (or failed/ with NAME.error.json beside it). Files still
    being written (changing size, still open for writing, temporary names such as *.part or
    .*, --ignore-suffix, no --marker yet) are left alone. Files already in the inbox are taken
    at start (how many is logged; --dry-run lists them). Restarting after a crash finishes the
    claimed files first. SIGINT/SIGTERM stop after the current batch. OUTDIR/index.ndjson
    traces each output to its input. A backlog found at start gets a progress bar on a
    terminal. Exit code 1 when any document failed.
    """
    from ..report import RunReport
    from ..watch import Inbox, Watcher
    from ..worker import OutputSpec

    logger = logging.getLogger("toolkit")
    if logger.level > logging.INFO and logger.level < logging.ERROR:
        logger.setLevel(logging.INFO)  # the service reports each file and its health
    fmt = fmt or config.output_format or DEFAULT_FORMAT
    config.check_output(fmt)
    output = OutputSpec(outdir, fmt, {**config.output_options, **({"names": names} if names != "story" else {})})
    box = Inbox(
        inbox,
        processed=processed_dir,
        failed=failed_dir,
        settle=settle,
        instance=instance,
        ignore_suffixes=ignore_suffixes,
        marker=marker,
    )
    if dry_run:
        _dry_run(box, outdir)
        return
    report = RunReport(outdir, keep_failures=False)  # the run index; failures go to failed/
    meter = progress(lambda: _backlog(box, outdir), "watch")
    if meter.mode == "lines" and log_format() == "json":
        meter.close()  # plain lines would break a log of JSON objects; a terminal's bar stays

    def on_file(path: Any, status: str, results: list[Any]) -> None:
        for result in results:
            report.add(result)
        report.flush()
        meter.advance(1, len(results), sum(1 for r in results if r.status == "failed"))
        if meter.total is not None and meter.files >= meter.total:
            meter.close()  # the backlog is done: the service goes on with its log lines

    watcher = Watcher(
        box,
        config.pipeline_spec(),
        output,
        batch_size=config.batch_size,
        poll=poll,
        health_every=health_every,
        read_options=read_options,
        on_file=on_file,
    )

    def stop(signum: int, _frame: object) -> None:
        logger.info(
            "signal %s: stopping after the current batch", signal.Signals(signum).name, extra={"event": "stopping"}
        )
        watcher.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        stats = watcher.run(once=once)
    finally:
        meter.close()
        report.finish()
    if report.report_error:
        logger.error("%s", report.report_error, extra={"event": "index-error"})
    raise SystemExit(1 if stats.failed or report.report_error or (stats.partial and not allow_partial) else 0)


def _backlog(box: Inbox, outdir: str) -> int | None:
    """Files a watcher takes at start (a backlog has a progress bar), None when there are none."""
    box.check_layout(outdir)
    scan = box.scan(check_writers=True, observe=False)
    return (len(scan.to_take) + box.orphaned()) or None


def _dry_run(box: Inbox, outdir: str) -> None:
    """List on stdout the files a watcher would take now; counts of the others on stderr."""
    from ..errors import printable

    box.check_layout(outdir)
    box.check_devices()
    scan = box.scan(check_writers=True, observe=False)
    for path in scan.to_take:
        click.echo(printable(path.name))
    orphans = box.orphaned()
    parts = [f"dry run: {len(scan.to_take)} file(s) would be taken from {box.root}"]
    if scan.writing or scan.settling:
        parts.append(f" ({len(scan.writing)} still open for writing, {len(scan.settling)} still changing)")
    if orphans:
        parts.append(f", and {orphans} left claimed by a stopped watcher")
    if scan.unmarked:
        parts.append(f"; {len(scan.unmarked)} wait for their {box.marker} marker")
    if scan.ignored or scan.special:
        parts.append(f"; {scan.ignored} temporary or ignored name(s) and {scan.special} special file(s) left alone")
    click.echo("".join(parts) + "; nothing was moved", err=True)
