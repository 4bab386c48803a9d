"""``toolkit detect``: the language of files, of their paragraphs, or of each line of input."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ..errors import ConfigError, printable
from .common import (
    EXIT_FAILED,
    EXIT_OK,
    fail_fast_option,
    handle_errors,
    input_options,
    log_options,
    named,
    reading_stdin,
    split_list,
)

#: Kept in step with ``toolkit.langid.ENGINE_NAMES`` (a test checks); not imported here so
#: that ``toolkit --help`` loads nothing of language identification.
ENGINES = ("auto", "rules+ngram", "rules+py3langid", "langdetect")


@click.command("detect")
@click.argument("inputs", nargs=-1, metavar="[PATHS]...")
@click.option("--lines", is_flag=True, help="One result per input line instead of per document.")
@click.option("--paragraphs", is_flag=True, help="Also show the language of each paragraph.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format."
)
@click.option(
    "--engine", type=click.Choice(ENGINES), default="auto", show_default=True, help="Language identification engine."
)
@click.option("--languages", help="Comma-separated tags the answer is restricted to (default: all supported).")
@click.option("--min-letters", type=click.IntRange(1), default=3, show_default=True, help="Shorter texts are 'und'.")
@fail_fast_option
@input_options
@log_options
@handle_errors
def command(
    inputs: tuple[str, ...],
    lines: bool,
    paragraphs: bool,
    fmt: str,
    engine: str,
    languages: str | None,
    min_letters: int,
    fail_fast: bool,
    read_options: Any,
) -> None:
    """Identify the language of PATHS (files, directories, globs; `-` or nothing: stdin).

    Prints one result per document: tag (BCP 47, e.g. kk-Cyrl, uz-Latn, ru; und when it
    cannot tell), confidence and script; `mixed` when it holds several languages. With
    --lines, one result per line. Exit code 1 when an input could not be read.
    """
    if lines and paragraphs:
        raise click.UsageError("--lines and --paragraphs cannot be combined")
    from ..batch import run, run_documents
    from ..inputs import read_lines
    from ..io.readers import iter_sources
    from ..langid.report import detection_record, detection_text
    from ..pipeline import DEFAULT_STEPS, PipelineSpec
    from ..report import RunReport
    from ..worker import OutputSpec, Worker

    options: dict[str, Any] = {"engine": engine, "min_letters": min_letters}
    if languages:
        options["languages"] = split_list([languages])
    targets = list(inputs) or ["-"]
    reading_stdin(targets)
    steps = ["langid"] if lines else [*(s for s in DEFAULT_STEPS if s != "langid"), "langid"]
    try:
        spec = PipelineSpec.from_names(steps, {"langid": options})
        spec.build()
    except ConfigError as exc:  # bad --languages
        raise click.UsageError(str(exc)) from None
    worker = Worker(
        spec,
        OutputSpec(None, "none"),
        keep_documents=True,
        dedupe=False,
        read_options=read_options,
        fail_fast=fail_fast,
    )

    def on_result(result: Any) -> None:
        if result.status == "failed":
            click.echo(f"Error: {named(result.source or result.id, result.message or 'failed')}", err=True)
            if fmt == "json":
                click.echo(json.dumps({"source": result.source, "error": result.message}, ensure_ascii=False))
        elif result.status == "skipped":  # deliberately not processed (e.g. read through its package)
            click.echo(f"skipped {printable(result.source or result.id)}: {result.message}", err=True)
        else:
            record = detection_record(result.document, paragraphs=paragraphs, line=lines)
            stdin_only = targets == ["-"]
            text = detection_text(record, prefix=not stdin_only)
            click.echo(json.dumps(record, ensure_ascii=False) if fmt == "json" else text)

    sources = iter_sources(targets, follow_links=read_options.follow_links)
    if lines:  # one document per line
        stdin = sys.stdin.buffer
        docs = (doc for source in sources for doc in read_lines(source, read_options, stdin=stdin))
        report = run_documents(worker, docs, report=RunReport(), on_result=on_result)
    else:
        report = run(worker, sources, report=RunReport(), on_result=on_result)
    raise SystemExit(EXIT_FAILED if report.failed else EXIT_OK)
