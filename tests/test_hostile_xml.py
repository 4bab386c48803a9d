"""Hostile XML through every XML-reading path, end to end through the CLI.

Paths: NewsML-G2 input (``.xml`` newsItem), RSS (``.rss``, stdin), Atom (``.xml``), XHTML in a
``.xml`` file, HTML pages (``.html``, lxml + trafilatura in the cleaner), ``toolkit validate``
(the files it checks and a hostile ``--xsd``), ``toolkit stream`` records and ``toolkit watch``.

Every case must give a one-line error naming the file and exit code 1, leave the rest of the
batch alone, finish within a time box, never read a local file (a canary file's content never
appears in any output, error or report) and never open a network connection (a local listener
records any connection libxml2 could make in C; ``socket`` is patched for Python code).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from toolkit.testing import assert_valid_newsml

CANARY = "CANARY-5f1d7c-DO-NOT-LEAK"
NAR = "http://iptc.org/std/nar/2006-10-01/"
TIME_BOX = 20.0  # seconds per CLI run (each hostile case is refused in well under a second)
BODY = "Алматы әкімдігі жаңа метро желісінің құрылысы келесі жылы аяқталатынын хабарлады."
GOOD_RSS = (
    "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>Wire</title>"
    "<item><title>Good item</title><guid>urn:wire:good</guid><description>The city council approved the new "
    "budget for public transport on Monday after a long debate.</description></item></channel></rss>"
)


# -- the traps ---------------------------------------------------------------------------------------------


@dataclass
class Trap:
    """A canary file, a DTD that points at it, a listening port, and what reached them."""

    folder: Path
    canary: Path
    dtd: Path
    port: int
    connections: list[str]
    python_connects: list[str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/evil"

    def assert_untouched(self, *texts: str, folders: tuple[Path, ...] = ()) -> None:
        for text in texts:
            assert CANARY not in text
        for folder in folders:
            for path in folder.rglob("*"):
                if path.is_file():
                    assert CANARY.encode() not in path.read_bytes(), path
        time.sleep(0.05)  # let the listener thread see a late connection
        assert self.connections == [], self.connections
        assert self.python_connects == [], self.python_connects


@pytest.fixture
def trap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Trap]:
    folder = tmp_path / "secrets"
    folder.mkdir()
    canary = folder / "canary.txt"
    canary.write_text(CANARY)
    dtd = folder / "evil.dtd"
    dtd.write_text(f'<!ENTITY leak SYSTEM "{canary.as_uri()}">')
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    connections: list[str] = []
    stop = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            try:
                conn, peer = server.accept()
            except OSError:
                continue
            connections.append(str(peer))
            conn.close()

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    python_connects: list[str] = []

    def refuse(*args: object, **kwargs: object) -> None:
        python_connects.append(repr(args[:2]))
        raise OSError("network access refused by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield Trap(folder, canary, dtd, server.getsockname()[1], connections, python_connects)
    stop.set()
    thread.join(2)
    server.close()


# -- hostile documents ----------------------------------------------------------------------------------------


def newsml(body: str = "", doctype: str = "", attrs: str = "") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>{doctype}
<newsItem xmlns="{NAR}" guid="urn:newsml:example.kz:20250301:h1:kk" version="1" standard="NewsML-G2"
 standardversion="2.35" conformance="power" xml:lang="kk"{attrs}>
<catalogRef href="http://www.iptc.org/std/catalog/catalog.IPTC-G2-Standards_40.xml"/>
<itemMeta><itemClass qcode="ninat:text"/><provider uri="https://example.kz/"/>
<versionCreated>2025-03-01T10:05:00Z</versionCreated><pubStatus qcode="stat:usable"/></itemMeta>
<contentMeta><language tag="kk"/><headline>Метро {body}</headline></contentMeta>
<contentSet><inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml"><head>
<title>t</title></head><body><p>{BODY} {body}</p></body></html></inlineXML></contentSet></newsItem>"""


