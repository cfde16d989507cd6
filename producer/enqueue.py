"""The one way in: validate a ticket, accept it once, and queue its first stage."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import redis
from pydantic import ValidationError

from producer.validation import MetadataLimits, clean_ticket_input
from worker import clock, keys
from worker.errors import TicketInvalid
from worker.models import Ticket, TicketResult
from worker.settings import Settings, get_settings
from worker.state import conversation, debounce

FIRST_TASK = "ticketflow.classify"

# Accept once: dedupe marker, stored payload (for the reaper) and inflight deadline together.
_ACCEPT = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[1])
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
  return 1
end
return 0
"""


@dataclass(frozen=True)
class Enqueued:
    """The outcome for one ticket: accepted, or a duplicate of one already accepted."""

    uid: str
    accepted: bool


def parse_ticket(data: Any, *, source: str | None = None, line: int | None = None, limits: MetadataLimits | None = None) -> Ticket:
    """A Ticket from untrusted JSON-like input, or TicketInvalid saying which field is wrong.

    Every producer comes through here; `producer.validation` says what each field may carry.
    """
    if isinstance(data, (bytes, str)):
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise TicketInvalid(f"not valid JSON: {str(exc)[:200]}", line=line) from exc
    if not isinstance(data, dict):
        raise TicketInvalid(f"a ticket must be a JSON object, got {type(data).__name__}", line=line)
    if source is not None:
        data = {**data, "source": source}
    try:
        data = clean_ticket_input(data, limits or metadata_limits(get_settings()))
    except TicketInvalid as exc:
        raise TicketInvalid(str(exc), field=exc.field, line=line) from exc
    try:
        return Ticket.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err.get("loc", ()))
        raise TicketInvalid(f"{field or 'ticket'}: {err.get('msg', 'invalid')}", field=field or None, line=line) from exc


def metadata_limits(settings: Settings) -> MetadataLimits:
    """The metadata bounds `settings` set."""
    return MetadataLimits(settings.metadata_max_depth, settings.metadata_max_keys, settings.metadata_max_bytes)


def _start(payload: dict[str, Any], countdown: float | None) -> None:
    """Queue the ticket's first stage by task name: the ingestion side never loads the worker's tasks
    (nor numpy); each stage sends the ticket on to the next one its route needs."""
    from worker.app import app

    # argsrepr: Celery copies a task's arguments into message headers and logs; a ticket id is enough there.
    uid = f"{payload['ticket']['source']}:{payload['ticket']['id']}"
    app.send_task(FIRST_TASK, args=(payload,), countdown=countdown, argsrepr=uid)


class Enqueuer:
    """Accepts tickets into the pipeline; safe to call twice with the same ticket."""

    def __init__(self, r: redis.Redis, settings: Settings | None = None) -> None:
        self.r = r
        self.settings = settings or get_settings()
        self._accept = r.register_script(_ACCEPT)
        self._accept_buffered = r.register_script(debounce.ACCEPT_BUFFERED)

    def enqueue(self, ticket: Ticket, *, run_id: str | None = None) -> Enqueued:
        """Start the chain for `ticket` unless it was accepted before.

        With `debounce_s` set, messages of one conversation (or customer) arriving within that
        window become one turn: only the first starts a chain, delayed by the window (worker/state/debounce.py).
        """
        s = self.settings
        ticket = self._with_customer_turns(ticket)
        group = debounce.group_of(ticket) if s.debounce_s > 0 else None
        if group is not None:
            ticket = ticket.model_copy(update={"metadata": {**ticket.metadata, debounce.GROUP: group}})
        state = TicketResult(ticket=ticket, run_id=run_id, enqueued_at=clock.now())
        payload = state.model_dump(mode="json")
        raw = json.dumps(payload)
        deadline = clock.now() + s.inflight_deadline_s
        accept_keys = [keys.dedupe_key(ticket.source, ticket.id), keys.ticket_key(ticket.uid), keys.INFLIGHT_ZSET]
        if group is None:
            ok = self._accept(keys=accept_keys, args=[s.dedupe_ttl_s, raw, deadline, ticket.uid])
        else:
            lock_ms = int(s.inflight_deadline_s * 1000)
            ok = self._accept_buffered(
                keys=[*accept_keys, debounce.buffer_key(group), debounce.lock_key(group)],
                args=[s.dedupe_ttl_s, raw, deadline, ticket.uid, debounce.fragment(ticket), lock_ms],
            )
            if ok == 2:  # a leader's chain will take this message into its turn
                return Enqueued(ticket.uid, accepted=True)
        if not ok:
            return Enqueued(ticket.uid, accepted=False)
        try:
            _start(payload, s.debounce_s if group is not None else None)
        except Exception:
            # The broker refused: undo the acceptance so a retry of this call starts clean.
            pipe = self.r.pipeline()
            pipe.delete(keys.dedupe_key(ticket.source, ticket.id), keys.ticket_key(ticket.uid))
            pipe.zrem(keys.INFLIGHT_ZSET, ticket.uid)
            if group is not None:
                pipe.delete(debounce.lock_key(group))
            pipe.execute()
            raise
        return Enqueued(ticket.uid, accepted=True)

    def _with_customer_turns(self, ticket: Ticket) -> Ticket:
        """Attach the customer's last stored turns (from earlier tickets) for generation to see."""
        if ticket.customer_id == conversation.ANONYMOUS or conversation.CUSTOMER_TURNS in ticket.metadata:
            return ticket
        turns = conversation.recent_turns(self.r, ticket.source, ticket.customer_id, exclude=ticket.uid)
        if not turns:
            return ticket
        meta = {**ticket.metadata, conversation.CUSTOMER_TURNS: [t.model_dump() for t in turns]}
        return ticket.model_copy(update={"metadata": meta})

    def enqueue_many(self, tickets: Iterable[Ticket], *, run_id: str | None = None) -> list[Enqueued]:
        """Enqueue each ticket; duplicates are reported, not re-run."""
        return [self.enqueue(t, run_id=run_id) for t in tickets]


def enqueue(ticket: Ticket | dict[str, Any], *, r: redis.Redis | None = None, run_id: str | None = None) -> Enqueued:
    """Validate and enqueue one ticket with the process's Redis (convenience for scripts)."""
    from worker.runtime import get_redis

    t = ticket if isinstance(ticket, Ticket) else parse_ticket(ticket)
    return Enqueuer(r or get_redis()).enqueue(t, run_id=run_id)
