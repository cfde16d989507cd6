"""The reaper turns tickets that never finished into escalations, once (real Redis)."""

from __future__ import annotations

import json

import redis

from worker import keys
from worker.models import Ticket, TicketResult
from worker.reliability import dlq
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


def test_a_poison_entry_is_published_from_what_can_be_kept_and_does_not_block_the_tickets_behind_it(r: redis.Redis) -> None:
    # given a stored payload that is not even JSON, ahead of a good ticket
    r.set(keys.ticket_key("api:bad"), b"{not json")
    r.zadd(keys.INFLIGHT_ZSET, {"api:bad": 1.0})
    _accept(r, "good", deadline=2.0)
    stream = ResultsStream(r)
    # when the reaper runs
    assert reap(r, stream, Policy(), now=500.0) == 2
    # then both are published, the poison one as automation_failed with its raw payload dead-lettered
    got = {res["ticket"]["id"]: res for _, res in stream.read()}
    assert set(got) == {"bad", "good"}
    assert got["bad"]["decision"]["reasons"] == ["automation_failed"]
    [entry] = dlq.entries(r)
    assert (entry.ticket_id, entry.raw) == ("api:bad", "{not json")
    assert r.zcard(keys.INFLIGHT_ZSET) == 0


def test_a_ticket_whose_result_cannot_be_serialised_still_ends_in_one_result(r: redis.Redis) -> None:
    # given a payload stored before the door refused lone surrogates (valid JSON, not text)
    payload = {"ticket": {"id": "s1", "source": "api", "customer_id": "c\ud800", "message": "refund \ud800 please",
                          "metadata": {"note": "\ud800", "zendesk_ticket_id": 77}}, "enqueued_at": 3.0}
    raw = json.dumps(payload).replace("\\\\", "\\")
    r.set(keys.ticket_key("api:s1"), raw)
    r.zadd(keys.INFLIGHT_ZSET, {"api:s1": 1.0})
    stream = ResultsStream(r)
    handed: list[str] = []
    # when the reaper runs twice, with the write-back step the workers pass
    for _ in range(2):
        reap(r, stream, Policy(), now=500.0, on_reaped=lambda s: handed.append(s.ticket.uid))
    # then one result, escalated, with the text kept (the surrogate replaced) and the safe metadata kept
    [(_, res)] = stream.read()
    assert res["decision"] == {"action": "escalate", "reasons": ["automation_failed"]}
    assert res["ticket"]["message"] == "refund ? please" and res["ticket"]["metadata"] == {"zendesk_ticket_id": 77}
    assert "dropped metadata: note" in res["failure"]["error"]
    assert handed == ["api:s1"]
    [entry] = dlq.entries(r)
    assert entry.raw is not None and json.loads(entry.raw)["ticket"]["metadata"]["note"] == "\ud800"
    assert r.zcard(keys.INFLIGHT_ZSET) == 0 and not r.exists(keys.ticket_key("api:s1"))


class RefusingStream(ResultsStream):
    """A results stream whose every publish fails the way an unexpected bug would."""

    def publish(self, result: TicketResult) -> str | None:
        raise ValueError("cannot publish")


def test_a_ticket_that_cannot_be_published_at_all_waits_for_the_next_pass_instead_of_vanishing(r: redis.Redis) -> None:
    _accept(r, "stuck", deadline=1.0)
    assert reap(r, RefusingStream(r), Policy(), now=500.0, retry_s=60.0) == 0
    # still registered, its deadline pushed back so it does not head every pass
    assert r.zscore(keys.INFLIGHT_ZSET, "api:stuck") == 560.0
    assert reap(r, ResultsStream(r), Policy(), now=561.0) == 1
