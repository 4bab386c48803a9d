"""``toolkit stream``: JSONL in on stdin, one result per line out on stdout, flushed per item."""

from __future__ import annotations

import sys

import click

from .common import handle_errors
from .convert import DEFAULT_FORMAT, build_config


@click.command("stream")
@click.option("-f", "--format", "fmt", default=None, help="Output format of each item. [default: newsml]")
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False), help="Pipeline configuration (TOML).")
@click.option("--steps", help="Comma-separated processor names, replacing the configured pipeline.")
@click.option("--to", multiple=True, help="Also translate into these languages (kk,ru,uz): adds a translate step.")
@click.option(
    "--rs",
    "separator",
    is_flag=True,
    help="Write raw items separated by the record separator (0x1E) instead of JSON result lines.",
)
@click.option(
    "--batch-size",
    type=int,
    default=16,
    show_default=True,
    help="Most lines processed together when several are already waiting.",
)
@handle_errors
def command(
    fmt: str | None, config_path: str | None, steps: str | None, to: tuple[str, ...], separator: bool, batch_size: int
) -> None:
    """Process JSON records from stdin (one per line) and write each result as it finishes.

    Records are toolkit documents, ninjs items, or {"text": ...} / {"html": ...} objects.
    Output: one JSON line per record ({"status", "id", "outputs": [{"name", "lang", "content"}]}
    or {"status": "failed", "error": ...}); with --rs, the rendered items themselves, each
    preceded by 0x1E. A bad line gives an error record (and a line on stderr); the stream goes on.
    Exit code 1 when any record failed.
    """
    from ..stream import process_stream, read_lines
    from ..worker import OutputSpec, Worker

    config = build_config(config_path, steps, batch_size, to)
    output = OutputSpec(None, fmt or config.output_format or DEFAULT_FORMAT, config.output_options)
    worker = Worker(config.pipeline_spec(), output)
    out = sys.stdout

    def emit(text: str) -> None:
        out.write(text)
        out.flush()
        if '"status": "failed"' in text[:40]:
            click.echo(f"FAILED {text.strip()[:300]}", err=True)

    report = process_stream(read_lines(sys.stdin.buffer, batch_size), worker, emit, separator=separator)
    raise SystemExit(report.exit_code)
