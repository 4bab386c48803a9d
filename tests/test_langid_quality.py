"""Quality on the shared dev set (the scorer's measure), against the issue's targets.

Skipped when ``shared/langid/dev.tsv`` is absent. Speed is measured by
``benchmarks/langid_bench.py``, not here.
"""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest

from toolkit.langid import LanguageIdentifier, tag_of

from .conftest import shared


def base(code: str | None) -> str:
    return (code or "??").replace("-", "_").split("_")[0].lower()


@pytest.fixture(scope="module")
def rows():
    with open(shared("langid", "dev.tsv"), encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def score(engine: str, rows) -> dict:
    ident = LanguageIdentifier(engine)
    per_lang, per_bucket = defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0])
    script = [0, 0]
    for row in rows:
        pred = ident.identify(row["text"]).lang
        ok = base(pred) == base(row["lang"])
        for table, key in ((per_lang, row["lang"]), (per_bucket, row["bucket"])):
            table[key][0] += ok
            table[key][1] += 1
        if ok:  # the script must be right whenever the language is (kk-Cyrl vs kk-Latn, uz-Latn vs uz-Cyrl)
            script[0] += pred == tag_of(row["lang"])
            script[1] += 1
    return {
        "overall": sum(v[0] for v in per_lang.values()) / len(rows),
        "lang": {k: v[0] / v[1] for k, v in per_lang.items()},
        "bucket": {k: v[0] / v[1] for k, v in per_bucket.items()},
        "script": script[0] / script[1],
    }


def test_default_engine_meets_the_targets(rows):
    result = score("auto", rows)
    assert result["overall"] >= 0.97, result
    assert result["bucket"]["paragraph"] >= 0.99, result
    assert result["bucket"]["short"] >= 0.90, result
    for label in ("kk", "kk_Latn", "uz", "uz_Cyrl", "ky"):
        assert result["lang"][label] >= 0.95, (label, result)
    assert result["script"] == 1.0, result


@pytest.mark.parametrize(("engine", "floor"), [("rules+py3langid", 0.95), ("langdetect", 0.95)])
def test_other_engines_are_usable(rows, engine, floor):
    result = score(engine, rows)
    assert result["overall"] >= floor, result
    assert result["script"] == 1.0, result
    for label in ("kk", "uz", "uz_Cyrl", "ky"):
        assert result["lang"][label] >= 0.95, (label, result)
