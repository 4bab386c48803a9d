"""``toolkit models fetch | convert``: get and make models (``catalog`` and ``evaluate``: :mod:`.models_catalog`).

Only ``fetch`` and ``catalog --refresh`` use the network, and only when run.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .common import handle_errors, model_store, models_dir_option, split_list


def _proxies() -> dict[str, str]:
    """https_proxy / http_proxy / no_proxy from the environment (urllib's reading of them)."""
    import urllib.request  # not at import: it pulls in http and ssl, which `toolkit --help` does not need

    return urllib.request.getproxies()


def _catalog(models_dir: str | None, extra: tuple[str, ...], allow_http: bool = False) -> Any:
    from ..translate.catalog import Catalog, parse_catalog
    from ..translate.download import fetch_bytes

    docs = []
    for where in extra:
        if "://" in where:
            data = fetch_bytes(where, proxies=_proxies(), allow_http=allow_http)
        else:
            try:
                data = Path(where).read_bytes()
            except OSError as exc:
                raise click.UsageError(f"--catalog {where}: {exc.strerror or exc}") from None
        docs.append(parse_catalog(data, where))
    store = model_store(models_dir)
    return Catalog.load(store.root, extra=docs), store


def _bar(enabled: bool | None):  # type: ignore[no-untyped-def]
    """A factory of tqdm progress callbacks (one bar per file), on stderr."""
    if enabled is False or (enabled is None and not sys.stderr.isatty()):
        return None
    from tqdm import tqdm

    def factory(label: str):  # type: ignore[no-untyped-def]
        bar = tqdm(desc=label, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr, leave=True)

        def update(done: int, total: int | None) -> None:
            if total is not None and bar.total != total:
                bar.total = total
            bar.n = done
            bar.refresh()
            if total is not None and done >= total:
                bar.close()

        return update

    return factory


@click.command("fetch")
@click.argument("what", metavar="NAME|URL")
@click.option("--accept-license", is_flag=True, help="Accept a licence that restricts use (e.g. non-commercial).")
@click.option("-o", "--output", type=click.Path(file_okay=False), help="Write the package here; do not install it.")
@click.option("--sha256", help="Expected SHA-256 of the download (for a URL).")
@click.option("--force", is_flag=True, help="Replace an installed model of the same name.")
@click.option("--catalog", "extra", multiple=True, help="Another catalogue (file or URL): a mirror.")
@click.option("--allow-http", is_flag=True, help="Accept plain http URLs (e.g. a mirror on the local network).")
@click.option("--timeout", type=click.FloatRange(0.1), default=30.0, show_default=True, help="Seconds per read.")
@click.option("--retries", type=click.IntRange(0), default=5, show_default=True, help="Resumes after a drop.")
@click.option("--quantization", default="int8", show_default=True, help="For models converted here.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal only).")
@models_dir_option(must_exist=False)
@handle_errors
def fetch(
    what: str,
    accept_license: bool,
    output: str | None,
    sha256: str | None,
    force: bool,
    extra: tuple[str, ...],
    allow_http: bool,
    timeout: float,
    retries: int,
    quantization: str,
    progress: bool | None,
    models_dir: str | None,
) -> None:
    """Download NAME (see `toolkit models catalog`) or the .argosmodel at URL, check it, install it.

    Downloads resume where they stopped (run the command again), honour https_proxy /
    http_proxy / no_proxy, and are checked against the catalogue's SHA-256 where it is known.
    Hugging Face models are converted here (pip install 'toolkit[convert]').
    """
    from ..translate.fetch import fetch as fetch_model

    cat, store = _catalog(models_dir, extra, allow_http)
    result = fetch_model(
        what,
        store=store,
        catalog=cat,
        accept_license=accept_license,
        output=output,
        sha256=sha256,
        force=force,
        proxies=_proxies(),
        timeout=timeout,
        retries=retries,
        allow_http=allow_http,
        progress=_bar(progress),
        quantization=quantization,
    )
    for got in result.downloads:
        check = "verified" if got.verified else "not verified: no checksum known"
        click.echo(f"Downloaded {got.path.name}: {got.size} bytes, sha256 {got.sha256} ({check})", err=True)
    if result.entry is not None:
        click.echo(f"Licence: {result.entry.licence_line()}", err=True)
    if result.package is not None:
        pkg = result.package
        pairs = ", ".join(f"{s}->{t}" for s, t in pkg.pairs())
        click.echo(f"Installed {pkg.name} {pkg.version} ({pairs}) in {pkg.path}")
    else:
        click.echo(f"Saved {result.archive}: copy it to the offline machine and run `toolkit models install FILE`")


@click.command("convert")
@click.argument("model", metavar="HF_MODEL_OR_DIR")
@click.option("-o", "--output", type=click.Path(file_okay=False), default=".", show_default=True)
@click.option("--name", help="Package name [default: from the model's name].")
@click.option("--from", "source", multiple=True, help="Source language(s), when the model does not say.")
@click.option("--to", "target", multiple=True, help="Target language(s) to keep (or to name, for one-pair models).")
@click.option(
    "--quantization", default="int8", show_default=True, help="int8, int8_float32, int16, float16, float32 ..."
)
@click.option("--install", "do_install", is_flag=True, help="Install the package once made.")
@click.option("--force", is_flag=True, help="With --install: replace an installed model of the same name.")
@click.option("--accept-license", is_flag=True, help="For a catalogued model whose licence restricts use.")
@click.option("--allow-http", is_flag=True, help="Accept plain http URLs for downloads.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal only).")
@models_dir_option(must_exist=False)
@handle_errors
def convert(
    model: str,
    output: str,
    name: str | None,
    source: tuple[str, ...],
    target: tuple[str, ...],
    quantization: str,
    do_install: bool,
    force: bool,
    accept_license: bool,
    allow_http: bool,
    progress: bool | None,
    models_dir: str | None,
) -> None:
    """Turn a Hugging Face Marian (OPUS-MT), NLLB-200 or M2M-100 model into an .argosmodel package.

    HF_MODEL_OR_DIR is a local snapshot folder, or a model of the catalogue (its Hugging Face
    name, downloaded first). Weights are converted with CTranslate2 (int8 by default); the
    tokenizer files, language tokens and metadata.json are written for you.
    Needs pip install 'toolkit[convert]'.
    """
    from ..translate.catalog import CatalogError
    from ..translate.convert import convert_model, require_converter

    require_converter()
    folder = Path(model)
    if folder.is_dir():
        made = convert_model(
            folder,
            output,
            name=name,
            quantization=quantization,
            from_codes=split_list(source) or None,
            to_codes=split_list(target) or None,
        )
        archive = made.archive
        click.echo(
            f"Converted {model} ({made.architecture}: {', '.join(made.from_codes)} -> {', '.join(made.to_codes)}) "
            f"into {archive}"
        )
    else:
        from ..translate.fetch import fetch as fetch_model

        cat, store = _catalog(models_dir, (), allow_http)
        try:
            entry = cat.get(model)
        except CatalogError:
            raise click.UsageError(
                f"{model} is neither a folder nor a catalogued model: download the Hugging Face snapshot "
                "(config.json, weights, tokenizer files) into a folder and convert that"
            ) from None
        result = fetch_model(
            entry.name,
            store=store,
            catalog=cat,
            accept_license=accept_license,
            output=output,
            proxies=_proxies(),
            allow_http=allow_http,
            progress=_bar(progress),
            quantization=quantization,
        )
        assert result.archive is not None
        archive = result.archive
        click.echo(f"Converted {entry.hf_repo} into {archive}")
    if do_install:
        pkg = model_store(models_dir).install(archive, force=force)
        pairs = ", ".join(f"{s}->{t}" for s, t in pkg.pairs())
        click.echo(f"Installed {pkg.name} {pkg.version} ({pairs}) in {pkg.path}")
