"""The cluster-wide circuit breaker on a real Redis: it opens on a run of outage failures, lets one probe
through after the cool-down, closes on success; the guarded provider waits or fails over meanwhile."""

from __future__ import annotations

import threading
import time

import pytest
import redis
from fastapi.testclient import TestClient

from producer.api import create_app
from worker import keys
from worker.errors import Deferred, ProviderRejected, ProviderUnavailable
from worker.models import Ticket
from worker.providers.breaker import Breaker, breaker_rows
from worker.providers.guarded import GuardedProvider
from worker.providers.local import LocalProvider
from worker.settings import load_settings

MODEL = "claude-haiku-5-5"
OVERLOADED = ProviderUnavailable("overloaded", provider="anthropic", status=529)


def _breaker(r: redis.Redis, **kw: float) -> Breaker:
    opts: dict[str, float] = {"failures": 3, "window_s": 5.0, "cooldown_s": 0.5, "lease_s": 2.0, **kw}
    return Breaker(r, "anthropic", failures=int(opts["failures"]), window_s=opts["window_s"], cooldown_s=opts["cooldown_s"], lease_s=opts["lease_s"])


def _fail(b: Breaker, n: int, exc: Exception = OVERLOADED) -> None:
    for _ in range(n):
        adm = b.admit(MODEL)
        assert adm.go
        b.record(MODEL, adm, exc)


def test_a_run_of_outage_failures_opens_the_breaker_and_holds_calls_for_the_cool_down(r: redis.Redis) -> None:
    b = _breaker(r)
    _fail(b, 2)
    assert b.admit(MODEL).go  # two failures: still closed
    _fail(b, 1)
    held = b.admit(MODEL)
    assert not held.go and held.state == "open" and 0.3 < held.wait_s <= 0.5
    # another worker (another Breaker on the same Redis) sees the same state
    assert not _breaker(r).admit(MODEL).go
    # and another model of the same provider is not affected
    assert b.admit("claude-sonnet-5-5").go


def test_after_the_cool_down_exactly_one_probe_goes_out_and_its_success_closes_the_breaker(r: redis.Redis) -> None:
    b = _breaker(r)
    _fail(b, 3)
    time.sleep(0.55)
    admissions = []
    lock = threading.Lock()

    def ask() -> None:
        adm = _breaker(r).admit(MODEL)
        with lock:
            admissions.append(adm)

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    probes = [a for a in admissions if a.go]
    assert len(probes) == 1 and probes[0].probe
    assert all(a.state == "half_open" and 0 < a.wait_s <= 0.5 for a in admissions if not a.go)
    assert b.record(MODEL, probes[0], None) == "closed"
    assert b.admit(MODEL).go and not r.exists(keys.breaker_key("anthropic", MODEL))


def test_a_failed_probe_opens_the_breaker_for_another_cool_down(r: redis.Redis) -> None:
    b = _breaker(r)
    _fail(b, 3)
    time.sleep(0.55)
    probe = b.admit(MODEL)
    assert probe.probe
    assert b.record(MODEL, probe, ProviderUnavailable("timeout", provider="anthropic")) == "open"
    assert not b.admit(MODEL).go


def test_a_probe_that_never_reached_the_api_gives_its_turn_back(r: redis.Redis) -> None:
    b = _breaker(r)
    _fail(b, 3)
    time.sleep(0.55)
    probe = b.admit(MODEL)
    assert probe.probe and not b.admit(MODEL).go
    b.abandon(MODEL, probe)
    assert b.admit(MODEL).probe


def test_rate_limits_refusals_and_old_failures_do_not_open_it(r: redis.Redis) -> None:
    b = _breaker(r, window_s=0.3)
    _fail(b, 5, ProviderUnavailable("slow down", provider="anthropic", status=429))
    _fail(b, 5, ProviderRejected("bad request", provider="anthropic", status=400))
    assert b.admit(MODEL).go
    _fail(b, 2)
    time.sleep(0.35)  # the window passed: the run starts again
    _fail(b, 2)
    assert b.admit(MODEL).go
    _fail(b, 1)
    assert not b.admit(MODEL).go


def test_a_success_ends_the_run(r: redis.Redis) -> None:
    b = _breaker(r)
    _fail(b, 2)
    adm = b.admit(MODEL)
    b.record(MODEL, adm, None)
    _fail(b, 2)
    assert b.admit(MODEL).go


def test_a_healthy_api_costs_one_round_trip_a_call_and_a_success_still_resets_what_was_counted(r: redis.Redis) -> None:
    b = _breaker(r)
    # given a call admitted while nothing was counted
    clean = b.admit(MODEL)
    assert clean.go and clean.clean
    # when two failures land while it is in flight, its success reports nothing (no Redis command)
    _fail(b, 2)
    before = int(r.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0))
    assert b.record(MODEL, clean, None) is None
    assert int(r.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0)) == before
    # then the next success, admitted after them, resets the count: two more failures leave it closed
    after = b.admit(MODEL)
    assert after.go and not after.clean
    b.record(MODEL, after, None)
    _fail(b, 2)
    assert b.admit(MODEL).go


