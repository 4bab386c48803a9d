"""``toolkit models``: list, install, remove and show offline translation models (catalog, fetch,
convert and evaluate are in :mod:`.models_get`)."""

from __future__ import annotations

import json

import click

from .common import handle_errors, model_store, models_dir_option


def _store(models_dir: str | None):  # type: ignore[no-untyped-def]
    return model_store(models_dir)


@click.group("models")
def command() -> None:
    """Manage translation models (.argosmodel packages), offline.

    Packages installed by argostranslate are listed and used too (read only).
    """


def _register_more() -> None:
    from .models_catalog import catalog, evaluate
    from .models_get import convert, fetch

    for cmd in (catalog, fetch, convert, evaluate):
        command.add_command(cmd)


_register_more()


@command.command("list")
@models_dir_option()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def list_models(models_dir: str | None, fmt: str) -> None:
    """List installed models and the language pairs they cover (directly, or by pivot)."""
    from ..translate.routing import Router

    store = _store(models_dir)
    packages = store.packages()
    routes = Router(packages).pairs()
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "models_dir": str(store.root),
                    "models": [p.describe() for p in packages],
                    "routes": [
                        {"from": r.source, "to": r.target, "kind": r.kind, "route": r.langs, "via": r.describe()}
                        for r in routes
                    ],
                    "problems": [{"path": p, "error": e} for p, e in store.problems()],
                },
                ensure_ascii=False,
                indent=1,
            )
        )
        return
    click.echo(f"Models in {store.root}" + (" (and argostranslate's)" if store.argos_dirs else "") + ":")
    if not packages:
        click.echo("  none installed: see `toolkit models install --help` and README 'Getting models'")
    for p in packages:
        origin = "" if p.origin == "toolkit" else f"  [{p.origin}: {p.path.parent}]"
        if p.multilingual:
            covers = f"{', '.join(p.from_codes)} -> {', '.join(p.to_codes)} (multilingual)"
        else:
            covers = f"{p.from_codes[0]} -> {p.to_codes[0]}"
        click.echo(f"  {p.name:<28} {p.version:<8} {covers}{origin}")
    if routes:
        click.echo("Covered pairs:")
        for r in routes:
            click.echo(f"  {r.source:>8} -> {r.target:<8} {r.kind:<12} {r.describe()}")
    for path, error in store.problems():
        click.echo(f"Unusable: {path}: {error}", err=True)


@command.command("install")
@click.argument("source", type=click.Path(exists=True))
@models_dir_option(must_exist=False)
@click.option("--force", is_flag=True, help="Replace an installed model of the same name.")
@click.option("--max-size", type=click.IntRange(1), help="Largest uncompressed size accepted, in bytes.")
@handle_errors
def install(source: str, models_dir: str | None, force: bool, max_size: int | None) -> None:
    """Install SOURCE: an .argosmodel archive or a package directory.

    The archive is checked (one top folder, no absolute paths, '..', links or special
    files, size limit, valid metadata.json and model) and extracted atomically.
    """
    from ..translate.store import MAX_PACKAGE_BYTES

    store = _store(models_dir)
    pkg = store.install(source, force=force, max_bytes=max_size or MAX_PACKAGE_BYTES)
    pairs = ", ".join(f"{s}->{t}" for s, t in pkg.pairs())
    click.echo(f"Installed {pkg.name} {pkg.version} ({pairs}) in {pkg.path}")


@command.command("remove")
@click.argument("name")
@models_dir_option()
@handle_errors
def remove(name: str, models_dir: str | None) -> None:
    """Remove the installed model NAME."""
    pkg = _store(models_dir).remove(name)
    click.echo(f"Removed {pkg.name} from {pkg.path.parent}")


@command.command("show")
@click.argument("name")
@models_dir_option()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def show(name: str, models_dir: str | None, fmt: str) -> None:
    """Show the model NAME: languages, prefix tokens, tokenizer, size, metadata."""
    pkg = _store(models_dir).get(name)
    info = pkg.describe()
    info["size_bytes"] = pkg.size()
    info["metadata"] = pkg.metadata
    if fmt == "json":
        click.echo(json.dumps(info, ensure_ascii=False, indent=1))
        return
    for key in (
        "name",
        "version",
        "origin",
        "path",
        "from",
        "to",
        "pairs",
        "source_prefix",
        "target_prefix",
        "source_eos",
        "tokenizer",
        "size_bytes",
    ):
        value = info[key]
        if isinstance(value, list):
            value = ", ".join(map(str, value))
        elif isinstance(value, dict):
            value = ", ".join(f"{k}: {' '.join(v)}" for k, v in value.items()) or "-"
        click.echo(f"{key + ':':<15} {value}")
    click.echo("metadata.json:")
    click.echo(json.dumps(pkg.metadata, ensure_ascii=False, indent=1))
