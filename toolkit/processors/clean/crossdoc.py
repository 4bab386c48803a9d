"""Cross-document boilerplate: lines that recur across many pages of one source.

A site slogan, a standard "about us" paragraph or a fixed disclaimer survives the
per-page rules because nothing in the line itself says it is furniture; what gives it
away is that it shows up on most pages of the same site. This module learns such lines
from one batch of cleaned pages.

*One source* is, in order of preference: the site name the page gives (``provider``),
the host of its URL, its copyright holder, or else the folder the file came from. Pages
are counted as *stories* (same title = same story), so the same article saved three
times does not make its own paragraphs "recurring". Nothing is learned unless a source
has at least ``min_docs`` stories in the batch, and a line must recur in at least
``min_count`` stories and ``min_share`` of them.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from .markers import key

_SOURCE_LINE = re.compile(r":\d+$")


@dataclass(frozen=True, slots=True)
class CrossDocOptions:
    min_docs: int = 5
    min_count: int = 3
    min_share: float = 0.5


@dataclass(slots=True)
class Page:
    """What the cross-document pass needs from one cleaned page."""

    source: str  # the group key
    story: str  # same story -> same key
    paragraphs: list[str]


def source_key(*, provider: str | None, url: str | None, holder: str | None, path: str | None) -> str:
    """Which source a page belongs to (see the module docstring)."""
    if provider:
        return "site:" + key(provider)
    if url:
        host = urlsplit(url).hostname or ""
        if host:
            return "host:" + host.removeprefix("www.")
    if holder:
        return "holder:" + key(holder)
    if path and path != "<stdin>":
        return "dir:" + os.path.dirname(_SOURCE_LINE.sub("", path))
    return "batch"


def learn(pages: Sequence[Page], options: CrossDocOptions) -> dict[str, tuple[dict[str, int], int]]:
    """Per source: the recurring paragraph keys (with their story counts) and the number of stories."""
    sizes: dict[str, set[str]] = defaultdict(set)
    for page in pages:
        sizes[page.source].add(page.story)
    floor = max(options.min_docs, 2)
    stories: dict[str, dict[str, set[str]]] = defaultdict(dict)
    for page in pages:
        if len(sizes[page.source]) < floor:
            continue  # too few stories from this source: nothing to learn (and no keys to compute)
        keys = {key(p) for p in page.paragraphs}
        keys.discard("")
        seen = stories[page.source].setdefault(page.story, set())
        seen |= keys
    learned: dict[str, tuple[dict[str, int], int]] = {}
    for source, by_story in stories.items():
        n = len(by_story)
        if n < max(options.min_docs, 2):
            continue
        counts: Counter[str] = Counter()
        for keys in by_story.values():
            counts.update(keys)
        need = max(options.min_count, math.ceil(options.min_share * n))
        common = {k: c for k, c in counts.items() if c >= need}
        if common:
            learned[source] = (common, n)
    return learned