def test_breaker_off_or_redis_away_lets_every_call_through() -> None:
    assert Breaker(None, "anthropic").admit(MODEL).go
    away = Breaker(redis.Redis(port=1, socket_connect_timeout=0.2), "anthropic")
    assert away.admit(MODEL).go


class _Down:
    """A model API that is down: every call is a 529."""

    name = "anthropic"
    classify_model = MODEL
    generate_model = "claude-sonnet-5-5"
    calls = 0

    def classify(self, ticket: Ticket) -> object:
        self.calls += 1
        raise OVERLOADED

    def generate(self, *args: object) -> object:
        self.calls += 1
        raise OVERLOADED


def test_while_open_the_guarded_provider_defers_without_a_fallback_and_fails_over_with_one(r: redis.Redis) -> None:
    down = _Down()
    ticket = Ticket(id="1", message="How do I reset my password?")
    guarded = GuardedProvider(down, _breaker(r, cooldown_s=5.0))  # type: ignore[arg-type]
    for _ in range(3):
        with pytest.raises(ProviderUnavailable):
            guarded.classify(ticket)
    with pytest.raises(Deferred) as held:
        guarded.classify(ticket)
    assert held.value.provider == "anthropic" and 4.0 < held.value.retry_after <= 5.0
    assert down.calls == 3
    local = LocalProvider.from_settings(load_settings())
    failover = GuardedProvider(down, _breaker(r, cooldown_s=5.0), fallback=local)  # type: ignore[arg-type]
    cls, usage = failover.classify(ticket)
    assert down.calls == 3
    assert usage.provider == "local" and usage.fallback_for == f"anthropic/{MODEL}"
    assert cls == local.classify(ticket)[0]  # the local provider's own answer: the local policy applies to it


def test_a_failed_probe_holds_its_ticket_back_like_the_others_instead_of_spending_its_retries(r: redis.Redis) -> None:
    from worker.reliability.retrying import RetryPolicy, plan_retry

    down = _Down()
    ticket = Ticket(id="1", message="How do I reset my password?")
    guarded = GuardedProvider(down, _breaker(r, cooldown_s=0.3))  # type: ignore[arg-type]
    for _ in range(3):
        with pytest.raises(ProviderUnavailable):
            guarded.classify(ticket)
    policy = RetryPolicy(retry_max=3, base_s=0.1, cap_s=1.0, deadline_s=600)
    for probe in range(4):  # more probes than the ticket has retries
        time.sleep(0.35)
        with pytest.raises(Deferred) as held:
            guarded.classify(ticket)  # this call is the probe: it reaches the API, fails, and the breaker opens again
        assert down.calls == 3 + probe + 1
        assert isinstance(held.value.__cause__, ProviderUnavailable) and held.value.retry_after == pytest.approx(0.3)
        # a task that got it waits, and the wait is not one of its tries (3 failures already spent)
        assert plan_retry(held.value, retries=3 + probe, deferred=probe, started_at=0, now=0, policy=policy) is not None
    assert r.hget(keys.breaker_key("anthropic", MODEL), "state") == b"open"
    # with a fallback, the ticket whose probe failed is answered by it
    time.sleep(0.35)
    local = LocalProvider.from_settings(load_settings())
    cls, usage = GuardedProvider(down, _breaker(r, cooldown_s=0.3), fallback=local).classify(ticket)  # type: ignore[arg-type]
    assert down.calls == 8 and usage.provider == "local" and usage.fallback_for == f"anthropic/{MODEL}"


def test_readyz_shows_an_open_breaker_and_stays_ready(r: redis.Redis, use_env: dict[str, str]) -> None:
    _fail(_breaker(r, cooldown_s=30.0), 3)
    assert breaker_rows(r)[0]["state"] == "open"
    with TestClient(create_app(load_settings(), r=r)) as client:
        body = client.get("/readyz").json()
    assert body["checks"]["redis"] == "ok"
    [row] = body["breakers"]
    assert row["provider"] == "anthropic" and row["model"] == MODEL and row["state"] == "open" and 25 < row["retry_in_s"] <= 30


def test_the_breaker_state_is_a_metric(r: redis.Redis) -> None:
    from worker.metrics import breaker_families

    _fail(_breaker(r, cooldown_s=30.0), 3)
    state, opened = list(breaker_families(r))
    assert [(s.labels, s.value) for s in state.samples] == [({"provider": "anthropic", "model": MODEL}, 2.0)]
    assert [s.value for s in opened.samples] == [1.0]
