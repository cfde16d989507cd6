"""Generate stage: a reply grounded in the retrieved sections, citing them."""

from __future__ import annotations

from worker import clock
from worker.models import Chunk, Classification, Draft, Ticket, TicketResult, Turn, Usage
from worker.providers.base import Provider
from worker.stages.escalate import skips_to_human
from worker.state.conversation import CUSTOMER_TURNS


def generate(ticket: Ticket, cls: Classification, chunks: list[Chunk], provider: Provider) -> tuple[Draft, Usage]:
    """Write the draft; citations must name only sections that were retrieved."""
    draft, usage = provider.generate(ticket, cls, chunks)
    allowed = {(c.doc_id, c.section) for c in chunks} | {(c.doc_id, "") for c in chunks}
    kept = [c for c in draft.citations if (c.doc_id, c.section) in allowed or (c.doc_id, "") in allowed]
    if len(kept) != len(draft.citations):
        draft = draft.model_copy(update={"citations": kept})
    return draft, usage


def with_customer_turns(ticket: Ticket) -> Ticket:
    """The ticket with the customer's earlier turns (attached at enqueue) ahead of its own thread.

    Not trimmed here: the provider's prompt keeps the last LAST_TURNS (worker/providers/prompts.py),
    the one place a thread is cut.
    """
    earlier = ticket.metadata.get(CUSTOMER_TURNS)
    if not earlier or not isinstance(earlier, list):
        return ticket
    turns = [Turn.model_validate(t) for t in earlier if isinstance(t, dict)]
    return ticket.model_copy(update={"history": [*turns, *ticket.history]})


def do_generate(state: TicketResult, provider: Provider) -> TicketResult:
    """The stage on a ticket's state (nothing for hard escalations); the model sees the customer's last turns."""
    if skips_to_human(state):
        return state
    assert state.classification is not None
    t0 = clock.monotonic()
    draft, usage = generate(with_customer_turns(state.ticket), state.classification, state.chunks, provider)
    state.draft = draft
    state.usage.append(usage)
    state.timings["generate"] = round(clock.monotonic() - t0, 6)
    return state
