"""Items, consumers and reference outputs for the broker tests (tests/test_consume_*.py)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOW = "2024-05-01T12:00:00Z"  # the pinned clock of every output

_WORDS = [
    "council",
    "budget",
    "railway",
    "station",
    "harbour",
    "festival",
    "minister",
    "delegation",
    "market",
    "tariff",
    "drought",
    "harvest",
    "museum",
    "exhibition",
    "stadium",
    "league",
    "bridge",
    "airport",
    "reservoir",
    "pipeline",
    "vaccine",
    "hospital",
    "school",
    "teacher",
    "parliament",
    "election",
    "mayor",
    "district",
    "river",
    "valley",
    "mountain",
    "pasture",
    "export",
    "import",
    "wheat",
    "cotton",
    "grain",
    "energy",
    "solar",
    "wind",
    "grid",
    "tender",
    "contract",
    "court",
    "ruling",
    "journalist",
    "newspaper",
    "broadcast",
    "forum",
    "summit",
]
_VERBS = [
    "approved",
    "announced",
    "opened",
    "delayed",
    "reviewed",
    "signed",
    "visited",
    "reported",
    "expanded",
    "criticised",
]


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 11))]
    return f"The {words[0]} {rng.choice(_VERBS)} the {' '.join(words[1:])} on day {n}."


def paragraphs(rng: random.Random, n: int) -> list[str]:
    return [" ".join(sentence(rng, n * 10 + k * 3 + j) for j in range(3)) for k in range(rng.randint(2, 4))]


def newsml_item(guid: str, version: int, headline: str, paras: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" standard="NewsML-G2" standardversion="2.35" '
        f'conformance="power" guid="{guid}" version="{version}" xml:lang="en">'
        '<itemMeta><itemClass qcode="ninat:text"/><provider qcode="nprov:wire"/>'
        '<versionCreated>2024-04-30T10:00:00Z</versionCreated><pubStatus qcode="stat:usable"/></itemMeta>'
        f"<contentMeta><headline>{headline}</headline></contentMeta>"
        '<contentSet><inlineXML contenttype="application/xhtml+xml">'
        f'<html xmlns="http://www.w3.org/1999/xhtml"><body>{body}</body></html>'
        "</inlineXML></contentSet></newsItem>\n"
    ).encode()


def rss_feed(guid: str, title: str, paras: list[str]) -> bytes:
    text = " ".join(paras)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Wire</title>'
        "<link>https://wire.example/</link><description>Wire</description>"
        f'<item><guid isPermaLink="false">{guid}</guid><title>{title}</title>'
        f"<link>https://wire.example/{guid}</link><description>{text}</description></item>"
        "</channel></rss>\n"
    ).encode()


@dataclass(frozen=True)
class Item:
    name: str  # file name for `toolkit convert` (its suffix chooses the reader)
    key: str  # message key: the story
    data: bytes
    poison: bool = False


POISON = [
    ("bad.xml", b"<?xml version='1.0'?><newsItem><broken"),
    ("bad.jsonl", b'{"text": "unterminated'),
    ("dtd.xml", b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x "y">]><rss version="2.0"><channel/></rss>'),
]


def make_items(n: int, *, poison: int = 0, seed: int = 16) -> list[Item]:
    """``n`` good items of four kinds (ninjs, NewsML-G2, RSS, JSON record), each its own story,
    and ``poison`` bad ones spread among them."""
    rng = random.Random(seed)
    items: list[Item] = []
    for i in range(n):
        paras = paragraphs(rng, i)
        title = f"Story {i}: {rng.choice(_WORDS)} {rng.choice(_VERBS)}"
        kind = i % 4
        if kind == 0:
            data = json.dumps(
                {
                    "uri": f"urn:test:ninjs:{i}",
                    "version": "1",
                    "headline": title,
                    "body_text": "\n\n".join(paras),
                    "language": "en",
                }
            ).encode("utf-8")
            items.append(Item(f"item{i:04d}.json", f"urn:test:ninjs:{i}", data))
        elif kind == 1:
            guid = f"urn:test:newsml:{i}"
            items.append(Item(f"item{i:04d}.xml", guid, newsml_item(guid, 1, title, paras)))
        elif kind == 2:
            guid = f"rss-{i}"
            items.append(Item(f"item{i:04d}.rss", guid, rss_feed(guid, title, paras)))
        else:
            data = json.dumps({"text": title + "\n\n" + "\n\n".join(paras), "guid": f"rec-{i}"}).encode("utf-8")
            items.append(Item(f"item{i:04d}.jsonl", f"rec-{i}", data))
    for j in range(poison):
        name, data = POISON[j % len(POISON)]
        bad = Item(f"poison{j:02d}-{name}", f"poison-{j}", data + f"<!-- {j} -->".encode(), True)
        items.insert((j + 1) * len(items) // (poison + 1), bad)
    return items


def write_config(folder: Path) -> Path:
    path = folder / "pinned.toml"
    path.write_text(f'[output]\noptions = {{ now = "{NOW}" }}\n', encoding="utf-8")
    return path


def reference(items: list[Item], folder: Path) -> dict[str, bytes]:
    """What `toolkit convert` makes of the good items (pinned clock): name -> bytes."""
    inbox, out = folder / "ref-in", folder / "ref-out"
    inbox.mkdir(parents=True)
    for item in items:
        if not item.poison:
            (inbox / item.name).write_bytes(item.data)
    run = subprocess.run(
        [sys.executable, "-m", "toolkit", "convert", str(inbox), "-o", str(out), "-c", str(write_config(folder)), "-q"],
        capture_output=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr.decode()
    return outputs(out)


def outputs(folder: Path) -> dict[str, bytes]:
    """The outputs written (not the run's reports: failures.jsonl, the index)."""
    reports = ("failures.jsonl", "index.ndjson")
    return {
        p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and p.name not in reports and p.name[0] != "."
    }


CRASHER = '''
import os, signal, sys
from toolkit.pipeline import Processor
from toolkit.registry import PROCESSORS

class Crash(Processor):
    """Kills its own process on a document that says CRASH-ME (a process-killing input)."""
    name = "crash"
    def __call__(self, doc):
        if any("CRASH-ME" in p.text for p in doc.paragraphs) or "CRASH-ME" in (doc.title or ""):
            os.kill(os.getpid(), signal.SIGKILL)
        return doc

PROCESSORS.register("crash", Crash)
from toolkit.cli import run
sys.argv[0] = "toolkit"
run()
'''


#: Every consumer process started by a test (the tests' autouse fixture ends those still running).
STARTED: list[subprocess.Popen[bytes]] = []


def reap() -> None:
    """End the consumer processes a test left running (it failed before stopping them)."""
    while STARTED:
        proc = STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


class Consumer:
    """A `toolkit consume` process (``crashable``: with the ``crash`` processor registered)."""

    def __init__(self, args: list[str], log: Path, *, crashable: bool = False) -> None:
        self.args = args
        self.log = log
        self.crashable = crashable
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> Consumer:
        self.starts += 1
        cmd = [sys.executable, "-c", CRASHER] if self.crashable else [sys.executable, "-m", "toolkit"]
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        with open(self.log, "ab") as fh:
            self.proc = subprocess.Popen([*cmd, "consume", *self.args], stdout=fh, stderr=fh, env=env, cwd=ROOT)
        STARTED.append(self.proc)
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self, timeout: float = 60) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)


def wait_for(check: Callable[[], bool], timeout: float, what: str, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
