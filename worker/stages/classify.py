"""Classify stage: intent, urgency and frustration from the provider."""

from __future__ import annotations

from worker.models import Classification, Ticket, Usage
from worker.providers.base import Provider


def classify(ticket: Ticket, provider: Provider) -> tuple[Classification, Usage]:
    """Ask the provider what the ticket is about; the last turns of the thread count too."""
    return provider.classify(ticket)
