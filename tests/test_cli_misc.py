from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from .conftest import run_toolkit

HEAVY = [
    "ctranslate2",
    "sentencepiece",
    "trafilatura",
    "argostranslate",
    "py3langid",
    "langdetect",
    "pycld2",
    "torch",
    "numpy",
    "stanza",
    "jsonschema",
    "feedparser",
    "watchfiles",
    "alifbo",
    "htmldate",
    "justext",
]


def test_help_and_processors_import_nothing_heavy():
    script = textwrap.dedent(f"""
        import sys
        from click.testing import CliRunner
        from toolkit.cli import main
        runner = CliRunner()
        for args in (["--help"], ["processors"], ["processors", "--format", "json"], ["convert", "--help"]):
            result = runner.invoke(main, args)
            assert result.exit_code == 0, (args, result.output)
        for name in main.commands:
            assert runner.invoke(main, [name, "--help"]).exit_code == 0, name
        heavy = [m for m in {HEAVY!r} if m in sys.modules]
        print(heavy)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_cli_keeps_numpy_blas_single_threaded_unless_told():
    """OpenBLAS's spinning threads would burn the other cores (and --jobs workers' CPU)."""
    import os

    script = (
        "import os, toolkit.cli; assert 'OPENBLAS_NUM_THREADS' not in os.environ, 'set at import';"
        "toolkit.cli.bridge_environment(os.environ); import numpy; print(os.environ['OPENBLAS_NUM_THREADS'])"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert proc.stdout.strip() == "1", proc.stderr
    env["OPENBLAS_NUM_THREADS"] = "3"
    script = script.replace("assert 'OPENBLAS_NUM_THREADS' not in os.environ, 'set at import';", "")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert proc.stdout.strip() == "3", proc.stderr


def test_every_command_has_help_text():
    from toolkit.cli import main

    for name, command in main.commands.items():
        assert command.help and command.help.strip(), name
        for param in command.params:
            if getattr(param, "help", "x") == "" and param.param_type_name == "option":
                raise AssertionError(f"{name} {param.name} has no help")


def test_processors_lists_builtins(cli):
    result = cli("processors")
    assert result.exit_code == 0
    assert "segment" in result.output and "jsonl" in result.output
    rows = [json.loads(line) for line in cli("processors", "--format", "json").output.splitlines()]
    assert {"kind": "processor", "name": "segment"}.items() <= next(r for r in rows if r["name"] == "segment").items()


def test_entry_point_processor_from_a_test_package(tmp_path):
    """A package installed beside toolkit adds a processor through the entry-point group."""
    site = tmp_path / "site"
    pkg = site / "shoutpkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(
        textwrap.dedent("""
        from toolkit import Processor, Paragraph

        class Shout(Processor):
            def __init__(self, mark="!"):
                self.mark = mark

            def __call__(self, doc):
                doc.paragraphs = [Paragraph(p.text.upper() + self.mark) for p in doc.paragraphs]
                return doc
    """)
    )
    info = site / "shoutpkg-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: shoutpkg\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[toolkit.processors]\nshout = shoutpkg:Shout\n")
    env = {"PYTHONPATH": str(site)}
    listing = run_toolkit("processors", env=env)
    assert listing.returncode == 0
    assert b"shout" in listing.stdout and b"entry point (shoutpkg)" in listing.stdout
    src = tmp_path / "a.txt"
    src.write_text("quiet words")
    config = tmp_path / "p.toml"
    config.write_text('[pipeline]\nsteps = ["segment", "shout"]\n[steps.shout]\nmark = "?!"\n')
    proc = run_toolkit("convert", src, "-o", tmp_path / "out", "--config", config, "-f", "txt", env=env)
    assert proc.returncode == 0, proc.stderr
    (out,) = (tmp_path / "out").glob("*.txt")
    assert out.read_text() == "QUIET WORDS?!\n"
