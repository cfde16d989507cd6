"""A 15 s outage of the model API (529 to everything) with the circuit breaker on, on both brokers.

Without a fallback: once the breaker opens, at most one probe per cool-down (2 s) reaches the API,
cluster-wide; the tickets that arrived during the outage wait (spending no retry) and are answered
when it ends, and tickets after it flow as normal. With `TICKETFLOW_FALLBACK_PROVIDER=local`: the
tickets that arrive during the outage are answered by the local provider, as a local deployment would.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
import redis

from devkit.fakes.models import FakeModelServer
from devkit.services import Workers
from tests.support import brokers
from tests.support.brokers import BrokerUnderTest
from tests.support.faults import QUESTIONS, outage_env, report, results, wait_until
from worker import keys
from worker.models import Ticket, TicketResult
from worker.providers.local import LocalProvider
from worker.retrieval.retriever import build_retriever
from worker.settings import load_settings
from worker.stages.escalate import policy_from
from worker.stages.pipeline import run_inline
from worker.state.conversation import MemoryTopics

pytestmark = [pytest.mark.faults, pytest.mark.integration]

OUTAGE_S = 15.0
DURING, AFTER = 20, 10
CLASSIFY_MODEL = "claude-haiku-5-5"
MAX_CALLS_PER_S = 2


@pytest.fixture
def model_api() -> Iterator[FakeModelServer]:
    with FakeModelServer(latency_s=0.05) as server:
        yield server


def _env(broker: BrokerUnderTest, model_api: FakeModelServer, **extra: str) -> dict[str, str]:
    return {
        **broker.env,
        **outage_env(model_api.base_url),
        # the defaults, spelled out: 5 outage failures within 10 s open it for 2 s
        "TICKETFLOW_BREAKER_FAILURES": "5",
        "TICKETFLOW_BREAKER_WINDOW_S": "10",
        "TICKETFLOW_BREAKER_COOLDOWN_S": "2",
        **extra,
    }


def _tickets(prefix: str, n: int) -> list[dict[str, str]]:
    return [{"id": f"{prefix}{i}", "customer_id": f"{prefix}c{i}", "message": QUESTIONS[i % len(QUESTIONS)]} for i in range(n)]


class _OpenedAt:
    """Watches Redis for the moment the classify model's breaker first opens (wall clock, as the fake stamps calls)."""

    def __init__(self, r: redis.Redis) -> None:
        self.r, self.at, self._stop = r, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        key = keys.breaker_key("anthropic", CLASSIFY_MODEL)
        while not self._stop.wait(0.05) and not self.at:
            if self.r.hget(key, "state") in (b"open", b"half_open"):
                self.at = time.time()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


def _max_in_any_second(times: list[float]) -> int:
    times = sorted(times)
    return max((sum(1 for u in times[i:] if u < t + 1.0) for i, t in enumerate(times)), default=0)


