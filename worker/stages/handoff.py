"""The agent's head start on a hard escalation: the help centre's closest sections and a draft from them.

A hard escalation (billing, an account change, a person asked for, high urgency, frustration) goes
classify -> escalate: it takes no retrieve or generate hop. The agent who picks it up should still
start ahead, so escalate searches the help centre in its own process and composes the local,
extractive draft from the best section: no model call (a third of the tickets are hard escalations;
the draft is for an agent to check, not for the customer), no extra hop.

Nothing is attached to a prompt-injection ticket (nothing of a hostile message is searched or quoted
back), to a failed ticket (the failure is the news), or when no section reaches the retrieval
threshold (a loosely related section would send the agent the wrong way). The head start is a bonus:
if the index cannot be read, the escalation goes out without it rather than waiting or failing.
"""

from __future__ import annotations

import logging

from worker import clock
from worker.models import TicketResult
from worker.replies.compose import compose
from worker.retrieval.retriever import Retriever
from worker.stages.escalate import INJECTION
from worker.stages.retrieve import retrieve

log = logging.getLogger(__name__)


def wants_head_start(state: TicketResult) -> bool:
    """A ticket escalated on its classification alone, with no draft yet."""
    d = state.decision
    if d is None or d.action != "escalate" or state.failure is not None or state.classification is None:
        return False
    return state.draft is None and not state.chunks and INJECTION not in d.reasons


def head_start(state: TicketResult, retriever: Retriever, k: int, min_score: float) -> TicketResult:
    """`state` with the closest sections and a draft for the agent, when it wants one and the help centre has it."""
    if not wants_head_start(state):
        return state
    assert state.classification is not None
    t0 = clock.monotonic()
    try:
        chunks = [c for c in retrieve(state.ticket, state.classification, retriever, k) if c.score >= min_score]
    except Exception:  # the index is unreadable: the escalation must not wait on a bonus
        log.warning("no head start for the agent: the help-centre index could not be searched", exc_info=True,
                    extra={"ticket_id": state.ticket.uid})
        return state
    if chunks:
        draft = compose(state.ticket, chunks)
        if draft.grounded:
            state.chunks, state.draft = chunks, draft
            state.index_version = retriever.version
    state.timings["head_start"] = round(clock.monotonic() - t0, 6)
    return state
