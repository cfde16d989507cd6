"""Reopens within the window count against resolution; the review sample is a stable share of auto-replies."""

from __future__ import annotations

import pytest
import redis

from tests.support.ops import publish, result
from worker import keys
from worker.metrics import fold_results
from worker.state import outcomes
from worker.state.outcomes import entry_time, record_reopen, reopened, review_candidates, sampled_for_review


@pytest.mark.parametrize("share", [0.05, 0.2])
def test_the_review_sample_is_close_to_the_configured_share(share: float) -> None:
    hits = sum(sampled_for_review(f"api:t{i}", share) for i in range(20_000))
    assert abs(hits / 20_000 - share) < 0.01


def test_the_review_sample_is_the_same_every_time_and_empty_or_full_at_the_ends() -> None:
    ids = [f"zendesk:{i}" for i in range(500)]
    assert [sampled_for_review(u, 0.05) for u in ids] == [sampled_for_review(u, 0.05) for u in ids]
    assert not any(sampled_for_review(u, 0.0) for u in ids)
    assert all(sampled_for_review(u, 1.0) for u in ids)


def test_only_auto_replies_are_review_candidates() -> None:
    entries = [("1-0", result("a").model_dump(mode="json")), ("2-0", result("b", action="escalate", reasons=["billing"]).model_dump(mode="json"))]
    assert review_candidates(entries, 1.0) == {"1-0": 0.001}


def test_a_reopen_inside_the_window_is_recorded_once(r: redis.Redis) -> None:
    [eid] = publish(r, result("101", source="zendesk"))
    assert eid is not None
    now = entry_time(eid) + 3600
    assert record_reopen(r, "zendesk", "101", window_s=86400, now=now)
    assert record_reopen(r, "zendesk", "101", window_s=86400, now=now + 5)
    assert reopened(r) == {"zendesk:101": now}


def test_a_message_long_after_the_window_is_a_new_question_not_a_reopen(r: redis.Redis) -> None:
    [eid] = publish(r, result("102", source="zendesk"))
    assert eid is not None
    assert not record_reopen(r, "zendesk", "102", window_s=3600, now=entry_time(eid) + 7200)
    assert reopened(r) == {}


def test_a_reopen_of_a_result_no_longer_known_still_counts(r: redis.Redis) -> None:
    # the helpdesk's closed marker is the evidence when the publish marker has expired
    assert record_reopen(r, "intercom", "5001", window_s=60, now=1000.0)
    assert set(reopened(r)) == {"intercom:5001"}
    assert r.get(keys.published_key("intercom:5001")) is None


def test_sampled_auto_replies_fill_the_review_queue_once_and_reviewed_ones_are_not_queued_again(r: redis.Redis) -> None:
    # given four auto-replies and an escalation, with every auto-reply sampled
    ids = publish(r, *[result(f"t{i}") for i in range(4)], result("e", action="escalate", reasons=["billing"]))
    fold_results(r, review_share=1.0)
    assert outcomes.pending_reviews(r) == ids[:4]
    # when one is reviewed and the stream is folded again from scratch (cursor lost)
    outcomes.record_review(r, "api:t0", str(ids[0]), "incorrect", "  cites the wrong article ", reviewer="alice", now=5.0)
    r.delete("ticketflow:metrics:cursor:ticketflow:results", "ticketflow:metrics:counters:ticketflow:results")
    fold_results(r, review_share=1.0)
    # then the reviewed ticket stays off the queue and its verdict is kept
    assert outcomes.pending_reviews(r) == ids[1:4]
    got = outcomes.reviews(r)["api:t0"]
    assert (got.verdict, got.note, got.reviewer, got.at) == ("incorrect", "cites the wrong article", "alice", 5.0)
