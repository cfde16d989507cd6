"""End to end: real Celery workers with TICKETFLOW_PROVIDER=anthropic, the real SDK, the fake Messages API."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import redis

from devkit.fakes.models import FakeModelServer
from devkit.services import Workers
from producer.enqueue import Enqueuer, parse_ticket
from tests.conftest import wait_for_results
from worker.settings import load_settings

pytestmark = pytest.mark.integration

QUESTIONS = [
    "How do I reset my password? The reset email never arrives.",
    "How do I turn on two-factor authentication?",
    "Can I export my project to CSV?",
    "I was charged twice this month, please refund the duplicate.",
    "How do I invite a new member to my workspace?",
    "What are the keyboard shortcuts for the board view?",
]


@pytest.fixture
def model_api() -> Iterator[FakeModelServer]:
    server = FakeModelServer(latency_s=0.05).start()
    yield server
    server.stop()


def _env(server: FakeModelServer, **extra: str) -> dict[str, str]:
    return {"TICKETFLOW_PROVIDER": "anthropic", "ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": server.base_url, **extra}


def test_tickets_run_through_the_anthropic_api_cached_and_priced(r: redis.Redis, use_env: dict[str, str], start_workers: Callable[..., Workers], model_api: FakeModelServer) -> None:
    # given two workers on the anthropic provider, pointed at the fake API by the SDK's own variable
    start_workers(n=2, concurrency=3, env=_env(model_api))
    enq = Enqueuer(r, load_settings())
    for i in range(12):
        enq.enqueue(parse_ticket({"id": f"a{i}", "customer_id": f"c{i}", "message": QUESTIONS[i % len(QUESTIONS)]}))
    # when all results are in
    results = wait_for_results(r, 12, timeout=120)
    # then every ticket was classified by the model, priced, and none was lost
    assert sorted(res["ticket"]["id"] for res in results) == sorted(f"a{i}" for i in range(12))
    assert all(res["failure"] is None for res in results)
    classify = [u for res in results for u in res["usage"] if u["stage"] == "classify"]
    generate = [u for res in results for u in res["usage"] if u["stage"] == "generate" and u["input_tokens"]]
    assert len(classify) == 12 and {u["model"] for u in classify} == {"claude-haiku-5-5"}
    assert generate and {u["model"] for u in generate} == {"claude-sonnet-5-5"}
    assert all(u["cost_usd"] > 0 for u in classify + generate)
    assert sum(u["cache_read_tokens"] for u in classify) > 0 and sum(u["cache_read_tokens"] for u in generate) > 0
    # and every request marked its system prompt for caching, on a prefix the API did cache
    calls = [c for c in model_api.calls if c.path == "/v1/messages"]
    assert all(c.body["system"][0]["cache_control"] == {"type": "ephemeral"} for c in calls)
    assert {c.cache for c in calls} <= {"write", "read"}
    billing = next(res for res in results if res["ticket"]["id"] == "a3")
    assert billing["decision"]["action"] == "escalate"
    answered = [res for res in results if res["draft"] and res["draft"]["grounded"]]
    assert answered and all(res["draft"]["citations"] for res in answered)


def test_an_api_outage_ends_as_an_automation_unavailable_escalation(r: redis.Redis, use_env: dict[str, str], start_workers: Callable[..., Workers], model_api: FakeModelServer) -> None:
    # given the API answers 529 overloaded to everything
    model_api.outage(600)
    start_workers(n=1, env=_env(model_api, TICKETFLOW_RETRY_MAX="2"))
    Enqueuer(r, load_settings()).enqueue(parse_ticket({"id": "o1", "message": QUESTIONS[0]}))
    # then the ticket is retried, then handed to a human with the reason, never dropped
    [res] = wait_for_results(r, 1, timeout=60)
    assert res["decision"] == {"action": "escalate", "reasons": ["automation_unavailable"]}
    assert res["failure"]["stage"] == "classify" and "529" in res["failure"]["error"]
    assert res["attempts"]["classify"] == 3
    assert sum(1 for c in model_api.calls if c.status == 529) == 3
