"""Agency wire files: how many produce valid output, which guids survive, what is skipped and why.

    python benchmarks/wirefeeds_bench.py [--data ../shared/wirefeeds] [--files] [--json]

Every file of the manifest (``manifest.json``: rows with ``file`` and ``format``) is copied alone into
a fresh folder (so a package cannot borrow items from its neighbours: "the file" is what is measured)
and converted by the library as ``toolkit convert FILE -o OUT`` does, with the default pipeline, twice:
to NewsML-G2 and to ninjs. The toolkit validates every output before writing it; this script
validates the NewsML-G2 files again against IPTC's 2.35 schema and our profile.

What a file should give is decided here, independently of the toolkit's readers (a row's
``text_bearing`` field, where the manifest has one, wins):

* NewsML-G2: text-bearing when a ``newsItem`` of class ``...:text`` has a headline or text in its
  ``contentSet``; ``planningItem``/``conceptItem``/``knowledgeItem``/``catalogItem`` roots, packages
  (whose items are never in the file) and picture/video/audio items are not;
* ninjs: text-bearing when an item (inside an AP Media API envelope or not) of type text/composite/
  collection, or of no type and without ``eventDetails``, has a headline or a body;
* RSS/Atom: text-bearing when it has an item or an entry.

Figures printed:

* text-bearing files that produce valid output (at least one document written, valid NewsML-G2 and
  ninjs), and those with no failed document at all;
* source guids and versions kept: each text ``newsItem`` (guid, version) and each text ninjs item
  (uri or guid, version) must come out as a ``newsItem`` with that guid and version;
* non-text files: every document skipped with a reason (a code), none failed, none written;
* internal errors (a bug, not a bad input): must be 0.

Goals (issue 18): >= 95% of text-bearing files with valid output, >= 95% of guids and versions kept,
every non-text file skipped with a reason, no internal error.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lxml import etree  # noqa: E402

from toolkit.batch import convert  # noqa: E402
from toolkit.pipeline import DEFAULT_STEPS, PipelineSpec  # noqa: E402
from toolkit.worker import OutputSpec, Result  # noqa: E402

NOW = "2025-03-01T10:00:00Z"
NAR = "http://iptc.org/std/nar/2006-10-01/"
NON_TEXT_ROOTS = {"planningItem", "conceptItem", "knowledgeItem", "catalogItem", "packageItem"}
TEXT_NINJS_TYPES = {None, "text", "composite", "collection"}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


# -- what a file should give (independent of the toolkit's readers) -----------------------------------------


def _local(el: Any) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _newsml_expectation(data: bytes) -> tuple[bool, list[tuple[str, int]]]:
    """(text-bearing, [(guid, version)] of its text items)."""
    root = etree.fromstring(data, _PARSER)
    if _local(root) in NON_TEXT_ROOTS:
        return False, []
    items = [root] if _local(root) == "newsItem" else [el for el in root.iter(f"{{{NAR}}}newsItem")]
    text_items: list[tuple[str, int]] = []
    bearing = False
    for item in items:
        klass = item.find(f"{{{NAR}}}itemMeta/{{{NAR}}}itemClass")
        code = (klass.get("qcode") or "").rsplit(":", 1)[-1] if klass is not None else ""
        if code != "text":
            continue
        headline = "".join(
            "".join(h.itertext()) for h in item.iterfind(f"{{{NAR}}}contentMeta/{{{NAR}}}headline")
        ).strip()
        content = item.find(f"{{{NAR}}}contentSet")
        body = "".join(content.itertext()).strip() if content is not None else ""
        if not (headline or body):
            continue
        bearing = True
        guid = (item.get("guid") or "").strip()
        version = (item.get("version") or "1").strip()
        if guid:
            text_items.append((guid, int(version) if version.isdigit() else 0))
    return bearing, text_items


def _ninjs_items(obj: Any) -> list[dict[str, Any]]:
    if isinstance(obj, list):
        return [i for o in obj for i in _ninjs_items(o)]
    if not isinstance(obj, dict):
        return []
    data = obj.get("data")
    if isinstance(data, dict) and ("item" in data or "items" in data):
        if isinstance(data.get("item"), dict):
            return [data["item"]]
        return [i for entry in data.get("items") or [] for i in _ninjs_items(entry.get("item", entry))]
    return [obj]


def _ninjs_expectation(data: bytes) -> tuple[bool, list[tuple[str, int]]]:
    text_items: list[tuple[str, int]] = []
    bearing = False
    for item in _ninjs_items(json.loads(data.decode("utf-8-sig"))):
        low = {str(k).lower(): v for k, v in item.items()}
        kind = low.get("type")
        if kind not in TEXT_NINJS_TYPES or (kind is None and "eventdetails" in low):
            continue
        has_text = any(low.get(k) for k in ("headline", "headlines", "bodies", "body_html", "body_text", "body_xhtml"))
        if not has_text:
            continue
        bearing = True
        guid = low.get("uri") or low.get("guid")
        version = str(low.get("version") or "")
        if isinstance(guid, str) and guid.strip() and version.isdigit() and int(version) > 0:
            text_items.append((guid.strip(), int(version)))
    return bearing, text_items


def expectation(row: dict[str, Any], path: Path) -> tuple[bool, list[tuple[str, int]]]:
    data = path.read_bytes()
    if row.get("format") == "newsml-g2":
        bearing, items = _newsml_expectation(data)
    elif row.get("format") == "ninjs":
        bearing, items = _ninjs_expectation(data)
    else:
        bearing, items = bool(re.search(rb"<(?:\w+:)?(?:item|entry)[\s>]", data)), []
    if isinstance(row.get("text_bearing"), bool):
        bearing = row["text_bearing"]
    return bearing, items


# -- running ----------------------------------------------------------------------------------------------


@dataclass
class FileOutcome:
    file: str
    text_bearing: bool
    expected_items: list[tuple[str, int]]
    results: dict[str, list[Result]] = field(default_factory=dict)  # format -> results
    written: set[tuple[str, int]] = field(default_factory=set)  # (guid, version) of the newsItems written
    invalid: list[str] = field(default_factory=list)  # output files that do not validate

    def statuses(self, fmt: str = "newsml") -> Counter[str]:
        return Counter(r.status for r in self.results.get(fmt, []))

    @property
    def internal(self) -> list[Result]:
        return [r for rs in self.results.values() for r in rs if r.error and r.error.get("code") == "internal"]

    @property
    def produced(self) -> bool:
        """At least one document written in both formats, and every output valid."""
        return all(self.statuses(f)["ok"] > 0 for f in ("newsml", "ninjs")) and not self.invalid

    @property
    def clean_run(self) -> bool:
        return self.produced and all(self.statuses(f)["failed"] == 0 for f in ("newsml", "ninjs"))

    @property
    def all_skipped(self) -> bool:
        """Nothing written, nothing failed, every document skipped with a code."""
        results = [r for rs in self.results.values() for r in rs]
        return bool(results) and all(r.status == "skipped" and r.error and r.error.get("code") for r in results)


def run_file(row: dict[str, Any], path: Path, work: Path) -> FileOutcome:
    from toolkit.newsml.validate import validate_file

    bearing, items = expectation(row, path)
    outcome = FileOutcome(row["file"], bearing, items)
    folder = work / "in"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    target = folder / path.name
    shutil.copyfile(path, target)
    spec = PipelineSpec.from_names(list(DEFAULT_STEPS))
    for fmt in ("newsml", "ninjs"):
        out = work / f"out-{fmt}"
        shutil.rmtree(out, ignore_errors=True)
        results: list[Result] = []
        convert([str(target)], spec, OutputSpec(str(out), fmt, {"now": NOW}, fsync=False), on_result=results.append)
        outcome.results[fmt] = results
        if fmt != "newsml":
            continue
        for result in results:
            for name in result.names:
                output = out / name
                if validate_file(output, ("iptc", "profile")):
                    outcome.invalid.append(name)
                root = etree.parse(str(output), _PARSER).getroot()
                for item in [root] if _local(root) == "newsItem" else root.iter(f"{{{NAR}}}newsItem"):
                    if _local(item) == "newsItem":
                        outcome.written.add((item.get("guid"), int(item.get("version"))))
    return outcome


def measure(data: Path, *, only: str | None = None) -> list[FileOutcome]:
    rows = json.loads((data / "manifest.json").read_text("utf-8"))
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="wirefeeds-") as tmp:
        for row in rows:
            if only and only not in row["file"]:
                continue
            outcomes.append(run_file(row, data / row["file"], Path(tmp)))
    return outcomes


# -- figures ----------------------------------------------------------------------------------------------


def figures(outcomes: list[FileOutcome]) -> dict[str, Any]:
    text = [o for o in outcomes if o.text_bearing]
    other = [o for o in outcomes if not o.text_bearing]
    expected = [(o, item) for o in text for item in o.expected_items]
    kept = [(o, item) for o, item in expected if item in o.written]
    docs = Counter()
    codes: Counter[str] = Counter()
    for o in outcomes:
        for r in o.results.get("newsml", []):
            docs[r.status] += 1
            if r.status == "skipped" and r.error:
                codes[r.error.get("code") or "(none)"] += 1
    return {
        "files": len(outcomes),
        "text_bearing": len(text),
        "text_with_valid_output": sum(o.produced for o in text),
        "text_without_failures": sum(o.clean_run for o in text),
        "guids_expected": len(expected),
        "guids_kept": len(kept),
        "non_text": len(other),
        "non_text_skipped_with_reason": sum(o.all_skipped for o in other),
        "internal_errors": sum(len(o.internal) for o in outcomes),
        "documents": dict(docs),
        "skip_codes": dict(codes),
        "not_produced": [o.file for o in text if not o.produced],
        "with_failures": [o.file for o in text if o.produced and not o.clean_run],
        "guids_lost": [f"{o.file}: {item[0]} v{item[1]}" for o, item in expected if item not in o.written],
        "non_text_not_skipped": [o.file for o in other if not o.all_skipped],
    }


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.1f}%)" if whole else "0/0"


def report(fig: dict[str, Any], outcomes: list[FileOutcome], *, files: bool) -> str:
    lines = [
        f"files: {fig['files']} ({fig['text_bearing']} text-bearing, {fig['non_text']} not text)",
        f"text-bearing files with valid output (NewsML-G2 and ninjs): "
        f"{_pct(fig['text_with_valid_output'], fig['text_bearing'])}   goal >= 95%",
        f"text-bearing files with no failed document:              "
        f"{_pct(fig['text_without_failures'], fig['text_bearing'])}",
        f"source guids and versions kept:                         "
        f"{_pct(fig['guids_kept'], fig['guids_expected'])}   goal >= 95%",
        f"non-text files skipped with a reason (nothing failed):   "
        f"{_pct(fig['non_text_skipped_with_reason'], fig['non_text'])}   goal 100%",
        f"internal errors:                                        {fig['internal_errors']}   goal 0",
        f"documents (NewsML-G2 run): {json.dumps(fig['documents'], sort_keys=True)}",
        f"skip codes: {json.dumps(fig['skip_codes'], sort_keys=True)}",
    ]
    for key in ("not_produced", "with_failures", "guids_lost", "non_text_not_skipped"):
        for entry in fig[key]:
            lines.append(f"  {key}: {entry}")
    if files:
        for o in outcomes:
            first = next(
                (r.error["message"] for rs in o.results.values() for r in rs if r.error and r.status != "ok"), ""
            )
            lines.append(f"{'T' if o.text_bearing else '-'} {dict(o.statuses())!s:45} {o.file}  {first[:120]}".rstrip())
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "wirefeeds"), help="folder with manifest.json")
    parser.add_argument("--files", action="store_true", help="one line per file")
    parser.add_argument("--only", help="only files whose name contains this")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    outcomes = measure(Path(args.data), only=args.only)
    fig = figures(outcomes)
    print(json.dumps(fig, indent=1, ensure_ascii=False) if args.json else report(fig, outcomes, files=args.files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
