"""`--names input`: outputs named after the input file's stem, collisions handled, names kept by
their story across runs so that versions still replace each other."""

from __future__ import annotations

import json
import multiprocessing
import time
from pathlib import Path

import pytest

from toolkit.formats import NO_PREVIOUS, TextFormat, name_base
from toolkit.pipeline import PipelineSpec
from toolkit.registry import FORMATS
from toolkit.story import NAMES_DIR
from toolkit.testing import assert_valid_newsml, make_document
from toolkit.worker import OutputSpec, Worker

from .conftest import SAMPLES, run_toolkit


def pinned(tmp_path: Path, **options: object) -> Path:
    """A config file pinning the NewsML-G2 / ninjs clock (byte-identical re-runs)."""
    extra = "".join(f", {k} = {json.dumps(v)}" for k, v in options.items())
    path = tmp_path / "pinned.toml"
    path.write_text(f'[output]\noptions = {{ now = "2025-03-01T10:00:00Z"{extra} }}\n')
    return path


def outputs(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.is_file() and p.name not in ("index.ndjson", "failures.jsonl"))


def index(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "index.ndjson").read_text("utf-8").splitlines()]


def ninjs_item(uri: str, version: int, body: str) -> str:
    return json.dumps(
        {
            "uri": uri,
            "type": "text",
            "version": str(version),
            "language": "en",
            "headlines": [{"role": "main", "value": "Metro line opens in Almaty"}],
            "bodies": [{"role": "main", "contentType": "text/plain", "value": body}],
        }
    )


def test_two_inputs_with_one_stem_and_a_feed_get_distinct_names_kept_on_rerun(cli, tmp_path):
    src = tmp_path / "src"
    (src / "a").mkdir(parents=True)
    (src / "b").mkdir()
    (src / "a" / "story.txt").write_bytes((SAMPLES / "en_copyright_traps.txt").read_bytes())
    (src / "b" / "story.html").write_bytes((SAMPLES / "kk_weather.html").read_bytes())
    (src / "ru_atom.xml").write_bytes((SAMPLES / "feeds" / "ru_atom.xml").read_bytes())
    out = tmp_path / "out"
    result = cli("convert", src, "-o", out, "--names", "input", "-c", pinned(tmp_path))
    assert result.exit_code == 0, result.output
    names = outputs(out)
    lines = {Path(r["input"]).name: r for r in index(out)}
    first, second = lines["story.txt"], lines["story.html"]
    assert first["outputs"] == ["story.en.xml", "story.package.xml"]  # the first of the stem: the stem itself
    short = second["story"][:8]
    assert second["outputs"] == [f"story-{short}.kk-Cyrl.xml", f"story-{short}.package.xml"]
    entries = [r for name, r in lines.items() if name.startswith("ru_atom.xml#")]
    assert len(entries) == 2 and all(r["outputs"][0] == f"ru_atom-{r['story'][:8]}.ru.xml" for r in entries)
    assert len(names) == 8 == sum(len(r["outputs"]) for r in lines.values())
    for name in names:
        assert_valid_newsml(out / name)
    package = (out / f"story-{short}.package.xml").read_text("utf-8")
    assert f"story-{short}.kk-Cyrl.xml" in package and "story.en.xml" not in package  # refs follow the names
    first_bytes = {n: (out / n).read_bytes() for n in names}
    again = cli("convert", src, "-o", out, "--names", "input", "-c", pinned(tmp_path))
    assert again.exit_code == 0 and "4 unchanged" in again.stderr
    assert {n: (out / n).read_bytes() for n in outputs(out)} == first_bytes  # same names, same bytes
    assert [r["outputs"] for r in index(out)[4:]] == [r["outputs"] for r in index(out)[:4]]


