"""Consistency check between samples/ and tests/expectations/samples.json.

It checks the hand-written expectations against the raw sample files; it does not
clean anything. Run from the repository root:

    python tests/expectations/check_samples.py

Exit status 0 when every check passes, 1 otherwise (one line per problem).
"""

from __future__ import annotations

import codecs
import datetime
import html
import json
import sys
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
EXPECTATIONS = Path(__file__).with_name("samples.json")

LANGS = {"tr", "ru", "kk-Cyrl", "uz-Latn", "uz-Cyrl", "en", "ky"}
KEYS = {
    "encoding",
    "lang",
    "mixed",
    "title",
    "title_derived",
    "published",
    "copyright_holder",
    "copyright_year",
    "credits",
    "paragraphs",
    "must_not_contain",
}
BLOCK_TAGS = {
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "figure",
    "figcaption",
    "article",
    "aside",
    "section",
    "header",
    "footer",
    "nav",
    "main",
    "br",
    "tr",
    "td",
    "th",
    "title",
    "form",
    "button",
    "time",
}


def norm(text: str) -> str:
    """Whitespace normalisation: str.split() also splits on U+00A0 and other spaces."""
    return " ".join(text.split())


class _Text(HTMLParser):
    """All text content of a page (title included), scripts and styles left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        elif tag in BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def text_content(source: str) -> str:
    parser = _Text()
    parser.feed(source)
    parser.close()
    return "".join(parser.parts)


def check(name: str, exp: dict) -> list[str]:
    problems: list[str] = []

    def bad(msg: str) -> None:
        problems.append(f"{name}: {msg}")

    if set(exp) != KEYS:
        bad(f"keys differ: missing {sorted(KEYS - set(exp))}, extra {sorted(set(exp) - KEYS)}")
        return problems
    path = SAMPLES / name
    if not path.is_file():
        bad("file missing")
        return problems
    raw = path.read_bytes()
    enc = exp["encoding"]
    try:
        decoded = raw.decode(enc)
    except (UnicodeDecodeError, LookupError) as exc:
        bad(f"does not decode as {enc}: {exc}")
        return problems
    has_bom = raw.startswith(codecs.BOM_UTF8)
    if enc == "utf-8-sig" and not has_bom:
        bad("encoding utf-8-sig but no BOM")
    if enc != "utf-8-sig" and has_bom:
        bad("has a UTF-8 BOM but encoding is not utf-8-sig")
    if enc not in ("utf-8", "utf-8-sig"):
        try:
            raw.decode("utf-8")
            bad(f"declared {enc} but the bytes are valid UTF-8 (not a real legacy-encoding sample)")
        except UnicodeDecodeError:
            pass

    is_html = name.endswith(".html")
    haystack = norm(text_content(decoded) if is_html else decoded)
    # for "must not contain" and metadata, the raw source counts too (attributes, <title>)
    anywhere = haystack + " " + norm(html.unescape(decoded) if is_html else decoded)

    if exp["lang"] not in LANGS:
        bad(f"unexpected lang {exp['lang']!r}")
    if not isinstance(exp["mixed"], bool) or not isinstance(exp["title_derived"], bool):
        bad("mixed and title_derived must be booleans")

    title = exp["title"]
    if exp["title_derived"]:
        if title is not None:
            bad("title_derived is true but title is not null")
    elif not title:
        bad("no title and title_derived is false")
    elif norm(title) != title or title not in anywhere:
        bad(f"title not found (normalised) in source: {title!r}")

    if exp["published"] is not None:
        try:
            datetime.date.fromisoformat(exp["published"])
        except ValueError:
            bad(f"published is not an ISO date: {exp['published']!r}")

    holder, year = exp["copyright_holder"], exp["copyright_year"]
    if (holder is None) != (year is None):
        bad("copyright_holder and copyright_year must both be null or both set")
    if holder is not None:
        if holder not in anywhere:
            bad(f"copyright holder not in source: {holder!r}")
        if not isinstance(year, int) or str(year) not in anywhere:
            bad(f"copyright year not in source: {year!r}")

    if len(set(exp["credits"])) != len(exp["credits"]):
        bad("credits are not deduplicated")
    for credit in exp["credits"]:
        if credit not in anywhere:
            bad(f"credit not in source: {credit!r}")

    paragraphs = exp["paragraphs"]
    if not paragraphs:
        bad("no paragraphs")
    pos = 0
    for i, para in enumerate(paragraphs):
        if norm(para) != para:
            bad(f"paragraph {i} is not whitespace-normalised")
        found = haystack.find(para, pos)
        if found < 0:
            where = "anywhere" if haystack.find(para) < 0 else "in order"
            bad(f"paragraph {i} not found {where}: {para[:60]!r}")
        else:
            pos = found + len(para)

    kept = " \n ".join(([title] if title else []) + paragraphs).casefold()
    for junk in exp["must_not_contain"]:
        if junk.casefold() in kept:
            bad(f"must_not_contain string occurs in the expected output: {junk!r}")
        if norm(junk) not in anywhere:
            bad(f"must_not_contain string does not occur in the source: {junk!r}")
    return problems


def main() -> int:
    expectations = json.loads(EXPECTATIONS.read_text("utf-8"))
    problems: list[str] = []
    for name, exp in expectations.items():
        problems.extend(check(name, exp))
    on_disk = {p.name for p in SAMPLES.iterdir() if p.is_file() and p.name != "README.md"}
    for name in sorted(on_disk - set(expectations)):
        problems.append(f"{name}: sample file has no expectations")
    for line in problems:
        print(line)
    paras = sum(len(e["paragraphs"]) for e in expectations.values())
    print(f"{len(expectations)} files, {paras} paragraphs, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
