"""The last resort: a ticket accepted but never finished by its deadline is escalated to a human.

The reaper never drops a ticket. When its stored result cannot be built or published as it is, the
ticket is published from what `salvage` can keep, still as `automation_failed`, and its raw payload
goes to the dead-letter view. Only when even that fails (Redis away) does the ticket wait, with its
deadline pushed back by `retry_s`, so one poison entry never blocks the tickets behind it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import redis

from worker import keys
from worker.models import Failure, Ticket, TicketResult
from worker.reliability import dlq
from worker.reliability.salvage import safe_text, salvage
from worker.sinks.results import ResultsStream
from worker.stages.escalate import Context, Policy, do_escalate

log = logging.getLogger("ticketflow.reaper")
RETRY_S = 60.0


def reaper_dedupe(uid: str) -> str:
    """The dead-letter dedupe key of a reaped ticket: the reaper and its `on_reaped` step record once between them."""
    return f"reaper:{uid}"


def _rebuilt(raw: bytes | None, uid: str) -> TicketResult:
    if raw is None:
        # The payload is gone (evicted, expired): still escalate, with what we know, the id.
        source, _, tid = uid.partition(":")
        state = TicketResult(ticket=Ticket(id=tid or uid, source=source or "api", message="(ticket text lost: payload missing)"))
    else:
        state = TicketResult.model_validate(json.loads(raw))
    state.failure = Failure(stage="pipeline", error="deadline passed without a result", reason="automation_failed")
    return state


def _dead_letter(r: redis.Redis, state: TicketResult, uid: str, raw: bytes | None) -> None:
    # Recorded here, with the raw payload, under the key `on_reaped` records with: one entry.
    f = state.failure or Failure(stage="pipeline", error="salvaged", reason="automation_failed")
    try:
        dlq.record(r, state, kind="pipeline", stage=f.stage, error=f.error, reason=f.reason,
                   dedupe=reaper_dedupe(uid), raw=safe_text(raw.decode("utf-8", "replace") if raw else "", 1_000_000))
    except Exception:  # the view is secondary: the ticket is published, a human has it
        log.exception("could not record the salvaged ticket's dead letter", extra={"ticket_id": uid})


def reap(
    r: redis.Redis,
    results: ResultsStream,
    policy: Policy,
    now: float,
    limit: int = 500,
    on_reaped: Callable[[TicketResult], None] | None = None,
    retry_s: float = RETRY_S,
) -> int:
    """Publish every overdue in-flight ticket as an `automation_failed` escalation; returns how many.

    `on_reaped` runs for each ticket this call published (the workers pass the write-back and DLQ step).
    """
    overdue = r.zrangebyscore(keys.INFLIGHT_ZSET, "-inf", now, start=0, num=limit)
    done = 0
    for raw_uid in overdue:
        uid = raw_uid.decode() if isinstance(raw_uid, bytes) else str(raw_uid)
        raw: bytes | None = None
        try:
            raw = r.get(keys.ticket_key(uid))  # type: ignore[assignment]
            state = _rebuilt(raw, uid)
            state = do_escalate(state, policy, Context(failure=state.failure))
            published = results.publish(state)
        except redis.RedisError:
            log.warning("Redis failed while reaping; the ticket waits for the next pass", extra={"ticket_id": uid})
            continue
        except Exception as exc:
            # This result cannot be built or published: publish what can be kept, never drop it.
            log.exception("reaped ticket's result could not be built; publishing what can be kept", extra={"ticket_id": uid})
            try:
                state = salvage(uid, raw, f"{type(exc).__name__}: {exc}")
                state = do_escalate(state, policy, Context(failure=state.failure))
                published = results.publish(state)
            except Exception:
                log.exception("could not publish even the salvaged ticket; it waits %.0fs for the next pass", retry_s, extra={"ticket_id": uid})
                r.zadd(keys.INFLIGHT_ZSET, {uid: now + retry_s}, xx=True)
                continue
            if published is not None:
                _dead_letter(r, state, uid, raw)
        if published is not None:
            done += 1
            log.warning("reaped overdue ticket", extra={"ticket_id": uid})
            if on_reaped is not None:
                on_reaped(state)
    return done
