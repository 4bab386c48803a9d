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


def _emit(fmt: str, record: dict[str, Any], text_line: str) -> None:
    click.echo(json.dumps(record, ensure_ascii=False) if fmt == "json" else text_line)


def _conf(value: float | None) -> str:
    return f"{value or 0.0:.3f}"


def _doc_script(doc: Any) -> str | None:
    """The script of the document's language: from its tag, else from its paragraphs."""
    from ..langid import LANGUAGES, label_of

    if not doc.lang or doc.lang == "und":
        return None
    try:
        return LANGUAGES[label_of(doc.lang)].script
    except ValueError:
        scripts = [p.script for p in doc.paragraphs if p.lang == doc.lang and p.script]
        return max(set(scripts), key=scripts.count) if scripts else None


def _error(fmt: str, source: str, message: str) -> None:
    click.echo(f"Error: {named(source, message)}", err=True)
    if fmt == "json":
        click.echo(json.dumps({"source": source, "error": message}, ensure_ascii=False))


def _print(fmt: str, doc: Any, paragraphs: bool, lines: bool) -> None:
    """One result line (or record) for a document, or for one line with ``--lines``."""
    if lines:
        record = {
            "source": doc.source,
            "line": doc.extra.get("line"),
            "lang": doc.lang,
            "confidence": round(doc.lang_confidence or 0.0, 4),
            "script": _doc_script(doc),
        }
        text = f"{doc.lang}\t{_conf(doc.lang_confidence)}\t{record['script'] or '-'}"
        prefix = doc.source != "<stdin>"
        _emit(fmt, record, f"{printable(doc.source)}:{record['line']}\t{text}" if prefix else text)
        return
    name = doc.source or doc.id
    script = _doc_script(doc)
    record = {
        "source": name,
        "lang": doc.lang,
        "confidence": doc.lang_confidence,
        "script": script,
        "mixed": doc.mixed,
        "languages": doc.extra.get("langid", {}).get("letters", {}),
    }
    line = f"{printable(name)}\t{doc.lang}\t{_conf(doc.lang_confidence)}\t{script or '-'}" + (
        "\tmixed" if doc.mixed else ""
    )
    if paragraphs:
        record["paragraphs"] = [
            {"lang": p.lang, "script": p.script, "confidence": p.confidence, "text": p.text} for p in doc.paragraphs
        ]
        for i, p in enumerate(doc.paragraphs, 1):
            preview = printable(p.text if len(p.text) <= 60 else p.text[:59] + "…")
            line += f"\n  {i}\t{p.lang}\t{_conf(p.confidence)}\t{p.script or '-'}\t{preview}"
    _emit(fmt, record, line)


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
            _print(fmt, result.document, paragraphs, lines)

    sources = iter_sources(targets, follow_links=read_options.follow_links)
    if lines:  # one document per line
        stdin = sys.stdin.buffer
        docs = (doc for source in sources for doc in read_lines(source, read_options, stdin=stdin))
        report = run_documents(worker, docs, report=RunReport(), on_result=on_result)
    else:
        report = run(worker, sources, report=RunReport(), on_result=on_result)
    raise SystemExit(EXIT_FAILED if report.failed else EXIT_OK)
