"""``toolkit models catalog`` (what would serve a language pair, with licences) and ``toolkit models
evaluate`` (chrF and BLEU of an installed model on your own pairs)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .common import handle_errors, model_locations, models_dir_option, split_list
from .models_get import _catalog, _proxies


@click.command("catalog")
@click.option("--lang", "langs", multiple=True, help="Only models that serve these languages (kk or kk,ru).")
@click.option("--from", "source", help="Only models translating from this language.")
@click.option("--to", "target", help="Only models translating into this language.")
@click.option("--refresh", is_flag=True, help="Download argostranslate's package index again and cache it.")
@click.option("--index-url", help="The argos index to refresh from [default: the catalogue's argos_index_url].")
@click.option("--catalog", "extra", multiple=True, help="Another catalogue (file or URL, same format): a mirror.")
@click.option("--allow-http", is_flag=True, help="Accept plain http URLs (e.g. a mirror on the local network).")
@models_dir_option(must_exist=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def catalog(
    langs: tuple[str, ...],
    source: str | None,
    target: str | None,
    refresh: bool,
    index_url: str | None,
    extra: tuple[str, ...],
    allow_http: bool,
    models_dir: str | None,
    fmt: str,
) -> None:
    """Models that would serve a language or pair, best first, with their licences and how to get them.

    The catalogue ships with the toolkit (no network needed); --refresh updates argostranslate's
    package list from its index URL and caches it in the model directory.
    """
    from ..errors import ConfigError
    from ..translate.catalog import save_argos_index
    from ..translate.download import fetch_bytes
    from ..translate.langs import LanguageCodeError

    cat, store = _catalog(models_dir, extra, allow_http)
    if refresh:
        url = index_url or cat.argos_index_url
        data = fetch_bytes(url, proxies=_proxies(), allow_http=allow_http)
        path, count = save_argos_index(store.root, data)
        click.echo(f"Argos index: {count} packages from {url}, cached in {path}", err=True)
        cat, store = _catalog(models_dir, extra, allow_http)
    try:
        entries = cat.search(split_list(langs), source, target)
    except LanguageCodeError as exc:
        raise ConfigError(f"models catalog: {exc}") from None
    installed = {p.name for p in store.packages()}
    if fmt == "json":
        rows = [{**e.describe(), "installed": e.name in installed} for e in entries]
        click.echo(json.dumps({"models": rows, "note": cat.not_found}, ensure_ascii=False, indent=1))
        return
    if not entries:
        click.echo("No catalogued model serves that. " + cat.not_found)
        return
    for e in entries:
        click.echo(e.text(e.name in installed))
    asked = [*split_list(langs), source or "", target or ""]
    if cat.not_found and any(w.split("-")[0] in ("kk", "uz", "ky") for w in asked):
        click.echo(f"Note: {cat.not_found}")


@click.command("evaluate")
@click.argument("name")
@click.option(
    "--pairs", "pairs_file", required=True, type=click.Path(dir_okay=False), help="TSV: source TAB reference."
)
@click.option("--from", "source", required=True, help="Source language of the TSV.")
@click.option("--to", "target", required=True, help="Target language of the TSV.")
@click.option("--beam", "beam_size", type=click.IntRange(1), default=2, show_default=True)
@click.option("--threads", type=click.IntRange(0), default=0, help="CPU threads (0: every available core).")
@click.option("--output", type=click.Path(dir_okay=False), help="Also write the hypotheses here, one per line.")
@models_dir_option()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def evaluate(
    name: str,
    pairs_file: str,
    source: str,
    target: str,
    beam_size: int,
    threads: int,
    output: str | None,
    models_dir: str | None,
    fmt: str,
) -> None:
    """Score the installed model NAME on FILE.tsv (source TAB reference): chrF and BLEU (sacrebleu),
    and sentences per second, so models can be compared on your own copy."""
    from ..translate.evaluate import evaluate_model, read_pairs

    pairs = read_pairs(pairs_file)
    result = evaluate_model(
        name, pairs, source, target, beam_size=beam_size, threads=threads or None, **model_locations(models_dir)
    )
    if output:
        Path(output).write_text("".join(h + "\n" for h in result.hypotheses), "utf-8")
    if fmt == "json":
        click.echo(json.dumps(result.summary(), ensure_ascii=False, indent=1))
        return
    s = result.summary()
    click.echo(
        f"{s['model']} {s['from']}->{s['to']}: chrF {s['chrf']:.2f}  BLEU {s['bleu']:.2f}  "
        f"{s['sentences']} sentences in {s['seconds']:.2f} s ({s['sentences_per_second']:.1f} sentences/s)"
    )
