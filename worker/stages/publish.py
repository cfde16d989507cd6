"""The end of every ticket: the decision published once, the dead letter, the helpdesk write-back.

Shared by the escalate task and the reaper, so a ticket the reaper rescues takes the same path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from redis.client import Pipeline

from worker import clock, runtime
from worker.app import app
from worker.models import TicketResult
from worker.reliability import dlq
from worker.settings import get_settings
from worker.sinks.registry import sink_for
from worker.stages.escalate import Context, do_escalate
from worker.stages.handoff import head_start, wants_head_start
from worker.state import conversation

log = logging.getLogger("ticketflow.publish")
DELIVER_TASK = "ticketflow.deliver"


def finish(state: TicketResult) -> TicketResult:
    """Decide and publish; idempotent, so a redelivery publishes nothing new."""
    settings = get_settings()
    r = runtime.get_redis()
    count, owner, turns = conversation.escalation_context(r, state, settings.conversation_ttl_s)
    policy = runtime.get_policy()
    state = do_escalate(state, policy, Context(topic_count=count, human_owner=owner, thread_turns=turns))
    if settings.hard_escalation_draft and wants_head_start(state):
        state = head_start(state, runtime.get_retriever(), settings.retrieval_top_k, policy.min_score)
    turn: Callable[[Pipeline], None] | None = None  # the customer's turn, stored in the publish's round trip
    if state.ticket.customer_id != conversation.ANONYMOUS:
        sent = state.reply if state.decision is not None and state.decision.action == "auto_reply" else None
        turn = partial(conversation.queue_turn, ticket=state.ticket, at=state.enqueued_at or clock.now(), ttl_s=settings.conversation_ttl_s, reply=sent)
    return publish(state, along=turn)


def publish(state: TicketResult, *, along: Callable[[Pipeline], None] | None = None) -> TicketResult:
    """Publish `state` once; if this ticket was published before (a redelivery, or the reaper got there
    first), return that published result, so the helpdesk gets what the stream says. `along`: idempotent
    commands sent in the same round trip (ResultsStream.publish)."""
    results = runtime.get_results()
    if results.publish(state, along=along) is not None:
        return state
    return results.published(state.ticket.uid) or state


def after_publish(state: TicketResult, *, dedupe: str) -> None:
    """What follows a published result: the dead-letter view for failures, then the helpdesk write-back (sent by task name)."""
    if state.failure is not None:
        # Escalated because automation failed, not because of policy: list it for `ticketflow dlq`.
        f = state.failure
        try:
            dlq.record(runtime.get_redis(), state, kind="pipeline", stage=f.stage, error=f.error, reason=f.reason, dedupe=dedupe)
        except Exception:  # the view is secondary: never let it stop the write-back below
            log.exception("could not record the dead letter", extra={"ticket_id": state.ticket.uid})
    if sink_for(state.ticket.source, get_settings()) is not None:
        app.send_task(DELIVER_TASK, args=(state.model_dump(mode="json"),), argsrepr=state.ticket.uid)
