"""The retry policy: exponential, jittered, capped, honouring retry-after."""

from __future__ import annotations

import random

import pytest

from worker.errors import ProviderRejected, ProviderUnavailable, RateLimited
from worker.retrying import backoff, failure_reason, retry_after_of


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
