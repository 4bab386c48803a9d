"""``toolkit clean``: remove boilerplate from pages; cleaned text or documents to stdout or a folder."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from .common import (
    fail_fast_option,
    handle_errors,
    input_options,
    log_options,
    named,
    names_option,
    progress_options,
    quiet,
    reading_stdin,
)

FORMATS = ("txt", "jsonl")


@click.command("clean")
@click.argument("inputs", nargs=-1, metavar="INPUT...")
@click.option(
    "-o",
    "--output",
    "outdir",
    type=click.Path(file_okay=False),
    help="Write one file per document into this directory (default: stdout).",
)
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="txt", show_default=True)
@names_option
@click.option("--explain", is_flag=True, help="Print what was removed from each document and why (on stderr).")
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False), help="TOML with a [steps.clean] table.")
@fail_fast_option
@input_options
@progress_options
@log_options
@handle_errors
def command(
    inputs: tuple[str, ...],
    outdir: str | None,
    fmt: str,
    names: str,
    explain: bool,
    config_path: str | None,
    fail_fast: bool,
    read_options: Any,
    progress: Any,
) -> None:
    """Clean INPUT files, directories or globs (stdin when none, or `-`).

    Text is written as the title, a blank line, then the paragraphs; `--format jsonl`
    writes whole documents (metadata and the removal log included), one per line. With
    several documents on stdout, each text starts with a `==> SOURCE <==` line.
    With -o, OUTDIR/index.ndjson traces each output to its input, a progress bar shows on a
    terminal, and --names input names outputs after the input files. A file that cannot be
    read or cleaned is reported on stderr and skipped; the exit code is 1 when any failed.
    """
    from ..batch import run
    from ..config import load_config
    from ..io.readers import iter_sources
    from ..pipeline import PipelineSpec
    from ..processors.clean.report import explain as explain_doc
    from ..report import RunReport
    from ..worker import OutputSpec, Worker
    from .progress import Progress, count_files

    options = load_config(config_path).step_options.get("clean", {}) if config_path else {}
    targets = list(inputs) or ["-"]
    reading_stdin(targets)
    spec = PipelineSpec.from_names(["clean"], {"clean": options})
    output = OutputSpec(outdir, fmt, {"names": names} if outdir and names != "story" else {})
    worker = Worker(spec, output, keep_documents=explain, read_options=read_options, fail_fast=fail_fast)

    def sources() -> Any:
        return iter_sources(targets, exclude=[outdir] if outdir else [], follow_links=read_options.follow_links)

    # progress with -o only: a bar would mix with the text on a terminal's stdout
    meter = progress(lambda: count_files(sources()), "clean") if outdir else Progress(None, mode=None)
    headers = len(targets) > 1 or any(t != "-" and not os.path.isfile(t) for t in targets)
    shown = 0

    def on_result(result) -> None:  # type: ignore[no-untyped-def]
        nonlocal shown
        meter.update(result)
        if result.status != "ok" and result.code not in ("unchanged", "duplicate"):
            label = "SKIPPED" if result.status == "skipped" else "FAILED"
            meter.echo(f"{label} {named(result.source or result.id, result.message or 'failed')}")
            return
        if explain and result.document is not None:
            meter.echo(explain_doc(result.document))
        for out in result.files or ():  # stdout (no -o): the outputs came back in the result
            if fmt == "txt" and (headers or shown or result.source not in (*targets, "<stdin>")):
                sys.stdout.write(("\n" if shown else "") + f"==> {result.source or result.id} <==\n")
            sys.stdout.write(out.data.decode("utf-8"))
            shown += 1
        sys.stdout.flush()

    with meter:
        report = run(worker, meter.track(sources()), report=RunReport(outdir), on_result=on_result)
    if outdir and not quiet():
        click.echo(report.line(), err=True)
    raise SystemExit(report.exit_code)