def test_a_story_keeps_its_name_across_runs_and_inputs_so_versions_replace_each_other(cli, tmp_path):
    uri = "urn:newsml:wire.example.org:2025:metro-1"
    out = tmp_path / "out"
    first = tmp_path / "monday" / "metro.json"
    first.parent.mkdir()
    first.write_text(ninjs_item(uri, 1, "The first line opens on Monday."))
    assert cli("convert", first, "-o", out, "--names", "input").exit_code == 0
    assert outputs(out) == ["metro.en.xml", "metro.package.xml"]
    # version 2 of the same story, delivered under another file name: it replaces version 1
    second = tmp_path / "tuesday" / "metro-update-2.json"
    second.parent.mkdir()
    second.write_text(ninjs_item(uri, 2, "The first line opened on Monday; a second follows in May."))
    assert cli("convert", second, "-o", out, "--names", "input").exit_code == 0
    assert outputs(out) == ["metro.en.xml", "metro.package.xml"]
    item = (out / "metro.en.xml").read_bytes()
    assert b'version="2"' in item and b"a second follows in May" in item
    # an older version arriving late, under yet another name, never goes backwards
    late = tmp_path / "late" / "old-metro.json"
    late.parent.mkdir()
    late.write_text(ninjs_item(uri, 1, "The first line opens on Monday."))
    result = cli("convert", late, "-o", out, "--names", "input")
    assert result.exit_code == 0 and "1 stale versions" in result.stderr
    assert outputs(out) == ["metro.en.xml", "metro.package.xml"] and (out / "metro.en.xml").read_bytes() == item
    assert [r["status"] for r in index(out)] == ["ok", "ok", "skipped"]
    # the same story's name is kept in the other formats' runs too
    assert cli("convert", second, "-o", out, "--names", "input", "-f", "ninjs").exit_code == 0
    assert "metro.en.json" in outputs(out)


def test_another_story_with_a_taken_stem_is_suffixed_on_every_run(cli, tmp_path):
    out = tmp_path / "out"
    one, two = tmp_path / "one" / "story.txt", tmp_path / "two" / "story.txt"
    for path, sample in ((one, "en_copyright_traps.txt"), (two, "en_notitle_energy.txt")):
        path.parent.mkdir()
        path.write_bytes((SAMPLES / sample).read_bytes())
    for fmt, ext in (("txt", "en.txt"), ("jsonl", "jsonl"), ("ninjs", "en.json")):
        target = out / fmt
        assert cli("convert", one, "-o", target, "--names", "input", "-f", fmt).exit_code == 0
        assert cli("convert", two, "-o", target, "--names", "input", "-f", fmt).exit_code == 0
        (taken,) = [r for r in index(target) if r["input"] == str(two)]
        assert taken["outputs"][0] == f"story-{taken['story'][:8]}.{ext}"
        assert f"story.{ext}" in outputs(target)  # the first story's file, untouched
        # run the second again alone: the name it got is its own now
        assert cli("convert", two, "-o", target, "--names", "input", "-f", fmt).exit_code == 0
        assert index(target)[-1]["outputs"] == taken["outputs"]
    assert b"wind farm" in (out / "txt" / f"story-{taken['story'][:8]}.en.txt").read_bytes()


def test_many_stories_of_one_stem_in_parallel_never_overwrite_each_other(cli, tmp_path):
    src = tmp_path / "src"
    samples = sorted(p for p in SAMPLES.glob("*.txt"))[:6]
    for n, sample in enumerate(samples):
        folder = src / f"desk{n}"
        folder.mkdir(parents=True)
        (folder / "story.txt").write_bytes(sample.read_bytes())
    out = tmp_path / "out"
    result = cli("convert", src, "-o", out, "--names", "input", "--jobs", "2", "--batch-size", "1")
    assert result.exit_code == 0, result.output
    lines = index(out)
    packages = [r["outputs"][-1] for r in lines]
    assert len(set(packages)) == 6 and sum(p == "story.package.xml" for p in packages) == 1
    assert len(outputs(out)) == sum(len(r["outputs"]) for r in lines)  # nothing overwritten
    guids = {(out / p).read_text("utf-8").split('guid="', 1)[1].split('"', 1)[0] for p in packages}
    assert len(guids) == 6
    records = sorted(p.name for p in (out / NAMES_DIR / "name").iterdir())
    assert records == sorted(p.removesuffix(".package.xml") for p in packages)


