"""The retry policy: exponential, jittered, capped, honouring retry-after."""

from __future__ import annotations

import random

import pytest
import redis

from worker.errors import ProviderRejected, ProviderUnavailable, RateLimited
from worker.reliability.retrying import backoff, failure_reason, hop_retry_policy, retry_after_of, retry_fits_deadline


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


def test_workers_publish_patiently_and_producers_keep_the_fast_default(use_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    # use_env: importing worker.app binds the process's Celery app to the test Redis, never a developer's
    from worker import lifecycle, runtime
    from worker.app import create_app
    from worker.settings import load_settings

    monkeypatch.setenv("TICKETFLOW_PUBLISH_PATIENCE_S", "30")
    runtime.reset()
    producer, worker = create_app(load_settings()), create_app(load_settings())
    lifecycle.patient_publishing(conf=worker.conf)  # what celeryd_init does in a worker process
    assert worker.conf.task_publish_retry_policy == hop_retry_policy(30.0)
    assert producer.conf.task_publish_retry_policy["max_retries"] == 3  # Celery's default: a 503 at once


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
