"""The dead-letter stream on a real Redis: recorded once, listed, replayed once, never posting twice."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from worker import keys
from worker.models import Decision, Failure, Ticket, TicketResult
from worker.reliability import dlq
from worker.state import conversation


def _failed(i: int, *, source: str = "zendesk", reason: str = "automation_unavailable") -> TicketResult:
    ticket = Ticket(id=f"{100 + i}", source=source, customer_id=f"c{i}", message="How do I reset my password?")
    return TicketResult(
        ticket=ticket,
        failure=Failure(stage="generate", error="ProviderUnavailable: overloaded", reason=reason),
        decision=Decision(action="escalate", reasons=[reason]),
    )


def _record(r: redis.Redis, state: TicketResult, kind: dlq.Kind = "pipeline", dedupe: str = "task-1") -> str | None:
    f = state.failure or Failure(stage="deliver", error="SinkRejected: 422")
    return dlq.record(r, state, kind=kind, stage=f.stage, error=f.error, reason=f.reason, dedupe=dedupe)


class Calls:
    """What a replay asked for: tickets enqueued and payloads redelivered."""

    def __init__(self, accept: bool = True) -> None:
        self.enqueued: list[Ticket] = []
        self.redelivered: list[dict[str, Any]] = []
        self.accept = accept

    def enqueue(self, ticket: Ticket) -> bool:
        self.enqueued.append(ticket)
        return self.accept

    def redeliver(self, payload: dict[str, Any]) -> None:
        self.redelivered.append(payload)


def test_a_redelivered_task_records_no_second_entry(r: redis.Redis) -> None:
    first = _record(r, _failed(1), dedupe="task-abc")
    again = _record(r, _failed(1), dedupe="task-abc")
    other = _record(r, _failed(1), dedupe="task-def")
    assert first is not None and again is None and other is not None
    assert r.xlen(keys.DLQ_STREAM) == 2


def test_entries_are_listed_oldest_first_filtered_by_kind_and_state(r: redis.Redis) -> None:
    ids = [_record(r, _failed(i), kind="deliver" if i % 2 else "pipeline", dedupe=f"t{i}") for i in range(7)]
    listed = dlq.entries(r, count=100)
    assert [e.id for e in listed] == ids
    assert [e.ticket_id for e in dlq.entries(r, kind="deliver")] == ["zendesk:101", "zendesk:103", "zendesk:105"]
    assert [e.ticket_id for e in dlq.entries(r, count=2)] == ["zendesk:105", "zendesk:106"]
    assert listed[0].result.failure is not None and listed[0].reason == "automation_unavailable"
    r.hset(dlq.REPLAYED_HASH, str(ids[0]), "1")
    assert len(dlq.entries(r, pending_only=True)) == 6
    assert dlq.pending_count(r) == 6


def test_listing_pages_through_more_than_one_batch(r: redis.Redis) -> None:
    for i in range(1203):
        _record(r, _failed(i), dedupe=f"t{i}")
    got = dlq.entries(r, count=1201, kind="pipeline")
    assert len(got) == 1201 and len({e.id for e in got}) == 1201
    assert got[-1].ticket_id == "zendesk:1302"


def test_replaying_a_failed_delivery_sends_it_again_once(r: redis.Redis) -> None:
    state = _failed(1)
    entry = _record(r, state, kind="deliver")
    assert entry is not None
    calls = Calls()
    first = dlq.replay(r, entry, enqueue=calls.enqueue, redeliver=calls.redeliver)
    second = dlq.replay(r, entry, enqueue=calls.enqueue, redeliver=calls.redeliver)
    assert (first.outcome, second.outcome) == ("redelivered", "already_replayed")
    assert len(calls.redelivered) == 1 and not calls.enqueued
    assert TicketResult.model_validate(calls.redelivered[0]).ticket.uid == "zendesk:101"


def test_replaying_a_failed_ticket_runs_it_again_under_a_replay_id_as_a_draft_for_the_agent(r: redis.Redis) -> None:
    entry = _record(r, _failed(1))
    assert entry is not None
    calls = Calls()
    done = dlq.replay(r, entry, enqueue=calls.enqueue, redeliver=calls.redeliver)
    assert done.outcome == "reenqueued" and done.replay_ticket_id == "zendesk:101~replay1"
    [again] = calls.enqueued
    # the same helpdesk conversation, a new id in the results stream
    assert again.thread_id == "101" and again.source == "zendesk"
    # a person was told to take it over: the replay may only draft
    assert conversation.human_owns(r, "zendesk", "101")
    assert dlq.replay(r, entry, enqueue=calls.enqueue, redeliver=calls.redeliver).outcome == "already_replayed"
    assert len(calls.enqueued) == 1


def test_allow_reply_leaves_the_conversation_to_the_bot(r: redis.Redis) -> None:
    entry = _record(r, _failed(2))
    assert entry is not None
    dlq.replay(r, entry, enqueue=Calls().enqueue, redeliver=Calls().redeliver, allow_reply=True)
    assert not conversation.human_owns(r, "zendesk", "102")


def test_a_replay_that_could_not_be_sent_stays_replayable(r: redis.Redis) -> None:
    entry = _record(r, _failed(3), kind="deliver")
    assert entry is not None

    def broker_down(payload: dict[str, Any]) -> None:
        raise ConnectionError("broker unreachable")

    with pytest.raises(ConnectionError):
        dlq.replay(r, entry, enqueue=Calls().enqueue, redeliver=broker_down)
    calls = Calls()
    assert dlq.replay(r, entry, enqueue=calls.enqueue, redeliver=calls.redeliver).outcome == "redelivered"


def test_an_unknown_entry_is_reported_missing(r: redis.Redis) -> None:
    assert dlq.replay(r, "1-0", enqueue=Calls().enqueue, redeliver=Calls().redeliver).outcome == "missing"


@pytest.mark.parametrize(("before", "after"), [("123", "123~replay1"), ("123~replay1", "123~replay2"), ("a~replay9", "a~replay10"), ("x~replayz", "x~replayz~replay1")])
def test_replay_ids_count_up(before: str, after: str) -> None:
    assert dlq.replay_id(before) == after
