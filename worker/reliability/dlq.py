"""The dead-letter stream: tickets that failed for good, for an operator to see and replay.

Two kinds of entry, each holding the whole result as it stood:

  pipeline   a stage failed for good (`automation_failed` / `automation_unavailable`); the ticket
             was published as an escalation, so a human already has it.
  deliver    the helpdesk write-back failed for good; the result is in the results stream but the
             helpdesk never got the reply or the note.

Recording is idempotent per Celery task id: a redelivered task adds no second entry.

Replay never posts twice:
  deliver    the write-back is sent again; sinks keep a per-ticket marker (in Redis and on the
             helpdesk ticket), so a result that did get through after all is not posted again.
  pipeline   the ticket runs again through `Enqueuer` under a derived id (`123~replay1`) in the
             same conversation, so the results stream stays one entry per id and a second replay
             of the same entry is a duplicate that enqueues nothing. The conversation is marked as
             owned by a human first (a person was told to take it over), so the replay can only
             draft for the agent, never answer the customer, unless `allow_reply` is given.
An entry is claimed before it is replayed (HSETNX), so two operators replaying at once act once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, cast

import redis

from worker import clock, keys
from worker.models import TicketResult
from worker.state import conversation

Kind = Literal["pipeline", "deliver"]
KINDS: tuple[str, ...] = ("pipeline", "deliver")
REPLAYED_HASH = keys.DLQ_REPLAYED
REPLAY_AGENT = "ticketflow-dlq-replay"
_REPLAY_SUFFIX = re.compile(r"~replay(\d+)$")
_MAXLEN = 100_000
_RECORDED_TTL_S = 7 * 24 * 3600

# One entry per task execution: the marker and the entry together, so a redelivered task adds nothing.
_RECORD = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
end
return false
"""


def recorded_key(dedupe: str) -> str:
    """Set once a task execution (by Celery task id) has written its dead-letter entry."""
    return keys.dlq_recorded_key(dedupe)


