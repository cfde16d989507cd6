"""The Celery tasks: thin wrappers that load state, run one stage, and pass JSON on.

classify -> retrieve -> generate -> escalate, one chain per ticket. A stage that keeps failing marks
the state with a Failure instead of raising, so the chain still reaches `escalate`, which publishes
the ticket as a human escalation with the reason. Nothing is lost and nothing is published twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from celery import Task

from worker import clock, lifecycle, runtime  # noqa: F401  (lifecycle: signal handlers)
from worker.app import app
from worker.errors import RateLimited
from worker.models import Failure, TicketResult
from worker.reliability import dlq
from worker.reliability.retrying import BROKER_DOWN, RETRYABLE, backoff, failure_reason, retry_after_of, retry_fits_deadline
from worker.settings import get_settings
from worker.sinks import progress
from worker.stages import pipeline
from worker.stages.escalate import Context
from worker.state import conversation

log = logging.getLogger("ticketflow.tasks")
T = TypeVar("T")

TASK_OPTS: dict[str, Any] = {"bind": True, "acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


def _run(task: Task, stage: str, payload: dict[str, Any], step: Callable[[TicketResult], TicketResult]) -> dict[str, Any]:
    state = TicketResult.model_validate(payload)
    state.attempts[stage] = int(task.request.retries) + 1
    if state.failure is not None:
        return state.model_dump(mode="json")
    settings = get_settings()
    try:
        state = step(state)
        if stage in state.timings:  # ran (not skipped): tell whoever watches this ticket live
            progress.publish(runtime.get_redis(), state.ticket.uid, "stage", stage=stage)
    except RETRYABLE as exc:
        # Waiting for the shared rate budget is not a failure: it gets a longer allowance.
        allowance = settings.retry_max * (4 if isinstance(exc, RateLimited) else 1)
        wait = backoff(task.request.retries, base=settings.retry_backoff_s, cap=settings.retry_backoff_max_s, retry_after=retry_after_of(exc))
        if task.request.retries < allowance and retry_fits_deadline(state.enqueued_at, clock.now(), wait, settings.inflight_deadline_s):
            log.warning("stage %s transient error, retry in %.2fs", stage, wait, extra={"ticket_id": state.ticket.uid, "stage": stage, "error": type(exc).__name__})
            raise task.retry(exc=exc, countdown=wait, max_retries=allowance) from exc
        state.failure = Failure(stage=stage, error=f"{type(exc).__name__}: {exc}"[:500], reason=failure_reason(exc))
    except Exception as exc:  # permanent: the ticket goes to a human with the reason attached
        log.exception("stage %s failed for good", stage, extra={"ticket_id": state.ticket.uid, "stage": stage})
        state.failure = Failure(stage=stage, error=f"{type(exc).__name__}: {exc}"[:500], reason=failure_reason(exc))
    return state.model_dump(mode="json")


@app.task(name="ticketflow.classify", **TASK_OPTS)
def classify_task(self: Task, payload: dict[str, Any]) -> dict[str, Any]:
    """Stage 1: intent, urgency, frustration."""
    return _run(self, "classify", payload, lambda s: pipeline.do_classify(s, runtime.get_provider()))


@app.task(name="ticketflow.retrieve", **TASK_OPTS)
def retrieve_task(self: Task, payload: dict[str, Any]) -> dict[str, Any]:
    """Stage 2: help-centre sections (skipped for hard escalations)."""
    return _run(self, "retrieve", payload, lambda s: pipeline.do_retrieve(s, runtime.get_retriever(), get_settings().retrieval_top_k))


@app.task(name="ticketflow.generate", **TASK_OPTS)
def generate_task(self: Task, payload: dict[str, Any]) -> dict[str, Any]:
    """Stage 3: the grounded draft (skipped for hard escalations)."""
    return _run(self, "generate", payload, lambda s: pipeline.do_generate(s, runtime.get_provider()))


def finish(state: TicketResult) -> TicketResult:
    """Decide and publish; idempotent, so a redelivery publishes nothing new."""
    settings = get_settings()
    r = runtime.get_redis()
    count = 1
    if state.failure is None and state.classification is not None:
        count = conversation.topic_count(state, conversation.RedisTopics(r, settings.conversation_ttl_s))
    owner, turns = conversation.thread_turn(r, state.ticket.source, state.ticket.thread_id, state.ticket.uid, settings.conversation_ttl_s)
    state = pipeline.do_escalate(state, runtime.get_policy(), Context(topic_count=count, human_owner=owner, thread_turns=turns))
    if state.ticket.customer_id != conversation.ANONYMOUS:
        sent = state.reply if state.decision is not None and state.decision.action == "auto_reply" else None
        conversation.record_turn(r, state.ticket, state.enqueued_at or clock.now(), settings.conversation_ttl_s, reply=sent)
    return publish(state)


def publish(state: TicketResult) -> TicketResult:
    """Publish `state` once; if this ticket was published before (a redelivery, or the reaper got there
    first), return that published result, so the helpdesk gets what the stream says."""
    results = runtime.get_results()
    if results.publish(state) is not None:
        return state
    return results.published(state.ticket.uid) or state


@app.task(name="ticketflow.escalate", **TASK_OPTS)
def escalate_task(self: Task, payload: dict[str, Any]) -> dict[str, Any]:
    """Stage 4: the decision, the result on the stream, and the helpdesk write-back."""
    settings = get_settings()
    state = TicketResult.model_validate(payload)
    state.attempts["escalate"] = int(self.request.retries) + 1
    try:
        state = finish(state)
    except Exception as exc:
        transient = isinstance(exc, RETRYABLE)
        wait = backoff(self.request.retries, base=settings.retry_backoff_s, cap=settings.retry_backoff_max_s)
        if transient and self.request.retries < settings.retry_max and retry_fits_deadline(state.enqueued_at, clock.now(), wait, settings.inflight_deadline_s):
            raise self.retry(exc=exc, countdown=wait) from exc
        # Out of retries, or the decision itself failed: publish the escalation now, so the ticket
        # still reaches a human (with the reason) rather than waiting for the reaper.
        log.error("escalate %s; publishing as automation_failed", "out of retries" if transient else "failed",
                  exc_info=not transient, extra={"ticket_id": state.ticket.uid})
        state.failure = state.failure or Failure(stage="escalate", error=f"{type(exc).__name__}: {exc}"[:500], reason=failure_reason(exc))
        state = _while_redis_is_up(self, lambda: publish(pipeline.do_escalate(state, runtime.get_policy(), Context(failure=state.failure))))
    _while_redis_is_up(self, lambda: after_publish(state, dedupe=str(self.request.id)))
    return {"ticket_id": state.ticket.uid, "action": state.decision.action if state.decision else None}


def _while_redis_is_up(task: Task, step: Callable[[], T]) -> T:
    """Run `step`; if Redis (or the broker on it) is away, retry the task instead of failing it.

    A failed task is acknowledged: its ticket would wait for the reaper, which needs Redis too. A
    retry keeps the ticket's message until Redis is back. The retried escalate publishes nothing
    twice (the publish marker) and may queue the write-back again: the sinks post once.
    """
    try:
        return step()
    except BROKER_DOWN as exc:
        settings = get_settings()
        wait = backoff(min(int(task.request.retries), 6), base=settings.retry_backoff_s, cap=settings.retry_backoff_max_s)
        log.warning("Redis unreachable while publishing; retrying in %.1fs", wait)  # the ticket id comes from the task context
        raise task.retry(exc=exc, countdown=wait, max_retries=None) from exc


def after_publish(state: TicketResult, *, dedupe: str) -> None:
    """What follows a published result: the dead-letter view for failures, then the helpdesk write-back.

    Shared by the escalate task and the reaper, so a ticket the reaper rescues still reaches its helpdesk.
    """
    if state.failure is not None:
        # Escalated because automation failed, not because of policy: list it for `ticketflow dlq`.
        f = state.failure
        try:
            dlq.record(runtime.get_redis(), state, kind="pipeline", stage=f.stage, error=f.error, reason=f.reason, dedupe=dedupe)
        except Exception:  # the view is secondary: never let it stop the write-back below
            log.exception("could not record the dead letter", extra={"ticket_id": state.ticket.uid})
    from worker.sinks.registry import sink_for

    if sink_for(state.ticket.source, get_settings()) is not None:
        deliver_task.delay(state.model_dump(mode="json"))


@app.task(name="ticketflow.deliver", **TASK_OPTS)
def deliver_task(self: Task, payload: dict[str, Any]) -> None:
    """Write the result back to its helpdesk: a public reply and close, or an internal note."""
    from worker.sinks.registry import deliver

    settings = get_settings()
    state = TicketResult.model_validate(payload)
    try:
        deliver(state, settings, runtime.get_redis())
    except RETRYABLE as exc:
        if self.request.retries < settings.retry_max:
            wait = backoff(self.request.retries, base=settings.retry_backoff_s, cap=settings.retry_backoff_max_s, retry_after=retry_after_of(exc))
            raise self.retry(exc=exc, countdown=wait) from exc
        dead_letter(state, "deliver", exc, dedupe=str(self.request.id))
    except Exception as exc:
        dead_letter(state, "deliver", exc, dedupe=str(self.request.id))


def dead_letter(state: TicketResult, stage: str, exc: BaseException, *, dedupe: str) -> None:
    """Record a ticket whose side effect failed for good (once per task id), for `ticketflow dlq list/replay`."""
    dlq.record(runtime.get_redis(), state, kind="deliver", stage=stage, error=f"{type(exc).__name__}: {exc}", reason="delivery_failed", dedupe=dedupe)
    log.error("dead-lettered at %s", stage, extra={"ticket_id": state.ticket.uid, "stage": stage})
