"""A model provider behind its circuit breaker, with a fallback provider for while the breaker is open.

The breaker (worker/providers/breaker.py) is asked before every call. While it is open:
- with `TICKETFLOW_FALLBACK_PROVIDER` set, the stage runs on the fallback, and its Usage says so
  (`provider` is the one that answered, `fallback_for` the provider/model that was down); a ticket
  classified or answered by `local` goes through the same escalation policy as any local ticket;
- without one, the call raises `Deferred(retry_after=...)`: the task waits out the cool-down
  without spending a retry (worker/tasks.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from worker.errors import Deferred, ProviderError, RateLimited
from worker.models import Chunk, Classification, Draft, Ticket, Usage
from worker.providers.base import Provider
from worker.providers.breaker import Breaker

T = TypeVar("T")


def model_of(provider: Provider, stage: str) -> str:
    """The model a provider calls for `stage` (its name when it has no per-stage model)."""
    return str(getattr(provider, f"{stage}_model", "") or provider.name)


@dataclass
class GuardedProvider:
    """`inner` behind `breaker`; `fallback` (if any) answers while the breaker holds calls back."""

    inner: Provider
    breaker: Breaker
    fallback: Provider | None = None
    name: str = ""

    def __post_init__(self) -> None:
        self.name = self.name or self.inner.name

    def classify(self, ticket: Ticket) -> tuple[Classification, Usage]:
        """The inner provider's classification, or the fallback's while the breaker is open."""
        return self._call("classify", lambda p: p.classify(ticket))

    def generate(self, ticket: Ticket, classification: Classification, chunks: list[Chunk]) -> tuple[Draft, Usage]:
        """The inner provider's reply, or the fallback's while the breaker is open."""
        return self._call("generate", lambda p: p.generate(ticket, classification, chunks))

    def _call(self, stage: str, run: Callable[[Provider], tuple[T, Usage]]) -> tuple[T, Usage]:
        model = model_of(self.inner, stage)
        admission = self.breaker.admit(model)
        if not admission.go:
            if self.fallback is None:
                raise Deferred(f"{self.inner.name} {model}: circuit breaker {admission.state}, calls held back",
                               retry_after=admission.wait_s, provider=self.inner.name)
            out, usage = run(self.fallback)
            return out, usage.model_copy(update={"fallback_for": f"{self.inner.name}/{model}"})
        try:
            out, usage = run(self.inner)
        except RateLimited:
            self.breaker.abandon(model, admission)  # held by the rate limiter: the API never saw it
            raise
        except ProviderError as exc:
            self.breaker.record(model, admission, exc)
            raise
        except BaseException:
            self.breaker.abandon(model, admission)
            raise
        self.breaker.record(model, admission, None)
        return out, usage
