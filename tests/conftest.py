from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

# Fuzzing: a few hundred examples per property in the normal suite; the long run is
#   python -m pytest -m fuzz --hypothesis-profile=long      (10,000 examples per property)
settings.register_profile(
    "default", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.register_profile(
    "long", max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
#: The team's development data (../shared; TOOLKIT_SHARED=/nonexistent runs the suite as a fresh clone).
SHARED = Path(os.environ.get("TOOLKIT_SHARED", ROOT.parent / "shared"))
#: The small data the tests need, shipped with them where its licence allows (see tests/data/README.md).
DATA = ROOT / "tests" / "data"
#: Third-party files the package itself ships unchanged (toolkit.schemas; their SHA-256 is checked
#: against IPTC's releases in test_newsml_schemas), for where neither folder has them.
SHIPPED = {
    ("newsml-g2", "xsd", "NewsML-G2_2.35-spec-All-Power.xsd"): ROOT / "schemas" / "NewsML-G2_2.35-spec-All-Power.xsd",
    ("newsml-g2", "xsd", "xml.xsd"): ROOT / "schemas" / "xml.xsd",
    ("ninjs", "schema", "ninjs-schema_3.1.json"): ROOT / "schemas" / "ninjs-schema_3.1.json",
    ("ninjs", "schema", "GeoJSON-schema.json"): ROOT / "schemas" / "GeoJSON-schema.json",
}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cli(runner):
    """Invoke the CLI in-process: cli("convert", "x", "-o", "y") -> click Result."""
    from toolkit.cli import main

    def invoke(*args: str, input: str | bytes | None = None):
        return runner.invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)

    return invoke


def run_toolkit(
    *args: str,
    env: dict[str, str] | None = None,
    input: bytes | None = None,
    cwd: str | Path | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m toolkit`` in a subprocess (for exit codes, signals and imports)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "toolkit", *map(str, args)],
        capture_output=True,
        input=input,
        env=full_env,
        cwd=cwd,
        timeout=timeout,
    )


def shared(*parts: str) -> Path:
    """A data file of the tests: from the shared development folder, else from tests/data, else
    the package's own copy of a third-party schema. What is in none of them (third parties' news
    text that may not be redistributed, the 11 MB language-identification corpus) skips the test:
    the README's "Tests" section lists those tests."""
    for base in (SHARED, DATA):
        path = base.joinpath(*parts)
        if path.exists():
            return path
    if parts in SHIPPED:
        return SHIPPED[parts]
    pytest.skip(f"development data not available: {SHARED.joinpath(*parts)} (see the README: Tests)")