def _text(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


@dataclass(frozen=True)
class Entry:
    """One dead-lettered ticket."""

    id: str
    ticket_id: str
    kind: str
    stage: str
    reason: str
    error: str
    at: float
    result: TicketResult
    replayed: str | None = None
    raw: str | None = None  # the stored payload, when the result had to be salvaged from it

    def row(self) -> dict[str, Any]:
        """The flat view `ticketflow dlq list` prints."""
        return {
            "entry": self.id,
            "ticket_id": self.ticket_id,
            "kind": self.kind,
            "stage": self.stage,
            "reason": self.reason,
            "error": self.error,
            "at": self.at,
            "replayed": self.replayed,
            "salvaged": self.raw is not None,
        }


def record(r: redis.Redis, state: TicketResult, *, kind: Kind, stage: str, error: str, reason: str, dedupe: str, raw: str | None = None) -> str | None:
    """Add `state` to the dead-letter stream once per `dedupe` (the task id); the entry id, or None if already there.

    `raw` is the payload as it was stored, when `state` could only be salvaged from it (the reaper).
    """
    fields = {
        "ticket_id": state.ticket.uid,
        "kind": kind,
        "stage": stage,
        "reason": reason,
        "error": error[:500],
        "at": f"{clock.now():.3f}",
        "json": state.model_dump_json(),
    }
    if raw is not None:
        fields["raw"] = raw
    args: list[Any] = [_RECORDED_TTL_S, _MAXLEN]
    for k, v in fields.items():
        args += [k, v]
    out = r.eval(_RECORD, 2, recorded_key(dedupe), keys.DLQ_STREAM, *args)
    return _text(out) if out else None


def _entry(eid: Any, data: dict[Any, Any], replayed: dict[str, str]) -> Entry:
    d = {_text(k): _text(v) for k, v in data.items()}
    entry_id = _text(eid)
    return Entry(
        id=entry_id,
        ticket_id=d.get("ticket_id", ""),
        kind=d.get("kind", "deliver"),
        stage=d.get("stage", ""),
        reason=d.get("reason", ""),
        error=d.get("error", ""),
        at=float(d.get("at") or 0),
        result=TicketResult.model_validate(json.loads(d["json"])),
        replayed=replayed.get(entry_id),
        raw=d.get("raw"),
    )


def entries(r: redis.Redis, *, count: int = 100, kind: str | None = None, pending_only: bool = False) -> list[Entry]:
    """The newest `count` entries (of `kind`, not yet replayed if `pending_only`), oldest first."""
    replayed = {_text(k): _text(v) for k, v in cast(dict[Any, Any], r.hgetall(REPLAYED_HASH)).items()}
    out: list[Entry] = []
    upper = "+"
    while len(out) < count:
        batch = cast(list[Any], r.xrevrange(keys.DLQ_STREAM, max=upper, count=500))
        if not batch:
            break
        for eid, data in batch:
            e = _entry(eid, data, replayed)
            if (kind is None or e.kind == kind) and not (pending_only and e.replayed):
                out.append(e)
                if len(out) == count:
                    break
        upper = f"({_text(batch[-1][0])}"  # exclusive: older than the last one read
    return list(reversed(out))


def pending_count(r: redis.Redis) -> int:
    """Entries not yet replayed (entries stay in the stream after a replay, for the record)."""
    return max(int(r.xlen(keys.DLQ_STREAM)) - int(r.hlen(REPLAYED_HASH)), 0)


def get(r: redis.Redis, entry_id: str) -> Entry | None:
    """One entry by its stream id."""
    rows = cast(list[Any], r.xrange(keys.DLQ_STREAM, min=entry_id, max=entry_id))
    if not rows:
        return None
    replayed = r.hget(REPLAYED_HASH, entry_id)
    return _entry(rows[0][0], rows[0][1], {entry_id: _text(replayed)} if replayed else {})


def replay_id(ticket_id: str) -> str:
    """The id a replay runs under: `123` -> `123~replay1`, `123~replay1` -> `123~replay2`."""
    m = _REPLAY_SUFFIX.search(ticket_id)
    if m is None:
        return f"{ticket_id}~replay1"
    return f"{ticket_id[: m.start()]}~replay{int(m.group(1)) + 1}"


@dataclass(frozen=True)
class Replayed:
    """What a replay did with one entry."""

    entry: str
    ticket_id: str
    kind: str
    outcome: Literal["redelivered", "reenqueued", "duplicate", "already_replayed", "missing"]
    replay_ticket_id: str | None = None


def replay(
    r: redis.Redis,
    entry_id: str,
    *,
    enqueue: Callable[[Any], bool],
    redeliver: Callable[[dict[str, Any]], None],
    allow_reply: bool = False,
    conversation_ttl_s: int = 7 * 24 * 3600,
) -> Replayed:
    """Replay one entry: the write-back again (`deliver`), or the ticket again under a replay id (`pipeline`).

    `enqueue(ticket) -> accepted` is `Enqueuer.enqueue(...).accepted`; `redeliver(payload)` queues the
    deliver task. Both are passed in so this module needs neither the producer nor the task modules.
    """
    e = get(r, entry_id)
    if e is None:
        return Replayed(entry_id, "", "", "missing")
    if e.replayed or not r.hsetnx(REPLAYED_HASH, entry_id, f"{clock.now():.3f}"):
        return Replayed(entry_id, e.ticket_id, e.kind, "already_replayed")
    try:
        if e.kind == "deliver":
            redeliver(e.result.model_dump(mode="json"))
            return Replayed(entry_id, e.ticket_id, e.kind, "redelivered")
        t = e.result.ticket
        again = t.model_copy(update={"id": replay_id(t.id), "conversation_id": t.thread_id})
        if not allow_reply:
            conversation.mark_human_owner(r, t.source, t.thread_id, REPLAY_AGENT, conversation_ttl_s)
        accepted = enqueue(again)
        return Replayed(entry_id, e.ticket_id, e.kind, "reenqueued" if accepted else "duplicate", again.uid)
    except Exception:
        r.hdel(REPLAYED_HASH, entry_id)  # nothing was sent: leave the entry replayable
        raise
