"""The README's promises: every command example runs as written from a fresh clone, its library
examples run as written, its first two commands are what CI runs.

Every fenced ``bash`` block is run, whole, by ``bash -e -o pipefail`` in a fresh copy of the
repository's tracked files (nothing else: no ``out/``, no ``inbox/``), with the ``toolkit`` of
this environment on the PATH, a home folder of its own, and a model store holding the tests'
tiny translation models (the kk->en copy model installed as ``opus-mt-trk-en``, the name the
README uses, and a multilingual en/kk/ru/uz one). A block is left out only when the comment
line right above its fence says so, with a reason:

* ``<!-- readme: no-run (REASON) -->``: never run by this test (it needs the network, or runs
  for a long time: say which);
* ``<!-- readme: needs MODULE -->``: run only where MODULE imports (an optional extra, listed in
  the README's "Tests" section);
* ``<!-- ci:setup -->`` / ``<!-- ci:test -->``: the two Quick start commands, run by ``.ci/run``.

A block without a marker that fails to run fails the test.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import ROOT
from .translate_helpers import built_packages, models_dir, packages  # noqa: F401  (fixtures)

README = (ROOT / "README.md").read_text("utf-8")
_FENCE = re.compile(r"^```(?P<lang>[\w+-]*)\n(?P<body>.*?)^```", re.S | re.M)
_MARKER = re.compile(r"<!--\s*(?P<text>[^>]*?)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    line: int
    lang: str
    body: str
    marker: str | None  # the comment right above the fence, if any

    @property
    def id(self) -> str:
        first = next((w for w in self.body.split() if not w.startswith("#")), "empty")
        return f"L{self.line}-{first}"


def blocks(lang: str | None = None) -> list[Block]:
    """The fenced blocks of the README (of one language), with the marker line above each."""
    out = []
    for match in _FENCE.finditer(README):
        line = README.count("\n", 0, match.start()) + 1
        above = README[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = _MARKER.search(above)
        block = Block(line, match["lang"], match["body"], marker["text"] if marker else None)
        if lang is None or block.lang == lang:
            out.append(block)
    return out


def plan(block: Block) -> tuple[str, str]:
    """("run", "") | ("needs", MODULE) | ("no-run", REASON) | ("ci", NAME) | ("bad", WHY) for a bash block."""
    marker = block.marker
    if marker is None or marker.startswith("example:"):
        return "run", ""
    if marker in ("ci:setup", "ci:test"):
        return "ci", marker
    match = re.fullmatch(r"readme: (?:no-run \((?P<reason>[^)]+)\)|needs (?P<module>[\w.]+))", marker)
    if match is None:
        return "bad", f"unknown marker {marker!r} (see tests/test_readme.py)"
    return ("no-run", match["reason"]) if match["reason"] else ("needs", match["module"])


BASH = blocks("bash")
RUN = [b for b in BASH if plan(b)[0] in ("run", "needs")]


@pytest.fixture(scope="session")
def readme_models(tmp_path_factory) -> Path:
    """A model store with the tests' tiny models under the names the README uses."""
    pkgs = built_packages()
    store = tmp_path_factory.mktemp("readme-models") / "models"
    work = store.parent / "unpacked"
    from toolkit.translate.store import ModelStore

    with zipfile.ZipFile(pkgs["kk_en"]) as zf:
        zf.extractall(work)
    shutil.move(work / "translate-kk_en-1_0", work / "opus-mt-trk-en")
    ModelStore(store).install(work / "opus-mt-trk-en")
    for key in ("nllb", "tr_en", "en_ru"):  # en_ru: an argos-format package for the --engine argos example
        ModelStore(store).install(pkgs[key])
    return store


def fresh_clone(where: Path) -> Path:
    """The repository's tracked files (what a clone holds), copied into ``where``."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False)
    names = (
        [n for n in listed.stdout.decode("utf-8", "surrogateescape").split("\0") if n] if listed.returncode == 0 else []
    )
    if not names:  # not a git checkout (an sdist): what the examples use
        names = [str(p.relative_to(ROOT)) for d in ("samples", "schemas") for p in (ROOT / d).rglob("*") if p.is_file()]
    for name in names:
        source, target = ROOT / name, where / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return where


def run_block(block: Block, where: Path, models: Path) -> subprocess.CompletedProcess[str]:
    home = where.parent / "home"
    home.mkdir(exist_ok=True)
    store = where.parent / "models"
    shutil.copytree(models, store)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOOLKIT_", "ARGOS_", "XDG_"))}
    env.update(
        PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
        HOME=str(home),
        TOOLKIT_MODELS_DIR=str(store),
        TOOLKIT_ARGOS_PACKAGES="0",
    )
    proc = subprocess.Popen(
        ["bash", "-e", "-o", "pipefail", "-c", block.body],
        cwd=fresh_clone(where),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: whatever the block leaves running is stopped below
    )
    try:
        out, err = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        err += "\n(the block ran for more than 300 s and was stopped)"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize("block", RUN, ids=[b.id for b in RUN])
def test_every_bash_block_runs_as_written_from_a_fresh_clone(block, readme_models, tmp_path):
    kind, module = plan(block)
    if kind == "needs" and importlib.util.find_spec(module) is None:
        pytest.skip(f"README line {block.line} needs {module} (an optional extra)")
    proc = run_block(block, tmp_path / "clone", readme_models)
    assert proc.returncode == 0, (
        f"README line {block.line}:\n{block.body}\n--- stdout\n{proc.stdout[-3000:]}\n--- stderr\n{proc.stderr[-3000:]}"
    )


def test_every_bash_block_is_run_or_marked_with_a_reason():
    plans = {b.id: plan(b) for b in BASH}
    assert not [(i, why) for i, (kind, why) in plans.items() if kind == "bad"]
    assert [kind for kind, _ in plans.values()].count("ci") == 2
    assert all(why.strip() for kind, why in plans.values() if kind == "no-run")
    assert len(RUN) >= 8  # the command examples themselves run


def test_the_runner_finds_blocks_and_their_markers():
    text = "x\n<!-- readme: no-run (network) -->\n```bash\ntoolkit models fetch x\n```\n\n```bash\nfalse\n```\n"
    found = []
    for match in _FENCE.finditer(text):
        above = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = _MARKER.search(above)
        found.append(plan(Block(1, match["lang"], match["body"], marker["text"] if marker else None)))
    assert found == [("no-run", "network"), ("run", "")]


def test_an_unmarked_block_that_fails_fails_the_test(readme_models, tmp_path):
    proc = run_block(Block(1, "bash", "toolkit convert no-such-file.txt -o out\n", None), tmp_path / "c", readme_models)
    assert proc.returncode != 0  # what the parametrised test asserts against


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
