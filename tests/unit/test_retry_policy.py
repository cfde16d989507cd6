"""The one retry policy: exponential, equal jitter, capped, honouring Retry-After, the allowance and the deadline."""

from __future__ import annotations

import random

import pytest
import redis

from worker.errors import Deferred, ProviderRejected, ProviderUnavailable, RateLimited, SinkUnavailable
from worker.reliability.retrying import (
    RetryPolicy,
    backoff,
    failure_reason,
    hop_retry_policy,
    plan_retry,
    retry_after_header,
    retry_after_of,
    retry_fits_deadline,
)

POLICY = RetryPolicy(retry_max=3, base_s=1.0, cap_s=60.0, deadline_s=900.0)
NOW = 10_000.0


@pytest.mark.parametrize("retries", range(8))
def test_backoff_stays_between_half_and_full_ceiling(retries: int) -> None:
    ceiling = min(60.0, 1.0 * 2**retries)
    for seed in range(20):
        wait = backoff(retries, base=1.0, cap=60.0, rng=random.Random(seed))
        assert ceiling / 2 <= wait <= ceiling


def test_backoff_is_jittered() -> None:
    waits = {backoff(4, base=1.0, cap=60.0, rng=random.Random(s)) for s in range(10)}
    assert len(waits) > 5


def test_backoff_honours_retry_after_up_to_the_cap() -> None:
    assert backoff(0, base=1.0, cap=60.0, retry_after=30.0) >= 30.0
    assert backoff(0, base=1.0, cap=10.0, retry_after=300.0) <= 10.0


def test_retry_after_comes_from_the_error() -> None:
    assert retry_after_of(ProviderUnavailable("x", retry_after=5.0)) == 5.0
    assert retry_after_of(RateLimited("x", retry_after=2.0)) == 2.0
    assert retry_after_of(ValueError("x")) is None


def test_outages_and_bugs_get_different_reasons() -> None:
    assert failure_reason(ProviderUnavailable("529")) == "automation_unavailable"
    assert failure_reason(ProviderRejected("400")) == "automation_failed"
    assert failure_reason(KeyError("x")) == "automation_failed"
    assert failure_reason(redis.BusyLoadingError("loading")) == "automation_unavailable"  # Redis restarting is an outage


@pytest.mark.parametrize("patience", [0.5, 5.0, 60.0, 300.0])
def test_hop_policy_keeps_trying_for_the_patience_as_kombu_counts_waits(patience: float) -> None:
    from itertools import islice

    from kombu.utils.functional import fxrange

    p = hop_retry_policy(patience)
    # the waits kombu's retry_over_time sleeps between tries, for this policy
    waits = list(islice(fxrange(p["interval_start"], p["interval_max"] + p["interval_start"], p["interval_step"], repeatlast=True), int(p["max_retries"])))
    assert patience <= sum(waits) < patience + p["interval_max"]
    assert max(waits) <= p["interval_max"]



def test_a_permanent_error_is_never_retried() -> None:
    assert plan_retry(ProviderRejected("400"), retries=0, started_at=NOW, now=NOW, policy=POLICY) is None
    assert plan_retry(KeyError("x"), retries=0, started_at=NOW, now=NOW, policy=POLICY) is None


def test_a_transient_error_is_retried_until_the_allowance_is_spent() -> None:
    waits = [plan_retry(ProviderUnavailable("529"), retries=n, started_at=NOW, now=NOW, policy=POLICY, rng=random.Random(n)) for n in range(5)]
    assert all(w is not None for w in waits[:3]) and waits[3] is None and waits[4] is None


def test_a_spent_rate_budget_gets_four_times_the_tries() -> None:
    assert plan_retry(RateLimited("budget", retry_after=1.0), retries=11, started_at=NOW, now=NOW, policy=POLICY) is not None
    assert plan_retry(RateLimited("budget", retry_after=1.0), retries=12, started_at=NOW, now=NOW, policy=POLICY) is None


def test_retry_after_is_honoured_by_every_kind_of_task() -> None:
    for exc in (ProviderUnavailable("429", retry_after=30.0), SinkUnavailable("busy"), RateLimited("x", retry_after=30.0)):
        exc.retry_after = 30.0  # type: ignore[attr-defined]
        wait = plan_retry(exc, retries=0, started_at=NOW, now=NOW, policy=POLICY)
        assert wait is not None and wait >= 30.0


def test_a_breaker_wait_spends_no_retry_but_keeps_to_the_deadline() -> None:
    # ten breaker waits and no real failure: still retried, as if it were the first try
    assert plan_retry(Deferred("open", retry_after=5.0), retries=10, deferred=10, started_at=NOW, now=NOW, policy=POLICY) is not None
    # and a real failure after them counts from zero
    assert plan_retry(ProviderUnavailable("529"), retries=12, deferred=10, started_at=NOW, now=NOW, policy=POLICY) is not None
    # but not past the in-flight deadline
    assert plan_retry(Deferred("open", retry_after=5.0), retries=0, started_at=NOW - 845, now=NOW, policy=POLICY) is None


def test_no_retry_is_taken_that_would_end_past_the_deadline() -> None:
    assert plan_retry(ProviderUnavailable("529", retry_after=50.0), retries=0, started_at=NOW - 800, now=NOW, policy=POLICY) is None
    assert plan_retry(ProviderUnavailable("529"), retries=0, started_at=0.0, now=NOW, policy=POLICY) is not None  # unknown start: never blocks


def test_redis_away_is_waited_out_without_a_count_limit_when_patient() -> None:
    exc = redis.ConnectionError("refused")
    assert plan_retry(exc, retries=50, started_at=NOW, now=NOW, policy=POLICY) is None
    wait = plan_retry(exc, retries=50, started_at=NOW, now=NOW, policy=POLICY, redis_patience=True)
    assert wait is not None and wait <= POLICY.cap_s


@pytest.mark.parametrize(("headers", "expected"), [({"retry-after": "7"}, 7.0), ({"retry-after-ms": "1500"}, 1.5), ({"retry-after": "soon"}, None), ({}, None), ({"retry-after": "99999"}, 3600.0)])
def test_one_parser_reads_every_retry_after_header(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after_header(headers) == expected


@pytest.mark.parametrize(
    ("now", "wait", "fits"),
    [
        (1000.0, 10.0, True),  # early: plenty of time
        (1000.0 + 830.0, 9.0, True),  # ends 1 s before the minute left for the later stages
        (1000.0 + 830.0, 10.0, False),  # would end inside that minute
        (1000.0 + 950.0, 1.0, False),  # already past the deadline
    ],
)
def test_a_retry_is_taken_only_if_the_ticket_can_still_finish_before_its_deadline(now: float, wait: float, fits: bool) -> None:
    assert retry_fits_deadline(1000.0, now, wait, deadline_s=900.0) is fits


def test_short_deadlines_keep_a_tenth_as_margin_and_unknown_enqueue_times_never_block() -> None:
    assert retry_fits_deadline(0.0, 1e9, 60.0, deadline_s=30.0)
    assert retry_fits_deadline(100.0, 100.0, 26.9, deadline_s=30.0)
    assert not retry_fits_deadline(100.0, 100.0, 27.0, deadline_s=30.0)
