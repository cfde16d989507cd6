"""The one retry policy: exponential backoff with full jitter and a cap."""

from __future__ import annotations

import random

from celery.exceptions import SoftTimeLimitExceeded

from worker.errors import TRANSIENT_ERRORS, ProviderUnavailable, RateLimited

RETRYABLE: tuple[type[Exception], ...] = (*TRANSIENT_ERRORS, SoftTimeLimitExceeded)


def backoff(retries: int, *, base: float, cap: float, retry_after: float | None = None, rng: random.Random | None = None) -> float:
    """Seconds to wait before attempt `retries + 1`: full jitter over base·2^retries, capped; never below retry-after."""
    ceiling = min(cap, base * (2**retries))
    wait = (rng or random).uniform(ceiling / 2, ceiling)
    if retry_after is not None:
        wait = max(wait, min(retry_after, cap))
    return round(wait, 3)


def retry_after_of(exc: BaseException) -> float | None:
    """The server's own retry hint, when the error carries one."""
    if isinstance(exc, (ProviderUnavailable, RateLimited)):
        return exc.retry_after
    hint = getattr(exc, "retry_after", None)  # helpdesk errors carry Retry-After too
    return float(hint) if isinstance(hint, (int, float)) else None


def failure_reason(exc: BaseException) -> str:
    """`automation_unavailable` when the model was out of reach, `automation_failed` otherwise."""
    return "automation_unavailable" if isinstance(exc, (ProviderUnavailable, RateLimited, SoftTimeLimitExceeded)) else "automation_failed"
