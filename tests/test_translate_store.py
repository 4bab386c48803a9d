"""Installing model packages is safe: every malicious or broken archive is refused, nothing is left behind."""

from __future__ import annotations

import io
import json
import stat
import struct
import zipfile

import pytest

from .translate_helpers import models_dir, packages  # noqa: F401  (fixtures)

TOP = "translate-kk_en-1_0"


def members(archive) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(archive) as zf:
        return [(info, zf.read(info)) for info in zf.infolist()]


def write_zip(path, entries, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for info, data in entries:
            if isinstance(info, str):
                info = zipfile.ZipInfo(info)
                info.external_attr = (stat.S_IFREG | 0o644) << 16
                info.compress_type = compression
            zf.writestr(info, data)
    return path


def valid_entries(packages):  # noqa: F811
    return [(info, data) for info, data in members(packages["kk_en"])]


def replace(entries, name, data):
    return [(i, data if i.filename == name else d) for i, d in entries]


def assert_refused(cli, models_dir, archive, *needles, extra=()):  # noqa: F811
    result = cli("models", "install", archive, *extra)
    assert result.exit_code == 1, result.output
    message = result.output.lower()
    for needle in needles:
        assert needle.lower() in message, (needle, result.output)
    assert str(archive) in result.output  # the error names the file
    leftovers = list(models_dir.iterdir()) if models_dir.exists() else []
    assert leftovers == [], leftovers  # nothing installed, no temporary folder left


def metadata(entries):
    return json.loads(next(d for i, d in entries if i.filename.endswith("metadata.json")))


def test_valid_archive_installs(cli, packages, models_dir):  # noqa: F811
    assert cli("models", "install", packages["kk_en"]).exit_code == 0
    assert sorted(p.name for p in models_dir.iterdir()) == [TOP]


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("/etc/evil", "absolute path"),
        (f"{TOP}/../evil", "'..'"),
        (f"{TOP}/model/../../evil", "'..'"),
        ("C:/evil", "absolute path"),
        (f"{TOP}\\..\\evil", "unsafe member name"),
        (f"{TOP}//evil", "unsafe member name"),
        ("other/evil", "one top folder"),
        ("evil.txt", "file at the top"),
    ],
)
def test_unsafe_member_names_are_refused(cli, packages, models_dir, tmp_path, name, needle):  # noqa: F811
    archive = write_zip(tmp_path / "bad.argosmodel", [*valid_entries(packages), (name, b"x")])
    assert_refused(cli, models_dir, archive, needle)


def test_symlink_is_refused(cli, packages, models_dir, tmp_path):  # noqa: F811
    link = zipfile.ZipInfo(f"{TOP}/model/link")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = write_zip(tmp_path / "link.argosmodel", [*valid_entries(packages), (link, b"/etc/passwd")])
    assert_refused(cli, models_dir, archive, "symbolic link")


def test_special_file_and_duplicates_are_refused(cli, packages, models_dir, tmp_path):  # noqa: F811
    fifo = zipfile.ZipInfo(f"{TOP}/fifo")
    fifo.external_attr = (stat.S_IFIFO | 0o644) << 16
    assert_refused(
        cli, models_dir, write_zip(tmp_path / "fifo.argosmodel", [*valid_entries(packages), (fifo, b"")]), "special"
    )
    entries = valid_entries(packages)
    with pytest.warns(UserWarning, match="Duplicate name"):
        dup = write_zip(tmp_path / "dup.argosmodel", [*entries, (f"{TOP}/metadata.json", b"{}")])
    assert_refused(cli, models_dir, dup, "duplicate")


def test_missing_metadata_is_refused(cli, packages, models_dir, tmp_path):  # noqa: F811
    entries = [(i, d) for i, d in valid_entries(packages) if not i.filename.endswith("metadata.json")]
    assert_refused(cli, models_dir, write_zip(tmp_path / "nometa.argosmodel", entries), "metadata.json is missing")


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda m: "{not json", "not valid json"),
        (lambda m: [1, 2], "json object"),
        (lambda m: {k: v for k, v in m.items() if k != "to_code"}, "to_code"),
        (lambda m: {**m, "from_code": "klingon!"}, "unknown from language"),
        (lambda m: {**m, "type": "sbd"}, "not a translation package"),
        (lambda m: {**m, "target_prefix": "__xx__"}, "not in the model's vocabulary"),
        (lambda m: {**m, "to_codes": ["en", "ru"]}, "needs target_prefix"),
        (lambda m: {**m, "source_eos": "yes"}, "source_eos"),
        (lambda m: {**m, "language_tokens": "marian"}, "language_tokens"),
        (lambda m: {**m, "sentencepiece": {"source": "../../etc/passwd"}}, "leaves the package"),
    ],
)
def test_wrong_metadata_is_refused(cli, packages, models_dir, tmp_path, change, needle):  # noqa: F811
    entries = valid_entries(packages)
    new = change(metadata(entries))
    blob = new.encode() if isinstance(new, str) else json.dumps(new).encode()
    archive = write_zip(tmp_path / "meta.argosmodel", replace(entries, f"{TOP}/metadata.json", blob))
    assert_refused(cli, models_dir, archive, needle)