def rss(body: str = "", doctype: str = "", attrs: str = "") -> str:
    return (
        f"<?xml version='1.0' encoding='UTF-8'?>{doctype}<rss version='2.0'{attrs}><channel><title>Wire</title>"
        f"<item><title>Item {body}</title><guid>urn:wire:1</guid><description>{BODY} {body}</description>"
        "</item></channel></rss>"
    )


def atom(body: str = "", doctype: str = "", attrs: str = "") -> str:
    return (
        f"<?xml version='1.0' encoding='UTF-8'?>{doctype}<feed xmlns='http://www.w3.org/2005/Atom'{attrs}>"
        "<title>Wire</title><id>urn:wire</id><updated>2025-03-01T10:00:00Z</updated><entry><title>Entry "
        f"{body}</title><id>urn:wire:e1</id><updated>2025-03-01T10:00:00Z</updated><content type='html'>{BODY} "
        f"{body}</content></entry></feed>"
    )


def xhtml(body: str = "", doctype: str = "", attrs: str = "") -> str:
    return (
        f"<?xml version='1.0' encoding='UTF-8'?>{doctype}<html xmlns='http://www.w3.org/1999/xhtml'{attrs}><head>"
        f"<title>Метро</title></head><body><article><h1>Метро желісі</h1><p>{BODY} {body}</p><p>{BODY}</p>"
        "</article></body></html>"
    )


def html(body: str = "", doctype: str = "", attrs: str = "") -> str:
    """The same markup read as an HTML page (.html: lxml's HTML parser, then trafilatura); its own text."""
    return xhtml(body, doctype, attrs).replace("<p>", "<p>Бет. ", 1)


FLAVOURS: dict[str, tuple[Callable[..., str], str]] = {
    "newsml": (newsml, ".xml"),
    "rss": (rss, ".rss"),
    "atom": (atom, ".xml"),
    "xhtml": (xhtml, ".xml"),
    "html": (html, ".html"),
}

LAUGHS = '<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
)


