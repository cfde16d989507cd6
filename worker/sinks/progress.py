"""Live progress of one ticket: a short Redis stream per ticket that the API relays as server-sent events.

Workers append `stage` events as stages finish and `delta` events while a provider streams the
reply; the API (`GET /v1/tickets/{id}/events`) relays them, then the decision from the results
stream. The stream is capped and expires, so a ticket nobody watches costs a few hundred bytes.
"""

from __future__ import annotations

import contextlib
from typing import Any, cast

import redis

from worker import keys

EVENT_TYPES = ("stage", "delta", "decision")
MAXLEN = 2000
TTL_S = 3600


def events_key(uid: str) -> str:
    """The per-ticket stream of progress events (stages finished, reply deltas)."""
    return keys.events_key(uid)


def publish(r: redis.Redis, uid: str, kind: str, **fields: str) -> None:
    """Append one event (`kind` in EVENT_TYPES) for ticket `uid`; best effort, never worth failing a stage for."""
    key = events_key(uid)
    pipe = r.pipeline(transaction=False)
    entry: dict[Any, Any] = {"type": kind, **fields}
    pipe.xadd(key, entry, maxlen=MAXLEN, approximate=True)
    pipe.expire(key, TTL_S)
    with contextlib.suppress(redis.RedisError):
        pipe.execute()


def _text(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def read(r: redis.Redis, uid: str, *, after: str = "0-0", count: int = 500) -> list[tuple[str, dict[str, str]]]:
    """Events after entry `after`, oldest first."""
    got = cast(list[Any], r.xrange(events_key(uid), min=f"({after}" if after != "0-0" else "-", count=count))
    return [(_text(eid), {_text(k): _text(v) for k, v in data.items()}) for eid, data in got]
