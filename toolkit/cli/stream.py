"""``toolkit stream``: JSONL in on stdin, one result per line out on stdout, flushed per item."""

from __future__ import annotations

import sys
from typing import Any

import click

from .common import format_option, handle_errors, log_options, partial_option, pipeline_options
from .convert import DEFAULT_FORMAT


@click.command("stream")
@format_option(DEFAULT_FORMAT)
@pipeline_options(batch_size=16)
@click.option(
    "--rs",
    "separator",
    is_flag=True,
    help="Write raw items separated by the record separator (0x1E) instead of JSON result lines.",
)
@partial_option
@log_options
@handle_errors
def command(fmt: str | None, config: Any, separator: bool, allow_partial: bool) -> None:
    """Process JSON records from stdin (one per line) and write each result as it finishes.

    Records are toolkit documents, ninjs items, or {"text": ...} / {"html": ...} objects.
    Output: one JSON line per record ({"status", "id", "outputs": [{"name", "lang", "content"}]}
    or {"status": "failed", "error": ...}); with --rs, the rendered items themselves, each
    preceded by 0x1E. A bad line gives an error record (and a line on stderr); the stream goes on.
    Exit code 1 when any record failed.
    """
    from ..report import RunReport
    from ..stream import process_stream, read_lines
    from ..worker import OutputSpec, Worker

    fmt = fmt or config.output_format or DEFAULT_FORMAT
    config.check_output(fmt)
    output = OutputSpec(None, fmt, config.output_options)
    worker = Worker(config.pipeline_spec(), output, dedupe=False)
    out = sys.stdout

    def emit(text: str) -> None:
        out.write(text)
        out.flush()
        if '"status": "failed"' in text[:40]:
            click.echo(f"FAILED {text.strip()[:300]}", err=True)

    report = RunReport(allow_partial=allow_partial)
    process_stream(read_lines(sys.stdin.buffer, config.batch_size), worker, emit, separator=separator, report=report)
    raise SystemExit(report.exit_code)
