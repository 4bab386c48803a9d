from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from toolkit.document import Document
from toolkit.errors import ConfigError
from toolkit.io.readers import ReadOptions, Source, iter_sources, read_inputs, read_source


def write(path, data: bytes | str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def test_walks_directories_sorted_skipping_hidden_and_docs(tmp_path):
    write(tmp_path / "b.txt", "B text")
    write(tmp_path / "a" / "c.html", "<p>C</p>")
    write(tmp_path / ".hidden.txt", "hidden")
    write(tmp_path / ".git" / "x.txt", "git")
    write(tmp_path / "README.md", "docs")
    write(tmp_path / "image.png", b"\x89PNG")
    sources = list(iter_sources([str(tmp_path)]))
    names = [(s.display.replace(str(tmp_path), ""), s.supported) for s in sources]
    assert names == [("/b.txt", True), ("/image.png", False), ("/a/c.html", True)]


def test_globs_and_missing_inputs(tmp_path):
    write(tmp_path / "x1.txt", "one")
    write(tmp_path / "x2.txt", "two")
    assert [s.display for s in iter_sources([str(tmp_path / "x*.txt")])] == [
        str(tmp_path / "x1.txt"),
        str(tmp_path / "x2.txt"),
    ]
    with pytest.raises(ConfigError, match="no input matches"):
        list(iter_sources([str(tmp_path / "nothing*.txt")]))
    with pytest.raises(ConfigError, match="input not found"):
        list(iter_sources([str(tmp_path / "missing.txt")]))


def test_same_file_named_twice_is_read_once(tmp_path):
    f = write(tmp_path / "a.txt", "A")
    assert len(list(iter_sources([str(f), str(tmp_path), str(f)]))) == 1


def test_exclude_output_directory(tmp_path):
    write(tmp_path / "in.txt", "text")
    write(tmp_path / "out" / "old.jsonl", "{}")
    assert [s.display for s in iter_sources([str(tmp_path)], exclude=[tmp_path / "out"])] == [str(tmp_path / "in.txt")]


def test_text_and_html_documents(tmp_path):
    t = write(tmp_path / "t.txt", "Заголовок\n\nТекст.".encode("cp1251"))
    h = write(
        tmp_path / "h.html",
        '<html><head><meta charset="windows-1251"></head><body>Привет мир</body></html>'.encode("cp1251"),
    )
    (doc,) = read_source(Source(str(t), str(t)))
    assert doc.raw_format == "text" and doc.encoding == "cp1251" and doc.raw.startswith("Заголовок")
    assert doc.source == str(t)
    (page,) = read_source(Source(str(h), str(h)))
    assert page.raw_format == "html" and "Привет мир" in page.raw


def test_html_declared_cp1252_that_is_really_turkish(tmp_path):
    body = "<html><head><meta charset='windows-1252'></head><body>Şehirlerarası ulaşım ağı genişliyor.</body></html>"
    h = write(tmp_path / "h.html", body.encode("cp1254"))
    (page,) = read_source(Source(str(h), str(h)))
    assert "Şehirlerarası ulaşım ağı" in page.raw


def test_unreadable_input_becomes_failed_document(tmp_path):
    bad = write(tmp_path / "bad.txt", b"\x1f\x8b\x08\x00garbage")
    empty = write(tmp_path / "empty.txt", b"")
    docs = list(read_inputs([str(tmp_path)]))
    assert [d.status for d in docs] == ["failed", "failed"]
    assert docs[0].errors[0].code == "binary-input" and str(bad) in docs[0].errors[0].message
    assert docs[1].errors[0].code == "empty-input" and str(empty) in docs[1].errors[0].message


def test_jsonl_documents_and_bad_lines(tmp_path):
    good = Document.from_text("Hello there.", source="orig.txt")
    lines = [good.to_json(), "{broken", json.dumps({"raw": "Only raw text."}), "", json.dumps({"id": "x", "bogus": 1})]
    f = write(tmp_path / "docs.jsonl", "\n".join(lines) + "\n")
    docs = list(read_source(Source(str(f), str(f))))
    assert [d.status for d in docs] == ["ok", "failed", "ok", "failed"]
    assert docs[0] == good
    assert docs[1].source == f"{f}:2" and f"{f}:2" in docs[1].errors[0].message
    assert docs[2].raw == "Only raw text." and docs[2].source == f"{f}:3"
    assert "unknown field" in docs[3].errors[0].message


def test_stdin_is_sniffed():
    text = Source(None, "<stdin>")
    (doc,) = read_source(text, stdin=io.BytesIO("Düz metin.".encode()))
    assert doc.raw_format == "text" and doc.source == "<stdin>"
    (page,) = read_source(text, stdin=io.BytesIO(b"<!DOCTYPE html><html><body><p>x</p></body></html>"))
    assert page.raw_format == "html"
    docs = list(read_source(text, stdin=io.BytesIO(b'{"raw": "a"}\n{"raw": "b"}\n')))
    assert [d.raw for d in docs] == ["a", "b"]


def test_size_limit(tmp_path):
    f = write(tmp_path / "big.txt", "x" * 2000)
    (doc,) = read_source(Source(str(f), str(f)), ReadOptions(max_bytes=1000))
    assert doc.status == "failed" and "larger than" in doc.errors[0].message


def test_forced_encoding_option(tmp_path):
    f = write(tmp_path / "f.txt", "Şule".encode("cp1254"))
    (doc,) = read_source(Source(str(f), str(f)), ReadOptions(encoding="cp1254"))
    assert doc.raw == "Şule" and doc.encoding == "cp1254"


def test_open_regular_refuses_what_is_not_a_regular_file_without_blocking(tmp_path):
    import os

    from toolkit.errors import UnsupportedInputError
    from toolkit.io.readers import open_regular

    os.mkfifo(tmp_path / "fifo.txt")
    with pytest.raises(UnsupportedInputError, match=r"fifo.txt: not a regular file \(a FIFO\)"):
        open_regular(tmp_path / "fifo.txt")
    with pytest.raises(UnsupportedInputError, match=r"not a regular file \(a character device\)"):
        open_regular("/dev/null")
    with pytest.raises(UnsupportedInputError, match=r"not a regular file \(a folder\)"):
        open_regular(tmp_path)
    with open_regular(write(tmp_path / "a.txt", "text")) as fh:
        assert fh.read() == b"text"


def test_globs_match_as_the_standard_glob_does_on_a_plain_tree(tmp_path, monkeypatch):
    import glob

    for name in ("a.txt", "b.html", ".hidden.txt", "sub/c.txt", "sub/deep/d.txt", "sub/.dot/e.txt", "x1/f.txt"):
        write(tmp_path / name, "text")
    monkeypatch.chdir(tmp_path)
    patterns = ["*.txt", "**/*.txt", "sub/**/*.txt", "*/*.txt", "x?/*", "[ab].*", "./*.txt", ".*.txt", "sub/*"]
    for pattern in patterns + [str(tmp_path / p) for p in patterns if not p.startswith("./")]:
        expected = sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
        got = sorted(s.path for s in iter_sources([pattern]) if s.path)
        if pattern.endswith("sub/*"):  # a folder matched is walked
            expected = sorted({*expected, str(Path(pattern).parent / "deep" / "d.txt")})
        assert got == expected, pattern


def test_the_output_marker_is_the_writers_folder():
    from toolkit.io.readers import OUTPUT_MARKER
    from toolkit.io.writers import MANIFEST_DIR

    assert OUTPUT_MARKER == MANIFEST_DIR
