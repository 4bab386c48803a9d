"""``toolkit processors``: list the processors and output formats that can be used."""

from __future__ import annotations

import json

import click

from ..registry import FORMATS, PROCESSORS
from .common import handle_errors


@click.command("processors")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def command(fmt: str) -> None:
    """List registered processors and output formats (built-in and from plug-ins)."""
    rows = [("processor", e) for e in PROCESSORS.entries()] + [("format", e) for e in FORMATS.entries()]
    if fmt == "json":
        for kind, e in rows:
            target = e.target if isinstance(e.target, str) else f"{e.target.__module__}:{e.target.__qualname__}"
            click.echo(
                json.dumps(
                    {"kind": kind, "name": e.name, "description": e.description, "origin": e.origin, "target": target},
                    ensure_ascii=False,
                )
            )
        return
    for title, kind in (("Processors", "processor"), ("Output formats", "format")):
        click.echo(f"{title}:")
        for k, e in rows:
            if k == kind:
                origin = "" if e.origin == "builtin" else f"  [{e.origin}]"
                click.echo(f"  {e.name:<12} {e.description}{origin}")
