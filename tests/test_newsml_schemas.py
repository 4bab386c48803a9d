"""The shipped schemas: IPTC's unchanged, our profile stricter, loaded offline from the package."""

from __future__ import annotations

import hashlib
import importlib.resources

import pytest
from lxml import etree

from toolkit.errors import ConfigError, ValidationError
from toolkit.newsml import validate
from toolkit.newsml.format import NewsMLFormat
from toolkit.testing import assert_valid_newsml, make_document

from .conftest import shared
from .newsml_support import NAR, NOW, NS, XHTML, add_translation, official_iptc_schema

SHIPPED = importlib.resources.files("toolkit.schemas")


#: SHA-256 of the files as IPTC (and geojson.org) publish them: iptc/newsml-g2 at 7f172b01 (2.35 release
#: files), iptc/newsinjson at 3ace3970 (ninjs 3.1), the GeoJSON schema ninjs refers to.
UPSTREAM_SHA256 = {
    "NewsML-G2_2.35-spec-All-Power.xsd": "06ef1c5076a32f2568ac8955994029890afac0268f795e3c26642ded52cf0181",
    "xml.xsd": "61960fb3131e38022caad5360e2f33a3382578ab3c80cd58bd74320ede61b20c",
    "ninjs-schema_3.1.json": "404f578a299bf34e76e98f2de26ad9989882ebd7abf3a4d3cf3aa689b70a8744",
    "GeoJSON-schema.json": "e52886cce1429941ab3725a055a61d6bf8b6f5429837ff7dbca32f809e3500c2",
}


@pytest.mark.parametrize(
    "shipped, origin",
    [
        ("NewsML-G2_2.35-spec-All-Power.xsd", ("newsml-g2", "xsd", "NewsML-G2_2.35-spec-All-Power.xsd")),
        ("xml.xsd", ("newsml-g2", "xsd", "xml.xsd")),
        ("ninjs-schema_3.1.json", ("ninjs", "schema", "ninjs-schema_3.1.json")),
        ("GeoJSON-schema.json", ("ninjs", "schema", "GeoJSON-schema.json")),
    ],
)
def test_third_party_schemas_are_shipped_unchanged(shipped, origin):
    data = SHIPPED.joinpath(shipped).read_bytes()
    assert hashlib.sha256(data).hexdigest() == UPSTREAM_SHA256[shipped]
    assert data == shared(*origin).read_bytes()  # the development folder's copy, where there is one


def test_attribution_is_shipped():
    readme = SHIPPED.joinpath("README.md").read_text("utf-8")
    assert "CC BY 4.0" in readme or "Creative Commons Attribution 4.0" in readme
    assert "IPTC" in readme and "toolkit-newsml-profile.xsd" in readme


def test_schemas_compile_once_and_lazily():
    assert validate.schema("iptc") is validate.schema("iptc")
    assert validate.schema("profile") is validate.schema("profile")
    with pytest.raises(ConfigError, match="unknown schema"):
        validate.schema("nope")


def test_schema_resolver_serves_only_package_files(tmp_path):
    assert validate._package_file("toolkit-schemas:/xml.xsd")
    for url in (
        "toolkit-schemas:/../pyproject.toml",
        "http://www.w3.org/2001/xml.xsd",
        "/etc/passwd",
        "toolkit-schemas:/a/b",
    ):
        assert validate._package_file(url) is None
    xsd = tmp_path / "remote.xsd"
    xsd.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        '<xs:import namespace="urn:x" schemaLocation="http://attacker.example/x.xsd"/></xs:schema>'
    )
    with pytest.raises(ConfigError, match="cannot load schema"):
        validate.load_xsd(str(xsd))


def _item() -> etree._Element:
    doc = make_document("First paragraph.", "Second paragraph.", title="Headline", lang="en", id="p1")
    add_translation(doc, "ru")
    return etree.fromstring(NewsMLFormat(now=NOW).render(doc).files[0].data)


def _find(root: etree._Element, path: str) -> etree._Element:
    el = root.find(path, NS)
    assert el is not None, path
    return el


def _drop(path: str):  # type: ignore[no-untyped-def]
    def mutate(root: etree._Element) -> None:
        el = _find(root, path)
        el.getparent().remove(el)

    return mutate


