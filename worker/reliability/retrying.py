"""The one retry policy: exponential backoff with full jitter and a cap."""

from __future__ import annotations

import random

import redis
from celery.exceptions import SoftTimeLimitExceeded
from kombu.exceptions import OperationalError

from worker.errors import TRANSIENT_ERRORS, ProviderUnavailable, RateLimited

# Redis away (restarting, loading its append-only file, a network blip). redis-py's errors are not the
# builtin ConnectionError/TimeoutError, so they are named here; BusyLoadingError is a ConnectionError.
# kombu's OperationalError: a publish to the broker gave up.
BROKER_DOWN: tuple[type[Exception], ...] = (redis.ConnectionError, redis.TimeoutError, OperationalError)
RETRYABLE: tuple[type[Exception], ...] = (*TRANSIENT_ERRORS, *BROKER_DOWN, SoftTimeLimitExceeded)


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
    """`automation_unavailable` when the model or Redis was out of reach, `automation_failed` otherwise."""
    return "automation_unavailable" if isinstance(exc, (ProviderUnavailable, RateLimited, SoftTimeLimitExceeded, *BROKER_DOWN)) else "automation_failed"


def hop_retry_policy(patience_s: float, *, step: float = 0.5, cap: float = 2.0) -> dict[str, float | int]:
    """The broker-publish retry policy for every hop a worker makes: next stage, task retry, write-back.

    A worker hands a ticket on after its stage ran and acks its own message only after that. Celery's
    default policy gives up after about a second; the failed task is then acked and, if Redis is back
    by the ack, the ticket's next stage is never queued (only the reaper rescues it, at the deadline).
    Trying for `patience_s` rides out a broker restart instead. kombu waits 0, step, 2·step, ... capped
    at `cap` between tries (retry_over_time); this counts the tries that fill the patience.
    """
    waited, tries = 0.0, 0
    while waited < patience_s:
        waited += min(step * tries, cap)
        tries += 1
    return {"max_retries": max(tries, 1), "interval_start": 0.0, "interval_step": step, "interval_max": cap}


def retry_fits_deadline(enqueued_at: float, now: float, wait: float, deadline_s: float) -> bool:
    """Whether a retry `wait` seconds from `now` still leaves the ticket time to finish before the reaper.

    Past its in-flight deadline a ticket is escalated by the reaper with a bare "deadline passed";
    a retry that would run past it is better not taken: the stage fails now, and the ticket reaches a
    human with the real reason (rate limited, provider down). A tenth of the deadline, at most a
    minute, is left for the stages still to come. An unknown enqueue time (0) never blocks a retry.
    """
    if enqueued_at <= 0:
        return True
    margin = min(60.0, 0.1 * deadline_s)
    return now + wait < enqueued_at + deadline_s - margin
