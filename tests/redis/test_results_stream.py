"""The results stream publishes each ticket once, whatever the redeliveries (real Redis)."""

from __future__ import annotations

import pytest
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


def test_commands_sent_along_run_in_the_publish_round_trip_and_again_on_a_redelivery(r: redis.Redis) -> None:
    stream = ResultsStream(r)

    def along(pipe: redis.client.Pipeline) -> None:
        pipe.hincrby("along", "runs", 1)

    first = stream.publish(_result(), along=along)
    second = stream.publish(_result(), along=along)
    assert first is not None and second is None  # published once
    assert r.xlen(keys.RESULTS_STREAM) == 1 and int(r.hget("along", "runs") or 0) == 2  # idempotent work runs each time


def test_a_redis_that_forgot_the_publish_script_still_publishes_with_commands_along(r: redis.Redis) -> None:
    stream = ResultsStream(r)
    r.script_flush()
    eid = stream.publish(_result(), along=lambda pipe: pipe.set("along", "1"))
    assert eid is not None and r.get("along") == b"1"
    assert [res["ticket"]["id"] for _eid, res in stream.read()] == ["1"]


def test_a_command_along_that_fails_fails_the_publish_call(r: redis.Redis) -> None:
    stream = ResultsStream(r)
    r.set("not-a-hash", "x")
    with pytest.raises(redis.ResponseError):  # the escalate task retries it, as it retried a failed record_turn
        stream.publish(_result(), along=lambda pipe: pipe.hset("not-a-hash", "f", "v"))
