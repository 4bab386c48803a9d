"""`models catalog` and `models fetch` against a real HTTP server on 127.0.0.1 started by the tests:
a catalogue, tiny real packages, range requests, a corrupt download, a 404, a slow server, a
dropped connection (resumed), a proxy, no network. No test touches the internet."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
import time
from pathlib import Path

import pytest

from .translate_helpers import models_dir, packages  # noqa: F401  (fixtures)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, files: dict[str, bytes]) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.files = files
        self.log: list[tuple[str, str | None]] = []  # (path, Range header)
        self.drop_once: set[str] = set()  # paths whose first answer stops half-way
        self.slow: set[str] = set()  # paths sent in small pieces with pauses
        self.no_ranges = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    server: Server

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        path = self.path.split("://", 1)[-1]
        path = "/" + path.split("/", 1)[1] if self.path.startswith("http") else self.path
        self.server.log.append((self.path, self.headers.get("Range")))
        data = self.server.files.get(path)
        if data is None:
            self.send_error(404, "Not Found")
            return
        start = 0
        rng = self.headers.get("Range")
        if rng and not self.server.no_ranges:
            start = int(rng.split("=")[1].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if path in self.server.drop_once:
            self.server.drop_once.discard(path)
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.shutdown(2)  # the connection drops mid-file
            return
        if path in self.server.slow:
            for i in range(0, len(body), len(body) // 8 + 1):
                self.wfile.write(body[i : i + len(body) // 8 + 1])
                self.wfile.flush()
                time.sleep(0.1)
            return
        self.wfile.write(body)


@pytest.fixture
def server(packages):  # noqa: F811
    files = {f"/pkg/{p.name}": p.read_bytes() for p in packages.values()}
    srv = Server(files)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def catalogue(server: Server, packages, *, checksum: bool = True, broken: bool = False) -> dict:  # noqa: F811
    blob = packages["kk_en"].read_bytes()
    return {
        "models": [
            {
                "name": "translate-kk_en-1_0",
                "kind": "argos",
                "from": ["kk"],
                "to": ["en"],
                "url": f"{server.url}/pkg/{packages['kk_en'].name}",
                "sha256": (sha(b"other") if broken else sha(blob)) if checksum else None,
                "license": "CC0 (test)",
                "commercial_use": True,
                "source": "tests",
            },
            {
                "name": "nllb-tiny-1_0",
                "kind": "argos",
                "from": ["en", "kk", "ru", "uz"],
                "to": ["en", "kk", "ru", "uz"],
                "url": f"{server.url}/pkg/{packages['nllb'].name}",
                "license": "CC BY-NC 4.0 (test)",
                "commercial_use": False,
                "restrictive": True,
                "source": "tests",
            },
        ]
    }


@pytest.fixture
def served_catalogue(server, packages, tmp_path):  # noqa: F811
    server.files["/catalog.json"] = json.dumps(catalogue(server, packages)).encode()
    return f"{server.url}/catalog.json"


def test_fetch_from_a_served_catalogue_installs_and_translates(cli, server, served_catalogue, models_dir):  # noqa: F811
    result = cli("models", "fetch", "translate-kk_en-1_0", "--catalog", served_catalogue)
    assert result.exit_code == 0, result.output
    assert "Installed translate-kk_en-1_0" in result.stdout and "(verified)" in result.stderr
    assert (models_dir / "translate-kk_en-1_0" / "model" / "model.bin").is_file()
    assert not list((models_dir / ".downloads").iterdir())  # the download is removed once installed
    out = cli("translate", "--from", "kk", "--to", "en", input="Сәлем.")
    assert out.exit_code == 0 and out.stdout.strip() == "Сәлем."


def test_catalog_lists_the_served_entries_with_licences(cli, served_catalogue, models_dir):  # noqa: F811
    result = cli("models", "catalog", "--catalog", served_catalogue, "--lang", "kk", "--format", "json")
    rows = json.loads(result.stdout)["models"]
    names = [r["name"] for r in rows]
    assert names[0] == "translate-kk_en-1_0"  # the direct pair before multilingual models
    assert "nllb-tiny-1_0" in names and "opus-mt-en-trk" in names  # shipped entries too
    nllb = next(r for r in rows if r["name"] == "nllb-tiny-1_0")
    assert nllb["restrictive"] and nllb["commercial_use"] is False
    text = cli("models", "catalog", "--catalog", served_catalogue, "--from", "kk", "--to", "en").stdout
    assert "licence:" in text and "toolkit models fetch translate-kk_en-1_0" in text


def test_shipped_catalogue_names_real_models_and_their_licences(cli, models_dir):  # noqa: F811
    rows = json.loads(cli("models", "catalog", "--format", "json").stdout)["models"]
    by = {r["name"]: r for r in rows}
    assert (
        by["nllb-200-distilled-600m"]["license"].startswith("CC BY-NC 4.0")
        and by["nllb-200-distilled-600m"]["restrictive"]
    )
    assert by["m2m100-418m"]["license"].startswith("MIT") and by["m2m100-418m"]["commercial_use"] is True
    assert by["opus-mt-en-trk"]["hf_repo"] == "Helsinki-NLP/opus-mt-en-trk"
    for row in rows:  # an unknown size or checksum says so
        assert row["size"] and (row["download_bytes"] is not None or "unknown" in row["size"])
    kk = [r["name"] for r in json.loads(cli("models", "catalog", "--to", "kk", "--format", "json").stdout)["models"]]
    assert kk[0] == "opus-mt-en-trk"  # a commercial-use model first


def test_restrictive_licence_needs_accept_license(cli, server, served_catalogue, models_dir):  # noqa: F811
    result = cli("models", "fetch", "nllb-tiny-1_0", "--catalog", served_catalogue)
    assert result.exit_code == 2 and "CC BY-NC 4.0" in result.output and "--accept-license" in result.output
    assert not any(path.endswith(".argosmodel") for path, _ in server.log)  # nothing downloaded
    ok = cli("models", "fetch", "nllb-tiny-1_0", "--catalog", served_catalogue, "--accept-license")
    assert ok.exit_code == 0, ok.output


def test_checksum_mismatch_is_refused_and_nothing_installed(cli, server, packages, models_dir):  # noqa: F811
    server.files["/bad.json"] = json.dumps(catalogue(server, packages, broken=True)).encode()
    result = cli("models", "fetch", "translate-kk_en-1_0", "--catalog", f"{server.url}/bad.json")
    assert result.exit_code == 1 and "checksum mismatch" in result.output
    assert not (models_dir / "translate-kk_en-1_0").exists()
    assert not list((models_dir / ".downloads").iterdir())  # the corrupt file is removed


def test_a_404_is_one_line(cli, server, models_dir):  # noqa: F811
    result = cli("models", "fetch", f"{server.url}/pkg/missing.argosmodel")
    assert result.exit_code == 1 and "HTTP 404" in result.output and len(result.output.strip().splitlines()) == 1


def test_a_dropped_connection_is_resumed_with_a_range_request(cli, server, packages, models_dir):  # noqa: F811
    path = f"/pkg/{packages['kk_en'].name}"
    server.drop_once.add(path)
    result = cli("models", "fetch", server.url + path, "--sha256", sha(packages["kk_en"].read_bytes()))
    assert result.exit_code == 0, result.output
    ranges = [r for p, r in server.log if p == path]
    size = len(packages["kk_en"].read_bytes())
    assert ranges[0] is None and ranges[1] == f"bytes={(size - 0) // 2}-"  # continued where it stopped


def test_an_interrupted_download_resumes_on_the_next_run(cli, server, packages, models_dir):  # noqa: F811
    path = f"/pkg/{packages['kk_en'].name}"
    blob = packages["kk_en"].read_bytes()
    part = models_dir / ".downloads" / (packages["kk_en"].name + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(blob[:1000])  # what a killed earlier run left
    result = cli("models", "fetch", server.url + path, "--sha256", sha(blob))
    assert result.exit_code == 0, result.output
    assert [r for p, r in server.log if p == path] == ["bytes=1000-"]
    # a server that ignores ranges sends the whole file again: still right
    server.no_ranges = True
    part.write_bytes(blob[:1000])
    again = cli("models", "fetch", server.url + path, "--sha256", sha(blob), "--force")
    assert again.exit_code == 0, again.output


def test_a_slow_server_is_waited_for_and_the_progress_bar_shows(cli, server, packages, models_dir):  # noqa: F811
    path = f"/pkg/{packages['kk_en'].name}"
    server.slow.add(path)
    result = cli("models", "fetch", server.url + path, "--progress", "--timeout", "5")
    assert result.exit_code == 0, result.output
    assert "100%" in result.stderr and packages["kk_en"].name in result.stderr  # tqdm's bar
    assert "not verified: no checksum known" in result.stderr


def test_a_stalled_server_is_an_error_after_the_retries(cli, packages, models_dir):  # noqa: F811
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections, never answers
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/x.argosmodel"
        started = time.monotonic()
        result = cli("models", "fetch", url, "--timeout", "0.3", "--retries", "1")
        assert result.exit_code == 1 and "timed out" in result.output
        assert time.monotonic() - started < 10
    finally:
        listener.close()


def test_proxy_variables_are_honoured(cli, server, packages, models_dir, monkeypatch):  # noqa: F811
    """http_proxy points at the loopback server, the URL at a host that does not exist: the
    request reaches the proxy (as an absolute URI) and the package installs."""
    server.files["/pkg/proxied.argosmodel"] = packages["kk_en"].read_bytes()
    monkeypatch.setenv("http_proxy", server.url)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    result = cli("models", "fetch", "http://models.invalid/pkg/proxied.argosmodel", "--allow-http")
    assert result.exit_code == 0, result.output
    assert any(p.startswith("http://models.invalid/") for p, _ in server.log)


def test_no_network_gives_one_line_saying_how_to_fetch_elsewhere(cli, models_dir, tmp_path):  # noqa: F811
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there: connection refused, as with no network
    result = cli("models", "fetch", f"http://127.0.0.1:{port}/translate-kk_en-1_9.argosmodel")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "cannot reach" in lines[0]
    assert "-o DIR" in lines[0] and "toolkit models install FILE" in lines[0]


def test_fetch_to_a_folder_then_install_offline(cli, server, packages, models_dir, tmp_path):  # noqa: F811
    out = tmp_path / "usb"
    result = cli("models", "fetch", f"{server.url}/pkg/{packages['kk_en'].name}", "-o", out)
    assert (
        result.exit_code == 0 and "Saved" in result.stdout and not models_dir.joinpath("translate-kk_en-1_0").exists()
    )
    (archive,) = out.glob("*.argosmodel")
    assert cli("models", "install", archive).exit_code == 0


def test_plain_http_to_another_host_is_refused(cli, models_dir):  # noqa: F811
    result = cli("models", "fetch", "http://example.com/x.argosmodel")
    assert result.exit_code == 1 and "https" in result.output


def test_refresh_caches_the_argos_index(cli, server, packages, models_dir):  # noqa: F811
    index = [
        {
            "package_version": "1.0",
            "argos_version": "1.0",
            "from_code": "kk",
            "to_code": "en",
            "links": [f"{server.url}/pkg/{packages['kk_en'].name}"],
            "code": "translate-kk_en",
        }
    ]
    server.files["/index.json"] = json.dumps(index).encode()
    result = cli("models", "catalog", "--refresh", "--index-url", f"{server.url}/index.json", "--from", "kk")
    assert result.exit_code == 0, result.output
    assert (models_dir / ".catalog" / "argos-index.json").is_file()
    assert "translate-kk_en-1_0" in result.stdout
    # the cache serves later runs offline; the shipped argos entries are replaced by it
    listing = cli("models", "catalog", "--format", "json").stdout
    names = [r["name"] for r in json.loads(listing)["models"]]
    assert "translate-kk_en-1_0" in names and "translate-en_ru-1_9" not in names
    fetched = cli("models", "fetch", "translate-kk_en-1_0")
    assert fetched.exit_code == 0, fetched.output


def test_unknown_name_is_one_line(cli, models_dir):  # noqa: F811
    result = cli("models", "fetch", "no-such-model")
    assert result.exit_code == 1 and "no model named 'no-such-model' in the catalogue" in result.output


def test_download_paths_never_leave_the_store(server, packages, tmp_path):  # noqa: F811
    from toolkit.translate.download import download

    got = download(f"{server.url}/pkg/{packages['kk_en'].name}", tmp_path / "d" / "x.argosmodel")
    assert got.path == tmp_path / "d" / "x.argosmodel" and Path(got.path).stat().st_size == got.size
