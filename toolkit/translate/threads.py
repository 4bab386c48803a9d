"""How many CPU threads translation uses, and how they are split between CTranslate2 workers.

CTranslate2's own default is one worker with 4 OpenMP threads. That oversubscribes a small
machine and scales poorly on any: on 2 cores (Transformer-base, beam 4, 16-sentence batches)
one worker with 2 threads decodes 10.9 sentences/s, 4 threads 9.7, 1 thread 9.5, and two
workers with one thread each 17.6. The toolkit always has many batches to decode (it gathers
the sentences of a whole batch of documents), so by default it runs one worker per available
core with one thread each, and cuts small jobs so that every worker gets a batch
(:func:`toolkit.translate.engine.CT2Engine`).

The budget is given explicitly (a worker's ``setup(cpus=...)`` passes it to the translate
processor: ``toolkit convert --jobs N`` gives each worker process its share, so N processes
never start N times as many threads as there are cores); by default it is the CPUs this
process may run on (``sched_getaffinity``: containers and ``taskset`` are respected).
"""

from __future__ import annotations

import os


def available_cpus() -> int:
    """The number of CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def plan_threads(
    device: str, inter_threads: int | None, intra_threads: int | None, budget: int | None = None
) -> tuple[int, int]:
    """``(inter_threads, intra_threads)`` for a translator; ``None`` (or 0 intra) means "choose".

    On CPU, with nothing given: one worker per thread of the budget, one thread each. With one
    of the two given, the other shares the budget out. Both given: used as they are. On CUDA:
    one worker unless told otherwise (CTranslate2's own default).
    """
    intra = intra_threads or None
    if device != "cpu":
        return inter_threads or 1, intra or 0
    threads = budget or available_cpus()
    if inter_threads is None and intra is None:
        return threads, 1
    if inter_threads is None:
        assert intra is not None
        return max(1, threads // intra), intra
    if intra is None:
        return inter_threads, max(1, threads // inter_threads)
    return inter_threads, intra
