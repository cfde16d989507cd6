"""The results stream: every finished ticket appended exactly once, whatever the redeliveries."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, cast

import redis
from redis.client import Pipeline
from redis.exceptions import NoScriptError

from worker import keys
from worker.models import TicketResult

# Marker, stream entry, inflight removal and ticket cleanup in one atomic step: a redelivered
# escalate task finds the marker and publishes nothing.
_PUBLISH = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
  local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', unpack(ARGV, 5))
  redis.call('SET', KEYS[1], id, 'XX', 'EX', ARGV[2])
  redis.call('ZREM', KEYS[3], ARGV[4])
  redis.call('DEL', KEYS[4])
  return id
end
redis.call('ZREM', KEYS[3], ARGV[4])
redis.call('DEL', KEYS[4])
return false
"""


def _text(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def _entry_id(out: Any) -> str | None:
    """The publish script's answer: the new entry's id, or None if the ticket was published before."""
    return None if out is None else _text(out)


class ResultsStream:
    """Publishes results to, and reads them from, a Redis stream."""

    def __init__(self, r: redis.Redis, stream: str = keys.RESULTS_STREAM, maxlen: int = 1_000_000, ttl_s: int = 7 * 24 * 3600) -> None:
        self.r = r
        self.stream = stream
        self.maxlen = maxlen
        self.ttl_s = ttl_s
        self._script = r.register_script(_PUBLISH)

    def publish(self, result: TicketResult, *, along: Callable[[Pipeline], None] | None = None) -> str | None:
        """Append the result unless this ticket was already published; returns the entry id or None.

        `along` queues idempotent commands that go in the same round trip, before the publish (escalate
        stores the customer's turn with it); they run whether or not the ticket was published before.
        """
        uid = result.ticket.uid
        fields: list[Any] = []
        for k, v in result.summary().items():
            fields += [k, v]
        fields += ["json", result.model_dump_json()]
        keys_ = [keys.published_key(uid), self.stream, keys.INFLIGHT_ZSET, keys.ticket_key(uid)]
        args = ["pending", self.ttl_s, self.maxlen, uid, *fields]
        if along is None:
            return _entry_id(self._script(keys=keys_, args=args))
        pipe = self.r.pipeline(transaction=False)
        along(pipe)
        pipe.evalsha(self._script.sha, len(keys_), *keys_, *args)
        *before, out = pipe.execute(raise_on_error=False)
        for reply in before:
            if isinstance(reply, Exception):
                raise reply
        if isinstance(out, NoScriptError):  # a restarted or flushed Redis forgot the script: load it, publish again
            return _entry_id(self._script(keys=keys_, args=args))
        if isinstance(out, Exception):
            raise out
        return _entry_id(out)

    def latest(self, count: int = 20) -> list[tuple[str, dict[str, Any]]]:
        """The newest `count` results, oldest first."""
        entries = cast(list[Any], self.r.xrevrange(self.stream, count=count))
        return [(_text(eid), json.loads(data[b"json"])) for eid, data in reversed(entries) if b"json" in data]

    def published(self, uid: str) -> TicketResult | None:
        """The result published for ticket `uid`, if any (the marker holds its stream entry id)."""
        eid = self.r.get(keys.published_key(uid))
        if eid is None:
            return None
        eid_s = _text(eid)
        if eid_s == "pending":
            return None
        entries = cast(list[Any], self.r.xrange(self.stream, min=eid_s, max=eid_s, count=1))
        if not entries or b"json" not in entries[0][1]:
            return None
        return TicketResult.model_validate_json(entries[0][1][b"json"])

    def read(self, start: str = "-", count: int = 1000) -> list[tuple[str, dict[str, Any]]]:
        """Results from `start` (inclusive), oldest first, as (entry id, result dict)."""
        out: list[tuple[str, dict[str, Any]]] = []
        for eid, data in cast(list[Any], self.r.xrange(self.stream, min=start, count=count)):
            raw = data.get(b"json") or data.get("json")
            if raw is None:
                continue
            out.append((eid.decode() if isinstance(eid, bytes) else eid, json.loads(raw)))
        return out

    def follow(self, last_id: str = "$", block_ms: int = 5000) -> list[tuple[str, dict[str, Any]]]:
        """Results published after `last_id`, waiting up to `block_ms` for the first."""
        got = cast(list[Any], self.r.xread({self.stream: last_id}, block=block_ms, count=500))
        out: list[tuple[str, dict[str, Any]]] = []
        for _stream, entries in got or []:
            for eid, data in entries:
                raw = data.get(b"json") or data.get("json")
                if raw is not None:
                    out.append((eid.decode() if isinstance(eid, bytes) else eid, json.loads(raw)))
        return out
