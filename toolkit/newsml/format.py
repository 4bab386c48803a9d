"""The ``newsml`` output format: a Document -> validated NewsML-G2 files.

For each document (a story):

* one ``newsItem`` per language version, ``KEY.LANG.xml`` (the original and each
  translation), then one ``packageItem``, ``KEY.package.xml``, that groups them as
  alternatives (``pgrmod:alt``) and references each by guid, version and file name;
* or, with ``bundle=True`` (``toolkit convert --bundle``), one ``KEY.bundle.xml``: a
  ``newsMessage`` carrying the package and its items.

File names derive from the story key and the language only, so a re-run overwrites the
same files with the newest version of each item; the version itself is settled against
what those files hold (:mod:`toolkit.newsml.versioning`). Every file is validated against
our profile and IPTC's 2.35 schema before anything of the document is written: a document
whose output fails raises :class:`~toolkit.errors.ValidationError` and nothing of it is
written.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from lxml import etree

from ..document import Document
from ..errors import ConfigError, ValidationError
from ..io.writers import Rendered
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


class NewsMLFormat:
    """NewsML-G2 2.35 items and a package per document (or one newsMessage with ``bundle``)."""

    name = "newsml"

    def __init__(
        self,
        *,
        outdir: str | None = None,
        bundle: bool = False,
        provider: str = "toolkit",
        provider_name: str | None = None,
        provider_uri: str | None = None,
        plain_text: bool = False,
        now: str | datetime | None = None,
    ) -> None:
        self.outdir = Path(outdir) if outdir else None
        self.bundle = bool(bundle)
        self.settings = model.Settings(
            provider=provider, provider_name=provider_name, provider_uri=provider_uri, plain_text=bool(plain_text)
        )
        self.now = parse_now(now)

    # -- rendering -------------------------------------------------------------------------------

    def elements(self, doc: Document) -> list[tuple[str, etree._Element, str | None]]:
        """(file name, element, language) of each output of ``doc``, validated."""
        _check_text_sizes(doc, plain_text=self.settings.plain_text)
        story = model.story_of(doc, self.settings)
        for code, message in story.warnings:
            doc.warn(code, message, processor=PROCESSOR)
        now = self.now or versioning.utc_now()
        previous = self._previous(story, doc)
        same = versioning.same_xml
        plain = self.settings.plain_text

        original = story.original
        original_el, original_stamp = versioning.settle(
            _plan(original),
            previous.get(original.guid),
            now,
            lambda stamp: build.news_item(original, stamp, plain_text=plain),
            same,
        )
        outputs: list[tuple[str, etree._Element, str | None, build.Stamp]] = [
            (f"{original.stem}.xml", original_el, original.lang, original_stamp)
        ]
        for item in story.translations:
            el, stamp = versioning.settle(
                _plan(item),
                previous.get(item.guid),
                now,
                lambda stamp, item=item: build.news_item(  # type: ignore[misc]
                    item, stamp, source_version=original_stamp.version, plain_text=plain
                ),
                same,
            )
            outputs.append((f"{item.stem}.xml", el, item.lang, stamp))

        package_out: tuple[str, etree._Element, str | None, build.Stamp] | None = None
        if story.package is not None:
            pkg = story.package
            refs = [
                build.ItemRef(
                    item.guid, stamp.version, item.lang, item.headline, None if self.bundle else f"{item.stem}.xml"
                )
                for item, (_, _, _, stamp) in zip(story.items, outputs, strict=True)
            ]
            pkg_el, pkg_stamp = versioning.settle(
                versioning.Plan(owned=True),
                previous.get(pkg.guid),
                now,
                lambda stamp: build.package_item(pkg, refs, stamp),
                same,
            )
            package_out = (f"{pkg.stem}.xml", pkg_el, pkg.lang, pkg_stamp)

        where = doc.source or doc.id
        if self.bundle:
            parts = ([package_out] if package_out else []) + outputs
            sent = max(stamp.version_created for _, _, _, stamp in parts)
            sender = self.settings.provider_name or self.settings.provider
            message = build.news_message([el for _, el, _, _ in parts], sent, sender)
            name = f"{ids.stem(story.key, 'bundle')}.xml"
            check_element(message, name, path=where)
            return [(name, message, original.lang)]
        if package_out is not None:
            outputs.append(package_out)
        for name, el, _, _ in outputs:
            check_element(el, name, path=where)
        return [(name, el, lang) for name, el, lang, _ in outputs]

    def render(self, doc: Document) -> list[Rendered]:
        return [Rendered(name, to_bytes(el), lang) for name, el, lang in self.elements(doc)]

    def _previous(self, story: model.Story, doc: Document) -> dict[str, versioning.Previous]:
        if self.outdir is None:
            return {}
        stems = [item.stem for item in story.items]
        if story.package is not None:
            stems.append(story.package.stem)
        stems.append(ids.stem(story.key, "bundle"))
        paths = [self.outdir / f"{stem}.xml" for stem in stems]
        return versioning.read_previous_xml(
            paths, lambda message: doc.warn("previous-output", message, processor=PROCESSOR)
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


def _plan(item: model.ItemModel) -> versioning.Plan:
    return versioning.Plan(
        owned=item.owned,
        base_version=item.base_version,
        version_created=item.feed_version_created,
        first_created=item.feed_first_created,
    )


def render_story(doc: Document, **options: Any) -> list[Rendered]:
    """Render one document without an output directory (no previous versions): for library use."""
    return NewsMLFormat(**options).render(doc)


__all__ = ["OUTPUT_SCHEMAS", "NewsMLFormat", "parse_now", "render_story"]
