"""A model provider behind its circuit breaker, with a fallback provider for while the breaker is open.

The breaker (worker/providers/breaker.py) is asked before every call. While it is open:
- with `TICKETFLOW_FALLBACK_PROVIDER` set, the stage runs on the fallback, and its Usage says so
  (`provider` is the one that answered, `fallback_for` the provider/model that was down); a ticket
  classified or answered by `local` goes through the same escalation policy as any local ticket;
- without one, the call raises `Deferred(retry_after=...)`: the task waits out the cool-down
  without spending a retry (worker/tasks.py).

The probe that tests the API after a cool-down is a call made for the cluster: when it fails, the
breaker is open again and the probing ticket is held back like every other (fallback or `Deferred`).
Were the failure charged to it, whichever ticket happened to probe two or three times in a long
outage would run out of retries and escalate while the tickets beside it waited and were answered.
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
            return self._held_back(model, run, f"circuit breaker {admission.state}, calls held back", admission.wait_s)
        try:
            out, usage = run(self.inner)
        except RateLimited:
            self.breaker.abandon(model, admission)  # held by the rate limiter: the API never saw it
            raise
        except ProviderError as exc:
            reopened = self.breaker.record(model, admission, exc) == "open"
            if admission.probe and reopened:
                return self._held_back(model, run, f"the probe failed ({exc}), circuit breaker open again",
                                       self.breaker.cooldown_s, cause=exc)
            raise
        except BaseException:
            self.breaker.abandon(model, admission)
            raise
        self.breaker.record(model, admission, None)
        return out, usage

    def _held_back(self, model: str, run: Callable[[Provider], tuple[T, Usage]], why: str, wait_s: float,
                   cause: BaseException | None = None) -> tuple[T, Usage]:
        """While the breaker is open: the fallback's answer, or `Deferred` (the task waits, spending no retry)."""
        if self.fallback is None:
            raise Deferred(f"{self.inner.name} {model}: {why}", retry_after=wait_s, provider=self.inner.name) from cause
        out, usage = run(self.fallback)
        return out, usage.model_copy(update={"fallback_for": f"{self.inner.name}/{model}"})
