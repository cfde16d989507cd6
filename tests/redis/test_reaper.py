"""The reaper turns tickets that never finished into escalations, once (real Redis)."""

from __future__ import annotations

import redis

from worker import keys
from worker.models import Ticket, TicketResult
from worker.reliability.reaper import reap
from worker.sinks.results import ResultsStream
from worker.stages.escalate import Policy


def _accept(r: redis.Redis, tid: str, deadline: float) -> None:
    state = TicketResult(ticket=Ticket(id=tid, message="where is my invoice?"), enqueued_at=1.0)
    r.set(keys.ticket_key(state.ticket.uid), state.model_dump_json())
    r.zadd(keys.INFLIGHT_ZSET, {state.ticket.uid: deadline})


def test_an_overdue_ticket_is_escalated_once_and_a_fresh_one_is_left_alone(r: redis.Redis) -> None:
    # given one ticket past its deadline and one still within it
    _accept(r, "late", deadline=100.0)
    _accept(r, "fresh", deadline=10_000.0)
    stream = ResultsStream(r)
    # when the reaper runs twice at t=500
    first = reap(r, stream, Policy(), now=500.0)
    second = reap(r, stream, Policy(), now=500.0)
    # then the late ticket is published once as an automation failure, the fresh one is untouched
    assert (first, second) == (1, 0)
    [(_, res)] = stream.read()
    assert res["ticket"]["id"] == "late"
    assert res["decision"] == {"action": "escalate", "reasons": ["automation_failed"]}
    assert r.zrange(keys.INFLIGHT_ZSET, 0, -1) == [b"api:fresh"]


def test_a_ticket_that_finished_meanwhile_is_not_reaped(r: redis.Redis) -> None:
    _accept(r, "done", deadline=100.0)
    stream = ResultsStream(r)
    finished = TicketResult.model_validate_json(r.get(keys.ticket_key("api:done")) or b"")
    from worker.models import Decision

    finished.decision = Decision(action="auto_reply")
    stream.publish(finished)
    assert reap(r, stream, Policy(), now=500.0) == 0
    assert r.xlen(keys.RESULTS_STREAM) == 1


def test_every_reaped_ticket_is_handed_on_once_for_write_back(r: redis.Redis) -> None:
    # given two overdue tickets
    _accept(r, "a", deadline=1.0)
    _accept(r, "b", deadline=1.0)
    stream = ResultsStream(r)
    handed: list[str] = []
    # when the reaper runs twice with a hand-on step
    reap(r, stream, Policy(), now=500.0, on_reaped=lambda s: handed.append(s.ticket.id))
    reap(r, stream, Policy(), now=500.0, on_reaped=lambda s: handed.append(s.ticket.id))
    # then each was handed on exactly once, with the failure attached
    assert sorted(handed) == ["a", "b"]


def test_a_ticket_whose_payload_is_gone_is_still_escalated(r: redis.Redis) -> None:
    r.zadd(keys.INFLIGHT_ZSET, {"zendesk:42": 1.0})
    stream = ResultsStream(r)
    assert reap(r, stream, Policy(), now=500.0) == 1
    [(_, res)] = stream.read()
    assert (res["ticket"]["source"], res["ticket"]["id"]) == ("zendesk", "42")
    assert res["decision"]["reasons"] == ["automation_failed"]


def test_a_poison_entry_does_not_block_the_tickets_behind_it(r: redis.Redis) -> None:
    r.set(keys.ticket_key("api:bad"), b"{not json")
    r.zadd(keys.INFLIGHT_ZSET, {"api:bad": 1.0})
    _accept(r, "good", deadline=2.0)
    stream = ResultsStream(r)
    assert reap(r, stream, Policy(), now=500.0) == 1
    assert [res["ticket"]["id"] for _, res in stream.read()] == ["good"]
    assert r.zcard(keys.INFLIGHT_ZSET) == 0
