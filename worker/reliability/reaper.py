"""The last resort: a ticket accepted but never finished by its deadline is escalated to a human."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import redis

from worker import keys
from worker.models import Failure, Ticket, TicketResult
from worker.sinks.results import ResultsStream
from worker.stages.escalate import Context, Policy, do_escalate

log = logging.getLogger("ticketflow.reaper")


def reap(
    r: redis.Redis,
    results: ResultsStream,
    policy: Policy,
    now: float,
    limit: int = 500,
    on_reaped: Callable[[TicketResult], None] | None = None,
) -> int:
    """Publish every overdue in-flight ticket as an `automation_failed` escalation; returns how many.

    `on_reaped` runs for each ticket this call published (the workers pass the write-back and DLQ step).
    """
    overdue = r.zrangebyscore(keys.INFLIGHT_ZSET, "-inf", now, start=0, num=limit)
    done = 0
    for raw_uid in overdue:
        uid = raw_uid.decode() if isinstance(raw_uid, bytes) else str(raw_uid)
        try:
            raw = r.get(keys.ticket_key(uid))
            if raw is None:
                # The payload is gone (evicted, expired): still escalate, with what we know, the id.
                source, _, tid = uid.partition(":")
                state = TicketResult(ticket=Ticket(id=tid or uid, source=source or "api", message="(ticket text lost: payload missing)"))
            else:
                state = TicketResult.model_validate(json.loads(raw))
            state.failure = Failure(stage="pipeline", error="deadline passed without a result", reason="automation_failed")
            state = do_escalate(state, policy, Context(failure=state.failure))
            if results.publish(state) is not None:
                done += 1
                log.warning("reaped overdue ticket", extra={"ticket_id": uid})
                if on_reaped is not None:
                    on_reaped(state)
        except Exception:
            # A poison entry must not block every later ticket: drop it from the registry, loudly.
            log.exception("could not reap ticket; removed from the in-flight registry", extra={"ticket_id": uid})
            r.zrem(keys.INFLIGHT_ZSET, uid)
    return done
