"""Prometheus counters of a consumer, served on ``--metrics-port`` (``prometheus_client``).

Counters (``_total``): ``toolkit_consume_consumed`` (messages taken), ``toolkit_consume_ok``,
``toolkit_consume_skipped``, ``toolkit_consume_failed`` (documents), ``toolkit_consume_dead_lettered``
and ``toolkit_consume_published`` (messages); gauge ``toolkit_consume_lag`` (messages of this
consumer's share not yet taken). A registry of its own: nothing global is changed.
"""

from __future__ import annotations

from typing import Any

from ..errors import ConfigError

COUNTERS = {
    "consumed": "Messages taken from the broker",
    "ok": "Documents written",
    "skipped": "Documents skipped (already there, stale, nothing to do)",
    "failed": "Documents that failed (their messages dead-lettered)",
    "dead_lettered": "Messages sent to the dead letters",
    "published": "Result messages published",
}


class Metrics:
    def __init__(self) -> None:
        try:
            from prometheus_client import CollectorRegistry, Counter, Gauge
        except ImportError:
            raise ConfigError(
                "--metrics-port needs prometheus_client: pip install 'toolkit[kafka]' or '[redis]'"
            ) from None
        self.registry = CollectorRegistry()
        self.counters = {n: Counter(f"toolkit_consume_{n}", h, registry=self.registry) for n, h in COUNTERS.items()}
        self.lag = Gauge(
            "toolkit_consume_lag", "Messages of this consumer's share not yet taken", registry=self.registry
        )
        self.server: Any = None

    def inc(self, name: str, n: int = 1) -> None:
        self.counters[name].inc(n)

    def set_lag(self, value: int) -> None:
        self.lag.set(value)

    def serve(self, port: int, host: str = "127.0.0.1") -> None:
        from prometheus_client import start_http_server

        self.server, _thread = start_http_server(port, addr=host, registry=self.registry)

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server = None


__all__ = ["COUNTERS", "Metrics"]