def test_missing_model_or_tokenizer_is_refused(cli, packages, models_dir, tmp_path):  # noqa: F811
    no_model = [(i, d) for i, d in valid_entries(packages) if not i.filename.endswith("model.bin")]
    assert_refused(cli, models_dir, write_zip(tmp_path / "nomodel.argosmodel", no_model), "model.bin is missing")
    no_sp = [(i, d) for i, d in valid_entries(packages) if not i.filename.endswith("sentencepiece.model")]
    assert_refused(cli, models_dir, write_zip(tmp_path / "nosp.argosmodel", no_sp), "no sentencepiece model")


def test_oversize_and_zip_bomb_are_refused(cli, packages, models_dir, tmp_path):  # noqa: F811
    # over the configured limit by the sizes the archive declares
    assert_refused(cli, models_dir, packages["kk_en"], "over the limit", extra=("--max-size", "100000"))
    # a zip bomb: 64 MiB of zeros compress to ~64 KiB; with a 32 MiB limit it is refused before extraction
    bomb = write_zip(tmp_path / "bomb.argosmodel", [*valid_entries(packages), (f"{TOP}/zeros", bytes(64 * 2**20))])
    assert bomb.stat().st_size < 2**20
    assert_refused(cli, models_dir, bomb, "over the limit", extra=("--max-size", str(32 * 2**20)))


def test_a_header_that_understates_the_size_is_caught_while_extracting(cli, packages, models_dir, tmp_path):  # noqa: F811
    """A forged header claims 10 bytes for 1 MiB of data: the count made while extracting catches it."""
    entries = [*valid_entries(packages), (f"{TOP}/payload", bytes(2**20))]
    archive = write_zip(tmp_path / "forged.argosmodel", entries)
    data = bytearray(archive.read_bytes())
    name = f"{TOP}/payload".encode()
    # patch the uncompressed size in the local header and in the central directory entry
    local = data.find(b"PK\x03\x04" + data[4:4])  # first local header
    while local != -1:
        n = struct.unpack_from("<H", data, local + 26)[0]
        if bytes(data[local + 30 : local + 30 + n]) == name:
            struct.pack_into("<I", data, local + 22, 10)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        n = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46 : central + 46 + n]) == name:
            struct.pack_into("<I", data, central + 24, 10)
        central = data.find(b"PK\x01\x02", central + 4)
    archive.write_bytes(bytes(data))
    # zipfile stops at the declared size and the CRC then fails; either way the data never lands
    assert_refused(cli, models_dir, archive, "payload")


