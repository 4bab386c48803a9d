"""Routes: which models (and script converters) take a text from one language to another.

Preference, as a cost (lower wins):

1. a direct pair model (one source, one target);
2. a multilingual model covering both languages (target chosen by a prefix token);
3. a pivot: two models through a shared language, English first;

with rule-based script conversion (``uz-Latn`` <-> ``uz-Cyrl``, ``kk-Cyrl`` -> ``kk-Latn``)
added before or after where the models do not speak the script asked for. Among equal
routes the toolkit's own packages win over argostranslate's, then the newer version, then
the name (so a route never depends on directory order).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .langs import canonical
from .store import ModelPackage
from .translit import SCHEMES

PAIR_COST = 10
MULTI_COST = 11
TRANSLIT_COST = 1
NON_ENGLISH_PIVOT_COST = 2
MAX_MODEL_STEPS = 2
PIVOTS = ("en",)


@dataclass(frozen=True)
class Step:
    """One hop: a model, or a script converter (``package`` is None)."""

    source: str
    target: str
    package: ModelPackage | None = None
    scheme: str | None = None

    @property
    def kind(self) -> str:
        return "model" if self.package is not None else "translit"

    def describe(self) -> dict[str, str | None]:
        if self.package is None:
            return {"kind": "translit", "from": self.source, "to": self.target, "scheme": self.scheme}
        return {
            "kind": "model",
            "from": self.source,
            "to": self.target,
            "model": self.package.name,
            "version": self.package.version,
            "origin": self.package.origin,
        }


@dataclass(frozen=True)
class Route:
    source: str
    target: str
    steps: tuple[Step, ...]

    @property
    def langs(self) -> list[str]:
        """Languages passed through, source and target included: ``["kk-Cyrl", "en", "ru"]``."""
        return [self.source] + [s.target for s in self.steps]

    @property
    def models(self) -> list[ModelPackage]:
        return [s.package for s in self.steps if s.package is not None]

    @property
    def kind(self) -> str:
        """ "direct", "multilingual", "pivot", "translit" or "identity"."""
        models = self.models
        if not self.steps:
            return "identity"
        if not models:
            return "translit"
        if len(models) > 1:
            return "pivot"
        return "multilingual" if models[0].multilingual else "direct"

    def describe(self) -> str:
        parts = []
        for step in self.steps:
            via = step.package.name if step.package is not None else f"script {step.scheme}"
            parts.append(f"{step.source}->{step.target} [{via}]")
        return ", ".join(parts) or "no change"


def _rank(pkg: ModelPackage) -> tuple[int, tuple[int, ...], str]:
    version = tuple(int(p) for p in pkg.version.replace("_", ".").split(".") if p.isdigit())
    return (0 if pkg.origin == "toolkit" else 1, tuple(-v for v in version), pkg.name)


class Router:
    """Finds routes over a set of packages (optionally only those an engine can run)."""

    def __init__(
        self, packages: Iterable[ModelPackage], *, usable: Callable[[ModelPackage], bool] | None = None
    ) -> None:
        self.packages = sorted((p for p in packages if usable is None or usable(p)), key=_rank)
        # edge (source, target) -> (cost, package): the best package for each hop
        self._edges: dict[str, list[tuple[str, int, ModelPackage | None, str | None]]] = {}
        best: dict[tuple[str, str], tuple[int, ModelPackage]] = {}
        for pkg in self.packages:
            cost = MULTI_COST if pkg.multilingual else PAIR_COST
            for pair in pkg.pairs():
                if pair not in best or cost < best[pair][0]:
                    best[pair] = (cost, pkg)
        for (src, tgt), (cost, pkg) in best.items():
            self._edges.setdefault(src, []).append((tgt, cost, pkg, None))
        for (src, tgt), (scheme, _fn) in SCHEMES.items():
            self._edges.setdefault(src, []).append((tgt, TRANSLIT_COST, None, scheme))
        self._cache: dict[tuple[str, str], Route | None] = {}

    def route(self, source: str, target: str) -> Route | None:
        """The best route, or None when there is none."""
        src, tgt = canonical(source), canonical(target)
        key = (src, tgt)
        if key not in self._cache:
            self._cache[key] = self._search(src, tgt)
        return self._cache[key]

    def _search(self, src: str, tgt: str) -> Route | None:
        if src == tgt:
            return Route(src, tgt, ())
        # Dijkstra over (language, models used so far); the counter keeps heap entries comparable.
        counter = 0
        heap: list[tuple[int, int, str, int, tuple[Step, ...]]] = [(0, counter, src, 0, ())]
        done: set[tuple[str, int]] = set()
        while heap:
            cost, _, node, used, steps = heapq.heappop(heap)
            if node == tgt:
                return Route(src, tgt, steps)
            if (node, used) in done:
                continue
            done.add((node, used))
            for nxt, edge_cost, pkg, scheme in self._edges.get(node, ()):
                n_used = used + (pkg is not None)
                if n_used > MAX_MODEL_STEPS or any(s.source == nxt for s in steps) or nxt == src:
                    continue
                extra = 0
                if pkg is not None and nxt != tgt and nxt not in PIVOTS:
                    extra = NON_ENGLISH_PIVOT_COST  # pivot through a language other than English
                counter += 1
                step = Step(node, nxt, pkg, scheme)
                heapq.heappush(heap, (cost + edge_cost + extra, counter, nxt, n_used, (*steps, step)))
        return None

    def pairs(self, languages: Iterable[str] | None = None) -> list[Route]:
        """Every route between the given languages (default: all languages the models know)."""
        if languages is None:
            langs: set[str] = set()
            for pkg in self.packages:
                langs.update(pkg.from_codes)
                langs.update(pkg.to_codes)
            for src, tgt in SCHEMES:
                if src in langs:
                    langs.add(tgt)
            ordered = sorted(langs)
        else:
            ordered = [canonical(x) for x in languages]
        out = []
        for s in ordered:
            for t in ordered:
                if s != t:
                    r = self.route(s, t)
                    if r is not None:
                        out.append(r)
        return out
