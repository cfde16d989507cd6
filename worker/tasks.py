"""The Celery tasks: thin wrappers that load state, run one stage, and hand the ticket on by task name.

A ticket takes only the hops it needs: classify -> retrieve -> generate -> escalate when the help
centre may answer it, classify -> escalate for a hard escalation (worker/stages/pipeline.next_stage).
A stage that keeps failing marks the state with a Failure instead of raising, so the ticket still
reaches `escalate`, which publishes it as a human escalation with the reason. Every retry decision is
worker/reliability/retrying.plan_retry. Nothing is lost and nothing is published twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from celery import Task

from worker import clock, lifecycle, oplog, runtime  # noqa: F401  (lifecycle: the worker's signal handlers)
from worker.app import app
from worker.errors import Deferred
from worker.models import Failure, TicketResult
from worker.reliability import dlq
from worker.reliability.retrying import BROKER_DOWN, RetryPolicy, failure_reason, plan_retry
from worker.settings import get_settings
from worker.sinks import progress
from worker.sinks.registry import deliver
from worker.stages.classify import do_classify
from worker.stages.escalate import Context, do_escalate
from worker.stages.generate import do_generate
from worker.stages.pipeline import TASK_NAMES, next_stage
from worker.stages.publish import after_publish, finish, publish
from worker.stages.retrieve import do_retrieve

log = logging.getLogger("ticketflow.tasks")
T = TypeVar("T")

# max_retries=None: plan_retry is the only judge of how many tries a task gets (Celery's default of 3 would be a second one).
TASK_OPTS: dict[str, Any] = {"bind": True, "acks_late": True, "reject_on_worker_lost": True, "ignore_result": True, "max_retries": None}


def _policy() -> RetryPolicy:
    return RetryPolicy.from_settings(get_settings())


def _run(task: Task, stage: str, payload: dict[str, Any], step: Callable[[TicketResult], TicketResult]) -> None:
    """Run one stage on the ticket, then send it to the stage its route says comes next.

    Returns nothing: with no result backend a return value only feeds Celery's success log line,
    and Celery renders it (saferepr) for every task whatever the log level, ~30 us a task.
    """
    state = TicketResult.model_validate(payload)
    state.attempts[stage] = int(task.request.retries) + 1 - state.deferred.get(stage, 0)  # calls made: breaker waits made none
    if state.failure is None:
        try:
            state = step(state)
            if stage in state.timings:  # ran (not skipped): tell whoever watches this ticket live
                progress.publish(runtime.get_redis(), state.ticket.uid, "stage", stage=stage)
        except Exception as exc:
            deferred = state.deferred.get(stage, 0)
            wait = plan_retry(exc, retries=int(task.request.retries), deferred=deferred, started_at=state.enqueued_at, now=clock.now(), policy=_policy())
            if wait is not None:
                log.warning("stage %s transient error, retry in %.2fs", stage, wait, extra={"ticket_id": state.ticket.uid, "stage": stage, "error": type(exc).__name__})
                if isinstance(exc, Deferred):  # a breaker wait spends no retry: count it in the message
                    payload = {**payload, "deferred": {**payload.get("deferred", {}), stage: deferred + 1}}
                raise task.retry(exc=exc, countdown=wait, args=(payload,)) from exc
            if not isinstance(exc, Deferred) and failure_reason(exc) == "automation_failed":
                log.exception("stage %s failed for good", stage, extra={"ticket_id": state.ticket.uid, "stage": stage})
            state.failure = Failure(stage=stage, error=f"{type(exc).__name__}: {exc}"[:500], reason=failure_reason(exc))
    state.stages.append(stage)
    nxt = next_stage(stage, state)
    body = state.model_dump(mode="json")
    if nxt is not None:
        # Queued before this task is acknowledged: a worker lost in between runs the stage again, and
        # escalate's publish marker keeps the result single. Redis away: retry this task, not lose the ticket.
        _while_redis_is_up(task, lambda: app.send_task(TASK_NAMES[nxt], args=(body,), argsrepr=state.ticket.uid))


@app.task(name="ticketflow.classify", **TASK_OPTS)
def classify_task(self: Task, payload: dict[str, Any]) -> None:
    """Stage 1: intent, urgency, frustration; then retrieve, or escalate for a hard escalation."""
    _run(self, "classify", payload, lambda s: do_classify(s, runtime.get_provider()))


@app.task(name="ticketflow.retrieve", **TASK_OPTS)
def retrieve_task(self: Task, payload: dict[str, Any]) -> None:
    """Stage 2: help-centre sections."""
    _run(self, "retrieve", payload, lambda s: do_retrieve(s, runtime.get_retriever(), get_settings().retrieval_top_k))


@app.task(name="ticketflow.generate", **TASK_OPTS)
def generate_task(self: Task, payload: dict[str, Any]) -> None:
    """Stage 3: the grounded draft."""
    _run(self, "generate", payload, lambda s: do_generate(s, runtime.get_provider()))


@app.task(name="ticketflow.escalate", **TASK_OPTS)
def escalate_task(self: Task, payload: dict[str, Any]) -> None:
    """Stage 4: the decision, the result on the stream, and the helpdesk write-back."""
    state = TicketResult.model_validate(payload)
    state.attempts["escalate"] = int(self.request.retries) + 1
    state.stages.append("escalate")
    try:
        state = finish(state)
    except Exception as exc:
        wait = plan_retry(exc, retries=int(self.request.retries), started_at=state.enqueued_at, now=clock.now(), policy=_policy())
        if wait is not None:
            raise self.retry(exc=exc, countdown=wait) from exc
        # Out of retries, or the decision itself failed: publish the escalation now, so the ticket
        # still reaches a human (with the reason) rather than waiting for the reaper.
        transient = failure_reason(exc) == "automation_unavailable"
        log.error("escalate %s; publishing as automation_failed", "out of retries" if transient else "failed",
                  exc_info=not transient, extra={"ticket_id": state.ticket.uid})
        state.failure = state.failure or Failure(stage="escalate", error=f"{type(exc).__name__}: {exc}"[:500], reason=failure_reason(exc))
        state = _while_redis_is_up(self, lambda: publish(do_escalate(state, runtime.get_policy(), Context(failure=state.failure))))
    _while_redis_is_up(self, lambda: after_publish(state, dedupe=str(self.request.id)))
    oplog.log_finished(state)  # the ticket's one INFO line (the task returns nothing, as _run)


def _while_redis_is_up(task: Task, step: Callable[[], T]) -> T:
    """Run `step`; if Redis (or the broker on it) is away, retry the task instead of failing it.

    A failed task is acknowledged: its ticket would wait for the reaper, which needs Redis too. A
    retry keeps the ticket's message until Redis is back (plan_retry's Redis patience: no count limit,
    the deadline still holds). The retried task publishes nothing twice (the publish marker) and may
    queue the next hop or write-back again: stages are idempotent and the sinks post once.
    """
    try:
        return step()
    except BROKER_DOWN as exc:
        started = float((task.request.args or [{}])[0].get("enqueued_at", 0.0)) if task.request.args else 0.0
        wait = plan_retry(exc, retries=int(task.request.retries), started_at=started, now=clock.now(), policy=_policy(), redis_patience=True)
        if wait is None:
            raise
        log.warning("Redis unreachable while publishing; retrying in %.1fs", wait)  # the ticket id comes from the task context
        raise task.retry(exc=exc, countdown=wait) from exc


@app.task(name="ticketflow.deliver", **TASK_OPTS)
def deliver_task(self: Task, payload: dict[str, Any]) -> None:
    """Write the result back to its helpdesk: a public reply and close, or an internal note."""
    settings = get_settings()
    state = TicketResult.model_validate(payload)
    try:
        deliver(state, settings, runtime.get_redis())
    except Exception as exc:
        # A write-back's deadline runs from its publish: one that cannot land in time is dead-lettered for replay.
        deferred = state.deferred.get("deliver", 0)
        wait = plan_retry(exc, retries=int(self.request.retries), deferred=deferred, started_at=state.completed_at or 0.0, now=clock.now(), policy=_policy())
        if wait is not None:
            if isinstance(exc, Deferred):  # waiting for another delivery of this result spends no retry
                payload = {**payload, "deferred": {**payload.get("deferred", {}), "deliver": deferred + 1}}
            raise self.retry(exc=exc, countdown=wait, args=(payload,)) from exc
        dead_letter(state, "deliver", exc, dedupe=str(self.request.id))


def dead_letter(state: TicketResult, stage: str, exc: BaseException, *, dedupe: str) -> None:
    """Record a ticket whose side effect failed for good (once per task id), for `ticketflow dlq list/replay`."""
    dlq.record(runtime.get_redis(), state, kind="deliver", stage=stage, error=f"{type(exc).__name__}: {exc}", reason="delivery_failed", dedupe=dedupe)
    log.error("dead-lettered at %s", stage, extra={"ticket_id": state.ticket.uid, "stage": stage})
