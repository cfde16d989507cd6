"""Debounce and conversation state end to end: real Redis, real worker processes."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import redis

from devkit.services import Workers
from producer.enqueue import Enqueuer, parse_ticket
from tests.conftest import wait_for_results
from worker import keys
from worker.settings import load_settings

pytestmark = pytest.mark.integration


def test_quick_fragments_become_one_turn_and_one_result(r: redis.Redis, use_env: dict[str, str], start_workers: Callable[..., Workers], monkeypatch: pytest.MonkeyPatch) -> None:
    # given workers and a producer that debounce for three seconds (room for a loaded CI machine)
    monkeypatch.setenv("TICKETFLOW_DEBOUNCE_S", "3")
    start_workers(n=1, env={"TICKETFLOW_DEBOUNCE_S": "3"})
    enq = Enqueuer(r, load_settings())
    parts = ["Hi", "my CSV export shows Müller as MÃ¼ller", "when I open it in Excel"]
    # when one customer sends three messages in quick succession, and another customer one
    out = [enq.enqueue(parse_ticket({"id": f"f{i}", "customer_id": "c1", "message": p})) for i, p in enumerate(parts)]
    out.append(enq.enqueue(parse_ticket({"id": "other", "customer_id": "c2", "message": "How do I set up a recurring task?"})))
    assert all(e.accepted for e in out)
    results = wait_for_results(r, 2, timeout=60)
    time.sleep(1.5)  # nothing else may arrive
    results = wait_for_results(r, 2, timeout=0)
    # then the three fragments were answered once, as one turn, and nothing is left in flight
    assert sorted(res["ticket"]["id"] for res in results) == ["f0", "other"]
    merged = next(res for res in results if res["ticket"]["id"] == "f0")
    assert merged["ticket"]["metadata"]["merged_ticket_ids"] == ["f0", "f1", "f2"]
    assert "MÃ¼ller" in merged["ticket"]["message"] and "Excel" in merged["ticket"]["message"]
    assert merged["decision"]["action"] in ("auto_reply", "draft", "escalate")
    assert r.zcard(keys.INFLIGHT_ZSET) == 0
    # and a duplicate of a merged fragment is still refused
    assert enq.enqueue(parse_ticket({"id": "f1", "customer_id": "c1", "message": parts[1]})).accepted is False


def test_the_third_ticket_on_one_topic_goes_to_a_human_and_turns_reach_the_next_ticket(r: redis.Redis, use_env: dict[str, str], start_workers: Callable[..., Workers]) -> None:
    # given a worker without debounce (and a retrieval threshold that lets the how-to through: this test is about topics)
    start_workers(n=1, env={"TICKETFLOW_RETRIEVAL_MIN_SCORE": "0"})
    enq = Enqueuer(r, load_settings())
    wordings = ["How do I reset my password?", "Where is the reset password link?", "password reset, how does it work"]
    # when one customer asks the same thing three times, in different words, one after another
    for i, w in enumerate(wordings):
        assert enq.enqueue(parse_ticket({"id": f"p{i}", "customer_id": "c7", "message": w})).accepted
        wait_for_results(r, i + 1, timeout=60)
    results = {res["ticket"]["id"]: res for res in wait_for_results(r, 3, timeout=0)}
    # then the third time is a human's, with the reason, and the first was answered
    assert results["p0"]["decision"]["action"] == "auto_reply"
    assert "repeat_topic" in results["p2"]["decision"]["reasons"] and results["p2"]["decision"]["action"] == "escalate"
    # and the later tickets carried the customer's earlier turns for generation
    earlier = results["p1"]["ticket"]["metadata"]["customer_turns"]
    assert earlier[0] == {"role": "customer", "text": wordings[0]}
    assert earlier[1]["role"] == "bot" and earlier[1]["text"] == results["p0"]["reply"]
