"""Generate stage: a reply grounded in the retrieved sections, citing them."""

from __future__ import annotations

from worker.models import Chunk, Classification, Draft, Ticket, Usage
from worker.providers.base import Provider

LAST_TURNS = 5


def recent(ticket: Ticket, turns: int = LAST_TURNS) -> Ticket:
    """The ticket with only the last few turns of its thread, as generation should see it."""
    if len(ticket.history) <= turns:
        return ticket
    return ticket.model_copy(update={"history": ticket.history[-turns:]})


def generate(ticket: Ticket, cls: Classification, chunks: list[Chunk], provider: Provider) -> tuple[Draft, Usage]:
    """Write the draft; citations must name only sections that were retrieved."""
    draft, usage = provider.generate(recent(ticket), cls, chunks)
    allowed = {(c.doc_id, c.section) for c in chunks} | {(c.doc_id, "") for c in chunks}
    kept = [c for c in draft.citations if (c.doc_id, c.section) in allowed or (c.doc_id, "") in allowed]
    if len(kept) != len(draft.citations):
        draft = draft.model_copy(update={"citations": kept})
    return draft, usage
