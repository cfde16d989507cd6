"""The four stages as state transitions on a TicketResult: what each Celery task, and `eval`, runs."""

from __future__ import annotations

import dataclasses

from worker import clock
from worker.models import Ticket, TicketResult, Turn
from worker.providers.base import Provider
from worker.providers.local import SPECIALIST
from worker.stages.classify import classify
from worker.stages.escalate import Context, Policy, decide, hard_reasons
from worker.stages.generate import LAST_TURNS, generate
from worker.stages.retrieve import Retriever, retrieve
from worker.state import debounce
from worker.state.conversation import CUSTOMER_TURNS, TopicCounter, topic_count

STAGES = ("classify", "retrieve", "generate", "escalate")


def skips_to_human(state: TicketResult) -> bool:
    """Hard escalations and failed tickets skip retrieval and generation."""
    if state.failure is not None or state.classification is None:
        return True
    return bool(hard_reasons(state.classification, state.ticket))


def do_classify(state: TicketResult, provider: Provider) -> TicketResult:
    """Classify stage (a debounced leader first takes the messages that make its turn)."""
    t0 = clock.monotonic()
    if debounce.GROUP in state.ticket.metadata:
        from worker import runtime  # only workers debounce; the eval never reaches here

        state.ticket = debounce.take(runtime.get_redis(), state.ticket, runtime.get_settings().dedupe_ttl_s)
    cls, usage = classify(state.ticket, provider)
    state.classification = cls
    state.usage.append(usage)
    state.timings["classify"] = round(clock.monotonic() - t0, 6)
    return state


def do_retrieve(state: TicketResult, retriever: Retriever, k: int) -> TicketResult:
    """Retrieve stage (skipped for hard escalations)."""
    if skips_to_human(state):
        return state
    assert state.classification is not None
    t0 = clock.monotonic()
    state.chunks = retrieve(state.ticket, state.classification, retriever, k)
    state.timings["retrieve"] = round(clock.monotonic() - t0, 6)
    return state


def with_customer_turns(ticket: Ticket) -> Ticket:
    """The ticket with the customer's earlier turns (attached at enqueue) ahead of its own thread."""
    earlier = ticket.metadata.get(CUSTOMER_TURNS)
    if not earlier or not isinstance(earlier, list):
        return ticket
    turns = [Turn.model_validate(t) for t in earlier if isinstance(t, dict)]
    return ticket.model_copy(update={"history": [*turns, *ticket.history][-LAST_TURNS:]})


def do_generate(state: TicketResult, provider: Provider) -> TicketResult:
    """Generate stage (skipped for hard escalations); the model sees the last few turns of the customer."""
    if skips_to_human(state):
        return state
    assert state.classification is not None
    t0 = clock.monotonic()
    draft, usage = generate(with_customer_turns(state.ticket), state.classification, state.chunks, provider)
    state.draft = draft
    state.usage.append(usage)
    state.timings["generate"] = round(clock.monotonic() - t0, 6)
    return state


def do_escalate(state: TicketResult, policy: Policy, context: Context) -> TicketResult:
    """Escalate stage: the decision, and the reply that goes to the customer or the agent."""
    t0 = clock.monotonic()
    ctx = context if state.failure is None else dataclasses.replace(context, failure=state.failure)
    state.decision = decide(state.ticket, state.classification, state.chunks, state.draft, policy=policy, context=ctx)
    if state.decision.action == "escalate":
        state.reply = SPECIALIST
    else:
        state.reply = state.draft.text if state.draft else None
    state.timings["escalate"] = round(clock.monotonic() - t0, 6)
    state.completed_at = clock.now()
    return state


def run_inline(
    state: TicketResult,
    *,
    provider: Provider,
    retriever: Retriever,
    k: int,
    policy: Policy,
    topics: TopicCounter,
) -> TicketResult:
    """All four stages in this process, as the chain runs them (the eval harness's path)."""
    state = do_classify(state, provider)
    state = do_retrieve(state, retriever, k)
    state = do_generate(state, provider)
    return do_escalate(state, policy, Context(topic_count=topic_count(state, topics)))
