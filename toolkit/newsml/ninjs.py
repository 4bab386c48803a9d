"""The ``ninjs`` output format: IPTC ninjs 3.1 JSON, validated before it is written.

The same story data as NewsML-G2 (:mod:`toolkit.newsml.model`), laid out as ninjs: one
``text`` object per language version (``KEY.LANG.json``) and one ``composite``
(``KEY.package.json``) whose ``associations`` reference each version by uri (the guid),
version and language. A translation carries an association ``rel: "translationOf"`` to its
source and names the engine in ``infoSources`` (role ``translator``); its
``copyrightNotice`` includes the machine-translation notice. Versions follow the same rule
as NewsML-G2 (:mod:`toolkit.newsml.versioning`), compared with the previous JSON outputs
the format is given (a :data:`~toolkit.formats.Lookup`); like every format, it reads and
writes no file itself.

Validation uses ``jsonschema`` (imported on first use) against the ninjs 3.1 schema shipped
in ``toolkit.schemas``; the schema's reference to the GeoJSON schema is served from the
shipped copy, and any other remote reference is refused: nothing goes to the network.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from ..document import Document, Notice
from ..errors import ValidationError
from ..formats import NO_PREVIOUS, Lookup, OutputFile, Rendering, check_naming, mark_unchanged, name_base, name_locks
from ..text import json_dumps
from . import ids, model, versioning
from .build import ItemRef, Stamp
from .format import STALE, parse_now, renamer

PROCESSOR = "ninjs"
SCHEMA_FILE = "ninjs-schema_3.1.json"
SCHEMA_URI = "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#"
GEOJSON_FILE = "GeoJSON-schema.json"
GEOJSON_URI = "https://geojson.org/schema/GeoJSON.json"
STANDARD = {"name": "ninjs", "version": "3.1", "schema": SCHEMA_URI}
_VOLATILE = ("version", "versionCreated", "firstCreated")
MEDIA_TYPE = "application/json"

Json = dict[str, Any]


@functools.cache
def validator() -> Any:
    """The ninjs 3.1 validator (jsonschema), built once per process, offline."""
    import jsonschema
    from referencing import Registry, Resource
    from referencing.exceptions import NoSuchResource

    files = importlib.resources.files("toolkit.schemas")
    schema = json.loads(files.joinpath(SCHEMA_FILE).read_text("utf-8"))
    geojson = json.loads(files.joinpath(GEOJSON_FILE).read_text("utf-8"))

    def refuse(uri: str) -> Any:
        raise NoSuchResource(ref=uri)  # never fetched: only the shipped schemas exist

    registry = Registry(retrieve=refuse).with_resource(GEOJSON_URI, Resource.from_contents(geojson))  # type: ignore[call-arg]
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)


def validate_ninjs(obj: Any) -> list[str]:
    """Problems of ``obj`` against ninjs 3.1, as ``path: message`` lines (empty: valid)."""
    errors = sorted(validator().iter_errors(obj), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors]


def digest(obj: Json) -> str:
    content = {k: v for k, v in obj.items() if k not in _VOLATILE}
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def same_content(obj: Json, previous: versioning.Previous) -> bool:
    return digest(obj) == previous.digest


def to_bytes(obj: Json) -> bytes:
    return (json_dumps(obj, indent=2) + "\n").encode("utf-8")


# -- objects --------------------------------------------------------------------------------------------


def _header(uri: str, kind: str, stamp: Stamp) -> Json:
    return {
        "uri": uri,
        "type": kind,
        "representationType": "full",
        "standard": dict(STANDARD),
        "version": str(stamp.version),
        "firstCreated": stamp.first_created,
        "versionCreated": stamp.version_created,
    }


def _date_time(value: str | None) -> str | None:
    """ninjs date-times need a time and an offset: dates alone and naive times are left out."""
    if not value or "T" not in value:
        return None
    return value if value.endswith("Z") or value[-6] in "+-" else None


def item_object(item: model.ItemModel, stamp: Stamp, *, source_version: int | None = None) -> Json:
    """The ninjs object of one language version."""
    obj = _header(item.guid, "text", stamp)
    created = _date_time(item.content_created)
    if created:
        obj["contentCreated"] = created
    obj["pubStatus"] = "usable"
    if item.copyright_holder:
        obj["copyrightHolder"] = item.copyright_holder
    if item.notices:
        obj["copyrightNotice"] = " ".join(n.text for n in item.notices)
    obj["language"] = item.lang
    if item.description:
        obj["descriptions"] = [{"role": "summary", "contentType": "text/plain", "value": item.description}]
    if item.partial_note:  # ninjs has no edNote: a description with its own role says it
        obj.setdefault("descriptions", []).append(
            {"role": "partial-translation", "contentType": "text/plain", "value": item.partial_note}
        )
    if not item.headline_only:  # a flash has no body: its headline is the whole story
        text = "\n\n".join(item.paragraphs)
        langs = item.paragraph_langs or [None] * len(item.paragraphs)  # a paragraph in another language says so
        obj["bodies"] = [
            {
                "role": "main",
                "contentType": "application/xhtml+xml",
                "value": "".join(
                    f'<p lang="{escape(lang)}">{escape(p, quote=False)}</p>'
                    if lang
                    else f"<p>{escape(p, quote=False)}</p>"
                    for p, lang in zip(item.paragraphs, langs, strict=True)
                ),
                "charCount": len(text),
                "wordCount": item.wordcount,
            },
            {"role": "main", "contentType": "text/plain", "value": text},
        ]
    obj["headlines"] = [{"role": "main", "contentType": "text/plain", "value": item.headline}]
    if item.keywords:
        obj["subjects"] = [{"name": k, "rel": "keyword"} for k in item.keywords]
    sources: list[Json] = []
    if item.info_source is not None:
        sources.append(_party(item.info_source, "originator"))
    sources.extend(_party(p, (p.role or "contributor").rsplit(":", 1)[-1]) for p in item.contributors)
    sources.extend({"name": credit, "role": "photographer"} for credit in item.creditlines)
    if sources:
        obj["infoSources"] = sources
    if item.by:
        obj["by"] = item.by
    alt_ids = [{"role": "guid", "value": item.guid}]
    alt_ids.extend({"role": link.rel, "value": link.href} for link in item.links if link.href)
    obj["altIds"] = alt_ids
    if item.translation_of is not None:
        source = item.translation_of
        assoc: Json = {
            "name": "source",
            "rel": "translationOf",
            "uri": source.residref,
            "type": "text",
        }
        if source_version:
            assoc["version"] = str(source_version)
        if source.lang:
            assoc["language"] = source.lang
        if source.title:
            assoc["headlines"] = [{"role": "main", "value": source.title}]
        obj["associations"] = [assoc]
    return obj


def _party(party: model.Party, role: str) -> Json:
    out: Json = {"name": party.name, "role": role}
    if party.uri:
        out["uri"] = party.uri
    if party.literal:
        out["literal"] = party.literal
    return out


def composite_object(pkg: model.PackageModel, refs: list[ItemRef], stamp: Stamp) -> Json:
    """The ninjs composite that groups the language versions of a story."""
    obj = _header(pkg.guid, "composite", stamp)
    obj["pubStatus"] = "usable"
    obj["language"] = pkg.lang
    obj["title"] = pkg.title
    obj["headlines"] = [{"role": "main", "contentType": "text/plain", "value": pkg.headline}]
    obj["associations"] = [
        {
            "name": ref.lang,
            "rel": "original" if i == 0 else "translation",
            "uri": ref.guid,
            "type": "text",
            "version": str(ref.version),
            "language": ref.lang,
            "headlines": [{"role": "main", "value": ref.headline}],
        }
        for i, ref in enumerate(refs)
    ]
    return obj


# -- the format ------------------------------------------------------------------------------------------


class NinjsFormat:
    """ninjs 3.1 JSON: one object per language version and a composite per document."""

    name = "ninjs"

    def __init__(
        self,
        *,
        provider: str = "toolkit",
        provider_name: str | None = None,
        provider_uri: str | None = None,
        now: str | datetime | None = None,
        names: str = "story",
    ) -> None:
        self.settings = model.Settings(provider=provider, provider_name=provider_name, provider_uri=provider_uri)
        self.now = parse_now(now)
        self.names = check_naming(names)

    def story_key(self, doc: Document) -> str:
        return ids.identity(doc, self.settings.provider).key

    def locks(self, doc: Document) -> list[str]:
        return name_locks(doc, self.names)

    def settle(
        self, doc: Document, previous: Lookup = NO_PREVIOUS
    ) -> tuple[str, list[_Object], list[Notice], Notice | None, list[OutputFile]]:
        """(story key, the objects of every output of ``doc`` validated, warnings, a skip notice
        when stale, the name records to write with them)."""
        story = model.story_of(doc, self.settings)
        warnings = [Notice(code, message, PROCESSOR) for code, message in story.warnings]
        now = self.now or versioning.utc_now()
        base, records = name_base(doc, story.key, previous, self.names)
        name = renamer(story.key, base)
        earlier = self._previous(story, previous, warnings, name)

        def package(pkg: model.PackageModel, items: list[tuple[model.ItemModel, Stamp]], stamp: Stamp) -> Json:
            refs = [ItemRef(m.guid, s.version, m.lang, m.headline) for m, s in items]
            return composite_object(pkg, refs, stamp)

        settled = versioning.settle_story(
            story,
            doc,
            earlier,
            now,
            item=lambda m, stamp, source: item_object(m, stamp, source_version=source),
            package=package,
            same=same_content,
        )
        if settled.stale is not None:
            return story.key, [], warnings, Notice(STALE, settled.stale, PROCESSOR), []
        outputs = [
            _Object(f"{name(m.stem)}.json", obj, m.lang, m.guid, stamp.version) for m, obj, stamp in settled.items
        ]
        if settled.package is not None:
            pkg, obj, stamp = settled.package
            outputs.append(_Object(f"{name(pkg.stem)}.json", obj, pkg.lang, pkg.guid, stamp.version))
        for out in outputs:
            problems = validate_ninjs(out.obj)
            if problems:
                more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
                raise ValidationError(
                    f"{out.name} is not valid ninjs 3.1: {problems[0]}{more}", path=doc.source or doc.id
                )
        return story.key, outputs, warnings, None, records

    def objects(self, doc: Document, previous: Lookup = NO_PREVIOUS) -> list[tuple[str, Json, str | None]]:
        """(file name, ninjs object, language) of each output of ``doc``, validated (none when stale)."""
        return [(out.name, out.obj, out.lang) for out in self.settle(doc, previous)[1]]

    def render(self, doc: Document, previous: Lookup = NO_PREVIOUS) -> Rendering:
        key, outputs, warnings, skip, records = self.settle(doc, previous)
        files = [
            OutputFile(out.name, to_bytes(out.obj), out.lang, out.guid, out.version, MEDIA_TYPE) for out in outputs
        ]
        if files:
            files = mark_unchanged(files + records, previous([f.name for f in files + records]))
        return Rendering(key, files, warnings, skip)

    def _previous(
        self, story: model.Story, previous: Lookup, warnings: list[Notice], rename: Callable[[str], str]
    ) -> dict[str, versioning.Previous]:
        if previous is NO_PREVIOUS:
            return {}
        stems = [rename(item.stem) for item in story.items] + ([rename(story.package.stem)] if story.package else [])
        found: dict[str, versioning.Previous] = {}
        for name, data in previous([f"{stem}.json" for stem in stems]).items():
            try:
                obj = json.loads(data)
                uri, version = obj["uri"], int(obj["version"])
            except (ValueError, KeyError, TypeError) as exc:
                warnings.append(Notice("previous-output", f"previous output {name} ignored: {exc}", PROCESSOR))
                continue
            if isinstance(uri, str) and version > 0:
                found[uri] = versioning.Previous(
                    version,
                    _utc(obj.get("versionCreated")),
                    _utc(obj.get("firstCreated")),
                    None,
                    digest(obj),
                    modified=_utc(obj.get("contentCreated")),
                )
        return found


@dataclass(slots=True)
class _Object:
    name: str
    obj: Json
    lang: str | None
    guid: str
    version: int


def _utc(value: Any) -> str | None:
    return model.utc_datetime(value) if isinstance(value, str) else None
