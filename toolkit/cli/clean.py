"""``toolkit clean``: remove boilerplate from pages; cleaned text or documents to stdout or a folder."""

from __future__ import annotations

import sys
import time

import click

from ..errors import ToolkitError
from ..io.readers import ReadOptions
from .common import EXIT_FAILED, EXIT_OK, handle_errors, named

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
@click.option("--explain", is_flag=True, help="Print what was removed from each document and why (on stderr).")
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False), help="TOML with a [steps.clean] table.")
@click.option("--encoding", help="Force the encoding of text and HTML inputs (default: detect).")
@click.option(
    "--follow-links", is_flag=True, help="Follow symbolic links out of the input folders (default: refuse them)."
)
@handle_errors
def command(
    inputs: tuple[str, ...],
    outdir: str | None,
    fmt: str,
    explain: bool,
    config_path: str | None,
    encoding: str | None,
    follow_links: bool,
) -> None:
    """Clean INPUT files, directories or globs (stdin when none, or `-`).

    Text is written as the title, a blank line, then the paragraphs; `--format jsonl`
    writes whole documents (metadata and the removal log included), one per line.
    A file that cannot be read or cleaned is reported on stderr and skipped; the exit
    code is 1 when any failed.
    """
    from ..batch import BatchSummary, result_of, write_failures
    from ..config import load_config
    from ..io.formats import render_text
    from ..io.readers import iter_sources, read_source
    from ..io.writers import OutputDir
    from ..pipeline import Pipeline
    from ..processors.clean.report import explain as explain_doc
    from ..registry import FORMATS as FORMAT_REGISTRY

    options = load_config(config_path).step_options.get("clean", {}) if config_path else {}
    pipeline = Pipeline.from_names(["clean"], {"clean": options})
    sources = iter_sources(inputs or ("-",), exclude=[outdir] if outdir else [], follow_links=follow_links)
    read_options = ReadOptions(encoding=encoding)
    out = None
    if outdir:
        out = OutputDir(outdir, FORMAT_REGISTRY.create(fmt, outdir=outdir))
        out.prepare()
    summary = BatchSummary()
    started = time.perf_counter()

    def documents():  # type: ignore[no-untyped-def]
        for source in sources:
            if source.supported:
                yield from read_source(source, read_options)
            else:
                summary.ignored.append(source.display)

    first = True
    for doc in pipeline.pipe(documents()):
        if doc.status != "ok":
            result = result_of(doc)
            summary.add(result)
            message = (result.error or {}).get("message") or "failed"
            label = "SKIPPED" if doc.status == "skipped" else "FAILED"
            click.echo(f"{label} {named(doc.source or doc.id, message)}", err=True)
            continue
        if explain:
            click.echo(explain_doc(doc), err=True)
        if out is not None:
            try:
                names = out.write(doc)
            except ToolkitError as exc:
                doc.add_error(exc.code, str(exc), processor="write", type=type(exc).__name__)
                summary.add(result_of(doc))
                click.echo(f"FAILED {exc}", err=True)
                continue
            summary.add(result_of(doc, names))
            continue
        summary.add(result_of(doc))
        if fmt == "jsonl":
            click.echo(doc.to_json())
        else:
            click.echo(("" if first else "\n") + render_text(doc.title, [p.text for p in doc.paragraphs]), nl=False)
        first = False
    summary.seconds = time.perf_counter() - started
    if out is not None:
        out.finish()
        write_failures(outdir, summary.failures)  # type: ignore[arg-type]
        click.echo(summary.line(), err=True)
    sys.exit(EXIT_FAILED if summary.failed else EXIT_OK)
