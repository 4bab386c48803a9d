"""``toolkit detect``: the language of files, of their paragraphs, or of each line of input."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import click

from ..errors import printable
from .common import EXIT_FAILED, EXIT_OK, handle_errors, named, split_list

#: Kept in step with ``toolkit.langid.ENGINE_NAMES`` (a test checks); not imported here so
#: that ``toolkit --help`` loads nothing of language identification.
ENGINES = ("auto", "rules+ngram", "rules+py3langid", "langdetect")


def _emit(fmt: str, record: dict[str, Any], text_line: str) -> None:
    click.echo(json.dumps(record, ensure_ascii=False) if fmt == "json" else text_line)


def _conf(value: float | None) -> str:
    return f"{value or 0.0:.3f}"


def _doc_script(doc: Any) -> str | None:
    """The script of the document's language: from its tag, else from its paragraphs."""
    from ..langid import LANGUAGES, label_of

    if not doc.lang or doc.lang == "und":
        return None
    try:
        return LANGUAGES[label_of(doc.lang)].script
    except ValueError:
        scripts = [p.script for p in doc.paragraphs if p.lang == doc.lang and p.script]
        return max(set(scripts), key=scripts.count) if scripts else None


def _error(fmt: str, source: str, message: str) -> None:
    click.echo(f"Error: {named(source, message)}", err=True)
    if fmt == "json":
        click.echo(json.dumps({"source": source, "error": message}, ensure_ascii=False))


def _detect_documents(
    inputs: list[str], options: dict[str, Any], fmt: str, paragraphs: bool, encoding: str | None, follow_links: bool
) -> int:
    from ..io.readers import ReadOptions, iter_sources, read_source
    from ..pipeline import DEFAULT_STEPS, Pipeline

    steps = [s for s in DEFAULT_STEPS if s != "langid"]
    pipeline = Pipeline.from_names([*steps, "langid"], {"langid": options})
    stdin = sys.stdin.buffer
    failed = 0
    for source in iter_sources(inputs, follow_links=follow_links):
        if not source.supported:
            continue
        for doc in read_source(source, ReadOptions(encoding=encoding), stdin=stdin):
            if doc.status == "ok":
                doc = pipeline(doc)
            name = doc.source or source.display
            if doc.errors:
                failed += 1
                _error(fmt, name, doc.errors[0].message)
                continue
            if doc.status == "skipped":  # deliberately not processed (e.g. read through its package)
                click.echo(f"skipped {name}: {doc.skipped.message if doc.skipped else ''}", err=True)
                continue
            script = _doc_script(doc)
            record: dict[str, Any] = {
                "source": name,
                "lang": doc.lang,
                "confidence": doc.lang_confidence,
                "script": script,
                "mixed": doc.mixed,
                "languages": doc.extra.get("langid", {}).get("letters", {}),
            }
            line = f"{printable(name)}\t{doc.lang}\t{_conf(doc.lang_confidence)}\t{script or '-'}" + (
                "\tmixed" if doc.mixed else ""
            )
            if paragraphs:
                record["paragraphs"] = [
                    {"lang": p.lang, "script": p.script, "confidence": p.confidence, "text": p.text}
                    for p in doc.paragraphs
                ]
                for i, p in enumerate(doc.paragraphs, 1):
                    preview = printable(p.text if len(p.text) <= 60 else p.text[:59] + "…")
                    line += f"\n  {i}\t{p.lang}\t{_conf(p.confidence)}\t{p.script or '-'}\t{preview}"
            _emit(fmt, record, line)
    return failed


def _lines(
    inputs: list[str], encoding: str | None, follow_links: bool
) -> Iterator[tuple[str, int, str | None, str | None]]:
    """(source, line number, line or None, error or None) for every line of every input."""
    from ..errors import ToolkitError
    from ..io.decode import decode
    from ..io.readers import iter_sources, open_regular

    stdin = sys.stdin.buffer
    for source in iter_sources(inputs, follow_links=follow_links):
        if not source.supported and not source.is_stdin:
            continue
        if source.refused:
            yield source.display, 0, None, source.refused
            continue
        try:
            if source.is_stdin:
                data = stdin.read()
            else:
                assert source.path is not None
                with open_regular(source.path, display=source.display) as fh:  # never blocks on a FIFO
                    data = fh.read()
            text = decode(data, encoding=encoding, path=source.display).text if data else ""
        except ToolkitError as exc:
            yield source.display, 0, None, str(exc)
            continue
        except OSError as exc:
            yield source.display, 0, None, f"cannot read: {exc.strerror or exc}"
            continue
        for number, line in enumerate(text.splitlines(), 1):
            yield source.display, number, line, None


def _detect_lines(
    inputs: list[str], options: dict[str, Any], fmt: str, encoding: str | None, follow_links: bool
) -> int:
    from ..langid import LanguageIdentifier

    identifier = LanguageIdentifier(
        options["engine"], languages=options.get("languages"), min_letters=options["min_letters"]
    )
    failed = 0
    prefix = not (len(inputs) == 1 and inputs[0] == "-")
    for source, number, line, error in _lines(inputs, encoding, follow_links):
        if error is not None or line is None:
            failed += 1
            _error(fmt, source, error or "unreadable")
            continue
        d = identifier.identify(line)
        record = {"source": source, "line": number, "lang": d.lang, "confidence": round(d.confidence, 4)}
        record["script"] = d.script
        text_line = f"{d.lang}\t{_conf(d.confidence)}\t{d.script or '-'}"
        _emit(fmt, record, f"{printable(source)}:{number}\t{text_line}" if prefix else text_line)
    return failed


@click.command("detect")
@click.argument("inputs", nargs=-1, metavar="[PATHS]...")
@click.option("--lines", is_flag=True, help="One result per input line instead of per document.")
@click.option("--paragraphs", is_flag=True, help="Also show the language of each paragraph.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format."
)
@click.option(
    "--engine", type=click.Choice(ENGINES), default="auto", show_default=True, help="Language identification engine."
)
@click.option("--languages", help="Comma-separated tags the answer is restricted to (default: all supported).")
@click.option("--min-letters", type=click.IntRange(1), default=3, show_default=True, help="Shorter texts are 'und'.")
@click.option("--encoding", help="Force the encoding of text inputs (default: detect).")
@click.option(
    "--follow-links", is_flag=True, help="Follow symbolic links out of the input folders (default: refuse them)."
)
@handle_errors
def command(
    inputs: tuple[str, ...],
    lines: bool,
    paragraphs: bool,
    fmt: str,
    engine: str,
    languages: str | None,
    min_letters: int,
    encoding: str | None,
    follow_links: bool,
) -> None:
    """Identify the language of PATHS (files, directories, globs; `-` or nothing: stdin).

    Prints one result per document: tag (BCP 47, e.g. kk-Cyrl, uz-Latn, ru; und when it
    cannot tell), confidence and script; `mixed` when it holds several languages. With
    --lines, one result per line. Exit code 1 when an input could not be read.
    """
    if lines and paragraphs:
        raise click.UsageError("--lines and --paragraphs cannot be combined")
    options: dict[str, Any] = {"engine": engine, "min_letters": min_letters}
    if languages:
        options["languages"] = split_list([languages])
    targets = list(inputs) or ["-"]
    try:
        if lines:
            failed = _detect_lines(targets, options, fmt, encoding, follow_links)
        else:
            failed = _detect_documents(targets, options, fmt, paragraphs, encoding, follow_links)
    except ValueError as exc:  # bad --languages
        raise click.UsageError(str(exc)) from None
    raise SystemExit(EXIT_FAILED if failed else EXIT_OK)