def test_truncated_corrupt_and_non_zip_archives_are_refused(cli, packages, models_dir, tmp_path):  # noqa: F811
    blob = packages["kk_en"].read_bytes()
    truncated = tmp_path / "truncated.argosmodel"
    truncated.write_bytes(blob[: len(blob) // 2])
    assert_refused(cli, models_dir, truncated, "not a zip archive, or a truncated one")
    # central directory intact, member data damaged: the CRC check fails during extraction
    corrupt = bytearray(blob)
    model = corrupt.find(b"model/model.bin")
    for i in range(model + 200, model + 400):
        corrupt[i] ^= 0xFF
    broken = tmp_path / "corrupt.argosmodel"
    broken.write_bytes(bytes(corrupt))
    assert_refused(cli, models_dir, broken, "corrupt or truncated")
    text = tmp_path / "notzip.argosmodel"
    text.write_text("hello")
    assert_refused(cli, models_dir, text, "not a zip archive")
    empty = write_zip(tmp_path / "empty.argosmodel", [])
    assert_refused(cli, models_dir, empty, "empty")


def test_install_from_a_directory_refuses_symlinks(cli, packages, models_dir, tmp_path):  # noqa: F811
    with zipfile.ZipFile(packages["kk_en"]) as zf:
        zf.extractall(tmp_path / "src")
    folder = tmp_path / "src" / TOP
    (folder / "escape").symlink_to("/etc/passwd")
    assert_refused(cli, models_dir, folder, "symbolic link")
    (folder / "escape").unlink()
    result = cli("models", "install", folder)
    assert result.exit_code == 0, result.output
    assert (models_dir / TOP / "model" / "model.bin").is_file()


def test_pack_round_trip(packages, tmp_path, models_dir):  # noqa: F811
    from toolkit.translate.store import ModelStore, pack

    with zipfile.ZipFile(packages["nllb"]) as zf:
        zf.extractall(tmp_path / "src")
    archive = pack(next((tmp_path / "src").iterdir()), tmp_path / "again.argosmodel")
    pkg = ModelStore().install(archive)
    assert pkg.multilingual and pkg.source_eos and pkg.target_prefix_for("kk-Cyrl") == ("kaz_Cyrl",)
    assert pkg.source_spm is not None and pkg.source_spm.name == "source.spm"
    names = {i.filename.split("/")[0] for i in zipfile.ZipFile(io.BytesIO(archive.read_bytes())).infolist()}
    assert names == {"nllb-tiny-1_0"}


# -- more hostile archives (issue 9) ------------------------------------------------------------------------


def _patch_sizes(data: bytearray, name: bytes, size: int) -> None:
    """Set the uncompressed size of member ``name`` in its local header and central directory entry."""
    for signature, name_len_at, size_at, name_at in ((b"PK\x03\x04", 26, 22, 30), (b"PK\x01\x02", 28, 24, 46)):
        pos = data.find(signature)
        while pos != -1:
            n = struct.unpack_from("<H", data, pos + name_len_at)[0]
            if bytes(data[pos + name_at : pos + name_at + n]) == name:
                struct.pack_into("<I", data, pos + size_at, size)
            pos = data.find(signature, pos + 4)


def test_declared_sizes_over_the_default_limit_are_refused_before_extraction(cli, packages, models_dir, tmp_path):  # noqa: F811
    """Members declaring 5 x 4 GiB (an overlapping-entries bomb declares such sizes): refused unread."""
    names = [f"{TOP}/blob{i}" for i in range(5)]
    archive = write_zip(tmp_path / "declared.argosmodel", [*valid_entries(packages), *((n, b"x") for n in names)])
    data = bytearray(archive.read_bytes())
    for name in names:
        _patch_sizes(data, name.encode(), 0xFFFFFFF0)
    archive.write_bytes(bytes(data))
    assert_refused(cli, models_dir, archive, "over the limit")


def test_entries_sharing_one_data_block_are_refused(cli, packages, models_dir, tmp_path):  # noqa: F811
    """A non-recursive zip bomb points many directory entries at the same compressed data."""
    entries = [*valid_entries(packages), (f"{TOP}/zeros-a", bytes(2**20)), (f"{TOP}/zeros-b", bytes(2**20))]
    archive = write_zip(tmp_path / "overlap.argosmodel", entries)
    data = bytearray(archive.read_bytes())
    offsets = {}
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        n = struct.unpack_from("<H", data, pos + 28)[0]
        offsets[bytes(data[pos + 46 : pos + 46 + n])] = pos
        pos = data.find(b"PK\x01\x02", pos + 4)
    a, b = offsets[f"{TOP}/zeros-a".encode()], offsets[f"{TOP}/zeros-b".encode()]
    data[b + 42 : b + 46] = data[a + 42 : a + 46]  # b's local header offset := a's
    archive.write_bytes(bytes(data))
    assert_refused(cli, models_dir, archive, "corrupt")


def test_a_nested_archive_is_stored_never_expanded(cli, packages, models_dir, tmp_path):  # noqa: F811
    """A zip bomb inside the package is just a file: it is never opened, so its size stays its own."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for i in range(16):
            zf.writestr(f"layer{i}.bin", bytes(8 * 2**20))  # 128 MiB of zeros in ~130 KiB
    blob = inner.getvalue()
    archive = write_zip(tmp_path / "nested.argosmodel", [*valid_entries(packages), (f"{TOP}/extra/bomb.zip", blob)])
    result = cli("models", "install", archive)
    assert result.exit_code == 0, result.output
    installed = models_dir / TOP / "extra"
    assert [p.name for p in installed.iterdir()] == ["bomb.zip"]
    assert (installed / "bomb.zip").read_bytes() == blob and len(blob) < 2**20


def test_a_member_name_too_long_for_the_file_system(cli, packages, models_dir, tmp_path):  # noqa: F811
    archive = write_zip(tmp_path / "long.argosmodel", [*valid_entries(packages), (f"{TOP}/{'n' * 300}", b"x")])
    assert_refused(cli, models_dir, archive, "cannot install")


@pytest.mark.parametrize("top", ["-rf", ".hidden", "a b", "x" * 200, "ünïcode"])
def test_hostile_top_folder_names(cli, packages, models_dir, tmp_path, top):  # noqa: F811
    entries = [(f"{top}/{i.filename.split('/', 1)[1]}", d) for i, d in valid_entries(packages) if "/" in i.filename]
    archive = write_zip(tmp_path / "top.argosmodel", [(n, d) for n, d in entries if not n.endswith("/")])
    assert_refused(cli, models_dir, archive, "unsafe package folder name")
