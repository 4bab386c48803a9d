"""The README's promises: its library example runs as written, its commands are what CI runs."""

from __future__ import annotations

import re
import subprocess
import sys

from .conftest import ROOT
from .translate_helpers import models_dir, packages  # noqa: F401  (fixtures)

README = (ROOT / "README.md").read_text("utf-8")


def example(name: str) -> str:
    """The python block that follows <!-- example:NAME --> in the README."""
    match = re.search(rf"<!-- example:{name} -->\n```python\n(.*?)```", README, re.S)
    assert match, f"README has no example:{name} block"
    return match.group(1)


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, re.S)


def test_five_line_library_example_runs_as_written():
    code = example("library")
    assert len([line for line in code.splitlines() if line.strip()]) == 5
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    first, second = proc.stdout.splitlines()
    doc_id, count = first.split()
    assert len(doc_id) == 16 and int(count) >= 2
    assert second.startswith('{"schema": 1')


def test_worker_example_runs_as_written(tmp_path):
    code = example("worker")
    assert len([line for line in code.splitlines() if line.strip()]) <= 16
    (tmp_path / "samples").symlink_to(ROOT / "samples")  # run where a fresh clone would: its root
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert [line.split()[0] for line in lines[:4]] == ["ok", "ok", "ok", "failed"]
    assert "'html' must be a non-empty string" in lines[3] and "<record 4>" in lines[3]
    assert lines[4].startswith("4 documents, 3 ok, 1 failed; 6 files written")
    out = tmp_path / "out-library"
    assert len(list(out.glob("*.xml"))) == 6 and len((out / "failures.jsonl").read_text().splitlines()) == 1
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert "3 unchanged" in again.stdout.splitlines()[-1]  # an identical re-run writes nothing


def test_ci_runs_the_readme_blocks():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "extract setup" in ci and "extract test" in ci
    for marker in ("<!-- ci:setup -->", "<!-- ci:test -->"):
        block = README.split(marker, 1)[1].split("```", 2)[1]
        assert block.startswith("bash\n")


def test_every_python_block_is_valid_python():
    for block in python_blocks():
        compile(block, "README", "exec")
    compile(example("processor"), "README", "exec")


def test_readme_pipeline_configuration_is_valid(packages, models_dir):  # noqa: F811
    import tomllib

    from toolkit.config import parse_config
    from toolkit.registry import FORMATS
    from toolkit.translate.store import ModelStore

    # the translate step checks, when built, that installed models can produce kk, ru and uz
    ModelStore(models_dir).install(packages["m2m"])

    block = README.split("A pipeline configuration file (TOML) changes any of it:", 1)[1]
    toml = block.split("```toml\n", 1)[1].split("```", 1)[0]
    config = parse_config(tomllib.loads(toml), "README")
    pipeline = config.pipeline_spec().build()
    assert pipeline.names == ["clean", "langid", "translate"]
    FORMATS.create(config.output_format, **config.output_options)
