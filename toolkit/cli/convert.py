"""``toolkit convert``: run the pipeline over files and write the outputs of every document."""

from __future__ import annotations

import signal
from typing import Any

import click

from ..errors import ConfigError
from .common import (
    EXIT_INTERRUPTED,
    fail_fast_option,
    format_option,
    handle_errors,
    input_options,
    jobs_option,
    log_options,
    named,
    names_option,
    partial_option,
    pipeline_options,
    progress_options,
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
@names_option
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
@progress_options
@log_options
@handle_errors
def command(
    inputs: tuple[str, ...],
    outdir: str,
    fmt: str | None,
    names: str,
    bundle: bool,
    config: Any,
    jobs: int,
    dask_address: str | None,
    allow_partial: bool,
    resume: bool,
    fail_fast: bool,
    read_options: Any,
    progress: Any,
) -> None:
    """Convert INPUT files, directories or globs (`-` for stdin) into OUTDIR.

    Each document goes through the pipeline and is written atomically, by default as
    NewsML-G2 (a newsItem per language version and a packageItem, validated against
    IPTC's 2.35 schema and our profile). Names derive from the document's story (or,
    with --names input, from the input file's name), so a re-run overwrites instead of
    adding copies, and an older version never replaces a newer one. OUTDIR/index.ndjson
    traces each document's outputs to its input; failed inputs are listed in
    OUTDIR/failures.jsonl. Exit code 1 when any failed or a requested translation is
    missing (unless --allow-partial), 130 when interrupted (`--resume` finishes the job).
    """
    from ..batch import run
    from ..io.objectstore import is_url
    from ..io.readers import iter_sources
    from ..report import RunReport
    from ..worker import OutputSpec, Worker
    from .common import cpus
    from .progress import count_files

    fmt = fmt or config.output_format or DEFAULT_FORMAT
    config.check_output(fmt)
    options = dict(config.output_options)
    if bundle:
        if fmt != "newsml":
            raise ConfigError(f"--bundle applies to --format newsml only (not {fmt!r})")
        options["bundle"] = True
    if names != "story":
        options["names"] = names
    reading_stdin(inputs)
    if dask_address and jobs != 1:
        raise ConfigError("--jobs sizes the local process pool: with --dask the cluster's workers run the batches")
    if not dask_address and any(is_url(i) for i in (*inputs, outdir)):
        raise ConfigError("URL inputs and outputs (s3://, memory://, ...) need --dask (local:N runs on this machine)")
    output = OutputSpec(outdir, fmt, options)
    if outdir == "-":  # standard output: a stream sink, each output preceded by 0x1E (as `stream --rs`)
        if resume or jobs != 1 or dask_address:
            raise ConfigError("-o - (standard output) takes neither --resume, --jobs nor --dask")
        output = OutputSpec(None, fmt, options, sink=stdout_sink)
    local = not dask_address and outdir != "-"  # the inputs a progress bar can count: local files

    def sources() -> Any:  # walked lazily (twice with a progress bar: once to count, no file read)
        exclude = [outdir] if outdir != "-" else []
        return iter_sources(inputs, exclude=exclude, follow_links=read_options.follow_links)

    meter = progress(lambda: count_files(sources()) if local else None, "convert")

    def on_result(result: Any) -> None:
        meter.update(result)
        if result.status == "failed":
            meter.echo(f"FAILED {named(result.source, result.message or 'failed')}")

    interrupted: list[int] = []

    def stop(signum: int, _frame: object) -> None:  # SIGTERM: stop like Ctrl-C, with the summary
        interrupted.append(128 + signum)
        raise KeyboardInterrupt

    report = RunReport(None if outdir == "-" else outdir, allow_partial=allow_partial)
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        if dask_address:
            from ..dask_engine import convert

            convert(
                inputs,
                config.pipeline_spec(),
                output,
                dask=dask_address,
                resume=resume,
                fail_fast=fail_fast,
                read_options=read_options,
                on_result=on_result,
                report=report,
            )
        else:
            worker = Worker(
                config.pipeline_spec(), output, resume=resume, fail_fast=fail_fast, read_options=read_options
            )
            run(worker, meter.track(sources()), jobs=jobs or cpus(), report=report, on_result=on_result)
        meter.finish()
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
