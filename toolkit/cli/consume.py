"""``toolkit consume``: join a Kafka consumer group or a Redis stream consumer group (see ``toolkit.consume``)."""

from __future__ import annotations

import logging
import signal
from typing import Any

import click

from .common import format_option, handle_errors, input_options, log_options, pipeline_options
from .convert import DEFAULT_FORMAT


@click.command("consume")
@click.argument("url")
@click.option("--group", required=True, help="Consumer group: the consumers that share the work.")
@click.option("--stream", help="Redis: the stream to read (or redis://HOST:PORT/DB/STREAM).")
@click.option("-o", "--output", "outdir", type=click.Path(file_okay=False), help="Output folder (the version store).")
@click.option("--produce", help="Publish results: kafka://HOST:PORT/TOPIC or redis://HOST:PORT/DB/STREAM.")
@click.option(
    "--store",
    help="Version store shared by the consumers when there is no -o: redis://HOST:PORT/DB[/PREFIX] "
    "[default for a Redis source: its server].",
)
@click.option("--dead-letter", help="Dead-letter topic or stream [default: TOPIC.dlq, STREAM:dlq].")
@click.option(
    "--max-deliveries", type=click.IntRange(1), default=3, show_default=True, help="Tries before a dead letter."
)
@format_option(DEFAULT_FORMAT)
@pipeline_options(batch_size=32)
@click.option(
    "--batch-ms", type=click.IntRange(0), default=200, show_default=True, help="Longest wait to fill a batch."
)
@click.option("--instance", help="Name of this consumer [default: HOST-PID].")
@click.option(
    "--claim-idle",
    type=click.FloatRange(0.1),
    default=60.0,
    show_default=True,
    help="Redis: seconds before the entries of a silent consumer are claimed (longer than the longest batch).",
)
@click.option(
    "--session-timeout",
    type=click.FloatRange(1),
    default=45.0,
    show_default=True,
    help="Kafka: seconds before a silent consumer's partitions go to the others.",
)
@click.option("--metrics-port", type=click.IntRange(0, 65535), help="Serve Prometheus metrics on this port.")
@click.option("--metrics-host", default="127.0.0.1", show_default=True, help="Address of the metrics server.")
@click.option(
    "--health-every",
    type=click.IntRange(0),
    default=1000,
    show_default=True,
    help="Log a health line every N documents (0: only at exit).",
)
@click.option("--idle-exit", type=click.FloatRange(0), help="Exit after this many seconds without a message.")
@input_options
@log_options
@handle_errors
def command(
    url: str,
    fmt: str | None,
    config: Any,
    metrics_port: int | None,
    metrics_host: str,
    read_options: Any,
    **options: Any,
) -> None:
    """Consume news items from URL (kafka://HOST:PORT/TOPIC or redis://HOST:PORT/DB --stream NAME)
    as one of a consumer group, writing to -o OUTDIR and/or publishing to --produce URL.

    Messages are NewsML-G2, ninjs, RSS/Atom entries or JSON records, read as files are. A
    message is acknowledged once its outputs are durable and its results published; a
    message that fails goes to the dead letters, after --max-deliveries tries unless it
    cannot be read at all. One result message per language version, keyed by story, with
    guid, version, lang and story headers. SIGTERM/SIGINT: finish the batch, acknowledge
    it, leave the group, exit 0.
    """
    from ..consume.metrics import Metrics
    from ..consume.service import ConsumeOptions, build_consumer

    logger = logging.getLogger("toolkit")
    if logging.INFO < logger.level < logging.ERROR:
        logger.setLevel(logging.INFO)  # the service reports its health
    metrics = Metrics() if metrics_port is not None else None
    opts = ConsumeOptions(url, batch_size=config.batch_size, **options)
    consumer = build_consumer(
        opts,
        config.pipeline_spec(),
        fmt or config.output_format or DEFAULT_FORMAT,
        config.output_options,
        read_options=read_options,
        metrics=metrics,
    )
    if metrics is not None:
        metrics.serve(metrics_port, metrics_host)  # type: ignore[arg-type]

    def stop(signum: int, _frame: object) -> None:
        logger.info(
            "signal %s: stopping after the current batch", signal.Signals(signum).name, extra={"event": "stopping"}
        )
        consumer.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        consumer.run()
    finally:
        if metrics is not None:
            metrics.close()
