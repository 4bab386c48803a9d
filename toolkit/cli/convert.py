"""``toolkit convert``: run the pipeline over files and write the outputs of every document."""

from __future__ import annotations

import signal
from typing import Any

import click

from ..errors import ConfigError
from .common import (
    EXIT_INTERRUPTED,
    Progress,
    fail_fast_option,
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
RS = b"\x1e"


def stdout_sink() -> Any:
    """`-o -`: the outputs on standard output, each preceded by the record separator."""
    import sys

    from ..io.sinks import StreamSink

    return StreamSink(sys.stdout.buffer, frame=lambda entry, out: RS)


@click.command("convert")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "-o",
    "--output",
    "outdir",
    required=True,
    type=click.Path(file_okay=False),
    help="Output directory (created if missing); - for standard output.",
)
@format_option(DEFAULT_FORMAT)
@click.option("--bundle", is_flag=True, help="newsml: one newsMessage per document holding its package and items.")
@pipeline_options()
@jobs_option
@click.option(
    "--dask",
    "dask_address",
    metavar="local:N|tcp://HOST:PORT",
    help="Run on a Dask cluster: N worker processes here, or an existing scheduler "
    "(pip install 'toolkit[dask]'). INPUT and -o may then be fsspec URLs (s3://, gs://, ...).",
)
@partial_option
@click.option("--resume", is_flag=True, help="Skip documents whose outputs are already complete.")
@fail_fast_option
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
    dask_address: str | None,
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
    from ..io.objectstore import is_url
    from ..report import RunReport
    from ..worker import OutputSpec
    from .common import cpus

    fmt = fmt or config.output_format or DEFAULT_FORMAT
    options = dict(config.output_options)
    if bundle:
        if fmt != "newsml":
            raise ConfigError(f"--bundle applies to --format newsml only (not {fmt!r})")
        options["bundle"] = True
    reading_stdin(inputs)
    output = OutputSpec(outdir, fmt, options)
    if outdir == "-":  # standard output: a stream sink, each output preceded by 0x1E (as `stream --rs`)
        if resume or jobs != 1 or dask_address:
            raise ConfigError("-o - (standard output) takes neither --resume, --jobs nor --dask")
        output = OutputSpec(None, fmt, options, sink=stdout_sink)
    meter = Progress(False if quiet() or outdir == "-" else progress)

    def on_result(result: Any) -> None:
        meter.update(result.status)
        if result.status == "failed":
            meter.close()
            click.echo(f"FAILED {named(result.source, result.message or 'failed')}", err=True)

    interrupted: list[int] = []

    def stop(signum: int, _frame: object) -> None:  # SIGTERM: stop like Ctrl-C, with the summary
        interrupted.append(128 + signum)
        raise KeyboardInterrupt

    report = RunReport(None if outdir == "-" else outdir, allow_partial=allow_partial)
    engine: dict[str, Any] = {"jobs": jobs or cpus()}
    if dask_address:
        from ..dask_engine import convert

        if jobs != 1:
            raise ConfigError("--jobs sizes the local process pool: with --dask the cluster's workers run the batches")
        engine = {"dask": dask_address}
    elif any(is_url(i) for i in (*inputs, outdir)):
        raise ConfigError("URL inputs and outputs (s3://, memory://, ...) need --dask (local:N runs on this machine)")
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        convert(
            inputs,
            config.pipeline_spec(),
            output,
            **engine,
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
