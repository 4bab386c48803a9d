"""``toolkit convert``: run the pipeline over files and write the outputs of every document."""

from __future__ import annotations

import signal
from typing import Any

import click

from ..errors import ConfigError
from .common import (
    EXIT_INTERRUPTED,
    Progress,
    format_option,
    handle_errors,
    input_options,
    jobs_option,
    log_options,
    named,
    partial_option,
    pipeline_options,
    quiet,
    reading_stdin,
)

#: Output format of `convert` unless told otherwise.
DEFAULT_FORMAT = "newsml"


@click.command("convert")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "-o",
    "--output",
    "outdir",
    required=True,
    type=click.Path(file_okay=False),
    help="Output directory (created if missing).",
)
@format_option(DEFAULT_FORMAT)
@click.option("--bundle", is_flag=True, help="newsml: one newsMessage per document holding its package and items.")
@pipeline_options()
@jobs_option
@partial_option
@click.option("--resume", is_flag=True, help="Skip documents whose outputs are already complete.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first document that fails (runs in one process).")
@input_options
@click.option("--progress/--no-progress", default=None, help="Progress line (default: on a terminal only).")
@log_options
@handle_errors
def command(
    inputs: tuple[str, ...],
    outdir: str,
    fmt: str | None,
    bundle: bool,
    config: Any,
    jobs: int,
    allow_partial: bool,
    resume: bool,
    fail_fast: bool,
    read_options: Any,
    progress: bool | None,
) -> None:
    """Convert INPUT files, directories or globs (`-` for stdin) into OUTDIR.

    Each document goes through the pipeline and is written atomically, by default as
    NewsML-G2 (a newsItem per language version and a packageItem, validated against
    IPTC's 2.35 schema and our profile). Names derive from the document's story, so a
    re-run overwrites instead of adding copies, and an older version never replaces a
    newer one. Failed inputs are listed in OUTDIR/failures.jsonl. Exit code 1 when any
    failed or a requested translation is missing (unless --allow-partial), 130 when
    interrupted (`--resume` finishes the job).
    """
    from ..batch import convert
    from ..report import RunReport
    from ..worker import OutputSpec
    from .common import cpus

    fmt = fmt or config.output_format or DEFAULT_FORMAT
    config.check_output(fmt)
    options = dict(config.output_options)
    if bundle:
        if fmt != "newsml":
            raise ConfigError(f"--bundle applies to --format newsml only (not {fmt!r})")
        options["bundle"] = True
    reading_stdin(inputs)
    meter = Progress(False if quiet() else progress)

    def on_result(result: Any) -> None:
        meter.update(result.status)
        if result.status == "failed":
            meter.close()
            click.echo(f"FAILED {named(result.source, result.message or 'failed')}", err=True)

    interrupted: list[int] = []

    def stop(signum: int, _frame: object) -> None:  # SIGTERM: stop like Ctrl-C, with the summary
        interrupted.append(128 + signum)
        raise KeyboardInterrupt

    report = RunReport(outdir, allow_partial=allow_partial)
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        convert(
            inputs,
            config.pipeline_spec(),
            OutputSpec(outdir, fmt, options),
            jobs=jobs or cpus(),
            resume=resume,
            fail_fast=fail_fast,
            read_options=read_options,
            on_result=on_result,
            report=report,
        )
    except KeyboardInterrupt:
        interrupted.append(EXIT_INTERRUPTED)
    finally:
        signal.signal(signal.SIGTERM, previous)
        meter.close()
    if not quiet():
        click.echo(report.line(), err=True)
    if interrupted:
        click.echo(f"Interrupted: run the same command with --resume to finish ({outdir}).", err=True)
        raise SystemExit(interrupted[0])
    if report.report_error:
        click.echo(f"Error: {report.report_error}", err=True)
    if report.stopped == "fail-fast":
        click.echo("Stopped at the first failure (--fail-fast).", err=True)
    raise SystemExit(report.exit_code)
