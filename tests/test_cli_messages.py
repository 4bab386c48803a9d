"""A newsroom's error cases, through the command line: each message names the file and the fix."""

from __future__ import annotations

import json

import pytest

from toolkit import Pipeline
from toolkit.errors import ConfigError

from .conftest import SAMPLES, run_toolkit

# -- configuration typos --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "toml, message",
    [
        (
            "[steps.clean]\nmin_doc = 3\n",
            "pipeline.toml: [steps.clean] has no option 'min_doc' (did you mean 'min_docs'?)",
        ),
        ("[pipelin]\nsteps = ['clean']\n", "pipeline.toml: unknown section [pipelin] (did you mean [pipeline]?)"),
        (
            "[pipeline]\nbatchsize = 3\n",
            "pipeline.toml: unknown key 'batchsize' in [pipeline] (did you mean 'batch_size'?)",
        ),
        (
            "[pipeline]\nsteps = ['clean', 'langdi']\n",
            "pipeline.toml: pipeline.steps: unknown processor 'langdi' (did you mean 'langid'?)",
        ),
        (
            "[steps.claen]\nmin_docs = 3\n",
            "pipeline.toml: [steps.claen]: unknown processor 'claen' (did you mean 'clean'?)",
        ),
        (
            "[output]\nformat = 'newsml'\noptions = { bundel = true }\n",
            "pipeline.toml: [output.options] has no option 'bundel' for format 'newsml' (did you mean 'bundle'?)",
        ),
        (
            "[output]\nformat = 'nwsml'\n",
            "pipeline.toml: output.format: unknown format 'nwsml' (did you mean 'newsml'?)",
        ),
    ],
)
def test_a_config_typo_names_the_file_the_key_and_the_closest_valid_one(cli, tmp_path, toml, message):
    config = tmp_path / "pipeline.toml"
    config.write_text(toml)
    result = cli("convert", SAMPLES / "en_copyright_traps.txt", "-o", tmp_path / "out", "-c", config)
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()  # one line
    assert line.startswith("Error: ") and str(config) in line and message.split("pipeline.toml: ", 1)[1] in line
    assert not (tmp_path / "out").exists()


def test_output_options_are_checked_against_the_format_chosen_on_the_command_line(cli, tmp_path):
    config = tmp_path / "pipeline.toml"
    config.write_text("[output]\noptions = { bundle = true }\n")  # a NewsML-G2 option
    result = cli("convert", SAMPLES / "en_copyright_traps.txt", "-o", tmp_path / "out", "-c", config, "-f", "ninjs")
    assert result.exit_code == 2
    assert "[output.options] has no option 'bundle' for format 'ninjs'" in result.stderr


def test_clean_config_typo_is_a_usage_error_naming_the_file(cli, tmp_path):
    config = tmp_path / "site.toml"
    config.write_text("[steps.clean]\nhtml_favour = 'recall'\n")
    result = cli("clean", SAMPLES / "en_copyright_traps.txt", "-c", config)
    assert result.exit_code == 2
    assert f"{config}: [steps.clean] has no option 'html_favour' (did you mean 'html_favor'?)" in result.stderr


def test_the_library_names_the_processor_and_the_closest_option():
    with pytest.raises(ConfigError, match=r"processor 'clean' has no option 'min_doc' \(did you mean 'min_docs'\?\)"):
        Pipeline.from_names(["clean"], {"clean": {"min_doc": 2}})
    with pytest.raises(ConfigError, match=r"unknown processor 'claen' \(did you mean 'clean'\?\)"):
        Pipeline.from_names(["claen"])


# -- --models-dir ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["translate", "x.txt", "--to", "en"],
        ["convert", "samples", "-o", "out", "--to", "en"],
        ["models", "list"],
        ["models", "show", "opus-mt-trk-en"],
        ["models", "remove", "opus-mt-trk-en"],
        ["models", "evaluate", "opus-mt-trk-en", "--pairs", "p.tsv", "--from", "kk", "--to", "en"],
    ],
)
def test_a_models_dir_that_does_not_exist_is_a_usage_error(cli, tmp_path, command):
    missing = tmp_path / "no-such-models"
    result = cli(*command, "--models-dir", missing)
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and str(missing) in errors[0] and "does not exist" in errors[0]
    assert "toolkit models install" in errors[0]  # the fix
    assert not missing.exists()


def test_models_install_may_create_the_models_dir(cli, tmp_path):
    result = cli("models", "install", tmp_path / "nothing.argosmodel", "--models-dir", tmp_path / "new")
    assert "--models-dir" not in result.stderr  # refused for the archive, not for the folder


# -- stream ----------------------------------------------------------------------------------------


def test_stream_says_what_to_send_and_invalid_json_has_its_own_code(cli):
    lines = [json.dumps({"foo": 1}), "{not json", json.dumps({"text": "Two lines.\n\nOf text.", "titel": "x"})]
    result = cli("stream", input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    foo, broken, typo = (r["error"] for r in out)
    assert foo["code"] == "document-format"
    assert '{"text": "..."}' in foo["message"] and "'foo'" in foo["message"]
    assert "'raw'" not in foo["message"] and "'id'" not in foo["message"]  # no internal field names
    assert broken["code"] == "invalid-json" and "<stdin>:2" in broken["message"]
    assert "(did you mean 'title'?)" in typo["message"]


def test_jsonl_files_give_invalid_json_the_same_code(cli, tmp_path):
    data = tmp_path / "feed.jsonl"
    data.write_text('{"text": "Metro opens.\\n\\nFive new stations."}\n{oops\n')
    result = cli("convert", data, "-o", tmp_path / "out")
    assert result.exit_code == 1
    (failure,) = [json.loads(line) for line in (tmp_path / "out" / "failures.jsonl").read_text().splitlines()]
    assert failure["code"] == "invalid-json" and failure["input"].endswith("feed.jsonl:2")


# -- watch -----------------------------------------------------------------------------------------


def test_watch_json_logs_give_failed_files_the_error_level(tmp_path):
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    (inbox / "good.txt").write_bytes((SAMPLES / "en_copyright_traps.txt").read_bytes())
    (inbox / "empty.txt").write_bytes(b"")
    proc = run_toolkit("--log-format", "json", "watch", inbox, "-o", outbox, "--once", "--settle", "0")
    assert proc.returncode == 1
    events = [json.loads(line) for line in proc.stderr.decode().splitlines() if line.startswith("{")]
    by_file = {e["file"]: e for e in events if e.get("event") in ("processed", "failed")}
    assert by_file["empty.txt"]["level"] == "error" and by_file["empty.txt"]["event"] == "failed"
    assert by_file["good.txt"]["level"] == "info"
