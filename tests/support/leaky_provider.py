"""A provider for the log tests: the local provider, plus the leaks real SDKs and models cause.

classify logs the API key the way an SDK's debug output might; generate fails with an error that
echoes the customer's message (e-mail address and card number included). Loaded by real worker
processes through TICKETFLOW_PROVIDER_FACTORY.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from worker.errors import ProviderRejected
from worker.models import Chunk, Classification, Draft, Ticket, Usage
from worker.providers.local import LocalProvider
from worker.settings import Settings

sdk_log = logging.getLogger("anthropic._base_client")


@dataclass
class LeakyProvider:
    inner: LocalProvider
    api_key: str
    name: str = "leaky"

    def classify(self, ticket: Ticket) -> tuple[Classification, Usage]:
        sdk_log.warning("Retrying request to /v1/messages with headers {'x-api-key': '%s'}", self.api_key)
        sdk_log.warning("raw key in an f-string: %s", self.api_key)
        return self.inner.classify(ticket)

    def generate(self, ticket: Ticket, classification: Classification, chunks: list[Chunk]) -> tuple[Draft, Usage]:
        raise ProviderRejected(f"model refused the input: {ticket.message}", provider=self.name, status=400)


def build(settings: Settings) -> LeakyProvider:
    key = settings.anthropic_api_key.get_secret_value() if settings.anthropic_api_key else ""
    return LeakyProvider(LocalProvider.from_settings(settings), key)
