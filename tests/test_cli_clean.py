"""``toolkit clean``: stdin/stdout, files to a folder, --explain, formats, errors and exit codes."""

from __future__ import annotations

import json

from toolkit.document import Document

from .conftest import SAMPLES, run_toolkit

SEED = SAMPLES / "000_ab90c8014bb1237b.txt"
TITLE = "The 2nd Central Asian Media Forum Has Started in Astana"


def test_stdin_to_stdout_text(cli):
    result = cli("clean", input=SEED.read_bytes())
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith(TITLE + "\n\nToday, April 16, ")
    assert out.endswith("the UK, the US, and Russia.\n")
    assert "İlginizi" not in out and "©" not in out and "Photo by" not in out


def test_files_to_stdout_jsonl_keep_metadata_and_removals(cli):
    result = cli("clean", SEED, SAMPLES / "tr_festival.html", "--format", "jsonl")
    assert result.exit_code == 0
    docs = [Document.from_json(line) for line in result.stdout.splitlines()]
    assert [d.title for d in docs] == [TITLE, "Eskişehir'de Türk Dünyası Belgesel Film Festivali başladı"]
    assert docs[0].meta.copyright_holder == "S-B-E Ltd" and docs[0].removed
    assert docs[1].meta.photo_credits == ["Ali Rıza Çelik"]


def test_explain_prints_every_removal_on_stderr(cli):
    result = cli("clean", SAMPLES / "004_882c4283722db18a.txt", "--explain")
    assert result.exit_code == 0
    err = result.stderr
    assert "title: The Kazakh delegation includes" in err and "[derived from the first sentence]" in err
    assert "published: 2024-11-18" in err and "photo credits: Saparbek Zhaksylyk" in err
    assert err.count("photo-credit") == 3 and "L1" in err and "date glued in front of the text" in err
    assert "photo-credit" not in result.stdout


def test_folder_output_failures_and_exit_code(cli, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "seed.txt").write_bytes(SEED.read_bytes())
    (src / "junk.txt").write_text("Ana Sayfa > Ekonomi\n\nPaylaş\n\n© 2024 Site", "utf-8")
    (src / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    out = tmp_path / "out"
    result = cli("clean", src, "-o", out)
    assert result.exit_code == 1
    assert "FAILED" in result.stderr and "junk.txt" in result.stderr and "binary.txt" in result.stderr
    assert "3 documents, 1 ok, 1 failed, 1 skipped (1 empty-document)" in result.stderr
    texts = list(out.glob("*.txt"))
    assert len(texts) == 1 and texts[0].read_text("utf-8").startswith(TITLE + "\n\n")
    failures = [json.loads(line) for line in (out / "failures.jsonl").read_text("utf-8").splitlines()]
    assert {f["code"] for f in failures} == {"empty-document", "binary-input"}
    again = cli("clean", src / "seed.txt", "-o", out, "-f", "jsonl")
    assert again.exit_code == 0 and not (out / "failures.jsonl").exists()
    assert not (out / ".toolkit" / "tmp").exists()  # no staging folder left behind


def test_usage_errors_exit_2(cli, tmp_path):
    assert cli("clean", tmp_path / "missing.txt").exit_code == 2
    config = tmp_path / "bad.toml"
    config.write_text('[steps.clean]\nextra_markers = { teasers = ["x"] }\n', "utf-8")
    result = cli("clean", SEED, "-c", config)
    assert result.exit_code == 2 and "teasers" in result.stderr
    assert cli("clean", SEED, "--format", "xml").exit_code == 2


def test_config_extends_the_markers(cli, tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(SEED.read_text("utf-8").replace("Photo by Derya Soysal", "Kaynak: Derya Soysal"), "utf-8")
    # an unknown label: the line goes by its shape ("Label: Name" above the text), but as no credit
    plain = Document.from_json(cli("clean", page, "-f", "jsonl").stdout)
    assert "Kaynak" not in plain.text and plain.meta.photo_credits == []
    config = tmp_path / "site.toml"
    config.write_text('[steps.clean]\nextra_markers = { credit = ["Kaynak:"] }\n', "utf-8")
    result = cli("clean", page, "-c", config, "-f", "jsonl")
    assert result.exit_code == 0
    assert Document.from_json(result.stdout).meta.photo_credits == ["Derya Soysal"]


def test_real_process_stdin_stdout_and_exit_codes():
    proc = run_toolkit("clean", input=SEED.read_bytes())
    assert proc.returncode == 0 and proc.stdout.decode("utf-8").startswith(TITLE)
    proc = run_toolkit("clean", "-", input="© 2024 Site\n\nPaylaş\n".encode())
    assert proc.returncode == 0 and proc.stdout == b""  # only boilerplate: skipped, not failed
    assert b"SKIPPED <stdin>: nothing left after cleaning" in proc.stderr
    proc = run_toolkit("clean", "-", input=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert proc.returncode == 1 and b"FAILED <stdin>" in proc.stderr


def test_convert_uses_clean_by_default(cli, tmp_path):
    out = tmp_path / "out"
    assert cli("convert", SEED, "-o", out, "-f", "jsonl").exit_code == 0
    (doc,) = [Document.from_json(p.read_text("utf-8")) for p in out.glob("*.jsonl")]
    assert doc.title == TITLE and len(doc.paragraphs) == 13
