"""Hostile text through ``convert``, ``clean`` and ``detect``: broken encodings, control
characters, huge single lines, empty and boilerplate-only files, right-to-left and combining
characters. Every input gives either valid NewsML-G2 or a one-line error naming the file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from toolkit.testing import assert_valid_newsml

from .conftest import ROOT

TR = (
    "Ankara'da yeni metro hattı hizmete girdi. Hat günde yüz seksen bin yolcu taşıyacak ve seferler sabah "
    "altıda başlayacak.\n\nİkinci paragraf burada: şehir merkezine ulaşım kolaylaşacak, belediye ek otobüs "
    "seferleri düzenleyecek."
)
KK = (
    "Алматыда жаңа метро желісі ашылды. Қала тұрғындары жаңа бекеттерге қуанышты.\n\n"
    "Әкімдік келесі жылы тағы үш бекет салынатынын хабарлады."
)
AR = (
    "هذا نص عربي طويل يتحدث عن الأخبار الاقتصادية في المنطقة وتطورات السوق المحلية.\n\n"
    "فقرة ثانية تحتوي على معلومات إضافية حول الموضوع."
)


def hostile_texts() -> dict[str, bytes]:
    return {
        "invalid-utf8.txt": TR.encode()[:40] + b"\xff\xfe\xc3\x28 \xed\xa0\x80 " + TR.encode()[40:],
        "mixed-encodings.txt": TR.encode() + b"\n\n" + "Başka bir satır: çok önemli gelişme.".encode("cp1254"),
        "nul-and-controls.txt": TR.encode().replace(b" ", b" \x00", 5).replace(b"hat", b"h\x07a\x1b[31mt") + b"\x08",
        "utf16-bom.txt": KK.encode("utf-16"),
        "rtl-arabic.txt": AR.encode(),
        "rtl-marks.txt": (
            "\u202bАлматыда\u202c жаңа метро\u200f желісі ашылды.\u202e Қала\u2066 тұрғындары\u2069 "
            "қуанышты.\n\nӘкімдік келесі жылы тағы үш бекет салынатынын хабарлады."
        ).encode(),
        "combining.txt": (
            "Е\u0301кі а\u0300бзац ко\u0308мбинирующих белгілер: Z\u0351\u0352\u0353a\u0300\u0301\u0302 " + KK
        ).encode(),
        "zalgo.txt": (("a" + "\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308" * 30 + " ") * 300 + TR).encode(),
        "surrogates.jsonl": json.dumps({"text": "abc \ud800 def " + TR}).encode() + b"\n",
    }


def failures(outdir: Path) -> dict[str, dict]:
    path = outdir / "failures.jsonl"
    if not path.exists():
        return {}
    return {Path(r["input"]).name: r for r in map(json.loads, path.read_text("utf-8").splitlines())}


def test_hostile_text_through_convert_gives_valid_newsml(cli, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for name, data in hostile_texts().items():
        (src / name).write_bytes(data)
    out = tmp_path / "out"
    result = cli("convert", src, "-o", out)
    assert result.exit_code == 0, result.output
    assert f"{len(hostile_texts())} documents, {len(hostile_texts())} ok, 0 failed" in result.output
    items = [p for p in out.glob("*.xml") if not p.name.endswith(".package.xml")]
    assert len(items) == len(hostile_texts())
    body = ""
    for path in out.glob("*.xml"):
        assert_valid_newsml(path)
        data = path.read_bytes()
        assert b"\x00" not in data and b"\x1b" not in data and b"\x07" not in data
        body += data.decode("utf-8")
    assert "هذا نص عربي" in body and 'xml:lang="ar"' in body  # right to left kept, tagged
    assert "Е\u0301кі" in body  # combining characters kept as they are
    assert "Ankara'da yeni metro" in body or "Ankaraʼda yeni metro" in body  # around the invalid bytes
    jsonl = cli("convert", src, "-o", tmp_path / "jsonl", "-f", "jsonl")
    assert jsonl.exit_code == 0, jsonl.output
    docs = [json.loads(p.read_text()) for p in (tmp_path / "jsonl").glob("*.jsonl")]
    codes = {Path(d["source"]).name: {w["code"] for w in d["warnings"]} for d in docs}
    assert "control-characters" in codes["nul-and-controls.txt"]
    assert "encoding" in codes["invalid-utf8.txt"] and "encoding" in codes["mixed-encodings.txt"]


BOILERPLATE_HTML = """<html><head><title>Example Media</title></head><body>
<nav><ul><li><a href="/">Home</a></li></ul></nav>
<div class="share">Share on Facebook</div><div class="subscribe">Subscribe to our newsletter</div>
<footer><p>© 2024 Example Media. All rights reserved.</p></footer></body></html>"""
BOILERPLATE_TEXT = (
    "Share on Facebook\nRead more\n© 2024 Example Media. All rights reserved.\nSubscribe to our newsletter\n"
)


@pytest.mark.parametrize("command", ["convert", "clean"])
def test_empty_files_fail_and_boilerplate_only_pages_are_skipped(cli, tmp_path, command):
    src = tmp_path / "in"
    src.mkdir()
    (src / "empty.txt").write_bytes(b"")
    (src / "blank.txt").write_bytes(b"  \n\n\t \r\n")
    (src / "only-nul.txt").write_bytes(b"\x00\x00\x00\n")
    (src / "boilerplate.html").write_text(BOILERPLATE_HTML)
    (src / "boilerplate.txt").write_text(BOILERPLATE_TEXT)
    (src / "empty.html").write_text("<html><body></body></html>")
    (src / "good.txt").write_text(TR)
    out = tmp_path / "out"
    result = cli(command, src, "-o", out)
    assert result.exit_code == 1, result.output
    found = failures(out)
    assert sorted(found) == sorted(p.name for p in src.iterdir() if p.name != "good.txt"), found
    assert found["empty.txt"]["code"] == "empty-input" and found["blank.txt"]["code"] == "empty-input"
    assert found["boilerplate.html"]["code"] == "empty-document"
    assert {n for n, r in found.items() if r["status"] == "skipped"} == {
        "boilerplate.html",
        "boilerplate.txt",
        "empty.html",
    }
    assert "only boilerplate" in found["boilerplate.html"]["error"]
    assert "only boilerplate" in found["boilerplate.txt"]["error"]
    for name, record in found.items():
        assert str(src / name) in record["error"]
    failed_lines = [line for line in result.output.splitlines() if line.startswith("FAILED")]
    assert len(failed_lines) == len([r for r in found.values() if r["status"] == "failed"])
    assert len(list(out.glob("*.*"))) > 1  # good.txt written beside failures.jsonl


def test_detect_on_hostile_text(cli, tmp_path):
    paths = []
    for name, data in hostile_texts().items():
        if name.endswith(".txt"):
            (tmp_path / name).write_bytes(data)
            paths.append(tmp_path / name)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = cli("detect", *paths, empty)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == len(paths)
    tags = {Path(line.split("\t")[0]).name: line.split("\t")[1] for line in lines}
    assert tags["rtl-arabic.txt"] == "ar" and tags["utf16-bom.txt"] == "kk-Cyrl"
    assert tags["invalid-utf8.txt"] == "tr" and tags["nul-and-controls.txt"] == "tr"
    assert f"{empty}: empty file" in result.stderr
    result = cli("detect", "--lines", tmp_path / "nul-and-controls.txt", tmp_path / "rtl-arabic.txt")
    assert result.exit_code == 0 and all("\t" in line for line in result.stdout.splitlines())


def _run_measured(*args: str, cwd: Path) -> tuple[int, float, int, str]:
    """Run ``python -m toolkit ARGS``; return (exit code, seconds, peak RSS in MB, stderr)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "toolkit", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    err = proc.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, time.monotonic() - started, usage.ru_maxrss // 1024, err


