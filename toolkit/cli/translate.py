"""``toolkit translate``: translate documents (text or JSONL) to stdout, offline."""

from __future__ import annotations

import io
import sys

import click

from .common import Progress, handle_errors, named, split_list


@click.command("translate")
@click.argument("inputs", nargs=-1, metavar="[PATH...]")
@click.option("--to", "targets", multiple=True, required=True, help="Target languages, comma-separated: kk,ru,uz.")
@click.option(
    "--from",
    "source",
    default="auto",
    show_default=True,
    help="Source language, or auto: the documents' own tags, else identified from the text.",
)
@click.option(
    "--allow-partial",
    is_flag=True,
    help="Exit 0 even when a translation could not be made for a document or a paragraph (translation-missing).",
)
@click.option("--beam", "beam_size", type=click.IntRange(1), default=2, show_default=True, help="Beam size.")
@click.option(
    "--engine",
    type=click.Choice(["ctranslate2", "argos"]),
    default="ctranslate2",
    show_default=True,
    help="Translation engine (argos needs `pip install toolkit[argos]`).",
)
@click.option("--models-dir", type=click.Path(file_okay=False), help="Model directory (see `toolkit models`).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "jsonl", "text"]),
    default="auto",
    show_default=True,
    help="Output: JSONL documents, or the translated text; auto: the same as the input.",
)
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu", show_default=True, help="Device.")
@click.option("--compute-type", help="CTranslate2 compute type [default: int8 on CPU, int8_float16 on CUDA].")
@click.option(
    "--threads",
    type=click.IntRange(0),
    default=0,
    help="CPU threads for decoding (0: every available core, one CTranslate2 worker per core).",
)
@click.option("--batch-size", type=click.IntRange(1), default=64, show_default=True, help="Documents per batch.")
@click.option("--progress/--no-progress", default=None, help="Progress line (default: on a terminal only).")
@handle_errors
def command(
    inputs: tuple[str, ...],
    targets: tuple[str, ...],
    source: str,
    beam_size: int,
    engine: str,
    models_dir: str | None,
    fmt: str,
    device: str,
    compute_type: str | None,
    threads: int,
    batch_size: int,
    progress: bool | None,
    allow_partial: bool,
) -> None:
    """Translate PATHs (files, directories, globs; `-` or nothing for stdin) into the --to languages.

    The source language is each document's (and paragraph's) own tag, identified from the
    text when it has none, or --from for everything. Output goes to stdout: JSONL documents
    with their translations, or the translated text. Before anything is read, a target that
    no installed model can produce stops the run (exit 2, with the `toolkit models fetch`
    command that fixes it). A translation that cannot be made for a document or a paragraph
    is a `translation-missing` warning on stderr (the JSONL document keeps it); the exit code
    is then 1 unless --allow-partial.
    """
    from ..io.readers import read_inputs, read_jsonl, sniff_reader
    from ..pipeline import Pipeline
    from ..processors.translate import MISSING

    paths = list(inputs) or ["-"]
    stdin = None
    if "-" in paths:
        data = sys.stdin.buffer.read()
        stdin = io.BytesIO(data)
        stdin_jsonl = sniff_reader(data) is read_jsonl
    else:
        stdin_jsonl = True
    if fmt == "auto":
        given = [p for p in paths if p != "-"]
        jsonl = stdin_jsonl and all(p.lower().endswith((".jsonl", ".ndjson")) for p in given)
        fmt = "jsonl" if jsonl else "text"
    options = {
        "to": split_list(targets),
        "source": source,
        "engine": engine,
        "beam_size": beam_size,
        "models_dir": models_dir,
        "device": device,
        "compute_type": compute_type,
        "threads": threads or None,
    }
    steps = ["segment", "langid", "translate"] if source == "auto" else ["segment", "translate"]
    pipeline = Pipeline.from_names(steps, {"translate": options}, batch_size=batch_size)
    meter = Progress(progress)
    failed = 0
    partial = 0
    first = True
    out = sys.stdout
    for doc in pipeline.pipe(read_inputs(paths, stdin=stdin)):
        meter.update(doc.status)
        if doc.status == "failed":
            failed += 1
            meter.close()
            message = doc.errors[0].message
            where = doc.source or doc.id
            click.echo(f"FAILED {named(where, message)}", err=True)
            continue
        missing = [w for w in doc.warnings if w.code == MISSING]
        if missing:
            partial += 1
            meter.close()
            for warning in missing:
                click.echo(f"WARNING {named(doc.source or doc.id, warning.message)} ({MISSING})", err=True)
        if fmt == "jsonl":
            out.write(doc.to_json() + "\n")
            continue
        for lang, tr in sorted(doc.translations.items()):
            if not first:
                out.write("\n")
            first = False
            if len(paths) > 1 or len(doc.translations) > 1 or "-" not in paths:
                out.write(f"==> {doc.source or doc.id} [{lang}] <==\n")
            parts = ([tr.title] if tr.title else []) + [p.text for p in tr.paragraphs]
            out.write("\n\n".join(parts) + "\n")
    meter.close()
    out.flush()
    if partial:
        allowed = " (allowed: --allow-partial)" if allow_partial else " (exit 1; --allow-partial accepts this)"
        click.echo(f"{partial} document(s) with a missing translation ({MISSING}){allowed}", err=True)
    if failed:
        click.echo(f"{failed} document(s) not translated", err=True)
    if failed or (partial and not allow_partial):
        raise SystemExit(1)