class SlowText(TextFormat):
    """txt, holding on between looking names up and handing the files over (a slow writer)."""

    def render(self, doc, previous=NO_PREVIOUS):  # type: ignore[no-untyped-def]
        rendering = super().render(doc, previous)
        time.sleep(0.5)
        return rendering


def _write_one(path: str, out: str, barrier) -> None:  # type: ignore[no-untyped-def]
    worker = Worker(PipelineSpec.from_names(["segment"]), OutputSpec(out, "slow-txt", {"names": "input"}))
    with worker:
        barrier.wait()
        worker.process([path])


def test_two_writers_claiming_one_name_at_once_are_serialised(tmp_path):
    FORMATS.register("slow-txt", SlowText)  # inherited by the forked writers
    try:
        paths = []
        for n, text in enumerate(["Metro opens.\n\nFive stations.", "Airport grows.\n\nA second runway."]):
            path = tmp_path / f"desk{n}" / "story.txt"
            path.parent.mkdir()
            path.write_text(text)
            paths.append(str(path))
        ctx = multiprocessing.get_context("fork")
        barrier = ctx.Barrier(2)
        procs = [ctx.Process(target=_write_one, args=(p, str(tmp_path / "out"), barrier)) for p in paths]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(60)
        assert [proc.exitcode for proc in procs] == [0, 0]
    finally:
        FORMATS.unregister("slow-txt")
    names = outputs(tmp_path / "out")
    assert len(names) == 2 and "story.txt" in names  # neither overwrote the other
    texts = sorted((tmp_path / "out" / n).read_text().strip() for n in names)
    assert texts == sorted(Path(p).read_text() for p in paths)


def test_clean_and_watch_name_outputs_after_their_inputs(cli, tmp_path):
    out = tmp_path / "clean"
    assert cli("clean", SAMPLES / "tr_festival.html", "-o", out, "--names", "input").exit_code == 0
    assert outputs(out) == ["tr_festival.txt"]
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    (inbox / "forum.txt").write_bytes((SAMPLES / "ru_forum_cp1251.txt").read_bytes())
    proc = run_toolkit("watch", inbox, "-o", outbox, "--once", "--settle", "0", "--names", "input")
    assert proc.returncode == 0, proc.stderr
    assert outputs(outbox) == ["forum.package.xml", "forum.ru.xml"]
    (inbox / "forum.txt").write_bytes((SAMPLES / "kk_culture_mixed.txt").read_bytes())  # another story, same name
    proc = run_toolkit("watch", inbox, "-o", outbox, "--once", "--settle", "0", "--names", "input")
    assert proc.returncode == 0, proc.stderr
    assert len(outputs(outbox)) == 4 and "forum.ru.xml" in outputs(outbox)
    assert any(n.startswith("forum-") and n.endswith(".kk-Cyrl.xml") for n in outputs(outbox))


def test_name_base_is_pure_and_reads_names_only_through_the_lookup():
    doc = make_document("A story.\n\nWith a body.", lang="en")
    doc.source = "desk/story.txt"
    held: dict[str, bytes] = {}  # what a sink holds: the only way a format learns of earlier names

    def lookup(names):  # type: ignore[no-untyped-def]
        return {n: held[n] for n in names if n in held}

    base, records = name_base(doc, "k1", lookup, "input")
    assert base == "story" and [r.name for r in records] == [f"{NAMES_DIR}/story/k1", f"{NAMES_DIR}/name/story"]
    held.update({r.name: r.data for r in records})
    assert name_base(doc, "k1", lookup, "input")[0] == "story"  # its own name
    other = name_base(doc, "k2", lookup, "input")[0]
    assert other.startswith("story-") and other != "story"  # another story: suffixed
    assert name_base(doc, "k1", lookup, "story") == ("k1", [])  # the default: the key


@pytest.mark.parametrize("bad", ["inputs", ""])
def test_an_unknown_names_option_is_a_usage_error(cli, tmp_path, bad):
    config = tmp_path / "c.toml"
    config.write_text(f'[output]\noptions = {{ names = "{bad}" }}\n')
    result = cli("convert", SAMPLES / "en_copyright_traps.txt", "-o", tmp_path / "out", "-c", config)
    assert result.exit_code == 2 and "names" in result.stderr