def case(name: str, trap: Trap) -> tuple[str, str, str]:
    """(doctype, body, attributes) of one hostile case."""
    xi = f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{trap.canary.as_uri()}" parse="text"/>'
    return {
        "xxe-file": (f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "{trap.canary.as_uri()}">]>', "&xxe;", ""),
        "xxe-network": (f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "{trap.url}">]>', "&xxe;", ""),
        "billion-laughs": (f"<!DOCTYPE r [{LAUGHS}]>", "&lol9;", ""),
        "quadratic-blowup": ('<!DOCTYPE r [<!ENTITY a "' + "a" * 50_000 + '">]>', "&a;" * 20_000, ""),
        "external-dtd-system": (f'<!DOCTYPE r SYSTEM "{trap.dtd.as_uri()}">', "&leak;", ""),
        "external-dtd-public": (f'<!DOCTYPE r PUBLIC "-//Evil//DTD Evil//EN" "{trap.url}.dtd">', "", ""),
        "parameter-entity": (f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{trap.dtd.as_uri()}"> %p;]>', "&leak;", ""),
        "parameter-entity-network": (f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{trap.url}"> %p;]>', "", ""),
        "xinclude": ("", xi, ""),
        "deep-nesting": ("", "<b>" * 100_000 + "x" + "</b>" * 100_000, ""),
        "huge-attribute": ("", "", ' data-x="' + "x" * 11_000_000 + '"'),
        "huge-text": ("", "word " * 2_200_000, ""),
    }[name]


CASES = [
    "xxe-file",
    "xxe-network",
    "billion-laughs",
    "quadratic-blowup",
    "external-dtd-system",
    "external-dtd-public",
    "parameter-entity",
    "parameter-entity-network",
    "xinclude",
    "deep-nesting",
    "huge-attribute",
    "huge-text",
]

#: What each refusal says (a fragment of the one-line error).
EXPECTED = {
    "xxe-file": "entity declarations is refused",
    "xxe-network": "entity declarations is refused",
    "billion-laughs": "entity declarations is refused",
    "quadratic-blowup": "entity declarations is refused",
    "external-dtd-system": "DTD",
    "external-dtd-public": "DTD",
    "parameter-entity": "entity declarations is refused",
    "parameter-entity-network": "entity declarations is refused",
    "xinclude": "XInclude is refused",
    "deep-nesting": "Excessive depth",
    "huge-attribute": "safety limits",
    "huge-text": "safety limits",
}

#: Pages (HTML, and XHTML in a .xml file) carry external DOCTYPEs (XHTML 1.0's) and know no XInclude:
#: both are ignored, never loaded.
HTML_ACCEPTS = {"external-dtd-system", "external-dtd-public", "xinclude"}
PAGES = {"html", "xhtml"}


def failures(outdir: Path) -> list[dict]:
    path = outdir / "failures.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()] if path.exists() else []


def timed(cli, *args, **kwargs):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    result = cli(*args, **kwargs)
    elapsed = time.monotonic() - started
    assert elapsed < TIME_BOX, f"{args[0]} took {elapsed:.1f} s"
    return result


# -- convert: every flavour x every case -----------------------------------------------------------------------


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("flavour", list(FLAVOURS))
def test_hostile_xml_is_refused_alone(cli, trap, tmp_path, flavour, name):
    build, suffix = FLAVOURS[flavour]
    doctype, body, attrs = case(name, trap)
    src = tmp_path / "in" / f"evil{suffix}"
    src.parent.mkdir()
    src.write_text(build(body, doctype, attrs), "utf-8")
    out = tmp_path / "out"
    result = timed(cli, "convert", src, "-o", out)
    trap.assert_untouched(result.output, folders=(out,))
    if flavour in PAGES and name in HTML_ACCEPTS:
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1, result.output
    (failure,) = failures(out)
    assert failure["input"] == str(src) and failure["status"] == "failed"
    assert EXPECTED[name] in failure["error"] and str(src) in failure["error"], failure
    assert failure["code"] in ("unsafe-input", "limit"), failure
    lines = [line for line in result.output.splitlines() if line.startswith("FAILED")]
    assert lines == [f"FAILED {failure['error']}"]  # one line, naming the file
    assert not list(out.glob("*.xml"))


def test_one_batch_of_every_hostile_file_leaves_the_good_ones_alone(cli, trap, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    hostile = 0
    for flavour, (build, suffix) in FLAVOURS.items():
        for name in ("xxe-file", "billion-laughs", "parameter-entity", "deep-nesting", "xinclude"):
            doctype, body, attrs = case(name, trap)
            (src / f"{flavour}-{name}{suffix}").write_text(build(body, doctype, attrs), "utf-8")
            hostile += not (flavour in PAGES and name in HTML_ACCEPTS)
    (src / "good-newsml.xml").write_text(newsml())
    (src / "good-feed.rss").write_text(GOOD_RSS)
    (src / "good-page.html").write_text(html())
    out = tmp_path / "out"
    result = timed(cli, "convert", src, "-o", out)
    trap.assert_untouched(result.output, folders=(out,))
    assert result.exit_code == 1
    assert len(failures(out)) == hostile
    assert {Path(f["input"]).name.split("-")[0] for f in failures(out)} <= set(FLAVOURS)
    # the three good files and the two pages whose xi:include is ignored
    assert f"{hostile + 5} documents, 5 ok, {hostile} failed" in result.output
    for path in out.glob("*.xml"):
        assert_valid_newsml(path.read_bytes())


@pytest.mark.parametrize("flavour", ["rss", "atom"])
def test_feed_on_stdin(cli, trap, tmp_path, flavour):
    build, _ = FLAVOURS[flavour]
    doctype, body, attrs = case("xxe-file", trap)
    out = tmp_path / "out"
    result = timed(cli, "convert", "-", "-o", out, input=build(body, doctype, attrs).encode())
    trap.assert_untouched(result.output, folders=(out,))
    assert result.exit_code == 1 and "<stdin>" in failures(out)[0]["error"]
    result = timed(cli, "convert", "-", "-o", tmp_path / "good", input=build().encode())
    assert result.exit_code == 0, result.output


def test_rss_091_doctype_is_accepted_and_ignored(cli, tmp_path):
    """RSS 0.91's Netscape DOCTYPE is the one DTD a feed may name; it is never loaded."""
    src = tmp_path / "old.rss"
    src.write_text(
        rss(
            doctype='<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
            '"http://my.netscape.com/publish/formats/rss-0.91.dtd">'
        ).replace("version='2.0'", "version='0.91'")
    )
    result = cli("convert", src, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"just some words, not XML at all\n", "root element not found"),
        (bytes(range(256)) * 4, "root element not found"),
        (b'{"uri": "urn:x"}', "root element not found"),
        (b"", "empty"),
        (b"<catalog><book>x</book></catalog>", "unsupported XML document (root element catalog)"),
        (newsml().replace(NAR, "http://example.com/not-newsml/").encode(), "not in the NewsML-G2 namespace"),
        (newsml().encode()[:400], "not well-formed XML"),
    ],
    ids=["text", "binary", "json", "empty", "foreign-root", "wrong-namespace", "truncated"],
)
def test_non_xml_and_foreign_xml_in_a_xml_file(cli, tmp_path, data, fragment):
    src = tmp_path / "in.xml"
    src.write_bytes(data)
    out = tmp_path / "out"
    result = timed(cli, "convert", src, "-o", out)
    assert result.exit_code == 1
    (failure,) = failures(out)
    assert fragment in failure["error"] and str(src) in failure["error"], failure
    assert len([line for line in result.output.splitlines() if line.startswith("FAILED")]) == 1


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("flavour", ["newsml", "rss", "atom"])
def test_utf16_and_utf32_xml_with_or_without_bom(cli, tmp_path, flavour, encoding):
    build, suffix = FLAVOURS[flavour]
    text = build().replace("encoding='UTF-8'", f"encoding='{encoding.upper()}'")
    text = text.replace('encoding="UTF-8"', f'encoding="{encoding.upper()}"')
    src = tmp_path / f"in{suffix}"
    src.write_bytes(text.encode(encoding))  # utf-16 / utf-32 write a BOM, -le / -be do not
    out = tmp_path / "out"
    result = timed(cli, "convert", src, "-o", out)
    assert result.exit_code == 0, result.output
    items = [p for p in out.glob("*.xml") if not p.name.endswith(".package.xml")]
    assert len(items) == 1 and "Алматы" in items[0].read_text("utf-8")


# -- validate ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CASES)
def test_validate_refuses_hostile_files(cli, trap, tmp_path, name):
    doctype, body, attrs = case(name, trap)
    evil = tmp_path / "evil.xml"
    evil.write_text(newsml(body, doctype, attrs), "utf-8")
    good = tmp_path / "good.xml"
    good.write_text(newsml())
    result = timed(cli, "validate", evil, good)
    trap.assert_untouched(result.output)
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if line.startswith(str(evil))]
    expected = "DOCTYPE declaration is refused" if doctype else EXPECTED[name]
    assert len(problems) == 1 and expected in problems[0], result.output
    assert f"{good}: valid" in result.output


