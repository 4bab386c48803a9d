"""`toolkit validate`: IPTC's schema by default, --profile, --xsd; line numbers; exit codes."""

from __future__ import annotations

import shutil

from .conftest import SAMPLES, run_toolkit, shared

ITEM = "03_minimal_text.xml"


def own_example(tmp_path, name=ITEM):  # type: ignore[no-untyped-def]
    target = tmp_path / name
    shutil.copy(shared("newsml-g2", "own-examples", name), target)
    return target


def test_valid_files_exit_0(cli, tmp_path):
    result = cli(
        "validate", shared("newsml-g2", "examples", "LISTING_1_A_NewsML-G2_News_Item.xml"), own_example(tmp_path)
    )
    assert result.exit_code == 0, result.output
    assert result.output.count(": valid") == 2 and "2 file(s): 2 valid, 0 invalid" in result.output


def test_invalid_file_exit_1_with_line_numbers(cli, tmp_path):
    good = own_example(tmp_path)
    bad = tmp_path / "bad.xml"
    text = good.read_text("utf-8").replace("<pubStatus", "<bogus/>\n    <pubStatus")
    bad.write_text(text, "utf-8")
    line = text.splitlines().index("    <bogus/>") + 1
    result = cli("validate", good, bad)
    assert result.exit_code == 1
    problems = [row for row in result.output.splitlines() if row.startswith(str(bad))]
    assert problems and problems[0].startswith(f"{bad}:{line}: Element '{{http://iptc.org/std/nar/2006-10-01/}}bogus'")
    assert problems[0].endswith("[IPTC NewsML-G2 2.35]")
    assert "2 file(s): 1 valid, 1 invalid" in result.output


def test_profile_is_stricter_than_iptc(cli, tmp_path):
    item = own_example(tmp_path)  # valid for IPTC; no inline catalog or hop history: not our profile
    assert cli("validate", item).exit_code == 0
    result = cli("validate", "--profile", item)
    assert result.exit_code == 1
    assert f"{item}:6: " in result.output and "[toolkit NewsML-G2 profile]" in result.output


def test_converted_output_passes_profile_and_unreadable_files_fail(cli, tmp_path):
    out = tmp_path / "out"
    assert (
        cli("convert", SAMPLES / "kk_weather.html", SAMPLES / "uz_textile.html", "-o", out, "--bundle").exit_code == 0
    )
    result = cli("validate", "--profile", "-q", out)
    assert result.exit_code == 0 and result.output.strip() == "2 file(s): 2 valid, 0 invalid"
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<newsItem>\n<unclosed>\n</newsItem>")
    result = cli("validate", broken)
    assert result.exit_code == 1 and f"{broken}:3:" in result.output and "not well-formed XML" in result.output
    evil = tmp_path / "evil.xml"
    evil.write_bytes(b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><newsItem>&e;</newsItem>')
    result = cli("validate", evil)
    assert result.exit_code == 1 and "DOCTYPE declaration is refused" in result.output


def test_any_xsd(cli, tmp_path):
    core = shared("newsml-g2", "xsd", "NewsML-G2_2.24-spec-All-Core.xsd")
    folder = tmp_path / "xsd"
    folder.mkdir()
    shutil.copy(core, folder / core.name)
    shutil.copy(shared("newsml-g2", "xsd", "xml.xsd"), folder / "xml.xsd")
    listing2 = shared("newsml-g2", "examples", "LISTING_2_NewsML-G2_Text_Document.xml")
    assert cli("validate", "--xsd", folder / core.name, listing2).exit_code == 0
    # an XSD whose import is not in its own folder is refused: nothing is fetched or read elsewhere
    lonely = tmp_path / "lonely.xsd"
    shutil.copy(core, lonely)
    result = cli("validate", "--xsd", lonely, listing2)
    assert result.exit_code == 2 and "cannot load schema" in result.output


def test_usage_errors_exit_2(cli, tmp_path):
    assert cli("validate", tmp_path / "missing.xml").exit_code == 2
    assert (
        cli("validate", "--profile", "--xsd", shared("newsml-g2", "xsd", "xml.xsd"), own_example(tmp_path)).exit_code
        == 2
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli("validate", empty).exit_code == 2


def test_subprocess_exit_code(tmp_path):
    bad = tmp_path / "x.xml"
    bad.write_text('<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/"/>')
    proc = run_toolkit("validate", bad)
    assert proc.returncode == 1 and f"{bad}:1: ".encode() in proc.stdout
