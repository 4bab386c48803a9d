"""End to end: translate with the tiny real test models, write NewsML-G2, validate, read back."""

from __future__ import annotations

import json

from lxml import etree

import toolkit
from toolkit.testing import make_document

from .newsml_support import NS, XML_LANG, assert_official_valid
from .translate_helpers import models_dir, packages, upper_of  # noqa: F401  (fixtures)

KK_TITLE = "Жаңа сауда ережелері"
KK_P1 = "Үкімет дүйсенбі күні жаңа сауда ережелерін жариялады. Шенеуніктер экспорттың өсуін күтеді."
KK_P2 = "Энергия бағасы жоғары күйінде қалып отыр."


def test_convert_to_with_tiny_models_writes_valid_linked_items(cli, packages, models_dir, tmp_path):  # noqa: F811
    for key in ("kk_en", "en_ru"):
        assert cli("models", "install", packages[key]).exit_code == 0
    doc = make_document(KK_P1, KK_P2, title=KK_TITLE, lang="kk-Cyrl", id="kk-trade")
    doc.meta.copyright_holder = "Dala Aqparat"
    doc.meta.copyright_year = 2024
    src = tmp_path / "in.jsonl"
    src.write_text(doc.to_json() + "\n", "utf-8")
    out = tmp_path / "out"
    result = cli("convert", src, "-o", out, "--to", "en,ru")
    assert result.exit_code == 0, result.output
    files = {p.name.split(".")[1]: p for p in out.glob("*.xml")}
    assert sorted(files) == ["en", "kk-Cyrl", "package", "ru"]
    roots = {lang: assert_official_valid(path, path.name) for lang, path in files.items()}
    source_guid = roots["kk-Cyrl"].get("guid")
    for lang in ("en", "ru"):
        root = roots[lang]
        assert root.get(XML_LANG) == lang and root.find("n:contentMeta/n:language", NS).get("tag") == lang
        link = root.find("n:itemMeta/n:link[@rel='tkrel:translationOf']", NS)
        assert (link.get("residref"), link.get("version"), link.get(XML_LANG)) == (source_guid, "1", "kk-Cyrl")
        contributor = root.find("n:contentMeta/n:contributor[@role='tkrole:translator']", NS)
        assert "ctranslate2" in contributor.findtext("n:name", namespaces=NS)
        original, notice = root.iterfind("n:rightsInfo/n:copyrightNotice", NS)
        assert (original.text, original.get(XML_LANG)) == ("© 2024 Dala Aqparat", "kk-Cyrl")
        assert notice.text.startswith(f"Machine translation (kk-Cyrl → {lang}") and "Dala Aqparat" in notice.text
        assert notice.get(XML_LANG) == (None if lang == "en" else "en")  # the notice is in English
    assert "via en" in roots["ru"].findtext("n:contentMeta/n:contributor/n:note", namespaces=NS)
    refs = roots["package"].findall(".//n:itemRef", NS)
    assert [(r.get(XML_LANG), r.get("residref")) for r in refs] == [
        (lang, roots[lang].get("guid")) for lang in ("kk-Cyrl", "en", "ru")
    ]
    # the text is the engine's: kk->en copies, the en->ru test model maps pieces to upper case
    ru_body = [p.text for p in roots["ru"].iterfind(".//h:body/h:p", NS)]
    assert len(ru_body) == 2 and ru_body[1] == upper_of(KK_P2)
    assert roots["ru"].findtext("n:contentMeta/n:headline", namespaces=NS) == upper_of(KK_TITLE)

    # bundle, read back: the document comes back with both translations
    bundle_out = tmp_path / "bundle"
    assert cli("convert", src, "-o", bundle_out, "--to", "en,ru", "--bundle").exit_code == 0
    (bundle,) = bundle_out.glob("*.bundle.xml")
    (again,) = list(toolkit.read(bundle))
    assert sorted(again.translations) == ["en", "ru"]
    assert again.translations["ru"].paragraphs[1].text == ru_body[1]
    assert json.loads(again.to_json())["meta"]["guid"] == source_guid
    assert etree.fromstring(bundle.read_bytes()).find("n:header/n:sent", NS) is not None