def test_fifty_megabyte_single_line_is_handled_in_bounded_time_and_memory(tmp_path):
    """50 MB of text without a line break: cleaned and identified in linear time (about 10 s,
    1 GB here); NewsML-G2 refuses the 50 MB paragraph (libxml2 readers refuse text nodes over
    10 MB) with a one-line error instead of writing an item nobody can read."""
    line = ("Ankara'da yeni metro hattı hizmete girdi ve günde yüz seksen bin yolcu taşıyacak. " * 600_000)[:50_000_000]
    assert len(line.encode()) >= 50_000_000 and "\n" not in line
    src = tmp_path / "one-line.txt"
    src.write_text(line)
    code, seconds, rss, err = _run_measured("convert", str(src), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert code == 1 and "over 10000000" in err and str(src) in err, err
    assert seconds < 180, seconds  # ~10 s on the 2-core dev machine; quadratic would be hours
    assert rss < 2500, rss  # ~1 GB
    assert json.loads((tmp_path / "out" / "failures.jsonl").read_text())["code"] == "invalid-output"


def test_ten_megabyte_single_line_through_clean_and_detect(tmp_path):
    line = ("Алматыда жаңа метро желісі ашылды, қала тұрғындары қуанышты. " * 170_000)[:10_000_000]
    src = tmp_path / "one-line.txt"
    src.write_text(line)
    code, seconds, rss, err = _run_measured("clean", str(src), cwd=tmp_path)
    assert code == 0 and seconds < 90 and rss < 1500, (code, seconds, rss, err)
    code, seconds, rss, err = _run_measured("detect", str(src), cwd=tmp_path)
    assert code == 0 and seconds < 90 and rss < 1500, (code, seconds, rss, err)
    code, seconds, rss, err = _run_measured("convert", str(src), "-o", str(tmp_path / "o"), "-f", "jsonl", cwd=tmp_path)
    assert code == 0 and seconds < 90 and rss < 1500, (code, seconds, rss, err)


def test_page_of_many_paragraphs_skips_the_quadratic_extractor(cli, tmp_path):
    """trafilatura's XPath queries are quadratic in libxml2 (133k paragraphs: 36 s): a page with
    more elements than MAX_EXTRACTOR_ELEMENTS is read as plain block text, with a warning."""
    from toolkit.processors.clean.html import MAX_EXTRACTOR_ELEMENTS

    paragraphs = [f"Бұл {i}-ші абзац: қала тұрғындары жаңа метро желісіне қуанышты." for i in range(25_000)]
    page = (
        "<html><head><title>Метро</title></head><body><nav><a>Басты бет</a> | <a>Жаңалықтар</a></nav>"
        "<article><h1>Алматыда жаңа метро</h1>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article>"
        "<footer>© 2025 Example Media</footer></body></html>"
    )
    assert page.count("<p>") > MAX_EXTRACTOR_ELEMENTS
    src = tmp_path / "big.html"
    src.write_text(page)
    started = time.monotonic()
    result = cli("convert", src, "-o", tmp_path / "out", "-f", "jsonl")
    assert time.monotonic() - started < 60
    assert result.exit_code == 0, result.output
    (doc,) = [json.loads(p.read_text()) for p in (tmp_path / "out").glob("*.jsonl")]
    assert [p["text"] for p in doc["paragraphs"]] == paragraphs
    assert "large-page" in {w["code"] for w in doc["warnings"]}
    assert "Басты бет" not in json.dumps(doc["paragraphs"], ensure_ascii=False)  # navigation left out


def test_removal_log_of_a_huge_page_stays_linear(monkeypatch):
    """Long dropped blocks are checked against the kept text within a budget of characters."""
    from toolkit.processors.clean import html as clean_html_module
    from toolkit.processors.clean.html import clean_html
    from toolkit.processors.clean.markers import default_markers
    from toolkit.processors.clean.rules import Rules

    monkeypatch.setattr(clean_html_module, "_CONTAINMENT_BUDGET", 0)
    sidebar = "".join(
        f"<aside><p>Sidebar teaser number {i} about something else entirely here.</p></aside>" for i in range(50)
    )
    page = f"<html><body><article><h1>Title of it</h1><p>{TR}</p></article>{sidebar}</body></html>"
    out = clean_html(page, Rules(default_markers()))
    assert any(r.rule == "html-boilerplate" and "Sidebar teaser number 7 " in r.text for r in out.cleaned.removals)


def test_ngram_scores_of_many_texts_do_not_depend_on_slicing(monkeypatch):
    """scores_many scores BATCH_CHARS at a time (flat memory on documents of a million
    paragraphs): the slices give exactly the scores of one pass."""
    from toolkit.langid import ngram
    from toolkit.langid.normalize import prepare

    model = ngram.load_model()
    texts = [prepare(t) for t in [*TR.split("\n\n"), *KK.split("\n\n"), "", "x", AR] * 7]
    candidates = [None] * len(texts)
    whole = model.scores_many(texts, candidates)
    monkeypatch.setattr(ngram, "BATCH_CHARS", 150)
    assert model.scores_many(texts, candidates) == whole
    for text, scores in zip(texts, whole, strict=True):  # one text at a time: the same up to float sums
        single = model.scores(text, None)
        assert scores.keys() == single.keys() and all(
            scores[k] == pytest.approx(single[k], rel=1e-3, abs=1e-9) for k in single
        ), text


def test_ngram_scores_of_a_text_before_texts_without_evidence():
    """Regression: a text followed by texts without any known n-gram lost its last n-gram
    (the starts of the empty segments were clamped into the previous one)."""
    from toolkit.langid import ngram
    from toolkit.langid.ngram import fold_case

    model = ngram.load_model()
    alone, known = model.raw_scores(fold_case("abc"))
    matrix, counts = model.raw_scores_many([fold_case(t) for t in ("abc", "", "")])
    assert counts.tolist() == [known, 0, 0]
    assert matrix[0].tolist() == pytest.approx(alone.tolist(), rel=1e-5)
    assert not matrix[1:].any()


def _pipe_with(data: bytes):  # type: ignore[no-untyped-def]
    """A readable pipe fed with ``data`` by a thread (as stdin would be)."""
    import threading

    read_fd, write_fd = os.pipe()

    def feed() -> None:
        with os.fdopen(write_fd, "wb") as out:
            out.write(data)

    threading.Thread(target=feed, daemon=True).start()
    return os.fdopen(read_fd, "rb")


def test_stream_reads_a_huge_line_in_linear_time():
    """Regression: read_lines searched the whole buffer for a newline and copied it at every
    64 KB read (a 144 MB line took 158 s); now 1.3 s."""
    from toolkit.stream import read_lines

    line = b'{"text": "' + b"x" * 60_000_000 + b'"}'
    started = time.monotonic()
    batches = list(read_lines(_pipe_with(line + b"\n" + b'{"text": "y"}\n'), 16))
    assert time.monotonic() - started < 10
    lines = [item for batch in batches for item in batch]
    assert [(n, len(text or b"")) for n, text in lines] == [(1, len(line)), (2, 13)]


def test_stream_line_over_the_limit_is_an_error_record():
    from toolkit.pipeline import PipelineSpec
    from toolkit.stream import process_stream, read_lines
    from toolkit.worker import OutputSpec, Worker

    good = json.dumps({"text": KK}).encode()
    data = b"\n".join([good, b'{"text": "' + b"z" * 5000 + b'"}', good.replace(b"\\u0410", b"A"), b"q" * 3000])
    out: list[str] = []
    report = process_stream(
        read_lines(_pipe_with(data), 16, max_line=1000),
        Worker(PipelineSpec.from_names(["segment"]), OutputSpec(None, "jsonl")),
        out.append,
    )
    records = [json.loads(line) for line in out]
    assert [r["status"] for r in records] == ["ok", "failed", "ok", "failed"] and report.failed == 2
    assert "line longer than" in records[1]["error"]["message"] and "<stdin>:2" in records[1]["error"]["message"]


def test_utf16_without_bom_is_read_and_zero_byte_garbage_is_not(cli, tmp_path):
    """UTF-16 without a BOM used to fail as "binary file (too many control bytes)" (Cyrillic
    letters have no zero byte), while ``00 FF`` repeated was published as "ÿÿÿÿ..."."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "kk-le.txt").write_bytes(KK.encode("utf-16-le"))
    (src / "tr-be.txt").write_bytes(TR.encode("utf-16-be"))
    page = f"<html><head><title>Метро</title></head><body><p>{KK}</p></body></html>"
    (src / "kk-le.html").write_bytes(page.encode("utf-16-le"))
    (src / "garbage.txt").write_bytes(b"\x00\xff" * 4000)
    out = tmp_path / "out"
    result = cli("convert", src, "-o", out, "-f", "jsonl")
    assert result.exit_code == 1, result.output
    docs = {
        Path(d["source"]).name: d
        for d in (json.loads(p.read_text()) for p in out.glob("*.jsonl") if p.name != "failures.jsonl")
    }
    assert sorted(docs) == ["kk-le.html", "kk-le.txt", "tr-be.txt"]
    assert docs["kk-le.txt"]["lang"] == docs["kk-le.html"]["lang"] == "kk-Cyrl" and docs["tr-be.txt"]["lang"] == "tr"
    assert failures(out)["garbage.txt"]["code"] == "binary-input"
    # the same garbage on stdin is refused too, and nothing is written
    result = cli("convert", "-", "-o", tmp_path / "stdin", "-f", "txt", input=b"\x00\xff" * 4000)
    assert result.exit_code == 1 and "binary file" in result.output
    assert not list((tmp_path / "stdin").glob("*.txt"))
    # UTF-16 HTML on stdin is sniffed as HTML (its title found), not read as text
    result = cli("convert", "-", "-o", tmp_path / "html", "-f", "jsonl", input=page.encode("utf-16-be"))
    assert result.exit_code == 0, result.output
    (doc,) = [json.loads(p.read_text()) for p in (tmp_path / "html").glob("*.jsonl")]
    assert doc["raw_format"] == "html" and doc["title"] == "Метро"


@pytest.mark.parametrize("command", ["convert", "detect", "clean"])
def test_one_repeated_character_is_not_a_document(cli, tmp_path, command):
    src = tmp_path / "in"
    src.mkdir()
    for name, text in {"dashes.txt": "-" * 500, "zeros.txt": "0" * 300 + "\n", "dots.txt": ". . . .\n. . ."}.items():
        (src / name).write_text(text)
    (src / "records.jsonl").write_text(json.dumps({"text": "=" * 80}) + "\n" + json.dumps({"text": TR}) + "\n")
    args = [command, src] + (["-o", tmp_path / "out"] if command != "detect" else [])
    result = cli(*args)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if "not a document" in line]
    assert len(errors) == 4, result.stderr
    assert any(
        f"{src / 'dashes.txt'}: not a document: the text is one character repeated ('-' x 500)" in e for e in errors
    )
    if command == "convert":
        found = failures(tmp_path / "out")
        assert {r["code"] for r in found.values()} == {"not-a-document"} and len(found) == 4
