"""The seam between the pipeline and any model: classify a ticket, write a grounded reply."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from worker.models import Chunk, Classification, Draft, Ticket, Usage


@runtime_checkable
class Provider(Protocol):
    """A model provider. Implementations raise ProviderUnavailable (retry) or ProviderRejected."""

    name: str

    def classify(self, ticket: Ticket) -> tuple[Classification, Usage]:
        """Intent, urgency, confidence and frustration for one ticket."""
        ...

    def generate(
        self, ticket: Ticket, classification: Classification, chunks: list[Chunk]
    ) -> tuple[Draft, Usage]:
        """A reply grounded in `chunks` that cites them, or a hand-off line when they do not answer."""
        ...