def test_an_open_breaker_lets_at_most_two_calls_a_second_through_and_the_waiting_tickets_are_answered_after(
    r: redis.Redis, use_env: dict[str, str], start_workers: Callable[..., Workers], model_api: FakeModelServer, broker: BrokerUnderTest
) -> None:
    env = _env(broker, model_api)
    workers = start_workers(n=2, env=env, concurrency=8)
    brokers.warm_up({**use_env, **env}, r)
    model_api.reset()
    watch = _OpenedAt(r)
    # given a model API that answers 529 to everything for 15 s
    model_api.outage(OUTAGE_S)
    outage_ends = time.time() + OUTAGE_S
    # when tickets arrive during the outage
    assert brokers.enqueue({**use_env, **env}, _tickets("out", DURING)) == DURING
    # then the breaker opens, and from then on at most a probe per cool-down reaches the API
    assert wait_until(lambda: watch.at > 0, OUTAGE_S)
    watch.stop()
    # ... and the waiting tickets are answered once the API is back, none escalated
    done = wait_until(lambda: r.xlen("ticketflow:results") >= DURING, OUTAGE_S + 60, step=0.5)
    assert done, (r.xlen("ticketflow:results"), r.hgetall(keys.breaker_key("anthropic", CLASSIFY_MODEL)), workers.logs()[-3000:])
    during = [res for res in results(r) if res["ticket"]["id"].startswith("out")]
    calls = list(model_api.calls)
    open_calls = [c.arrived for c in calls if watch.at + 0.5 <= c.arrived < outage_ends]  # 0.5 s: calls already on the wire
    before_open = [c for c in calls if c.arrived < watch.at]
    # and tickets after the outage flow as normal
    time.sleep(max(outage_ends - time.time(), 0) + 0.5)
    assert brokers.enqueue({**use_env, **env}, _tickets("after", AFTER)) == AFTER
    assert wait_until(lambda: r.xlen("ticketflow:results") >= DURING + AFTER, 60)
    after = [res for res in results(r) if res["ticket"]["id"].startswith("after")]
    report(
        "breaker_outage",
        broker=broker.name,
        outage_s=OUTAGE_S,
        tickets_in_during=DURING,
        calls_before_open=len(before_open),
        open_after_s=round(watch.at - (outage_ends - OUTAGE_S), 2),
        calls_while_open=len(open_calls),
        open_window_s=round(outage_ends - watch.at - 0.5, 1),
        max_calls_in_any_1s_while_open=_max_in_any_second(open_calls),
        calls_529=sum(1 for c in calls if c.status == 529),
        answered_during=sum(1 for res in during if res["failure"] is None),
        breaker_waits=sum(sum(res.get("deferred", {}).values()) for res in during),
        max_attempts=max(max(res["attempts"].values()) for res in during),
        answered_after=sum(1 for res in after if res["failure"] is None),
    )
    assert _max_in_any_second(open_calls) <= MAX_CALLS_PER_S
    assert len(during) == DURING and all(res["failure"] is None for res in during), [res["failure"] for res in during]
    # the waits spent no retry: no ticket used more than its 1 + 3 attempts although each waited several cool-downs
    assert all(res["attempts"]["classify"] <= 4 for res in during)
    assert sum(sum(res.get("deferred", {}).values()) for res in during) > DURING
    assert all(u["fallback_for"] is None for res in during for u in res["usage"])
    assert len(after) == AFTER and all(res["failure"] is None for res in after)


def test_with_a_local_fallback_tickets_during_the_outage_are_answered_by_it_under_the_local_policy(
    r: redis.Redis, use_env: dict[str, str], start_workers: Callable[..., Workers], model_api: FakeModelServer, broker: BrokerUnderTest
) -> None:
    env = _env(broker, model_api, TICKETFLOW_FALLBACK_PROVIDER="local")
    start_workers(n=2, env=env, concurrency=8)
    brokers.warm_up({**use_env, **env}, r)
    model_api.reset()
    # given a model API that answers 529 to everything for 15 s, and `local` as the fallback
    model_api.outage(OUTAGE_S)
    t0 = time.monotonic()
    # when tickets arrive during the outage
    assert brokers.enqueue({**use_env, **env}, _tickets("out", DURING)) == DURING
    # then each is answered during the outage, by the local provider
    assert wait_until(lambda: r.xlen("ticketflow:results") >= DURING, OUTAGE_S, step=0.2)
    answered_s = time.monotonic() - t0
    during = [res for res in results(r) if res["ticket"]["id"].startswith("out")]
    # ... deciding as a local deployment decides on the same ticket
    settings = load_settings()
    local, retriever, policy = LocalProvider.from_settings(settings), build_retriever(settings.corpus_dir), policy_from(settings)
    expected = {
        res["ticket"]["id"]: run_inline(TicketResult(ticket=Ticket.model_validate(res["ticket"])), provider=local, retriever=retriever,
                                        k=settings.retrieval_top_k, policy=policy, topics=MemoryTopics()).decision
        for res in during
    }
    report(
        "breaker_outage_fallback",
        broker=broker.name,
        outage_s=OUTAGE_S,
        tickets_in_during=DURING,
        answered_within_s=round(answered_s, 1),
        answered_by_local=sum(1 for res in during if res["failure"] is None and {u["provider"] for u in res["usage"]} == {"local"}),
        model_calls=len(model_api.calls),
        calls_529=sum(1 for c in model_api.calls if c.status == 529),
    )
    assert answered_s < OUTAGE_S
    assert len(during) == DURING and all(res["failure"] is None for res in during)
    for res in during:
        assert {u["provider"] for u in res["usage"]} == {"local"}, res["usage"]
        assert {u["fallback_for"] for u in res["usage"]} <= {f"anthropic/{CLASSIFY_MODEL}", "anthropic/claude-sonnet-5-5"}
        assert res["decision"] == expected[res["ticket"]["id"]].model_dump(mode="json"), res["ticket"]["id"]
