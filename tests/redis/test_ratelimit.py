"""The cluster-wide limiter on a real Redis: one budget shared by threads and processes."""

from __future__ import annotations

import multiprocessing as mp
import threading

import pytest
import redis

from devkit.fakes.models import FakeModelServer
from tests.support.models import make_anthropic
from worker.errors import ConfigError, RateLimited
from worker.models import Ticket
from worker.providers.ratelimit import HEADROOM, Limits, RateLimiter, limiter_for, parse_limits
from worker.reliability.retrying import retry_after_header

RPM = 1200  # one call every 50 ms (51.5 ms with the limiter's 3% headroom)


def _grab(url: str, n_threads: int, per_thread: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    lim = RateLimiter(redis.Redis.from_url(url), "anthropic", Limits(rpm=RPM), max_wait_s=60)
    slots: list[float] = []
    lock = threading.Lock()

    def run() -> None:
        for _ in range(per_thread):
            res = lim.acquire("claude-haiku-5-5", input_tokens=10, output_tokens=10)
            with lock:
                slots.append(res.slot)

    threads = [threading.Thread(target=run) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(slots)


def test_four_processes_with_three_threads_each_share_one_spacing(r: redis.Redis, redis_url: str) -> None:
    # given 4 processes x 3 threads asking for 60 calls at 1,200 rpm
    # spawn, not fork: after a Celery remote-control call earlier in the suite, kombu's after-fork
    # cleanup in a forked child reads the inherited reply connection's pending BRPOP and hangs
    ctx = mp.get_context("spawn")
    out: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    procs = [ctx.Process(target=_grab, args=(redis_url, 3, 5, out)) for _ in range(4)]
    for p in procs:
        p.start()
    slots = sorted(s for _ in procs for s in out.get(timeout=60))
    for p in procs:
        p.join(timeout=10)
    # then every call got its own slot, at least 50 ms after the one before, whoever asked
    assert len(slots) == 60
    gaps = [b - a for a, b in zip(slots, slots[1:], strict=False)]
    assert min(gaps) >= 60 / RPM - 1e-6
    assert min(gaps) == pytest.approx(60 / (RPM * (1 - HEADROOM)), abs=1e-5)


def test_a_slot_too_far_away_is_refused_with_the_wait_and_reserves_nothing(r: redis.Redis) -> None:
    lim = RateLimiter(r, "anthropic", Limits(itpm=6000), max_wait_s=0.2)  # 10 ms per input token
    lim.acquire("m", input_tokens=100, output_tokens=0)  # the next slot is now ~1 s away
    with pytest.raises(RateLimited) as err:
        lim.acquire("m", input_tokens=100, output_tokens=0)
    assert 0.5 < err.value.retry_after <= 1.0 / (1 - HEADROOM) + 0.001  # rounded to ms
    with pytest.raises(RateLimited) as again:
        lim.acquire("m", input_tokens=100, output_tokens=0)
    assert again.value.retry_after <= err.value.retry_after  # the refusal reserved nothing


def test_settling_gives_back_tokens_that_were_reserved_but_not_used(r: redis.Redis) -> None:
    lim = RateLimiter(r, "anthropic", Limits(otpm=6000), max_wait_s=0.0)
    res = lim.acquire("m", input_tokens=0, output_tokens=400)  # 4 s of output budget reserved
    with pytest.raises(RateLimited):
        lim.acquire("m", input_tokens=0, output_tokens=1)
    lim.settle(res, input_tokens=0, output_tokens=0)  # the call used none of it
    lim.acquire("m", input_tokens=0, output_tokens=1)


def test_budgets_are_per_model(r: redis.Redis) -> None:
    lim = RateLimiter(r, "anthropic", Limits(rpm=1), max_wait_s=0.0)
    lim.acquire("a", input_tokens=1, output_tokens=1)
    lim.acquire("b", input_tokens=1, output_tokens=1)
    with pytest.raises(RateLimited):
        lim.acquire("a", input_tokens=1, output_tokens=1)


def test_the_provider_asks_the_limiter_before_each_request(r: redis.Redis, fake: FakeModelServer) -> None:
    p = make_anthropic(fake, limiter=RateLimiter(r, "anthropic", Limits(rpm=2), max_wait_s=0.0))
    p.classify(Ticket(id="1", message="How do I export to CSV?"))
    with pytest.raises(RateLimited) as err:
        p.classify(Ticket(id="2", message="How do I export to CSV?"))
    assert len(fake.calls) == 1 and 25 < err.value.retry_after <= 30 / (1 - HEADROOM)


def test_nothing_limited_means_no_redis_at_all() -> None:
    lim = limiter_for("anthropic", redis_url="redis://127.0.0.1:1/0", rpm=0, itpm=0, otpm=0)
    assert lim.r is None
    assert lim.acquire("m", input_tokens=10**9, output_tokens=10**9).slot == 0.0


def test_per_model_limits_override_the_default() -> None:
    got = parse_limits(Limits(rpm=50, itpm=1000), '{"claude-sonnet-5-5": {"rpm": 600}}')
    assert got == {"claude-sonnet-5-5": Limits(rpm=600, itpm=1000, otpm=0)}
    with pytest.raises(ConfigError):
        parse_limits(Limits(), '{"m": {"rps": 1}}')


@pytest.mark.parametrize(("headers", "expected"), [({"retry-after": "7"}, 7.0), ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5), ({}, None), ({"retry-after": "soon"}, None)])
def test_retry_after_headers(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after_header(headers) == expected


def test_a_holder_keeps_its_far_slot_in_arrival_order_and_claims_it_on_retry(r: redis.Redis) -> None:
    import time

    lim = RateLimiter(r, "anthropic", Limits(rpm=600), max_wait_s=0.0, headroom=0.0)  # 100 ms apart, never wait in-process
    first = lim.acquire("m", input_tokens=1, output_tokens=1, holder="t1:classify")
    refused: dict[str, RateLimited] = {}
    for who in ("t2:classify", "t3:classify"):
        with pytest.raises(RateLimited) as err:
            lim.acquire("m", input_tokens=1, output_tokens=1, holder=who)
        refused[who] = err.value
    # t2 queued before t3, and asking again too early keeps its place rather than losing it
    assert refused["t2:classify"].retry_after < refused["t3:classify"].retry_after
    with pytest.raises(RateLimited):
        lim.acquire("m", input_tokens=1, output_tokens=1, holder="t3:classify")
    time.sleep(refused["t2:classify"].retry_after + 0.01)
    second = lim.acquire("m", input_tokens=1, output_tokens=1, holder="t2:classify")
    assert second.slot == pytest.approx(first.slot + 0.1, abs=1e-6)
    time.sleep(0.11)
    third = lim.acquire("m", input_tokens=1, output_tokens=1, holder="t3:classify")
    assert third.slot == pytest.approx(first.slot + 0.2, abs=1e-6)


def test_a_holder_too_late_for_its_slot_queues_again(r: redis.Redis) -> None:
    import time

    lim = RateLimiter(r, "anthropic", Limits(rpm=600), max_wait_s=0.0, grace_s=0.05)
    lim.acquire("m", input_tokens=1, output_tokens=1, holder="a")
    with pytest.raises(RateLimited):
        lim.acquire("m", input_tokens=1, output_tokens=1, holder="b")  # holds the slot 100 ms out
    time.sleep(0.3)
    late = lim.acquire("m", input_tokens=1, output_tokens=1, holder="b")
    assert late.waited_s == 0.0 and late.slot > 0
    assert not r.exists("ticketflow:ratelimit:anthropic:m:hold:b")
