"""ninjs 3.1 output: valid against IPTC's schema (the shared copy, offline), linked like NewsML-G2."""

from __future__ import annotations

import json

import pytest

from toolkit.errors import ValidationError
from toolkit.newsml import ninjs
from toolkit.newsml.ninjs import NinjsFormat, validate_ninjs
from toolkit.testing import make_document

from .conftest import SAMPLES, shared
from .newsml_support import EXPECTATIONS, NOW, add_translation, cleaned_sample


@pytest.fixture(scope="module")
def official_validator():
    """A validator built from the shared schema files, independent of our shipped copies."""
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource

    geo = json.loads(shared("ninjs", "schema", "GeoJSON-schema.json").read_text("utf-8"))
    registry = Registry().with_resource("https://geojson.org/schema/GeoJSON.json", Resource.from_contents(geo))
    schema = json.loads(shared("ninjs", "schema", "ninjs-schema_3.1.json").read_text("utf-8"))
    return Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())


def objects(doc, **options):  # type: ignore[no-untyped-def]
    options.setdefault("now", NOW)
    return {
        name: json.loads(data) for name, data in ((o.name, o.data) for o in NinjsFormat(**options).render(doc).files)
    }


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_samples_with_translations_are_valid_ninjs(name, official_validator):
    doc = cleaned_sample(name)
    add_translation(doc, "en" if doc.lang != "en" else "ru")
    out = objects(doc)
    assert len(out) == 3
    for file_name, obj in out.items():
        errors = [e.message for e in official_validator.iter_errors(obj)]
        assert not errors, (file_name, errors)


def test_item_translation_and_composite(official_validator):
    doc = make_document("Ankara'da yeni metro hattı açıldı. Hat 12 km.", title="Metro açıldı", lang="tr", id="m1")
    doc.meta.published = "2024-11-18T10:42:00+03:00"
    doc.meta.copyright_holder = "Ekonomi Postası"
    doc.meta.keywords = ["metro"]
    doc.meta.byline = "Ayşe Yılmaz"
    add_translation(doc, "en", title="Metro line opened")
    out = objects(doc)
    assert sorted(out) == ["m1.en.json", "m1.package.json", "m1.tr.json"]
    tr, en, package = out["m1.tr.json"], out["m1.en.json"], out["m1.package.json"]
    assert tr["uri"] == "urn:newsml:toolkit:m1:tr" and tr["version"] == "1" and tr["type"] == "text"
    assert tr["language"] == "tr" and tr["headlines"][0]["value"] == "Metro açıldı"
    assert tr["contentCreated"] == "2024-11-18T10:42:00+03:00" and tr["versionCreated"] == NOW
    assert tr["bodies"][0]["value"] == "<p>Ankara'da yeni metro hattı açıldı. Hat 12 km.</p>"
    assert tr["subjects"] == [{"name": "metro", "rel": "keyword"}] and tr["by"] == "Ayşe Yılmaz"
    assert en["associations"][0] == {
        "name": "source",
        "rel": "translationOf",
        "uri": "urn:newsml:toolkit:m1:tr",
        "type": "text",
        "version": "1",
        "language": "tr",
        "headlines": [{"role": "main", "value": "Metro açıldı"}],
    }
    assert {"name": "ctranslate2 tr-en 1.9", "role": "translator"} in en["infoSources"]
    assert "Machine translation (tr → en" in en["copyrightNotice"]
    assert package["type"] == "composite"
    assert [(a["uri"], a["version"], a["language"]) for a in package["associations"]] == [
        ("urn:newsml:toolkit:m1:tr", "1", "tr"),
        ("urn:newsml:toolkit:m1:en", "1", "en"),
    ]
    for obj in out.values():
        assert not list(official_validator.iter_errors(obj))


def test_ninjs_versions_and_identical_reruns(tmp_path):
    from toolkit.pipeline import PipelineSpec
    from toolkit.worker import OutputSpec, Worker

    def write(text, now):  # type: ignore[no-untyped-def]
        with Worker(PipelineSpec(()), OutputSpec(str(tmp_path), "ninjs", {"now": now}, fsync=False)) as worker:
            worker.process([make_document(text, title="T", lang="en", id="n1")])
        return {p.name: p.read_bytes() for p in tmp_path.glob("*.json")}

    first = write("Body.", "2025-01-01T00:00:00Z")
    assert write("Body.", "2025-02-01T00:00:00Z") == first
    changed = write("New body.", "2025-03-01T00:00:00Z")
    item = json.loads(changed["n1.en.json"])
    assert (item["version"], item["versionCreated"], item["firstCreated"]) == (
        "2",
        "2025-03-01T00:00:00Z",
        "2025-01-01T00:00:00Z",
    )


def test_invalid_ninjs_is_not_written(monkeypatch):
    real = ninjs.item_object

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        obj = real(*args, **kwargs)
        obj["pubStatus"] = "maybe"
        return obj

    monkeypatch.setattr(ninjs, "item_object", broken)
    with pytest.raises(ValidationError, match=r"a.txt: .*is not valid ninjs 3.1: pubStatus: 'maybe' is not one of"):
        NinjsFormat(now=NOW).render(make_document("Body.", lang="en", source="a.txt"))


def test_validator_never_fetches(monkeypatch):
    import urllib.request

    def no_network(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("network access")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    place = {
        "uri": "urn:x:1",
        "places": [{"name": "Astana", "geoJSON": {"type": "Point", "coordinates": [71.4, 51.1]}}],
    }
    assert validate_ninjs(place) == []
    bad = {"uri": "urn:x:1", "places": [{"name": "Astana", "geoJSON": {"type": "Point"}}]}
    assert validate_ninjs(bad)  # the GeoJSON $ref is resolved from the shipped copy


def test_cli_ninjs_format(cli, tmp_path):
    out = tmp_path / "out"
    result = cli("convert", SAMPLES / "ky_crafts.txt", "-o", out, "-f", "ninjs")
    assert result.exit_code == 0, result.output
    assert len(list(out.glob("*.json"))) == 2
    assert cli("validate", out).exit_code == 0
