"""The one retry policy, used by every task: whether to try again, and when.

`plan_retry` is the only place that decides. It weighs the error (retryable or not), the server's
own hint (Retry-After), the allowance (`retry_max` tries; a shared rate budget that is spent gets four
times as many, since waiting for it is not a failure; a call held back by an open circuit breaker
spends none; Redis away has no count limit, since the reaper that would rescue the ticket needs Redis
too) and the ticket's in-flight deadline (no retry is taken that would end past it). Waits use
exponential backoff with *equal jitter*: a draw from [c/2, c] where c = min(cap, base * 2^n), so a
burst of failures spreads out but no retry comes back at once.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import amqp.exceptions
import redis
from celery.exceptions import SoftTimeLimitExceeded
from kombu.exceptions import OperationalError

from worker.errors import TRANSIENT_ERRORS, Deferred, ProviderUnavailable, RateLimited

if TYPE_CHECKING:
    from worker.settings import Settings

# Redis away (restarting, loading its append-only file, a network blip). redis-py's errors are not the
# builtin ConnectionError/TimeoutError, so they are named here; BusyLoadingError is a ConnectionError.
# kombu's OperationalError: a publish to the broker gave up. amqp's ConnectionError: RabbitMQ closed the
# connection (a node restarting, `ConnectionForced`) under a publish or an ack.
BROKER_DOWN: tuple[type[Exception], ...] = (redis.ConnectionError, redis.TimeoutError, OperationalError, amqp.exceptions.ConnectionError)
RETRYABLE: tuple[type[Exception], ...] = (*TRANSIENT_ERRORS, *BROKER_DOWN, SoftTimeLimitExceeded)
RATE_LIMIT_ALLOWANCE = 4  # a spent shared budget gets this many times the tries
MAX_HINT_S = 3600.0  # a Retry-After beyond an hour is not believed


@dataclass(frozen=True)
class RetryPolicy:
    """The settings every retry decision reads."""

    retry_max: int
    base_s: float
    cap_s: float
    deadline_s: float

    @classmethod
    def from_settings(cls, s: Settings) -> RetryPolicy:
        """The policy the workers run with."""
        return cls(retry_max=s.retry_max, base_s=s.retry_backoff_s, cap_s=s.retry_backoff_max_s, deadline_s=s.inflight_deadline_s)


def backoff(retries: int, *, base: float, cap: float, retry_after: float | None = None, rng: random.Random | None = None) -> float:
    """Seconds to wait before attempt `retries + 1`: equal jitter over base·2^retries, capped; never below retry-after (itself capped)."""
    ceiling = min(cap, base * (2 ** min(retries, 30)))
    wait = (rng or random).uniform(ceiling / 2, ceiling)
    if retry_after is not None:
        wait = max(wait, min(retry_after, cap))
    return round(wait, 3)


def plan_retry(
    exc: BaseException,
    *,
    retries: int,
    started_at: float,
    now: float,
    policy: RetryPolicy,
    deferred: int = 0,
    redis_patience: bool = False,
    rng: random.Random | None = None,
) -> float | None:
    """Seconds to wait before trying again after `exc`, or None to give up now.

    `retries` is the task's retry count so far, `deferred` how many of those were breaker waits (they
    spend nothing). `started_at` starts the deadline clock (the ticket's enqueue time; a write-back's
    publish time); 0 means unknown and never blocks. With `redis_patience`, Redis being away is waited
    out with no count limit (the deadline still applies).
    """
    if not isinstance(exc, RETRYABLE):
        return None
    hint = retry_after_of(exc)
    failures = max(0, retries - deferred)
    if isinstance(exc, Deferred):
        wait = round(min(max(hint or policy.base_s, policy.base_s), policy.cap_s) * (rng or random).uniform(1.0, 1.2), 3)
    elif redis_patience and isinstance(exc, BROKER_DOWN):
        wait = backoff(min(failures, 6), base=policy.base_s, cap=policy.cap_s, rng=rng)
    else:
        allowance = policy.retry_max * (RATE_LIMIT_ALLOWANCE if isinstance(exc, RateLimited) else 1)
        if failures >= allowance:
            return None
        wait = backoff(failures, base=policy.base_s, cap=policy.cap_s, retry_after=hint, rng=rng)
    if not retry_fits_deadline(started_at, now, wait, policy.deadline_s):
        return None
    return wait


def retry_after_of(exc: BaseException) -> float | None:
    """The server's own retry hint, when the error carries one."""
    hint = getattr(exc, "retry_after", None)  # provider, rate-limit, breaker and helpdesk errors carry it
    return float(hint) if isinstance(hint, (int, float)) and not isinstance(hint, bool) else None


def retry_after_header(headers: object) -> float | None:
    """Seconds from a `retry-after-ms` or `Retry-After` header (seconds or an HTTP date), if present and sane.

    The one parser of the hint, for model APIs and helpdesks alike.
    """
    get = getattr(headers, "get", None)
    if get is None:
        return None
    ms = get("retry-after-ms")
    if ms:
        try:
            return min(MAX_HINT_S, max(0.0, float(ms) / 1000))
        except ValueError:
            pass
    raw = get("retry-after")
    if not raw:
        return None
    try:
        return min(MAX_HINT_S, max(0.0, float(raw)))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return min(MAX_HINT_S, max(0.0, parsedate_to_datetime(raw).timestamp() - time.time()))
        except (TypeError, ValueError, IndexError):
            return None


def failure_reason(exc: BaseException) -> str:
    """`automation_unavailable` when the model or Redis was out of reach, `automation_failed` otherwise."""
    return "automation_unavailable" if isinstance(exc, (ProviderUnavailable, RateLimited, Deferred, SoftTimeLimitExceeded, *BROKER_DOWN)) else "automation_failed"


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
