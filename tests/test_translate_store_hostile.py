"""Model archives, second round (issue 19): absurd expansion, concurrent --force installs,
tokenizers that are not SentencePiece models, language codes that are not languages."""

from __future__ import annotations

import json
import multiprocessing
import time
import zipfile

import pytest

from .test_translate_store import TOP, assert_refused, metadata, replace, valid_entries, write_zip
from .translate_helpers import models_dir, packages  # noqa: F401  (fixtures)


def test_an_archive_that_expands_absurdly_is_refused(cli, packages, models_dir, tmp_path):  # noqa: F811
    """320 MiB of zeros packed into 0.3 MiB (the reported bomb: 3.3 MB -> 3 GiB), under the size
    limit: refused by its compression ratio before anything is extracted."""
    archive = tmp_path / "bomb.argosmodel"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in valid_entries(packages):
            zf.writestr(info, data)
        with zf.open(f"{TOP}/zeros.bin", "w", force_zip64=True) as out:
            block = bytes(2**24)
            for _ in range(20):
                out.write(block)
    assert archive.stat().st_size < 2**20
    assert_refused(cli, models_dir, archive, "expands", "zip bomb")


def test_a_tokenizer_that_is_not_sentencepiece_is_refused(cli, packages, models_dir, tmp_path):  # noqa: F811
    merges = b"#version: 0.2\nt h\nth e\n"  # a BPE merges file under the SentencePiece name
    entries = replace(valid_entries(packages), f"{TOP}/sentencepiece.model", merges)
    archive = write_zip(tmp_path / "bpe.argosmodel", entries)
    assert_refused(cli, models_dir, archive, "sentencepiece.model is not a SentencePiece model")


@pytest.mark.parametrize(
    ("field", "code"), [("from_code", "xx-evil"), ("to_code", "xx"), ("from_code", "kk-Evil"), ("to_code", "qq")]
)
def test_language_codes_that_name_no_language_are_refused(cli, packages, models_dir, tmp_path, field, code):  # noqa: F811
    entries = valid_entries(packages)
    meta = {**metadata(entries), field: code}
    entries = replace(entries, f"{TOP}/metadata.json", json.dumps(meta).encode())
    archive = write_zip(tmp_path / "codes.argosmodel", entries)
    side = field.split("_")[0]
    assert_refused(cli, models_dir, archive, f"unknown {side} language code")


def _install_many(root: str, archive: str, count: int, errors) -> None:  # runs in a child process
    import os

    from toolkit.translate.store import ModelStore

    real_rename = os.rename

    def slow_rename(src, dst, *args, **kwargs):  # a slow file system: each rename takes 30 ms
        real_rename(src, dst, *args, **kwargs)
        time.sleep(0.03)

    os.rename = slow_rename  # this child process only
    store = ModelStore(root, argos_dirs=[])
    for _ in range(count):
        try:
            store.install(archive, force=True)
        except Exception as exc:
            errors.put(f"{type(exc).__name__}: {exc}")


def test_concurrent_forced_installs_never_fail_and_never_hide_the_model(packages, tmp_path):  # noqa: F811
    """Two processes re-install one model with --force while a third scans the store: no install
    fails ("No such file or directory"), and every scan sees the model. Renames are slowed down
    in the installing processes (a slow file system) so that a window between two renames, if
    there is one, is seen."""
    from toolkit.translate.store import ModelStore

    root = tmp_path / "store"
    archive = str(packages["kk_en"])
    ModelStore(root, argos_dirs=[]).install(archive)
    ctx = multiprocessing.get_context("fork")
    errors = ctx.Queue()
    workers = [ctx.Process(target=_install_many, args=(str(root), archive, 8, errors)) for _ in range(2)]
    for w in workers:
        w.start()
    scans = missing = 0
    deadline = time.monotonic() + 120
    while any(w.is_alive() for w in workers) and time.monotonic() < deadline:
        store = ModelStore(root, argos_dirs=[])
        names = [p.name for p in store.packages()]
        scans += 1
        if names != [TOP]:
            missing += 1
    for w in workers:
        w.join(30)
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    assert problems == []
    assert scans > 5 and missing == 0, (scans, missing)
    assert [p.name for p in root.iterdir()] == [TOP]  # no temporary folder left
