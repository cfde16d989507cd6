"""End to end: real Redis, real Celery worker processes, tickets in, results out."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis

from devkit.services import Workers
from producer.enqueue import Enqueuer, parse_ticket
from tests.conftest import wait_for_results
from worker import keys
from worker.replies.frames import specialist_line
from worker.settings import load_settings

pytestmark = pytest.mark.integration

FLAKY = {"TICKETFLOW_PROVIDER_FACTORY": "tests.support.flaky_provider:build"}


def _ticket(i: int, **extra: object) -> dict[str, object]:
    questions = [
        "How do I reset my password? The reset email never arrives.",
        "Can I export my projects to CSV?",
        "I was charged twice this month, please refund the duplicate.",
        "The Android widget stays blank after the update.",
        "I want to talk to a real person right now.",
    ]
    return {"id": f"t{i}", "customer_id": f"c{i}", "subject": "help", "message": questions[i % len(questions)], **extra}


def test_a_hundred_tickets_in_a_hundred_results_out_none_lost(r: redis.Redis, use_env: dict[str, str], start_workers: Callable[..., Workers]) -> None:
    # given two worker processes and 100 tickets
    start_workers(n=2, concurrency=4)
    enq = Enqueuer(r, load_settings())
    accepted = [enq.enqueue(parse_ticket(_ticket(i))) for i in range(100)]
    # when every result has arrived
    results = wait_for_results(r, 100, timeout=120)
    # then each ticket has exactly one result, with a decision and its reasons
    assert all(e.accepted for e in accepted)
    ids = [res["ticket"]["id"] for res in results]
    assert sorted(ids) == sorted(f"t{i}" for i in range(100))
    assert all(res["decision"]["action"] in ("auto_reply", "draft", "escalate") for res in results)
    assert all(res["decision"]["reasons"] for res in results if res["decision"]["action"] == "escalate")
    assert r.zcard(keys.INFLIGHT_ZSET) == 0
    by_id = {res["ticket"]["id"]: res for res in results}
    assert by_id["t2"]["decision"]["action"] == "escalate" and "billing" in by_id["t2"]["decision"]["reasons"]
    # a hard escalation takes two hops, and the agent still gets the help centre's section as a draft to start from
    assert by_id["t2"]["stages"] == ["classify", "escalate"]
    assert by_id["t2"]["draft"]["grounded"] and by_id["t2"]["draft"]["citations"]
    assert by_id["t2"]["reply"] == specialist_line("en")
    sent = [res for res in results if res["decision"]["action"] == "auto_reply"]
    assert sent, "some how-to questions are answered"
    assert all(res["draft"]["citations"] for res in sent), "every sent reply cites the help centre"


def test_enqueueing_the_same_ticket_twice_runs_it_once(r: redis.Redis, use_env: dict[str, str], start_workers: Callable[..., Workers]) -> None:
    start_workers(n=1)
    enq = Enqueuer(r, load_settings())
    first = enq.enqueue(parse_ticket(_ticket(1)))
    second = enq.enqueue(parse_ticket(_ticket(1)))
    assert first.accepted and not second.accepted
    assert len(wait_for_results(r, 1, timeout=60)) == 1
    wait_for_results(r, 2, timeout=2)
    assert r.xlen(keys.RESULTS_STREAM) == 1


@pytest.mark.parametrize("kind", ["transient", "redis"])
def test_a_stage_that_fails_transiently_twice_then_succeeds(kind: str, r: redis.Redis, use_env: dict[str, str], start_workers: Callable[..., Workers]) -> None:
    # "redis": Redis refusing while it loads its data after a restart is an outage, not a verdict
    start_workers(n=1, env=FLAKY)
    t = _ticket(0, metadata={"fail": {"stage": "classify", "times": 2, "kind": kind}})
    Enqueuer(r, load_settings()).enqueue(parse_ticket(t))
    [res] = wait_for_results(r, 1, timeout=60)
    assert res["failure"] is None
    assert res["attempts"]["classify"] == 3
    assert res["classification"] is not None
    assert int(r.get("test:attempts:api:t0:classify") or 0) == 3


@pytest.mark.parametrize(("kind", "reason"), [("transient", "automation_unavailable"), ("permanent", "automation_failed")])
def test_a_stage_that_always_fails_ends_as_an_escalation(kind: str, reason: str, r: redis.Redis, use_env: dict[str, str], start_workers: Callable[..., Workers]) -> None:
    start_workers(n=1, env={**FLAKY, "TICKETFLOW_RETRY_MAX": "3"})
    t = _ticket(1, metadata={"fail": {"stage": "generate", "times": -1, "kind": kind}})
    Enqueuer(r, load_settings()).enqueue(parse_ticket(t))
    [res] = wait_for_results(r, 1, timeout=60)
    assert res["decision"] == {"action": "escalate", "reasons": [reason]}
    assert res["failure"]["stage"] == "generate"
    assert res["reply"] == specialist_line("en")  # the hand-off line, in the customer's language
    expected_attempts = 4 if kind == "transient" else 1
    assert res["attempts"]["generate"] == expected_attempts


def test_retries_stop_before_the_deadline_so_the_real_reason_reaches_the_human(r: redis.Redis, use_env: dict[str, str], start_workers: Callable[..., Workers]) -> None:
    # given a retry budget (20 tries, ~1 s apart) far longer than the ticket's 8 s deadline
    env = {**FLAKY, "TICKETFLOW_RETRY_MAX": "20", "TICKETFLOW_RETRY_BACKOFF_S": "1", "TICKETFLOW_RETRY_BACKOFF_MAX_S": "1",
           "TICKETFLOW_INFLIGHT_DEADLINE_S": "8", "TICKETFLOW_REAP_EVERY_S": "1"}
    start_workers(n=1, env=env)
    t = _ticket(3, metadata={"fail": {"stage": "classify", "times": -1, "kind": "transient"}})
    Enqueuer(r, load_settings(inflight_deadline_s=8)).enqueue(parse_ticket(t))
    # when the provider never recovers
    [res] = wait_for_results(r, 1, timeout=60)
    # then the stage gives up inside the deadline, with the provider's reason, not the reaper's
    assert res["failure"]["stage"] == "classify"
    assert res["decision"]["reasons"] == ["automation_unavailable"]
    assert 3 <= res["attempts"]["classify"] < 20


def test_a_running_worker_publishes_with_the_patient_policy(r: redis.Redis, use_env: dict[str, str], start_workers: Callable[..., Workers]) -> None:
    # given a worker told to wait 30 s for a broker that went away
    from worker.app import create_app
    from worker.reliability.retrying import hop_retry_policy

    start_workers(n=1, env={"TICKETFLOW_PUBLISH_PATIENCE_S": "30"})
    # when asked for its configuration (Celery's remote control, over the same Redis), by an app of
    # its own that is closed after: the process-wide app keeps no broker connections for later forks
    control = create_app(load_settings())
    replies: dict[str, dict[str, object]] = {}
    try:
        for _ in range(30):
            replies = control.control.inspect(timeout=1.0).conf() or {}
            if replies:
                break
    finally:
        control.close()
    # then it publishes every hop with that patience, not Celery's three quick tries
    [conf] = replies.values()
    assert conf["task_publish_retry_policy"] == hop_retry_policy(30.0)
