"""Shared helper for benchmarks: a corpus of sample-like documents, written to a folder."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def sample_texts() -> list[tuple[str, bytes, str]]:
    """(name, bytes, encoding) of every plain-text sample."""
    expectations = json.loads((ROOT / "tests" / "expectations" / "samples.json").read_text("utf-8"))
    out = []
    for path in sorted(SAMPLES.glob("*.txt")):
        enc = expectations.get(path.name, {}).get("encoding", "utf-8")
        out.append((path.name, path.read_bytes(), "utf-8" if enc == "utf-8-sig" else enc))
    return out


def write_corpus(folder: Path, n: int, *, seed_sized: bool = False) -> Path:
    """n distinct documents made from the samples (a numbered line keeps each one unique)."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = sample_texts()
    if seed_sized:
        texts = [t for t in texts if t[0][:3] in ("000", "004")]
    for i in range(n):
        name, data, enc = texts[i % len(texts)]
        extra = f"\n\nBulletin {i}: the story was updated.\n".encode(enc)
        (folder / f"{i:06d}_{name}").write_bytes(data + extra)
    return folder
