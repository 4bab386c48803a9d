"""The ``newsml`` output format: a Document -> validated NewsML-G2 files.

For each document (a story):

* one ``newsItem`` per language version, ``KEY.LANG.xml`` (the original and each
  translation), then one ``packageItem``, ``KEY.package.xml``, that groups them as
  alternatives (``pgrmod:alt``) and references each by guid, version and file name;
* or, with ``bundle=True`` (``toolkit convert --bundle``), one ``KEY.bundle.xml``: a
  ``newsMessage`` carrying the package and its items.

File names derive from the story key and the language only, so a re-run overwrites the
same files with the newest version of each item; the version itself is settled against
the previous outputs the format is given (a :data:`~toolkit.formats.Lookup`; see
:mod:`toolkit.newsml.versioning`). An item older than the one already written is not
rendered: the rendering carries the skip reason ``stale-version``. Every file is
validated against our profile and IPTC's 2.35 schema: a document whose output fails raises
:class:`~toolkit.errors.ValidationError` and nothing of it is rendered. The format reads
and writes no file and leaves the document as it is (warnings come back in the rendering).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from ..document import Document, Notice
from ..errors import ConfigError, ValidationError
from ..formats import NO_PREVIOUS, Lookup, OutputFile, Rendering, check_naming, mark_unchanged, name_base, name_locks
from ..story import safe_name
from . import build, ids, model, versioning
from .serialize import to_bytes
from .validate import OUTPUT_SCHEMAS, check_element

PROCESSOR = "newsml"


def parse_now(value: str | datetime | None) -> str | None:
    """The ``now`` option (a fixed clock for reproducible runs) as a UTC timestamp."""
    if value is None or value == "":
        return None
    out = model.utc_datetime(value)
    if out is None:
        raise ConfigError(f"invalid 'now' option {value!r}: expected an ISO 8601 date-time")
    return out


STALE = versioning.STALE
_XML = "application/vnd.iptc.g2.newsitem+xml"
_PACKAGE = "application/vnd.iptc.g2.packageitem+xml"
_MESSAGE = "application/vnd.iptc.g2.newsmessage+xml"


@dataclass(slots=True)
class _Output:
    name: str
    element: etree._Element
    lang: str | None
    guid: str
    stamp: build.Stamp
    media_type: str = _XML


@dataclass(slots=True)
class Settled:
    """A story's elements with their versions settled against the previous outputs."""

    key: str
    outputs: list[_Output]
    warnings: list[Notice] = field(default_factory=list)
    skip: Notice | None = None
    records: list[OutputFile] = field(default_factory=list)  # name records (names="input")


def renamer(key: str, base: str) -> Callable[[str], str]:
    """Maps a stem made from the story key (``KEY.LANG``) to the same stem made from ``base``."""
    prefix = safe_name(key)
    if base == prefix:
        return lambda stem: stem
    return lambda stem: base + stem[len(prefix) :] if stem.startswith(prefix + ".") else stem


