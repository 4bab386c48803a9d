"""Layering you can see: no import cycle between modules or subpackages, a library that reads no
environment variable and changes no process-wide setting, no build-time tool in the package."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from .conftest import ROOT

PACKAGE = ROOT / "toolkit"


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """module -> the toolkit modules it imports (at the top or inside functions: every import counts)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        module = _module(path)
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                names = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            graph[module].update(n for n in names if n == "toolkit" or n.startswith("toolkit."))
    return graph


def _known(name: str, modules: set[str]) -> str:
    """The module a dotted import name lands in (``toolkit.io.readers.Source`` -> ``toolkit.io.readers``)."""
    while name not in modules and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in list(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_between_modules_or_subpackages():
    raw = _imports()
    modules = {_module(p) for p in PACKAGE.rglob("*.py")}
    by_module = {m: {_known(t, modules) for t in targets} - {m, "toolkit"} for m, targets in raw.items()}
    assert _cycles(by_module) == []

    def unit(module: str) -> str:  # a subpackage, or a top-level module
        parts = module.split(".")
        return ".".join(parts[:2]) if len(parts) > 1 else module

    by_unit: dict[str, set[str]] = defaultdict(set)
    for module, targets in by_module.items():
        by_unit[unit(module)].update(unit(t) for t in targets if unit(t) != unit(module))
    assert _cycles(by_unit) == []


def test_the_import_graph_check_finds_a_cycle():
    """The check itself: a cycle made on purpose is found."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _library_files() -> list[Path]:
    """The library: everything but the command line (which bridges environment and options)."""
    return [p for p in PACKAGE.rglob("*.py") if "cli" not in p.relative_to(PACKAGE).parts]


def test_the_library_reads_no_environment_and_changes_no_process_setting():
    offences = []
    for path in _library_files():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            text = ast.unparse(node) if isinstance(node, (ast.Attribute, ast.Call)) else ""
            if isinstance(node, ast.Attribute) and text in ("os.environ", "os.environb"):
                offences.append(f"{path.name}:{node.lineno}: reads or changes {text}")
            if isinstance(node, ast.Call) and text.split("(")[0] in (
                "os.getenv",
                "os.putenv",
                "os.umask",
                "logging.basicConfig",
                "sys.setrecursionlimit",
            ):
                offences.append(f"{path.name}:{node.lineno}: {text.split('(')[0]}")
    assert offences == []


def test_no_build_time_tool_ships_in_the_package():
    names = {p.name for p in PACKAGE.rglob("*.py")}
    assert not {n for n in names if n.startswith(("build_", "testmodels"))} and "corpus.py" not in names
    assert (ROOT / "tools" / "langid" / "build_ngram.py").is_file() and (ROOT / "tools" / "testmodels.py").is_file()
