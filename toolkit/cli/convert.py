"""``toolkit convert``: run the pipeline over files and write one output per document."""

from __future__ import annotations

import os

import click

from ..config import Config, load_config
from ..errors import ConfigError
from ..io.readers import ReadOptions
from .common import Progress, handle_errors, named, split_list

#: Output format of `convert` unless told otherwise.
DEFAULT_FORMAT = "newsml"


def build_config(
    config_path: str | None, steps: str | None, batch_size: int | None, to: tuple[str, ...] = ()
) -> Config:
    """The one bridge from command-line options and a config file to a library Config."""
    config = load_config(config_path) if config_path else Config()
    if steps:
        config.steps = split_list([steps])
    if to:  # --to kk,ru: translate as the last step
        if "translate" not in config.steps:
            config.steps.append("translate")
        config.step_options.setdefault("translate", {})["to"] = split_list(to)
    if batch_size is not None:
        if batch_size < 1:
            raise ConfigError("--batch-size must be >= 1")
        config.batch_size = batch_size
    return config


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
@click.option(
    "-f", "--format", "fmt", default=None, help="Output format: newsml, ninjs, jsonl, txt, ... [default: newsml]"
)
@click.option("--bundle", is_flag=True, help="newsml: one newsMessage per document holding its package and items.")
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False), help="Pipeline configuration (TOML).")
@click.option("--steps", help="Comma-separated processor names, replacing the configured pipeline.")
@click.option(
    "-j", "--jobs", type=click.IntRange(0), default=1, show_default=True, help="Worker processes (0: one per CPU)."
)
@click.option("--resume", is_flag=True, help="Skip documents whose outputs are already complete.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first document that fails.")
@click.option("--encoding", help="Force the encoding of text and HTML inputs (default: detect).")
@click.option("--batch-size", type=int, help="Documents per batch.")
@click.option("--to", multiple=True, help="Also translate into these languages (kk,ru,uz): adds a translate step.")
@click.option("--progress/--no-progress", default=None, help="Progress line (default: on a terminal only).")
@click.option(
    "--follow-links", is_flag=True, help="Follow symbolic links out of the input folders (default: refuse them)."
)
@handle_errors
def command(
    inputs: tuple[str, ...],
    outdir: str,
    fmt: str | None,
    bundle: bool,
    config_path: str | None,
    steps: str | None,
    jobs: int,
    resume: bool,
    fail_fast: bool,
    encoding: str | None,
    batch_size: int | None,
    to: tuple[str, ...],
    progress: bool | None,
    follow_links: bool,
) -> None:
    """Convert INPUT files, directories or globs (`-` for stdin) into OUTDIR.

    Each document goes through the pipeline and is written atomically, by default as
    NewsML-G2 (a newsItem per language version and a packageItem, validated against
    IPTC's 2.35 schema and our profile). Names derive from the document's identity and
    language, so a re-run overwrites instead of adding copies.
    Failed inputs are listed in OUTDIR/failures.jsonl. Exit code 1 when any failed.
    """
    from ..batch import OutputSpec, convert

    config = build_config(config_path, steps, batch_size, to)
    fmt = fmt or config.output_format or DEFAULT_FORMAT
    options = dict(config.output_options)
    if bundle:
        if fmt != "newsml":
            raise ConfigError(f"--bundle applies to --format newsml only (not {fmt!r})")
        options["bundle"] = True
    output = OutputSpec(outdir=outdir, format=fmt, options=options)
    meter = Progress(progress)

    def on_result(result):  # type: ignore[no-untyped-def]
        meter.update(result.status)
        if result.status == "failed" and result.error:
            meter.close()
            click.echo(f"FAILED {named(result.source, result.error.get('message') or 'failed')}", err=True)

    summary = convert(
        inputs,
        config.pipeline_spec(),
        output,
        jobs=jobs or (os.cpu_count() or 1),
        resume=resume,
        fail_fast=fail_fast,
        read_options=ReadOptions(encoding=encoding, follow_links=follow_links),
        on_result=on_result,
    )
    meter.close()
    click.echo(summary.line(), err=True)
    if summary.report_error:
        click.echo(f"Error: {summary.report_error}", err=True)
    if summary.stopped_early:
        click.echo("Stopped at the first failure (--fail-fast).", err=True)
    raise SystemExit(summary.exit_code)
