"""Versions and timestamps of items written again into the same output directory.

The rule (for the items we own; another provider's item keeps its own version):

* no previous output for the item: version ``base`` (1, or the version it was read with),
  ``versionCreated`` = ``firstCreated`` = now;
* a previous output whose **content** is the same: the previous version, versionCreated,
  firstCreated and generator version are kept, so an identical re-run writes identical
  bytes (and a receiver sees no new version);
* content changed: version + 1, ``versionCreated`` = now (never earlier than the previous
  one), ``firstCreated`` kept, and the builder adds ``signal sig:update``;
* **versions never go backwards**: an item older than the previous output (a lower version
  number when the input numbers its versions, else an earlier modification time when both
  carry one) whose content differs is *stale*: it is not written, and the document is
  skipped with the reason ``stale-version``. Another provider's item re-delivered under the
  same number with other content (a correction they did not number) becomes the next
  version, never a silent replacement.

"Content" is everything in the item except those stamped values: the digest below walks
the element tree and leaves out ``@version``, ``versionCreated``, ``firstCreated``, the
``sig:update`` signal, the generator's ``versioninfo`` and hop timestamps; white space
between elements is ignored, so indentation does not matter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from lxml import etree

from .. import __version__
from ..document import Document
from ..errors import InputError
from ..io.xmlsafe import parse_xml
from .build import Stamp
from .model import ItemModel, PackageModel, Story, utc_datetime
from .vocab import SIG_UPDATE, q

T = TypeVar("T")

_ITEM_TAGS = {q("newsItem"), q("packageItem")}
_MESSAGE = q("newsMessage")
_ITEM_SET = q("itemSet")
_ITEM_META = q("itemMeta")
_VERSION_CREATED = q("versionCreated")
_FIRST_CREATED = q("firstCreated")
_GENERATOR = q("generator")
_SIGNAL = q("signal")
_HOP = q("hop")
_CONTENT_META = q("contentMeta")
_CONTENT_MODIFIED = q("contentModified")
_CONTENT_CREATED = q("contentCreated")


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Previous:
    """What a previous output says about one item.

    ``data`` is the file's bytes when the file holds this item alone: an unchanged item
    rebuilt with the previous stamps gives exactly these bytes, the cheap test. The content
    digest is computed only when that test fails.
    """

    __slots__ = ("_digest", "data", "first_created", "generator_version", "modified", "version", "version_created")

    def __init__(
        self,
        version: int,
        version_created: str | None,
        first_created: str | None,
        generator_version: str | None,
        digest: str | Callable[[], str],
        data: bytes | None = None,
        modified: str | None = None,
    ) -> None:
        self.version = version
        self.version_created = version_created
        self.first_created = first_created
        self.generator_version = generator_version
        self._digest = digest
        self.data = data
        self.modified = modified  # the content's own time (contentModified, else contentCreated), UTC

    @property
    def digest(self) -> str:
        if callable(self._digest):
            self._digest = self._digest()
        return self._digest


@dataclass(frozen=True, slots=True)
class Plan:
    """How one item is versioned."""

    owned: bool  # False: another provider's item, its version is theirs
    base_version: int = 1
    version_created: str | None = None  # a foreign item's own times (UTC)
    first_created: str | None = None
    versioned: bool = False  # the input carried its own version number (a feed's, an item's)
    modified: str | None = None  # the input's own time (modified, else created; UTC), if it has one


def xml_digest(root: etree._Element) -> str:
    """A digest of an item's content, without its version stamps (see the module doc)."""
    h = hashlib.sha256()
    for el in root.iter():
        tag = el.tag
        if not isinstance(tag, str) or tag in (_VERSION_CREATED, _FIRST_CREATED):
            continue
        if tag == _SIGNAL and el.get("qcode") == SIG_UPDATE:
            continue
        attrs = sorted(
            (k, v)
            for k, v in el.attrib.items()
            if not (
                (el is root and k == "version")
                or (tag == _GENERATOR and k == "versioninfo")
                or (tag == _HOP and k == "timestamp")
            )
        )
        h.update(repr((tag, attrs, (el.text or "").strip())).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _previous_of(item: etree._Element, data: bytes | None) -> tuple[str, Previous] | None:
    guid = item.get("guid")
    try:
        version = int(item.get("version", "1"))
    except ValueError:
        return None
    if not guid or version < 1:
        return None
    meta = item.find(_ITEM_META)
    generator = meta.find(_GENERATOR) if meta is not None else None
    content = item.find(_CONTENT_META)
    return guid, Previous(
        version=version,
        version_created=utc_datetime(meta.findtext(_VERSION_CREATED)) if meta is not None else None,
        first_created=utc_datetime(meta.findtext(_FIRST_CREATED)) if meta is not None else None,
        generator_version=generator.get("versioninfo") if generator is not None else None,
        digest=lambda: xml_digest(item),
        data=data,
        modified=utc_datetime(content.findtext(_CONTENT_MODIFIED) or content.findtext(_CONTENT_CREATED))
        if content is not None
        else None,
    )


def read_previous_xml(earlier: Mapping[str, bytes], warn: Callable[[str], None]) -> dict[str, Previous]:
    """Previous NewsML-G2 outputs (items, packages, messages; file name -> bytes) by guid; the
    newest version wins. An output that does not parse is reported through ``warn`` and ignored."""
    found: dict[str, Previous] = {}
    for name, data in earlier.items():
        try:
            root = parse_xml(data, name)
        except InputError as exc:
            warn(f"previous output {name} ignored: {exc.message}")
            continue
        if root.tag in _ITEM_TAGS:
            items = [root]
        elif root.tag == _MESSAGE:
            item_set = root.find(_ITEM_SET)
            items = [el for el in (item_set if item_set is not None else ()) if el.tag in _ITEM_TAGS]
        else:
            continue
        for item in items:
            entry = _previous_of(item, data if item is root else None)
            if entry is not None and (entry[0] not in found or found[entry[0]].version < entry[1].version):
                found[entry[0]] = entry[1]
    return found


def same_xml(built: etree._Element, previous: Previous) -> bool:
    """Whether ``built`` has the content of ``previous`` (bytes first, then the digest)."""
    from .serialize import to_bytes

    if previous.data is not None and to_bytes(built) == previous.data:
        return True
    return xml_digest(built) == previous.digest


#: What settling made of an item: new (no previous output), same (the previous content, kept
#: with its stamps), changed (a new version), stale (older than the previous output: not written).
State = Literal["new", "same", "changed", "stale"]


def is_stale(plan: Plan, previous: Previous) -> bool:
    """Whether the incoming item is older than the one already written (its content differs):
    a lower version number than the previous output's, when the input numbers its versions,
    else an earlier time (modified, else created: a feed entry's ``updated``), when both carry
    a full date-time."""
    if plan.versioned:
        return plan.base_version < previous.version
    if plan.modified and previous.modified and "T" in plan.modified and "T" in previous.modified:
        return plan.modified < previous.modified
    return False


def settle(
    plan: Plan,
    previous: Previous | None,
    now: str,
    build: Callable[[Stamp], T],
    same: Callable[[T, Previous], bool],
) -> tuple[T | None, Stamp | None, State]:
    """Build the item with the right version and times (see the module doc).

    ``same(built, previous)`` tells whether an item built with the previous stamps has the
    previous content. A stale item is not built: ``(None, None, "stale")``.
    """
    generator = __version__
    if previous is None:
        if plan.owned:
            stamp = Stamp(plan.base_version, now, now, generator)
        else:  # another provider's item: their number and times
            created = plan.version_created or now
            stamp = Stamp(plan.base_version, created, plan.first_created or created, generator)
        return build(stamp), stamp, "new"
    if previous.version >= plan.base_version:
        keep = Stamp(
            previous.version,
            previous.version_created or plan.version_created or now,
            previous.first_created or previous.version_created or plan.first_created or now,
            previous.generator_version or generator,
        )
        built = build(keep)
        if same(built, previous):
            return built, keep, "same"
    if is_stale(plan, previous):
        return None, None, "stale"
    if not plan.owned and plan.base_version > previous.version:  # another provider's newer version
        created = plan.version_created or now
        stamp = Stamp(plan.base_version, created, plan.first_created or previous.first_created or created, generator)
        return build(stamp), stamp, "changed"
    # our next version; also another provider's item changed under the same number (a correction
    # they did not number): it becomes the next version here, never a silent replacement
    created = max(now, previous.version_created or now)
    stamp = Stamp(max(previous.version + 1, plan.base_version), created, previous.first_created or created, generator)
    return build(stamp), stamp, "changed"


# -- a whole story ------------------------------------------------------------------------------------

P = TypeVar("P")
STALE = "stale-version"


@dataclass(slots=True)
class SettledStory:
    """A story's items and package, built with their versions settled (see :func:`settle_story`)."""

    items: list[tuple[ItemModel, Any, Stamp]]  # (item, what the format built, its stamp), original first
    package: tuple[PackageModel, Any, Stamp] | None = None
    stale: str | None = None  # why nothing is built: the original is older than the output already there


def plan_for(item: ItemModel, doc: Document | None = None) -> Plan:
    """How an item is versioned; ``doc`` for the original item, whose input may number its
    versions or carry its own time (the rule against stale versions)."""
    versioned = doc is not None and isinstance(doc.meta.version, int) and doc.meta.version > 0
    as_of = item.content_modified or item.content_created  # the time the content speaks of
    return Plan(
        owned=item.owned,
        base_version=item.base_version,
        version_created=item.feed_version_created,
        first_created=item.feed_first_created,
        versioned=versioned,
        modified=utc_datetime(as_of) if doc is not None and as_of else None,
    )


def settle_story(
    story: Story,
    doc: Document,
    earlier: Mapping[str, Previous],
    now: str,
    *,
    item: Callable[[ItemModel, Stamp, int | None], T],
    package: Callable[[PackageModel, list[tuple[ItemModel, Stamp]], Stamp], P],
    same: Callable[[Any, Previous], bool],
) -> SettledStory:
    """Settle every item of ``story`` (the original, then its translations, which link to the
    original's version), then the package (which references every item's version), against
    the ``earlier`` outputs by guid. ``item(model, stamp, source_version)`` and
    ``package(model, [(item, stamp)], stamp)`` build what the format writes; ``same`` compares
    a build with a previous output. A stale original builds nothing (``stale`` says why)."""
    original = story.original
    settled: list[tuple[ItemModel, Any, Stamp]] = []
    for model_item in story.items:
        is_original = model_item is original
        source_version = None if is_original else settled[0][2].version
        built, stamp, _ = settle(
            plan_for(model_item, doc if is_original else None),
            earlier.get(model_item.guid),
            now,
            lambda s, m=model_item, v=source_version: item(m, s, v),  # type: ignore[misc]
            same,
        )
        if built is None or stamp is None:  # only the original, whose input carries a version or a time, can be
            prev = earlier[model_item.guid]
            why = f"version {model_item.base_version}" if doc.meta.version else "an earlier modification time"
            return SettledStory(
                [], None, f"{model_item.guid}: {why} is older than version {prev.version} already written; not written"
            )
        settled.append((model_item, built, stamp))
    if story.package is None:
        return SettledStory(settled)
    pkg = story.package
    stamps = [(m, s) for m, _, s in settled]
    built, stamp, _ = settle(Plan(owned=True), earlier.get(pkg.guid), now, lambda s: package(pkg, stamps, s), same)
    assert built is not None and stamp is not None  # a package is ours: never stale
    return SettledStory(settled, (pkg, built, stamp))
