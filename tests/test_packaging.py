"""Packaging promises: every package ships, schemas are found through importlib.resources."""

from __future__ import annotations

import importlib.resources
import tomllib

from .conftest import ROOT


def test_every_package_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "toolkit").rglob("__init__.py")}
    assert found - listed == set(), "add these packages to [tool.setuptools] packages in pyproject.toml"
    assert "toolkit.schemas" in listed


def test_schemas_are_a_resource_package():
    files = {p.name for p in importlib.resources.files("toolkit.schemas").iterdir()}
    assert "README.md" in files


def test_no_torch_in_core_dependencies():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    deps = " ".join(config["project"]["dependencies"]).lower()
    assert "torch" not in deps and "argostranslate" not in deps
