"""A guard for kombu's Redis transport: a worker must survive a Redis restart, not exit.

On a lost broker connection Celery's consumer closes the connection twice (collect(), then close()).
If the first close of the consumer's channel failed half-way (the BRPOP it drains raised), the second
finds the transport already detached (`client` None) while the channel still holds unacknowledged
deliveries; re-queueing them then asks the detached transport for its host and raises AttributeError,
which Celery's "ignore connection errors" does not catch: "Unrecoverable error", the worker exits.
(Reproduced in tests/redis/test_brokerfix.py; seen in 3 of 10 Redis-restart fault runs under load.)

The guard turns that AttributeError into the connection error it is. The close then goes on quietly;
the deliveries stay in kombu's unacked hash, tasks still running finish and publish their next
stage, and anything not acknowledged comes back after the visibility timeout (or, past the ticket's
in-flight deadline, the reaper escalates it). Nothing else in kombu changes.
"""

from __future__ import annotations

from typing import Any

import redis
from kombu.transport import redis as kombu_redis

_MARK = "_ticketflow_guarded"


def apply() -> None:
    """Install the guard once per process (idempotent)."""
    channel: Any = kombu_redis.Channel
    if getattr(channel._connparams, _MARK, False):
        return
    original = channel._connparams

    def _connparams(self: Any, asynchronous: bool = False) -> Any:
        if getattr(self.connection, "client", None) is None:
            raise redis.ConnectionError("broker connection already closed (transport detached)")
        return original(self, asynchronous=asynchronous)

    setattr(_connparams, _MARK, True)
    channel._connparams = _connparams
