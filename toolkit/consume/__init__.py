"""Wire feeds through a message broker: ``toolkit consume`` as one of a consumer group.

* :mod:`.engine`: the loop, the same for every broker (batching, poison messages,
  acknowledging only what is durable and published);
* :mod:`.kafka` (``confluent-kafka``) and :mod:`.redis_streams` (``redis``): the sources
  and publishers;
* :mod:`.state`: the outbox of results to publish, the delivery ledger, a Redis version store;
* :mod:`.messages`: messages read like files, results as messages;
* :mod:`.service`: a consumer built from URLs and options (what the command line runs);
* :mod:`.metrics`: Prometheus counters; :mod:`.testing`: real brokers on 127.0.0.1 for tests.

Nothing here is imported by ``import toolkit``; the broker clients are imported only when a
source or publisher of theirs is built.
"""

from __future__ import annotations
