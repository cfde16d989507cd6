"""The route a ticket takes through the stages, and all of them in one process (the eval's path).

classify -> retrieve -> generate -> escalate for a ticket the help centre may answer; classify ->
escalate for a hard escalation (billing, account, a request for a person, high urgency,
frustration, injection) or a ticket whose stage failed. Each stage is its own Celery task; each
task asks `next_stage` where the ticket goes next.
"""

from __future__ import annotations

from worker.models import TicketResult
from worker.providers.base import Provider
from worker.retrieval.retriever import Retriever
from worker.stages.classify import do_classify
from worker.stages.escalate import Context, Policy, do_escalate, skips_to_human
from worker.stages.generate import do_generate
from worker.stages.handoff import head_start
from worker.stages.retrieve import do_retrieve
from worker.state.conversation import TopicCounter, topic_count

STAGES = ("classify", "retrieve", "generate", "escalate")
TASK_NAMES = {stage: f"ticketflow.{stage}" for stage in STAGES}


def next_stage(stage: str, state: TicketResult) -> str | None:
    """The stage that runs after `stage` for this ticket (None after escalate)."""
    if stage == "escalate":
        return None
    if stage == "classify":
        return "escalate" if skips_to_human(state) else "retrieve"
    if stage == "retrieve":
        return "escalate" if state.failure is not None else "generate"
    return "escalate"


def run_inline(
    state: TicketResult,
    *,
    provider: Provider,
    retriever: Retriever,
    k: int,
    policy: Policy,
    topics: TopicCounter,
) -> TicketResult:
    """The stages in this process, on the route the tasks take (the eval harness's path)."""
    state = do_classify(state, provider)
    state.stages.append("classify")
    if next_stage("classify", state) == "retrieve":
        state = do_retrieve(state, retriever, k)
        state.stages.append("retrieve")
        state = do_generate(state, provider)
        state.stages.append("generate")
    state = do_escalate(state, policy, Context(topic_count=topic_count(state, topics)))
    state = head_start(state, retriever, k, policy.min_score)
    state.stages.append("escalate")
    return state
