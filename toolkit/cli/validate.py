"""``toolkit validate``: check NewsML-G2 (and ninjs) files against their schemas."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..errors import ConfigError, printable
from .common import handle_errors


def expand(paths: tuple[str, ...]) -> list[Path]:
    """Files as given; directories give their ``.xml`` and ``.json`` files (hidden ones skipped)."""
    out: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                rel = found.relative_to(path).parts
                if (
                    found.is_file()
                    and found.suffix.lower() in (".xml", ".json")
                    and not any(p.startswith(".") for p in rel)
                ):
                    out.append(found)
        else:
            out.append(path)
    return out


@click.command("validate")
@click.argument("files", nargs=-1, required=True, metavar="FILE...", type=click.Path(exists=True))
@click.option(
    "--profile",
    is_flag=True,
    help="Check the toolkit profile too (what `convert` promises), on top of IPTC's 2.35 schema.",
)
@click.option(
    "--xsd",
    type=click.Path(exists=True, dir_okay=False),
    help="Validate against this XSD instead (its imports must lie in its own folder).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only the problems, not the valid files.")
@handle_errors
def command(files: tuple[str, ...], profile: bool, xsd: str | None, quiet: bool) -> None:
    """Validate NewsML-G2 FILEs against IPTC's official 2.35 schema (shipped, offline).

    Directories are searched for .xml files (and .json files, checked against ninjs
    3.1). With --profile a file must also pass the toolkit's own stricter profile;
    with --xsd, only the XSD given is used. Problems are printed as FILE:LINE:
    message. Exit code 0 when every file is valid, 1 when any is not.
    """
    from ..newsml.validate import load_xsd

    if xsd and profile:
        raise ConfigError("--xsd and --profile cannot be used together")
    schemas = [load_xsd(os.path.abspath(xsd))] if xsd else (["profile", "iptc"] if profile else ["iptc"])
    paths = expand(files)
    if not paths:
        raise ConfigError("no .xml or .json file found in the given directories")
    bad = 0
    for path in paths:
        problems = _check(path, schemas, json_ok=xsd is None)
        if problems:
            bad += 1
            for line in problems:
                click.echo(line)
        elif not quiet:
            click.echo(f"{printable(str(path))}: valid")
    click.echo(f"{len(paths)} file(s): {len(paths) - bad} valid, {bad} invalid", err=True)
    raise SystemExit(1 if bad else 0)


def _check(path: Path, schemas: list, *, json_ok: bool) -> list[str]:  # type: ignore[type-arg]
    from ..newsml.validate import validate_file

    shown = printable(str(path))  # one line per problem, whatever the file is called
    if path.suffix.lower() == ".json":
        if not json_ok:
            return [f"{shown}: a JSON file cannot be checked against an XSD"]
        return [f"{shown}: {printable(p)}" for p in _ninjs_problems(path)]
    out = []
    for issue in validate_file(path, schemas):
        where = f"{shown}:{issue.line}" if issue.line else shown
        if issue.line and issue.column:
            where += f":{issue.column}"
        out.append(f"{where}: {printable(issue.message)} [{issue.schema}]")
    return out


def _ninjs_problems(path: Path) -> list[str]:
    import json

    from ..newsml.ninjs import validate_ninjs

    try:
        obj = json.loads(path.read_bytes())
    except OSError as exc:
        return [f"cannot read: {exc.strerror}"]
    except ValueError as exc:
        return [f"invalid JSON: {exc}"]
    return [f"{p} [ninjs 3.1]" for p in validate_ninjs(obj)]