def _set_text(path: str, text: str):  # type: ignore[no-untyped-def]
    def mutate(root: etree._Element) -> None:
        _find(root, path).text = text

    return mutate


def _set_attr(path: str, name: str, value: str):  # type: ignore[no-untyped-def]
    def mutate(root: etree._Element) -> None:
        (_find(root, path) if path else root).set(name, value)

    return mutate


def _no_paragraphs(root: etree._Element) -> None:
    body = _find(root, ".//h:body")
    for p in list(body):
        body.remove(p)


def _second_headline(root: etree._Element) -> None:
    headline = _find(root, "n:contentMeta/n:headline")
    headline.addnext(etree.fromstring(f'<headline xmlns="{NAR}">Another</headline>'))


def _nitf_body(root: etree._Element) -> None:
    inline = _find(root, "n:contentSet/n:inlineXML")
    inline.remove(inline[0])
    inline.append(etree.fromstring('<nitf xmlns="http://iptc.org/std/NITF/2006-10-18/"><body/></nitf>'))


STRICTER = {
    "no headline": _drop("n:contentMeta/n:headline"),
    "two headlines": _second_headline,
    "empty headline": _set_text("n:contentMeta/n:headline", " "),
    "headline over 300 characters": _set_text("n:contentMeta/n:headline", "x" * 301),
    "no language": _drop("n:contentMeta/n:language"),
    "body without paragraphs": _no_paragraphs,
    "empty paragraph": _set_text(".//h:body/h:p", ""),
    "body in NITF, not XHTML": _nitf_body,
    "guid with white space": _set_attr("", "guid", "urn:newsml:toolkit:p1 en"),
    "guid that is not a URI": _set_attr("", "guid", "p1-en"),
    "versionCreated not in UTC": _set_text("n:itemMeta/n:versionCreated", "2025-03-01T15:00:00+05:00"),
    "no firstCreated": _drop("n:itemMeta/n:firstCreated"),
    "no generator": _drop("n:itemMeta/n:generator"),
    "no xml:lang on the root": lambda root: root.attrib.pop("{http://www.w3.org/XML/1998/namespace}lang"),
    "lower-case script subtag": _set_attr("n:contentMeta/n:language", "tag", "kk-cyrl"),
    "no inline catalog": _drop("n:catalog"),
    "no hop history": _drop("n:hopHistory"),
    "another standard version": _set_attr("", "standardversion", "2.34"),
    "pubStatus withheld": _set_attr("n:itemMeta/n:pubStatus", "qcode", "stat:withheld"),
}


@pytest.mark.parametrize("case", sorted(STRICTER))
def test_profile_is_stricter_than_iptc(case):
    root = _item()
    STRICTER[case](root)
    iptc = official_iptc_schema()
    assert iptc.validate(root), f"{case}: IPTC should accept it: {iptc.error_log}"
    assert validate.validate_element(root, ["profile"]), f"{case}: the profile should refuse it"


def test_check_element_reports_line_numbers():
    root = _item()
    _second_headline(root)
    with pytest.raises(ValidationError) as info:
        validate.check_element(root, "x.en.xml", path="in/x.txt")
    assert str(info.value).startswith("in/x.txt: x.en.xml is not valid NewsML-G2: line ")
    issues = info.value.issues  # type: ignore[attr-defined]
    assert issues[0].line and issues[0].schema == "toolkit NewsML-G2 profile"


def test_assert_valid_newsml_for_users(tmp_path):
    data = NewsMLFormat(now=NOW).render(make_document("Body.", lang="en")).files[0].data
    assert_valid_newsml(data)
    path = tmp_path / "item.xml"
    path.write_bytes(data.replace(b"<headline>", b"<headline>  "))
    assert_valid_newsml(path, profile=False)  # IPTC accepts a leading blank
    with pytest.raises(AssertionError, match=r"item.xml is not valid NewsML-G2:\n  line \d+: "):
        assert_valid_newsml(path)


def test_xhtml_namespace_is_declared_on_the_body_root():
    root = _item()
    html = _find(root, "n:contentSet/n:inlineXML")[0]
    assert html.tag == f"{{{XHTML}}}html" and html.nsmap[None] == XHTML
