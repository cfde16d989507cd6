"""One provider classifies, another writes (`TICKETFLOW_CLASSIFY_PROVIDER` / `TICKETFLOW_GENERATE_PROVIDER`)."""

from __future__ import annotations

from dataclasses import dataclass

from worker.models import Chunk, Classification, Draft, Ticket, Usage
from worker.providers.base import Provider


@dataclass
class SplitProvider:
    """Classification by `classifier`, generation by `writer`."""

    classifier: Provider
    writer: Provider
    name: str = ""

    def __post_init__(self) -> None:
        self.name = self.name or f"{self.classifier.name}+{self.writer.name}"

    def classify(self, ticket: Ticket) -> tuple[Classification, Usage]:
        """The classifier's answer."""
        return self.classifier.classify(ticket)

    def generate(self, ticket: Ticket, classification: Classification, chunks: list[Chunk]) -> tuple[Draft, Usage]:
        """The writer's reply."""
        return self.writer.generate(ticket, classification, chunks)
