"""The results stream publishes each ticket once, whatever the redeliveries (real Redis)."""

from __future__ import annotations

import redis

from worker import keys
from worker.models import Decision, Ticket, TicketResult
from worker.sinks.results import ResultsStream


def _result(tid: str = "1") -> TicketResult:
    return TicketResult(ticket=Ticket(id=tid, message="hello"), decision=Decision(action="escalate", reasons=["billing"]))


def test_publishing_twice_appends_once(r: redis.Redis) -> None:
    stream = ResultsStream(r)
    r.zadd(keys.INFLIGHT_ZSET, {"api:1": 1.0})
    first = stream.publish(_result())
    second = stream.publish(_result())
    assert first is not None and second is None
    assert r.xlen(keys.RESULTS_STREAM) == 1
    assert r.zcard(keys.INFLIGHT_ZSET) == 0


def test_read_returns_the_published_result(r: redis.Redis) -> None:
    stream = ResultsStream(r)
    stream.publish(_result("a"))
    stream.publish(_result("b"))
    got = [res["ticket"]["id"] for _eid, res in stream.read()]
    assert got == ["a", "b"]
    assert [res["ticket"]["id"] for _eid, res in stream.latest(1)] == ["b"]


def test_same_id_from_two_helpdesks_are_two_tickets(r: redis.Redis) -> None:
    stream = ResultsStream(r)
    a = _result("7")
    b = _result("7")
    b.ticket.source = "zendesk"
    assert stream.publish(a) and stream.publish(b)