XSD = '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{}<xs:element name="item" type="xs:string"/></xs:schema>'


def hostile_schemas(trap: Trap, folder: Path) -> dict[str, str]:
    outside = trap.folder / "outside.xsd"
    outside.write_text(XSD.format(""))
    (folder / "link.xsd").symlink_to(outside)
    canary = trap.canary
    return {
        "include-parent": XSD.format('<xs:include schemaLocation="../secrets/outside.xsd"/>'),
        "include-absolute": XSD.format(f'<xs:include schemaLocation="{outside}"/>'),
        "include-file-url": XSD.format(f'<xs:include schemaLocation="{outside.as_uri()}"/>'),
        "include-canary": XSD.format(f'<xs:include schemaLocation="{canary.as_uri()}"/>'),
        "include-symlink-out": XSD.format('<xs:include schemaLocation="link.xsd"/>'),
        "import-network": XSD.format(f'<xs:import namespace="urn:x" schemaLocation="{trap.url}.xsd"/>'),
        "redefine-network": XSD.format(f'<xs:redefine schemaLocation="{trap.url}.xsd"/>'),
        "xxe": f'<!DOCTYPE xs:schema [<!ENTITY x SYSTEM "{canary.as_uri()}">]>'
        + XSD.format("<xs:annotation><xs:documentation>&x;</xs:documentation></xs:annotation>"),
        "xxe-network": f'<!DOCTYPE xs:schema [<!ENTITY x SYSTEM "{trap.url}">]>' + XSD.format(""),
        "external-dtd": f'<!DOCTYPE xs:schema SYSTEM "{trap.url}.dtd">' + XSD.format(""),
        "billion-laughs": f"<!DOCTYPE xs:schema [{LAUGHS}]>"
        + XSD.format("<xs:annotation><xs:documentation>&lol9;</xs:documentation></xs:annotation>"),
        "xinclude": XSD.format(
            f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{canary.as_uri()}" parse="text"/>'
        ),
        "include-xxe": XSD.format('<xs:include schemaLocation="inner.xsd"/>'),
        "not-xml": "this is not a schema",
    }


