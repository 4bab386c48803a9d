"""Checks made before any input is read: can the installed models produce the targets at all?

:func:`check_targets` reads the model store's metadata only (no model is loaded) and raises
:class:`toolkit.errors.ConfigError` (exit code 2 in the CLI) when

* a target (or ``--from``) is not a language code (``xx``, ``kk-Evil``);
* no installed model can produce a target at all (no package translates into it, and it is not
  a script variant made by rule: ``uz-Cyrl``, ``uz-Latn``, ``kk-Latn``);
* a fixed source language (``--from kk``) has no route to a target.

The message names the exact command that fixes it (``toolkit models fetch NAME``, from the
catalogue). The ``translate`` processor runs it when it is constructed; runners may call it
themselves before reading inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..errors import ConfigError
from .langs import LanguageCodeError, checked
from .translit import SCHEMES


class MissingModelError(ConfigError):
    """No installed model can produce a requested target."""

    code = "no-model"


def parse_targets(to: str | Sequence[str]) -> list[str]:
    """Canonical, checked target tags from ``"kk,ru"`` or a list; ConfigError for an unknown code."""
    values = [to] if isinstance(to, str) else list(to)
    out: list[str] = []
    for value in values:
        for code in str(value).split(","):
            if code.strip():
                try:
                    out.append(checked(code.strip()))
                except LanguageCodeError as exc:
                    raise ConfigError(f"translate: --to: {exc}") from None
    return list(dict.fromkeys(out))


def fetch_hint(target: str, source: str | None = None) -> str:
    """The command that would install a model producing ``target`` (from ``source`` if given)."""
    from .catalog import Catalog

    try:
        catalog = Catalog.load()
        entry = catalog.suggest(target, source)
    except Exception:  # a broken catalogue must not hide the real message
        entry = None
    if entry is None:
        return f"no catalogued model serves {target}: see `toolkit models catalog` and README 'Getting models'"
    flag = " --accept-license" if entry.restrictive else ""
    return (
        f"install one: `toolkit models fetch {entry.name}{flag}` ({entry.license.split(' (')[0]}; "
        f"others: `toolkit models catalog --to {target}`)"
    )


def check_targets(
    targets: Iterable[str],
    source: str = "auto",
    *,
    models_dir: str | None = None,
    packages: Sequence[Any] | None = None,
    usable: Callable[[Any], bool] | None = None,
) -> None:
    """Raise :class:`MissingModelError` when a target cannot be produced (see the module doc)."""
    from .routing import Router
    from .store import ModelStore

    tags = parse_targets(list(targets))
    src: str | None = None
    if source and source != "auto":
        try:
            src = checked(source)
        except LanguageCodeError as exc:
            raise ConfigError(f"translate: --from: {exc}") from None
    if packages is None:
        packages = ModelStore(models_dir).packages()
    pkgs = [p for p in packages if usable is None or usable(p)]
    produced = {t for p in pkgs for t in p.to_codes}
    by_rule = {t for _s, t in SCHEMES}
    router = Router(pkgs) if src is not None else None
    for target in tags:
        if src is not None:
            assert router is not None
            if src != target and router.route(src, target) is None:
                raise MissingModelError(f"no installed model translates {src} -> {target}: {fetch_hint(target, src)}")
            continue
        if target not in produced and target not in by_rule:
            raise MissingModelError(f"no installed model translates into {target}: {fetch_hint(target)}")
