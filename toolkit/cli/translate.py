"""``toolkit translate``: translate documents (text or JSONL) to stdout, offline."""

from __future__ import annotations

import sys
from typing import Any

import click

from .common import (
    fail_fast_option,
    handle_errors,
    input_options,
    log_options,
    model_locations,
    models_dir_option,
    named,
    partial_option,
    pipeline_options,
    progress_options,
    reading_stdin,
    split_list,
)


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
@partial_option
@click.option("--beam", "beam_size", type=click.IntRange(1), default=2, show_default=True, help="Beam size.")
@click.option(
    "--engine",
    type=click.Choice(["ctranslate2", "argos"]),
    default="ctranslate2",
    show_default=True,
    help="Translation engine (argos needs `pip install toolkit[argos]`).",
)
@models_dir_option()
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
@pipeline_options(steps=False, to=False)
@fail_fast_option
@input_options
@progress_options
@log_options
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
    config: Any,
    fail_fast: bool,
    read_options: Any,
    progress: Any,
    allow_partial: bool,
) -> None:
    """Translate PATHs (files, directories, globs; `-` or nothing for stdin) into the --to languages.

    The source language is each document's (and paragraph's) own tag, identified from the
    text when it has none, or --from for everything. Output goes to stdout: JSONL documents
    with their translations, or the translated text. Before anything is read, a target that
    no installed model can produce stops the run (exit 2, with the `toolkit models fetch`
    command that fixes it). A translation that cannot be made for a document or a paragraph
    is a `translation-missing` warning on stderr (the JSONL document keeps it); the exit code
    is then 1 unless --allow-partial. With -c, the configuration's steps run before
    translation (cleaning, say) and its [steps.translate] options are the defaults.
    """
    from ..batch import run_documents
    from ..inputs import read_bytes, read_jsonl
    from ..io.readers import iter_sources, read_source, sniff_reader
    from ..pipeline import PipelineSpec
    from ..processors.translate import MISSING
    from ..report import RunReport
    from ..worker import OutputSpec, Worker
    from .progress import Progress, count_files

    paths = list(inputs) or ["-"]
    reading_stdin(paths)
    data = sys.stdin.buffer.read() if "-" in paths else None
    if fmt == "auto":
        given = [p for p in paths if p != "-"]
        stdin_jsonl = data is None or sniff_reader(data) is read_jsonl
        fmt = "jsonl" if stdin_jsonl and all(p.lower().endswith((".jsonl", ".ndjson")) for p in given) else "text"
    options = dict(config.step_options.get("translate", {}))
    options.update(
        {"to": split_list(targets), "source": source, "engine": engine, "beam_size": beam_size, "device": device}
    )
    for key, value in (("compute_type", compute_type), ("threads", threads or None)):
        if value is not None:
            options[key] = value
    options.update(model_locations(models_dir or options.get("models_dir")))
    steps = [s for s in (config.steps if config.path else ["segment"]) if s != "translate"]
    if source == "auto" and "langid" not in steps:
        steps.append("langid")
    spec = PipelineSpec.from_names(
        [*steps, "translate"], {**config.step_options, "translate": options}, config.batch_size
    )
    output = OutputSpec(None, "jsonl" if fmt == "jsonl" else "txt")  # txt: the original, then each translation
    worker = Worker(spec, output, dedupe=False, read_options=read_options, fail_fast=fail_fast)
    headers = len(paths) > 1 or "-" not in paths or len(split_list(targets)) > 1

    def sources() -> Any:
        return iter_sources(paths, follow_links=read_options.follow_links)

    # a bar on stderr, unless the translations themselves go to the terminal
    meter = Progress(None, mode=None) if sys.stdout.isatty() else progress(lambda: count_files(sources()), "translate")
    shown = 0

    def on_result(result: Any) -> None:
        nonlocal shown
        meter.update(result)
        if result.status == "failed":
            meter.echo(f"FAILED {named(result.source or result.id, result.message or 'failed')}")
            return
        for warning in (w for w in result.warnings if w.code == MISSING):
            meter.echo(f"WARNING {named(result.source or result.id, warning.message)} ({MISSING})")
        if result.status == "skipped":
            meter.echo(f"SKIPPED {named(result.source or result.id, result.message or 'skipped')}")
            return
        files = result.files if fmt == "jsonl" else result.files[1:]  # text: the translations only
        for out in files:
            if fmt != "jsonl":
                sys.stdout.write("\n" if shown else "")
                sys.stdout.write(f"==> {result.source or result.id} [{out.lang}] <==\n" if headers else "")
            sys.stdout.write(out.data.decode("utf-8"))
            shown += 1

    def documents() -> Any:
        for item in meter.track(sources()):
            if item.is_stdin:
                yield from read_bytes(data or b"", "<stdin>", options=read_options)
            elif item.supported:
                yield from read_source(item, read_options)

    report = RunReport(allow_partial=allow_partial)
    try:
        run_documents(worker, documents(), report=report, on_result=on_result)
    finally:
        meter.close()
        sys.stdout.flush()
    if report.partial:
        allowed = " (allowed: --allow-partial)" if allow_partial else " (exit 1; --allow-partial accepts this)"
        click.echo(f"{report.partial} document(s) with a missing translation ({MISSING}){allowed}", err=True)
    if report.failed:
        click.echo(f"{report.failed} document(s) not translated", err=True)
    raise SystemExit(report.exit_code)
