"""Classify stage: intent, urgency and frustration from the provider."""

from __future__ import annotations

from worker import clock
from worker.models import Classification, Ticket, TicketResult, Usage
from worker.providers.base import Provider
from worker.state import debounce


def classify(ticket: Ticket, provider: Provider) -> tuple[Classification, Usage]:
    """Ask the provider what the ticket is about; the last turns of the thread count too."""
    return provider.classify(ticket)


def do_classify(state: TicketResult, provider: Provider) -> TicketResult:
    """The stage on a ticket's state (a debounced leader first takes the messages that make its turn)."""
    t0 = clock.monotonic()
    if debounce.GROUP in state.ticket.metadata:
        from worker import runtime  # only workers debounce; the eval never reaches here

        state.ticket = debounce.take(runtime.get_redis(), state.ticket, runtime.get_settings().dedupe_ttl_s)
    cls, usage = classify(state.ticket, provider)
    state.classification = cls
    state.usage.append(usage)
    state.timings["classify"] = round(clock.monotonic() - t0, 6)
    return state