def test_validate_refuses_hostile_xsd(cli, trap, tmp_path):
    folder = tmp_path / "xsd"
    folder.mkdir()
    (folder / "inner.xsd").write_text(
        f'<!DOCTYPE xs:schema [<!ENTITY x SYSTEM "{trap.canary.as_uri()}">]>' + XSD.format("")
    )
    doc = tmp_path / "doc.xml"
    doc.write_text("<item>x</item>")
    schemas = hostile_schemas(trap, folder)
    for name, text in schemas.items():
        xsd = folder / f"{name}.xsd"
        xsd.write_text(text)
        result = timed(cli, "validate", "--xsd", xsd, doc)
        trap.assert_untouched(result.output)
        assert result.exit_code == 2, (name, result.output)
        (line,) = [line for line in result.output.splitlines() if line.startswith("Error:")]
        assert "cannot load schema" in line and str(xsd) in line, (name, line)
    # the same folder, a schema that includes a sibling: accepted
    (folder / "sibling.xsd").write_text(XSD.format("").replace('name="item"', 'name="other"'))
    ok = folder / "ok.xsd"
    ok.write_text(XSD.format('<xs:include schemaLocation="sibling.xsd"/>'))
    result = cli("validate", "--xsd", ok, doc)
    assert result.exit_code == 0, result.output


# -- stream and watch ------------------------------------------------------------------------------------------------


def test_stream_records_with_hostile_markup(cli, trap):
    good = {"text": "Алматыда жаңа метро желісі ашылды.\n\nҚала тұрғындары қуанышты."}
    lines = [json.dumps(good)]
    for name in ("xxe-file", "billion-laughs", "parameter-entity", "deep-nesting", "huge-text"):
        doctype, body, attrs = case(name, trap)
        lines.append(json.dumps({"html": html(body, doctype, attrs)}))
        lines.append(json.dumps({"uri": f"urn:wire:{name}", "headline": "H", "body_html": html(body, doctype)}))
    lines.append(json.dumps(good | {"text": good["text"] + " Екінші."}))
    result = timed(cli, "stream", input="\n".join(lines) + "\n")
    trap.assert_untouched(result.output)
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["status"] for r in records] == ["ok"] + ["failed"] * 10 + ["ok"]
    for record in records[1:-1]:
        assert record["error"]["code"] in ("unsafe-input", "limit"), record
        assert f"<stdin>:{record['line']}" in record["error"]["message"]


def test_watch_moves_hostile_files_to_failed(cli, trap, tmp_path):
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    for flavour, (build, suffix) in FLAVOURS.items():
        for name in ("xxe-file", "deep-nesting"):
            doctype, body, attrs = case(name, trap)
            (inbox / f"{flavour}-{name}{suffix}").write_text(build(body, doctype, attrs), "utf-8")
    (inbox / "good.rss").write_text(GOOD_RSS)
    result = timed(cli, "watch", inbox, "-o", outbox, "--once", "--settle", "0")
    trap.assert_untouched(result.output, folders=(outbox, inbox / "failed"))
    assert result.exit_code == 1
    assert [p.name for p in (inbox / "processed").iterdir()] == ["good.rss"]
    reports = sorted((inbox / "failed").glob("*.error.json"))
    assert len(reports) == 10
    for report in reports:
        errors = json.loads(report.read_text())["errors"]
        assert errors[0]["code"] in ("unsafe-input", "limit"), errors
    assert not any((inbox / ".work").rglob("*.*ml"))


