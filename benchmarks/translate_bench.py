"""Translation speed: the toolkit engine vs direct CTranslate2 vs argostranslate, in one run.

One random-weight Transformer-base sized model (6+6 layers, d_model 512, 8 heads, FFN 2048,
vocabulary 32,000, int8) that never emits ``</s>``, so with a fixed ``max_decoding_length``
every path decodes exactly the same number of tokens; the same ~200 news sentences (cut
from ``samples/``) and the same beam everywhere. Two setups, each in the same run:

* ``equal``: every path with the same threads (``inter_threads=1``, ``intra_threads``
  ``--threads``) and compute type (int8): what the decoding strategy alone is worth;
* ``defaults``: every path as its library sets it up when given nothing but the beam. The
  toolkit: one CTranslate2 worker per core, one thread each (``toolkit.translate.threads``);
  argostranslate: its own settings (``ARGOS_INTER_THREADS`` 1, ``ARGOS_INTRA_THREADS`` 0,
  which CTranslate2 reads as 4 threads, compute type ``auto``), its translator built the
  way argostranslate builds it; direct CTranslate2 gets the toolkit's threads, so
  toolkit / direct still compares equal work;
* ``best``: as ``defaults``, but argostranslate with the thread setting that is fastest for
  it on a small machine (``ARGOS_INTRA_THREADS=1``: its one-sentence batches gain nothing
  from more threads, and lose to the synchronisation): the most conservative ratio.

The paths:

* ``direct``: SentencePiece encode, ``ctranslate2.Translator.translate_batch`` on all the
  sentences at once (``max_batch_size`` examples: CTranslate2 sorts them by length and cuts
  them into batches), SentencePiece decode: the reference. It decodes with the options the
  toolkit uses (``replace_unknowns=True``, the same ``max_input_length`` and penalties), so
  both paths do the same work;
* ``toolkit``: the ``translate`` processor (built once) on the documents those sentences
  came from: sentence splitting, cross-document gathering, length sorting, batching
  (the same ``max_batch_size``), order restored; sentence cache off;
* ``argos``: argostranslate's own ``translate()`` path (``PackageTranslation.translate``:
  paragraph by paragraph, its 32-token batches), when argostranslate is installed. Its
  sentence splitter downloads a model on first use, so it is given the toolkit's offline
  splitter (which costs it nothing: its own would only make it slower); its translator is
  wrapped only to pass the same fixed ``max_decoding_length``.

Each path runs in its own process (its peak RSS is its own), warms up, then times
``--repeat`` runs; the processes are started ``--rounds`` times, alternating paths, and the
best run of each path counts (machines are noisy: compare the ratios, measured here). CPU
time (all threads of the process) is reported beside wall time.

Usage: ``python benchmarks/translate_bench.py [--beam 4] [--length 48] [--sentences 200]
[--threads 2] [--batch 16] [--rounds 2] [--setups equal,defaults,best]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tools/ (the test models) lives in the repository, not the package
VOCAB = 32_000


def news_documents(limit: int) -> list[tuple[str, list[str]]]:
    """(language, paragraphs) of the sample news pages, cut to ``limit`` sentences in all."""
    from toolkit import process
    from toolkit.translate.split import split_sentences

    lang_of = {"kk": "kk-Cyrl", "ru": "ru", "tr": "tr", "uz": "uz-Latn", "en": "en", "ky": "ky"}
    docs, total, seen = [], 0, set()
    for path in sorted((ROOT / "samples").glob("*.txt")) + sorted((ROOT / "samples").glob("*.html")):
        lang = lang_of.get(path.name.split("_")[0], "en")
        doc = process(path)
        paragraphs = [p.text for p in doc.paragraphs if len(p.text) > 20]
        kept = []
        for p in paragraphs:
            sents = split_sentences(p, lang)
            if total + len(sents) > limit:
                break
            if seen.intersection(sents):  # every sentence once: no path gains from repeats
                continue
            seen.update(sents)
            kept.append(p)
            total += len(sents)
        if kept:
            docs.append((lang, kept))
        if total >= limit:
            break
    return docs


def build(workdir: Path) -> Path:
    from tools.testmodels import build_random_model, corpus, sp_vocabulary, train_sentencepiece

    sentences = corpus(2000)
    for _lang, paragraphs in news_documents(10_000):
        sentences.extend(paragraphs)
    pkg = workdir / "translate-kk_en-bench"
    pkg.mkdir(parents=True)
    sp = train_sentencepiece(pkg / "sentencepiece.model", sentences, vocab_size=4000)
    vocab = sp_vocabulary(sp)
    vocab += [f"<extra_{i}>" for i in range(VOCAB - len(vocab))]
    build_random_model(pkg / "model", vocab)
    meta = {"package_version": "1.0", "argos_version": "1.0", "from_code": "kk", "to_code": "en", "type": "translate"}
    (pkg / "metadata.json").write_text(json.dumps(meta), "utf-8")
    return pkg


def run_path(
    name: str,
    setup: str,
    pkg_dir: Path,
    beam: int,
    length: int,
    n_sentences: int,
    threads: int,
    batch: int,
    repeat: int,
) -> dict:
    from toolkit.translate.split import split_sentences

    # argostranslate is slow: a quarter of the sentences is enough to measure its rate
    docs = news_documents(n_sentences if name != "argos" else max(20, n_sentences // 4))
    sentences = [s for lang, ps in docs for p in ps for s in split_sentences(p, lang)]
    fn = {"direct": _direct, "toolkit": _toolkit, "argos": _argos}[name]
    run, config = fn(pkg_dir, docs, sentences, beam, length, threads if setup == "equal" else None, batch, setup)
    run(warmup=True)
    best = (float("inf"), 0.0)
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        tokens = run(warmup=False)
        best = min(best, (time.perf_counter() - wall, time.process_time() - cpu))
    return {
        "path": name,
        "setup": setup,
        "config": config() if callable(config) else config,
        "sentences": len(sentences),
        "seconds": round(best[0], 3),
        "cpu_seconds": round(best[1], 3),
        "sentences_per_s": round(len(sentences) / best[0], 2),
        "cpu_ms_per_sentence": round(best[1] / len(sentences) * 1000, 1),
        "decoded_tokens": tokens,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss it is not inherited across exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _direct(pkg_dir, docs, sentences, beam, length, threads, batch, setup):
    import ctranslate2
    import sentencepiece

    from toolkit.translate.engine import DecodeOptions
    from toolkit.translate.threads import plan_threads

    opts = DecodeOptions()  # the toolkit's decoding options, so both paths do the same work
    sp = sentencepiece.SentencePieceProcessor(model_file=str(pkg_dir / "sentencepiece.model"))
    inter, intra = (1, threads) if threads else plan_threads("cpu", None, None)  # defaults: the toolkit's
    translator = ctranslate2.Translator(
        str(pkg_dir / "model"), device="cpu", compute_type="int8", inter_threads=inter, intra_threads=intra
    )

    def run(warmup):
        batch_in = sp.encode(sentences[:8] if warmup else sentences, out_type=str)
        results = translator.translate_batch(
            batch_in,
            max_batch_size=batch,
            beam_size=beam,
            max_decoding_length=length,
            max_input_length=opts.max_input_length,
            replace_unknowns=opts.replace_unknowns,
            length_penalty=opts.length_penalty,
            repetition_penalty=opts.repetition_penalty,
        )
        sp.decode([r.hypotheses[0] for r in results])
        return sum(len(r.hypotheses[0]) for r in results)

    return run, f"{inter}x{intra} threads, {translator.compute_type}"


def _toolkit(pkg_dir, docs, sentences, beam, length, threads, batch, setup):
    from toolkit.processors.translate import Translate
    from toolkit.testing import make_document

    os.environ["TOOLKIT_MODELS_DIR"] = str(pkg_dir.parent)
    os.environ["TOOLKIT_ARGOS_PACKAGES"] = "0"
    threads_given = {"inter_threads": 1, "intra_threads": threads} if threads else {}
    proc = Translate(
        to="en",
        source="kk",
        beam_size=beam,
        max_decoding_length=length,
        cache_size=0,
        max_batch_size=batch,
        **threads_given,
    )

    def run(warmup):
        batch_in = [make_document(*ps, lang=lang) for lang, ps in (docs[:1] if warmup else docs)]
        decoded = proc.engine.stats["decoded"]
        out = list(proc.pipe(iter(batch_in)))
        assert all(d.status == "ok" and "en" in d.translations for d in out), [d.errors for d in out]
        return (proc.engine.stats["decoded"] - decoded) * length

    def config():
        t = next(iter(proc.engine.models.translators.values()))
        return f"{t.num_translators}x{proc.engine.intra_threads or 1} threads, {t.compute_type}"

    return run, config


def _argos(pkg_dir, docs, sentences, beam, length, threads, batch, setup):
    argos_dir = pkg_dir.parent / "argos"
    argos_dir.mkdir(exist_ok=True)
    link = argos_dir / pkg_dir.name
    if not link.exists():
        link.symlink_to(pkg_dir)
    os.environ.update(ARGOS_PACKAGES_DIR=str(argos_dir), ARGOS_BEAM_SIZE=str(beam), ARGOS_DEVICE_TYPE="cpu")
    if threads:  # equal settings; otherwise argostranslate's own defaults
        os.environ.update(ARGOS_COMPUTE_TYPE="int8", ARGOS_INTER_THREADS="1", ARGOS_INTRA_THREADS=str(threads))
    elif setup == "best":  # its fastest setting here: one thread (its one-sentence batches do not scale)
        os.environ.update(ARGOS_INTRA_THREADS="1")
    import ctranslate2
    from argostranslate import settings
    from argostranslate import translate as argos_translate

    from toolkit.translate.split import split_sentences

    translation = argos_translate.get_translation_from_codes("kk", "en")
    inner = getattr(translation, "underlying", translation)

    class Splitter:  # argostranslate's splitters download models: use the toolkit's, offline
        def split_sentences(self, text):
            return split_sentences(text, "kk")

    class FixedLength:  # the same fixed decoding length as the other paths, nothing else changed
        def __init__(self, translator):
            self.translator = translator
            self.tokens = 0

        def translate_batch(self, *args, **kwargs):
            kwargs["max_decoding_length"] = length
            results = self.translator.translate_batch(*args, **kwargs)
            self.tokens += sum(len(r.hypotheses[0]) for r in results)
            return results

    inner.sentencizer = Splitter()
    translator = ctranslate2.Translator(  # exactly as PackageTranslation.hypotheses builds it
        str(inner.pkg.package_path / "model"),
        device=settings.device,
        inter_threads=settings.inter_threads,
        intra_threads=settings.intra_threads,
        compute_type=settings.compute_type,
    )
    inner.translator = FixedLength(translator)
    config = f"{settings.inter_threads}x{settings.intra_threads or '0 (4)'} threads, {translator.compute_type}"

    def run(warmup):
        inner.translator.tokens = 0
        translation.cache = {}  # argostranslate keeps the last call's paragraphs: no free repeats
        for _lang, paragraphs in docs[:1] if warmup else docs:
            translation.translate("\n".join(paragraphs))
        return inner.translator.tokens

    return run, config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--length", type=int, default=48, help="fixed max_decoding_length")
    parser.add_argument("--sentences", type=int, default=200)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="intra_threads of every path (equal)")
    parser.add_argument("--batch", type=int, default=None, help="max_batch_size (default: the toolkit's)")
    parser.add_argument("--rounds", type=int, default=2, help="processes per path, alternating paths")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs per process")
    parser.add_argument("--paths", default="direct,toolkit,argos")
    parser.add_argument("--setups", default="equal,defaults,best")
    parser.add_argument("--run", help=argparse.SUPPRESS)
    parser.add_argument("--setup", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.batch is None:
        from toolkit.translate.engine import DecodeOptions

        args.batch = DecodeOptions().max_batch_size
    if args.run:
        result = run_path(
            args.run,
            args.setup,
            Path(args.model),
            args.beam,
            args.length,
            args.sentences,
            args.threads,
            args.batch,
            args.repeat,
        )
        print(json.dumps(result))
        return
    one, five, _ = os.getloadavg()
    print(f"load average {one:.2f} {five:.2f} at the start", file=sys.stderr)
    setups = [x for x in args.setups.split(",") if x]
    with tempfile.TemporaryDirectory(prefix="translate-bench-") as tmp:
        t0 = time.perf_counter()
        pkg = build(Path(tmp))
        print(f"built the model in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        paths = [p for p in args.paths.split(",") if p]
        if "argos" in paths:
            import importlib.util

            if importlib.util.find_spec("argostranslate") is None:
                paths.remove("argos")
        results: dict[tuple[str, str], dict] = {}
        for _ in range(args.rounds):
            for setup in setups:
                for name in paths:
                    if setup == "best" and name != "argos" and "defaults" in setups:
                        continue  # the same as in "defaults"
                    cmd = [sys.executable, __file__, "--run", name, "--setup", setup, "--model", str(pkg)]
                    cmd += ["--beam", str(args.beam), "--length", str(args.length)]
                    cmd += ["--sentences", str(args.sentences), "--threads", str(args.threads)]
                    cmd += ["--batch", str(args.batch), "--repeat", str(args.repeat)]
                    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
                    if proc.returncode != 0:
                        print(f"{setup} {name} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
                        continue
                    r = json.loads(proc.stdout.strip().splitlines()[-1])
                    key = (setup, name)
                    if key not in results or r["seconds"] < results[key]["seconds"]:
                        r["peak_rss_mb"] = max(r["peak_rss_mb"], results.get(key, {}).get("peak_rss_mb", 0))
                        results[key] = r
    one, five, _ = os.getloadavg()
    print(
        f"beam {args.beam}, max_decoding_length {args.length}, max_batch_size {args.batch}, vocab {VOCAB}, "
        f"{os.cpu_count()} CPUs; best of {args.rounds}x{args.repeat} runs; load average {one:.2f} {five:.2f} at the end"
    )
    if "best" in setups:
        for name in paths:
            if ("best", name) not in results and ("defaults", name) in results:
                results[("best", name)] = results[("defaults", name)]
    for setup in setups:
        print(f"\n{setup}:")
        header = ("path", "threads, compute", "sentences", "seconds", "sent/s", "CPU ms/sent", "tokens", "peak RSS MB")
        widths = (24, 9, 8, 8, 12, 7, 12)
        print(f"{header[0]:<8} " + " ".join(f"{h:>{w}}" for h, w in zip(header[1:], widths, strict=True)))
        for name in paths:
            r = results.get((setup, name))
            if r is None:
                continue
            print(
                f"{r['path']:<8} {r['config']:>24} {r['sentences']:>9} {r['seconds']:>8} {r['sentences_per_s']:>8} "
                f"{r['cpu_ms_per_sentence']:>12} {r['decoded_tokens']:>7} {r['peak_rss_mb']:>12}"
            )

        def ratio(a: str, b: str, setup: str = setup) -> str:
            ra, rb = results[(setup, a)], results[(setup, b)]
            wall = ra["sentences_per_s"] / rb["sentences_per_s"]
            cpu = rb["cpu_ms_per_sentence"] / ra["cpu_ms_per_sentence"]
            return f"{wall:.2f}x wall, {cpu:.2f}x CPU"

        if (setup, "direct") in results and (setup, "toolkit") in results:
            print(f"toolkit / direct CTranslate2: {ratio('toolkit', 'direct')} (target >= 0.9x)")
        if (setup, "argos") in results and (setup, "toolkit") in results:
            print(f"toolkit / argostranslate:     {ratio('toolkit', 'argos')} (target >= 8x at equal beam)")


if __name__ == "__main__":
    main()
