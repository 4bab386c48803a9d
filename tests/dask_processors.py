"""Processors the Dask tests register in the test process (the engine registers them on its
workers too): one that kills its worker process, one that makes a shard take a while."""

from __future__ import annotations

import os
import time

from toolkit.pipeline import Processor


class Poison(Processor):
    """Ends its process at once (as a crash in a native library would) on a document that says POISON."""

    name = "poison"

    def __call__(self, doc):
        if "POISON" in doc.raw:
            os._exit(17)
        return doc


class Slow(Processor):
    """Takes ``seconds`` per document (so a worker can be killed while it holds a shard)."""

    name = "slow"

    def __init__(self, seconds: float = 0.05):
        self.seconds = seconds

    def __call__(self, doc):
        time.sleep(self.seconds)
        return doc


class Sleepy(Processor):
    """Takes ``seconds`` on a document that says SLOW, nothing on the others."""

    name = "sleepy"

    def __init__(self, seconds: float = 1.5):
        self.seconds = seconds

    def __call__(self, doc):
        if "SLOW" in doc.raw:
            time.sleep(self.seconds)
        return doc