@pytest.mark.parametrize("suffix", [".rss", ".atom"])
@pytest.mark.parametrize("form", ["path", "file-url", "http-url"])
def test_feed_whose_content_names_a_file_is_not_that_file(cli, trap, tmp_path, suffix, form):
    """Regression: feedparser.parse(bytes) opens bytes that name a file as that file, so a .rss
    file holding "/path/to/private-feed.xml" published the private feed's items."""
    private = trap.folder / "private.xml"
    private.write_text(rss(CANARY))
    content = {"path": str(private), "file-url": private.as_uri(), "http-url": trap.url}[form]
    src = tmp_path / f"evil{suffix}"
    src.write_text(content)
    out = tmp_path / "out"
    result = timed(cli, "convert", src, "-o", out, "-f", "jsonl")
    trap.assert_untouched(result.output, folders=(out,))
    assert result.exit_code == 1 and "cannot parse feed" in failures(out)[0]["error"]


def test_validate_reads_no_more_than_the_input_limit(cli, tmp_path, monkeypatch):
    """/dev/zero (or any endless file) given to validate or --xsd is refused after the input limit
    instead of filling memory; an include naming a FIFO is refused instead of blocking."""
    from toolkit.io import readers

    monkeypatch.setattr(readers, "MAX_INPUT_BYTES", 4096)
    result = timed(cli, "validate", "/dev/zero")
    assert result.exit_code == 1 and "/dev/zero: larger than" in result.output
    result = timed(cli, "validate", "--xsd", "/dev/zero", "/dev/null")
    assert result.exit_code == 2 and "schema larger than" in result.output
    folder = tmp_path / "xsd"
    folder.mkdir()
    os.mkfifo(folder / "fifo.xsd")
    main = folder / "main.xsd"
    main.write_text(XSD.format('<xs:include schemaLocation="fifo.xsd"/>'))
    doc = tmp_path / "doc.xml"
    doc.write_text("<item>x</item>")
    result = timed(cli, "validate", "--xsd", main, doc)
    assert result.exit_code == 2 and "cannot load schema" in result.output


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32-be"])
@pytest.mark.parametrize("flavour", ["newsml", "rss"])
def test_utf16_and_utf32_hostile_xml_is_refused_too(cli, trap, tmp_path, flavour, encoding):
    build, suffix = FLAVOURS[flavour]
    for name in ("xinclude", "xxe-file"):
        doctype, body, attrs = case(name, trap)
        text = build(body, doctype, attrs).replace("UTF-8", encoding.upper())
        src = tmp_path / name / f"evil{suffix}"
        src.parent.mkdir()
        src.write_bytes(text.encode(encoding))
        out = tmp_path / name / "out"
        result = timed(cli, "convert", src, "-o", out)
        trap.assert_untouched(result.output, folders=(out,))
        assert result.exit_code == 1 and EXPECTED[name] in failures(out)[0]["error"], result.output


@pytest.mark.parametrize("flavour", ["newsml", "rss", "atom", "xhtml"])
def test_dtd_hidden_behind_a_long_comment_is_refused(cli, trap, tmp_path, flavour):
    """The declarations are looked for in the first 64 KB: a prolog longer than that is refused
    rather than read past."""
    build, suffix = FLAVOURS[flavour]
    doctype, body, attrs = case("xxe-file", trap)
    text = build(body, "<!--" + "padding " * 10_000 + "-->" + doctype, attrs)
    src = tmp_path / f"evil{suffix}"
    src.write_text(text)
    out = tmp_path / "out"
    result = timed(cli, "convert", src, "-o", out)
    trap.assert_untouched(result.output, folders=(out,))
    assert result.exit_code == 1 and "refused" in failures(out)[0]["error"], result.output
