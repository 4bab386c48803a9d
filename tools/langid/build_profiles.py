"""Build the langdetect profiles shipped in ``toolkit/data/langid/langdetect/``.

langdetect bundles no profile for Kazakh, Uzbek, Kyrgyz, Azerbaijani, Turkmen, Tajik,
Tatar, Bashkir or Mongolian. This script makes them from the licensed training corpus
(``shared/langid/train``, see ``toolkit/data/langid/SOURCES.md``) exactly the way
langdetect makes its own (its ``LangProfile.update`` n-gram counting, then
``omit_less_freq``), and writes them in langdetect's profile JSON format
(``{"name", "freq", "n_words"}``). Kazakh and Uzbek get one profile per script
(``kk``, ``kk-Latn``, ``uz``, ``uz-Cyrl``).

Usage (from the repository root)::

    python -m tools.langid.build_profiles [--train DIR] [--output DIR]

Deterministic: the same corpus gives byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from toolkit.langid.normalize import prepare

from .corpus import Corpus, read_corpus

#: label in the corpus -> langdetect profile name (BCP 47).
PROFILES: dict[str, str] = {
    "kk": "kk",
    "kk_Latn": "kk-Latn",
    "uz": "uz",
    "uz_Cyrl": "uz-Cyrl",
    "ky": "ky",
    "az": "az",
    "tk": "tk",
    "tg": "tg",
    "tt": "tt",
    "ba": "ba",
    "mn": "mn",
}

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "data" / "langid" / "langdetect"


def build_profile(name: str, lines: list[str]) -> dict[str, object]:
    """One langdetect profile (as a JSON-able dict) from lines of text."""
    from langdetect.utils.lang_profile import LangProfile

    profile = LangProfile(name)
    for line in lines:
        # the same input normalisation as detection (apostrophes folded, URLs dropped)
        profile.update(prepare(line))
    profile.omit_less_freq()
    freq = {gram: count for gram, count in sorted(profile.freq.items()) if count > 0}
    return {"freq": freq, "n_words": list(profile.n_words), "name": name}


def write_profiles(corpus: Corpus, output: Path) -> list[Path]:
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for label, name in PROFILES.items():
        profile = build_profile(name, corpus.lines[label])
        path = output / f"{name}.json"
        text = json.dumps(profile, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        path.write_text(text + "\n", encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.langid.build_profiles", description=__doc__.split("\n")[0])
    parser.add_argument("--train", help="training corpus folder (default: shared/langid/train)")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="folder to write the profiles to")
    args = parser.parse_args(argv)
    corpus = read_corpus(args.train, tuple(PROFILES))
    for path in write_profiles(corpus, Path(args.output)):
        print(f"{path}: {path.stat().st_size / 1e3:.0f} kB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
