"""Four no-op tasks chained like the real stages: the engine's own ceiling, for `ticketflow bench`.

They take the same payload, ride the same queues and run on the same pools as classify -> retrieve ->
generate -> escalate, but do no work; the last one records the chain's end in a stream, as escalate
publishes a result. Whatever the real chain costs beyond this is what the stages add.
"""

from __future__ import annotations

from typing import Any

from celery import Task, chain
from celery.canvas import Signature

from worker import clock, keys, runtime
from worker.app import app

BARE_STREAM = keys.BENCH_BARE_STREAM


@app.task(name="ticketflow.bare.classify", bind=True, ignore_result=True)
def bare_classify(self: Task, payload: dict[str, Any]) -> dict[str, Any]:
    """No-op in classify's place (I/O queue)."""
    return payload


@app.task(name="ticketflow.bare.retrieve", bind=True, ignore_result=True)
def bare_retrieve(self: Task, payload: dict[str, Any]) -> dict[str, Any]:
    """No-op in retrieve's place (CPU queue)."""
    return payload


@app.task(name="ticketflow.bare.generate", bind=True, ignore_result=True)
def bare_generate(self: Task, payload: dict[str, Any]) -> dict[str, Any]:
    """No-op in generate's place (I/O queue)."""
    return payload


@app.task(name="ticketflow.bare.escalate", bind=True, ignore_result=True)
def bare_escalate(self: Task, payload: dict[str, Any]) -> None:
    """Records the chain's end, as escalate records a result: one stream entry."""
    ticket = payload.get("ticket") or {}
    runtime.get_redis().xadd(
        BARE_STREAM,
        {"ticket_id": str(ticket.get("id", "")), "run_id": str(payload.get("run_id") or ""), "enqueued_at": str(payload.get("enqueued_at", 0)), "completed_at": str(clock.now())},
    )


def bare_chain(payload: dict[str, Any]) -> Signature:
    """The four no-ops as one chain, like `producer.enqueue` builds the real one."""
    return chain(bare_classify.s(payload), bare_retrieve.s(), bare_generate.s(), bare_escalate.s())
