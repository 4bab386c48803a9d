"""The licensed training corpus the shipped models are built from.

One UTF-8 file per label (``kk.txt``, ``kk_Latn.txt``, ...), one sentence per line: the
project's ``shared/langid/train/`` folder. Its README lists the source of every line and
the licence; ``toolkit/data/langid/SOURCES.md`` keeps the part that concerns the shipped
models. The builders read it through :func:`read_corpus` so that both see the same text.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from toolkit.langid.tags import LABELS

#: Where the corpus is looked for when no folder is given: $TOOLKIT_SHARED/langid/train,
#: else ../shared/langid/train beside the repository.
ENV_VAR = "TOOLKIT_SHARED"


@dataclass(frozen=True, slots=True)
class Corpus:
    root: Path
    lines: dict[str, list[str]]  # label -> lines

    def digest(self) -> str:
        """SHA-256 over the files read, in label order (recorded in the built models)."""
        h = hashlib.sha256()
        for label in sorted(self.lines):
            h.update(label.encode() + b"\0")
            h.update((self.root / f"{label}.txt").read_bytes())
        return h.hexdigest()


def default_root() -> Path:
    shared = os.environ.get(ENV_VAR)
    if shared:
        return Path(shared) / "langid" / "train"
    return Path(__file__).resolve().parents[3] / "shared" / "langid" / "train"


def read_corpus(root: str | os.PathLike[str] | None = None, labels: tuple[str, ...] = LABELS) -> Corpus:
    """Read ``<root>/<label>.txt`` for every label (missing files are an error)."""
    path = Path(root) if root is not None else default_root()
    missing = [label for label in labels if not (path / f"{label}.txt").is_file()]
    if missing:
        raise FileNotFoundError(f"{path}: no training file for {', '.join(missing)}")
    lines: dict[str, list[str]] = {}
    for label in labels:
        text = (path / f"{label}.txt").read_text(encoding="utf-8")
        lines[label] = [line.strip() for line in text.splitlines() if line.strip()]
    return Corpus(path, lines)
