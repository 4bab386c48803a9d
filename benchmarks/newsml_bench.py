"""NewsML-G2 serialisation + validation speed on one core, with references measured in the same run.

    python benchmarks/newsml_bench.py [--docs 400] [--repeat 5]

The corpus: every sample as the cleaner is expected to leave it (tests/expectations), each with
two hand-made translations, so each document gives 3 newsItems + 1 packageItem of realistic size.
Measured, single process (one core), best of --repeat runs:

* newsml       - the whole ``newsml`` format: story data, build, validation against our profile
                 AND IPTC's 2.35 schema, serialisation (what ``convert`` does per document);
* re-run       - the same with the previous outputs in the output directory (each item read back,
                 compared, and written with the same version and bytes);
* build+ser    - building and serialising only, no validation (what validation costs);
* validate     - validation only (both schemas) of prebuilt elements;
* ninjs        - the ``ninjs`` format (build + jsonschema validation + JSON);
* references   - ``etree.tostring`` of the prebuilt trees, and the ``jsonl`` format on the same
                 documents.

Figures are items/s (newsItem + packageItem count as one item each) and ratios to the references.
The target is >= 2,000 NewsML-G2 items/s for serialisation + validation.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lxml import etree  # noqa: E402

from toolkit.document import Document, Paragraph, Translation  # noqa: E402
from toolkit.formats import JsonlFormat  # noqa: E402
from toolkit.io.sinks import FolderSink  # noqa: E402
from toolkit.newsml import build, model, validate  # noqa: E402
from toolkit.newsml.format import NewsMLFormat  # noqa: E402
from toolkit.newsml.ninjs import NinjsFormat  # noqa: E402
from toolkit.newsml.serialize import to_bytes  # noqa: E402

NOW = "2025-03-01T10:00:00Z"


def corpus(n: int) -> list[Document]:
    expectations = json.loads((ROOT / "tests" / "expectations" / "samples.json").read_text("utf-8"))
    names = sorted(expectations)
    docs = []
    for i in range(n):
        name = names[i % len(names)]
        exp = expectations[name]
        doc = Document(id=f"bench{i:06d}", source=name, title=exp["title"], lang=exp["lang"])
        doc.paragraphs = [Paragraph(p, exp["lang"]) for p in exp["paragraphs"]] + [Paragraph(f"Bulletin {i}.")]
        doc.meta.published = exp["published"]
        doc.meta.copyright_holder = exp["copyright_holder"]
        doc.meta.copyright_year = exp["copyright_year"]
        doc.meta.photo_credits = list(exp["credits"])
        for lang in [t for t in ("en", "ru", "tr") if t != exp["lang"].split("-")[0]][:2]:
            doc.translations[lang] = Translation(
                lang,
                f"[{lang}] {exp['title'] or 'Headline'}",
                [Paragraph(f"[{lang}] {p.text}") for p in doc.paragraphs],
                source_lang=exp["lang"],
                engine="ctranslate2",
                model=f"{exp['lang']}-{lang}",
            )
        docs.append(doc)
    return docs


def best(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    """(best seconds, items) over ``repeat`` runs."""
    times, items = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        items = fn()
        times.append(time.perf_counter() - started)
    return min(times), items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    started = time.perf_counter()
    validate.schema("iptc")
    validate.schema("profile")
    compile_s = time.perf_counter() - started

    docs = corpus(args.docs)
    newsml = NewsMLFormat(now=NOW)
    ninjs = NinjsFormat(now=NOW)
    jsonl = JsonlFormat()
    ninjs.render(docs[0])  # build the jsonschema validator outside the timings

    def run_newsml() -> int:
        return sum(len(newsml.render(doc).files) for doc in docs)

    stamp = build.Stamp(1, NOW, NOW, "0")
    stories = [model.story_of(doc, newsml.settings) for doc in docs]

    def elements() -> list[etree._Element]:
        out = []
        for story in stories:
            out.extend(build.news_item(item, stamp, source_version=1) for item in story.items)
            refs = [build.ItemRef(i.guid, 1, i.lang, i.headline, f"{i.stem}.xml") for i in story.items]
            out.append(build.package_item(story.package, refs, stamp))
        return out

    prebuilt = elements()

    def run_build_serialise() -> int:
        return sum(1 for el in elements() if to_bytes(el))

    def run_validate() -> int:
        for el in prebuilt:
            assert not validate.validate_element(el)
        return len(prebuilt)

    def run_tostring() -> int:
        return sum(1 for el in prebuilt if etree.tostring(el, encoding="UTF-8"))

    workdir = Path(tempfile.mkdtemp(prefix="newsml-bench-"))
    rerun = NewsMLFormat(now=NOW)
    previous = FolderSink(workdir).lookup
    for doc in docs:
        for out in rerun.render(doc).files:
            (workdir / out.name).write_bytes(out.data)

    def run_rerun() -> int:  # previous outputs in place: each item is read back and compared
        return sum(len(rerun.render(doc, previous).files) for doc in docs)

    def run_ninjs() -> int:
        return sum(len(ninjs.render(doc).files) for doc in docs)

    def run_jsonl() -> int:
        return sum(len(jsonl.render(doc).files) for doc in docs) * 4  # same documents, counted as 4 items each

    results = {
        "newsml": best(run_newsml, args.repeat),
        "re-run": best(run_rerun, args.repeat),
        "build+ser": best(run_build_serialise, args.repeat),
        "validate": best(run_validate, args.repeat),
        "ninjs": best(run_ninjs, args.repeat),
        "tostring": best(run_tostring, args.repeat),
        "jsonl": best(run_jsonl, args.repeat),
    }
    shutil.rmtree(workdir, ignore_errors=True)
    rate = {name: items / seconds for name, (seconds, items) in results.items()}
    size = sum(len(to_bytes(el)) for el in prebuilt) / len(prebuilt)
    print(f"{args.docs} documents -> {results['newsml'][1]} NewsML-G2 items (mean {size / 1024:.1f} KiB), one core")
    print(f"schema compile (IPTC 2.35 + profile, once per process): {compile_s * 1000:.1f} ms")
    print(f"{'path':<12} {'items/s':>10} {'vs tostring':>12} {'vs jsonl':>9}")
    for name in results:
        vs_tostring, vs_jsonl = rate[name] / rate["tostring"], rate[name] / rate["jsonl"]
        print(f"{name:<12} {rate[name]:>10,.0f} {vs_tostring:>12.3f} {vs_jsonl:>9.3f}")
    verdict = "meets" if rate["newsml"] >= 2000 else "MISSES"
    print(f"newsml serialisation + validation: {rate['newsml']:,.0f} items/s ({verdict} the 2,000 items/s target)")


if __name__ == "__main__":
    main()
