"""``toolkit detect``: per file, per paragraph, per line; text and JSON; errors and exit codes."""

from __future__ import annotations

import json

from toolkit.cli.detect import ENGINES
from toolkit.langid import ENGINE_NAMES

from .conftest import SAMPLES, run_toolkit
from .test_langid import SENTENCES


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_engine_choices_match_the_library():
    assert ENGINES == ENGINE_NAMES


def test_one_result_per_file(cli, tmp_path):
    kk = write(tmp_path, "kk.txt", SENTENCES["kk"] + "\n\n" + SENTENCES["kk"])
    uz = write(tmp_path, "uz.html", f"<html><body><p>{SENTENCES['uz']}</p><p>{SENTENCES['uz']}</p></body></html>")
    result = cli("detect", kk, uz)
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.output.splitlines()]
    assert [r[0] for r in rows] == [str(kk), str(uz)]
    assert [r[1] for r in rows] == ["kk-Cyrl", "uz-Latn"]
    assert [r[3] for r in rows] == ["Cyrl", "Latn"]
    assert all(0.5 < float(r[2]) <= 1 for r in rows)


def test_paragraphs_and_json(cli, tmp_path):
    quote = "«Я впервые услышал кюй Курмангазы двадцать лет назад и с тех пор не могу от него оторваться», — сказал он."
    src = write(tmp_path, "mixed.txt", f"{SENTENCES['kk']}\n\n{quote}\n\n{SENTENCES['kk']}")
    text = cli("detect", src, "--paragraphs")
    assert text.exit_code == 0
    lines = text.output.splitlines()
    assert lines[0].endswith("\tmixed") and "\tkk-Cyrl\t" in lines[0]
    assert [line.split("\t")[1] for line in lines[1:]] == ["kk-Cyrl", "ru", "kk-Cyrl"]
    record = json.loads(cli("detect", src, "--paragraphs", "--format", "json").output)
    assert record["lang"] == "kk-Cyrl" and record["mixed"] is True and record["script"] == "Cyrl"
    assert [p["lang"] for p in record["paragraphs"]] == ["kk-Cyrl", "ru", "kk-Cyrl"]
    assert set(record["languages"]) == {"kk-Cyrl", "ru"}


def test_lines_from_stdin_keep_alignment(cli):
    stdin = "\n".join([SENTENCES["ky"], "", "12345", SENTENCES["tr"], "https://example.com"]) + "\n"
    result = cli("detect", "--lines", input=stdin.encode())
    assert result.exit_code == 0
    assert [line.split("\t")[0] for line in result.output.splitlines()] == ["ky", "und", "und", "tr", "und"]
    as_json = cli("detect", "--lines", "--format", "json", "-", input=stdin.encode())
    records = [json.loads(line) for line in as_json.output.splitlines()]
    assert [r["line"] for r in records] == [1, 2, 3, 4, 5] and records[0]["script"] == "Cyrl"
    assert records[1] == {"source": "<stdin>", "line": 2, "lang": "und", "confidence": 0.0, "script": None}


def test_lines_of_files_are_prefixed_with_source(cli, tmp_path):
    src = write(tmp_path, "lines.txt", SENTENCES["az"] + "\n" + SENTENCES["tk"] + "\n")
    result = cli("detect", "--lines", src)
    assert result.output.splitlines() == [f"{src}:1\taz\t1.000\tLatn", f"{src}:2\ttk\t1.000\tLatn"]


def test_engine_option(cli, tmp_path):
    src = write(tmp_path, "uzc.txt", SENTENCES["uz_Cyrl"])
    for engine in ENGINES:
        result = cli("detect", src, "--engine", engine)
        assert result.exit_code == 0 and result.output.split("\t")[1] == "uz-Cyrl", engine
    bad = cli("detect", src, "--engine", "nope")
    assert bad.exit_code == 2


def test_languages_option(cli, tmp_path):
    src = write(tmp_path, "kk.txt", SENTENCES["kk"])
    assert cli("detect", src, "--languages", "ky,ru").output.split("\t")[1] in ("ky", "ru")
    assert cli("detect", src, "--languages", "xx").exit_code == 2
    assert cli("detect", "--lines", "-", "--languages", "xx", input=b"abc\n").exit_code == 2


def test_bad_file_is_reported_and_the_rest_goes_on(cli, tmp_path):
    good = write(tmp_path, "good.txt", SENTENCES["en"])
    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01")
    result = cli("detect", broken, good)
    assert result.exit_code == 1
    assert f"{good}\ten\t" in result.stdout
    assert str(broken) in result.stderr and "PNG" in result.stderr
    as_json = cli("detect", broken, good, "--format", "json")
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert records[0]["source"] == str(broken) and "error" in records[0] and records[1]["lang"] == "en"
    lines = cli("detect", "--lines", broken, good)
    assert lines.exit_code == 1 and f"{good}:1\ten" in lines.stdout


def test_usage_errors_exit_2(cli, tmp_path):
    assert cli("detect", tmp_path / "missing.txt").exit_code == 2
    assert cli("detect", "--lines", "--paragraphs", "-", input=b"x").exit_code == 2


def test_samples_end_to_end_in_a_subprocess():
    if not SAMPLES.is_dir():
        return
    proc = run_toolkit("detect", SAMPLES, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    found = {json.loads(line)["source"].rsplit("/", 1)[-1]: json.loads(line) for line in proc.stdout.splitlines()}
    expectations = json.loads((SAMPLES.parent / "tests" / "expectations" / "samples.json").read_text("utf-8"))
    for name, exp in expectations.items():
        assert found[name]["lang"] == exp["lang"], name


def test_readme_language_identification_example_runs():
    import re

    readme = (SAMPLES.parent / "README.md").read_text("utf-8")
    (block,) = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "toolkit.langid" in b]
    namespace: dict = {}
    exec(compile(block, "README", "exec"), namespace)
    assert namespace["d"].lang == "kk-Cyrl" and namespace["detect"]("Oʻzbekiston poytaxti Toshkent") == "uz-Latn"
