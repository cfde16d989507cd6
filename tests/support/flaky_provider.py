"""A provider for integration tests: the local provider, failing on purpose per ticket.

Loaded by real worker processes through TICKETFLOW_PROVIDER_FACTORY. A ticket's metadata says how
to fail: {"fail": {"stage": "classify", "times": 2, "kind": "transient"}} (or "permanent", "redis"); times -1 means always.
Attempts are counted in Redis, so retries that land on another worker process count too.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from worker.errors import ProviderRejected, ProviderUnavailable
from worker.models import Chunk, Classification, Draft, Ticket, Usage
from worker.providers.local import LocalProvider
from worker.settings import Settings


@dataclass
class FlakyProvider:
    inner: LocalProvider
    r: redis.Redis
    name: str = "flaky"

    def _maybe_fail(self, ticket: Ticket, stage: str) -> None:
        plan = ticket.metadata.get("fail") or {}
        if plan.get("stage") != stage:
            return
        n = int(self.r.incr(f"test:attempts:{ticket.uid}:{stage}"))
        times = int(plan.get("times", 1))
        if times < 0 or n <= times:
            if plan.get("kind") == "permanent":
                raise ProviderRejected("scripted permanent failure", provider=self.name, status=400)
            if plan.get("kind") == "redis":  # as the shared rate limiter meets a restarting Redis
                raise redis.BusyLoadingError("Redis is loading the dataset in memory")
            raise ProviderUnavailable("scripted overload", provider=self.name, status=529)

    def classify(self, ticket: Ticket) -> tuple[Classification, Usage]:
        self._maybe_fail(ticket, "classify")
        return self.inner.classify(ticket)

    def generate(self, ticket: Ticket, classification: Classification, chunks: list[Chunk]) -> tuple[Draft, Usage]:
        self._maybe_fail(ticket, "generate")
        return self.inner.generate(ticket, classification, chunks)


def build(settings: Settings) -> FlakyProvider:
    return FlakyProvider(LocalProvider.from_settings(settings), redis.Redis.from_url(settings.redis_url))
