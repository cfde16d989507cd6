"""The one way in: bad input is refused with a clear error and changes nothing."""

from __future__ import annotations

import pytest
import redis

from producer.enqueue import Enqueuer, parse_ticket
from worker import keys
from worker.errors import TicketInvalid
from worker.settings import load_settings


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"id": "1"}, "message"),
        ({"id": "1", "message": "   "}, "message"),
        ({"message": "hi"}, "id"),
        ({"id": True, "message": "hi"}, "id"),
        ({"id": "1", "message": "hi", "history": "nope"}, "history"),
        ({"id": "1", "message": "x" * 20_001}, "message"),
        ({"id": "1", "message": "a\x00b"}, "message"),
        ({"id": "1", "message": "hi", "source": "../etc"}, "source"),
    ],
)
def test_invalid_tickets_name_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(TicketInvalid) as err:
        parse_ticket(data)
    assert err.value.field is not None and err.value.field.startswith(field)


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b"\xff\xfe", "42"])
def test_non_objects_are_refused(raw: bytes | str) -> None:
    with pytest.raises(TicketInvalid):
        parse_ticket(raw)


def test_text_is_accepted_for_message_and_numeric_ids_become_strings() -> None:
    t = parse_ticket({"id": 123, "customer_id": 9, "text": "Where is my order?"})
    assert (t.id, t.customer_id, t.message, t.source) == ("123", "9", "Where is my order?", "api")


def test_an_invalid_ticket_leaves_redis_untouched(r: redis.Redis) -> None:
    with pytest.raises(TicketInvalid):
        parse_ticket({"id": "1"})
    assert r.dbsize() == 0


def test_a_broker_failure_undoes_the_acceptance(r: redis.Redis, redis_url: str) -> None:
    # given an enqueuer whose dedupe store works but whose broker refuses
    settings = load_settings(redis_url=redis_url)
    enq = Enqueuer(r, settings)
    import producer.enqueue as mod

    def refuse(*_args: object) -> object:
        raise ConnectionError("broker down")

    original = mod._start
    mod._start = refuse  # type: ignore[assignment]
    try:
        with pytest.raises(ConnectionError):
            enq.enqueue(parse_ticket({"id": "9", "message": "hi"}))
    finally:
        mod._start = original
    # then nothing is left behind, so a retry of the same call starts clean
    assert not r.exists(keys.dedupe_key("api", "9"))
    assert r.zcard(keys.INFLIGHT_ZSET) == 0