class NewsMLFormat:
    """NewsML-G2 2.35 items and a package per document (or one newsMessage with ``bundle``)."""

    name = "newsml"

    def __init__(
        self,
        *,
        bundle: bool = False,
        provider: str = "toolkit",
        provider_name: str | None = None,
        provider_uri: str | None = None,
        plain_text: bool = False,
        now: str | datetime | None = None,
        names: str = "story",
    ) -> None:
        self.bundle = bool(bundle)
        self.names = check_naming(names)
        self.settings = model.Settings(
            provider=provider, provider_name=provider_name, provider_uri=provider_uri, plain_text=bool(plain_text)
        )
        self.now = parse_now(now)

    def story_key(self, doc: Document) -> str:
        return ids.identity(doc, self.settings.provider).key

    def locks(self, doc: Document) -> list[str]:
        return name_locks(doc, self.names)

    # -- rendering -------------------------------------------------------------------------------

    def settle(self, doc: Document, previous: Lookup = NO_PREVIOUS) -> Settled:
        """The elements of every output of ``doc``, versioned against ``previous`` and validated."""
        _check_text_sizes(doc, plain_text=self.settings.plain_text)
        story = model.story_of(doc, self.settings)
        warnings = [Notice(code, message, PROCESSOR) for code, message in story.warnings]
        now = self.now or versioning.utc_now()
        base, records = name_base(doc, story.key, previous, self.names)
        name = renamer(story.key, base)
        earlier = self._previous(story, previous, warnings, name)
        plain = self.settings.plain_text

        def package(
            pkg: model.PackageModel, items: list[tuple[model.ItemModel, build.Stamp]], stamp: build.Stamp
        ) -> etree._Element:
            refs = [
                build.ItemRef(m.guid, s.version, m.lang, m.headline, None if self.bundle else f"{name(m.stem)}.xml")
                for m, s in items
            ]
            return build.package_item(pkg, refs, stamp)

        story_out = versioning.settle_story(
            story,
            doc,
            earlier,
            now,
            item=lambda m, stamp, source: build.news_item(m, stamp, source_version=source, plain_text=plain),
            package=package,
            same=versioning.same_xml,
        )
        if story_out.stale is not None:
            return Settled(story.key, [], warnings, Notice(STALE, story_out.stale, PROCESSOR))
        outputs = [_Output(f"{name(m.stem)}.xml", el, m.lang, m.guid, stamp) for m, el, stamp in story_out.items]
        package_out: _Output | None = None
        if story_out.package is not None:
            pkg, pkg_el, pkg_stamp = story_out.package
            package_out = _Output(f"{name(pkg.stem)}.xml", pkg_el, pkg.lang, pkg.guid, pkg_stamp, _PACKAGE)
        original = story.original
        where = doc.source or doc.id
        if self.bundle:
            parts = ([package_out] if package_out else []) + outputs
            sent = max(out.stamp.version_created for out in parts)
            sender = self.settings.provider_name or self.settings.provider
            message = build.news_message([out.element for out in parts], sent, sender)
            bundle_name = f"{name(ids.stem(story.key, 'bundle'))}.xml"
            check_element(message, bundle_name, path=where)
            head = package_out or outputs[0]
            bundle = _Output(bundle_name, message, original.lang, head.guid, head.stamp, _MESSAGE)
            return Settled(story.key, [bundle], warnings, records=records)
        if package_out is not None:
            outputs.append(package_out)
        for out in outputs:
            check_element(out.element, out.name, path=where)
        return Settled(story.key, outputs, warnings, records=records)

    def elements(self, doc: Document, previous: Lookup = NO_PREVIOUS) -> list[tuple[str, etree._Element, str | None]]:
        """(file name, element, language) of each output of ``doc``, validated (none when stale)."""
        return [(out.name, out.element, out.lang) for out in self.settle(doc, previous).outputs]

    def render(self, doc: Document, previous: Lookup = NO_PREVIOUS) -> Rendering:
        settled = self.settle(doc, previous)
        files = [
            OutputFile(out.name, to_bytes(out.element), out.lang, out.guid, out.stamp.version, out.media_type)
            for out in settled.outputs
        ]
        if files:
            files = mark_unchanged(files + settled.records, previous([f.name for f in files + settled.records]))
        return Rendering(settled.key, files, settled.warnings, settled.skip)

    def _previous(
        self, story: model.Story, previous: Lookup, warnings: list[Notice], name: Callable[[str], str]
    ) -> dict[str, versioning.Previous]:
        if previous is NO_PREVIOUS:
            return {}
        stems = [name(item.stem) for item in story.items]
        if story.package is not None:
            stems.append(name(story.package.stem))
        stems.append(name(ids.stem(story.key, "bundle")))
        earlier = previous([f"{stem}.xml" for stem in stems])
        if not earlier:
            return {}
        return versioning.read_previous_xml(
            earlier, lambda message: warnings.append(Notice("previous-output", message, PROCESSOR))
        )


#: libxml2 (lxml, xmllint, most NewsML-G2 consumers) refuses a text node longer than this unless told to
#: accept huge trees: an item holding one would be written, then refused by every reader, ours included.
MAX_TEXT_BYTES = 10_000_000


def _check_text_sizes(doc: Document, *, plain_text: bool) -> None:
    """Raise ValidationError when a text of ``doc`` would make a text node over :data:`MAX_TEXT_BYTES`."""
    versions = [(doc.lang, doc.title, [p.text for p in doc.paragraphs])]
    versions += [(lang, tr.title, [p.text for p in tr.paragraphs]) for lang, tr in doc.translations.items()]
    meta = doc.meta
    fields = [meta.description, meta.byline, meta.copyright_notice, meta.copyright_holder, meta.provider]
    fields += list(meta.keywords) + list(meta.photo_credits)
    for lang, title, paragraphs in versions:
        texts = [title, *paragraphs, *fields] + (["\n\n".join(paragraphs)] if plain_text else [])
        for text in texts:
            # 4 bytes per character at most: only long texts are measured exactly
            if isinstance(text, str) and len(text) * 4 > MAX_TEXT_BYTES:
                size = len(text.encode("utf-8", "surrogatepass"))
                if size > MAX_TEXT_BYTES:
                    raise ValidationError(
                        f"a text of the {lang or 'und'} version is {size} bytes long: over {MAX_TEXT_BYTES}, XML "
                        "parsers (libxml2, and so most NewsML-G2 readers) refuse it; not written",
                        path=doc.source or doc.id,
                    )


__all__ = ["OUTPUT_SCHEMAS", "STALE", "NewsMLFormat", "Settled", "parse_now"]
