"""Property-based fuzzing of the ingestion API (POST /v1/tickets) through FastAPI's TestClient on a real Redis:
every rejection is a clear 4xx, nothing half-parsed is enqueued, and a rejected request changes nothing."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from producer.api import create_app
from producer.enqueue import Enqueued, Enqueuer, parse_ticket
from tests.support.strategies import bodies, ticket_like
from worker.errors import TicketInvalid
from worker.models import Ticket
from worker.settings import load_settings

LIMIT = 50_000
TRIED: Counter[str] = Counter()


class Recorder(Enqueuer):
    """Stands where the broker would be: records what would reach a worker."""

    def __init__(self, r: redis.Redis) -> None:
        super().__init__(r, load_settings())
        self.got: list[Ticket] = []

    def enqueue(self, ticket: Ticket, *, run_id: str | None = None) -> Enqueued:
        self.got.append(ticket)
        return Enqueued(ticket.uid, accepted=True)


@pytest.fixture(scope="module", autouse=True)
def _count() -> Iterator[None]:
    yield
    print(f"\nFUZZ API inputs tried: {dict(TRIED)}, by status: {dict(STATUS)}")


STATUS: Counter[int] = Counter()


@pytest.fixture
def api(r: redis.Redis) -> Iterator[tuple[TestClient, Recorder, redis.Redis]]:
    rec = Recorder(r)
    with TestClient(create_app(load_settings(api_max_body_bytes=LIMIT), r=r, enqueuer=rec)) as client:
        yield client, rec, r


def _expected(body: bytes) -> Ticket | None:
    try:
        return parse_ticket(body)
    except (TicketInvalid, RecursionError):
        return None


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=bodies | ticket_like.map(lambda d: json.dumps(d).encode()), content_type=st.sampled_from(["application/json", "text/plain", "application/octet-stream", ""]))
def test_any_body_is_accepted_whole_or_refused_with_a_clear_4xx(api: tuple[TestClient, Recorder, redis.Redis], body: bytes, content_type: str) -> None:
    client, rec, r = api
    TRIED["post_ticket"] += 1
    before = len(rec.got)
    keys_before = int(r.dbsize())
    resp = client.post("/v1/tickets", content=body, headers={"content-type": content_type} if content_type else {})
    STATUS[resp.status_code] += 1
    assert resp.status_code < 500, resp.text
    if resp.status_code == 202:
        # what would reach a worker is the whole ticket the body describes, nothing less
        [t] = rec.got[before:]
        assert t == _expected(body)
        assert t.message.strip() and "\x00" not in t.message
        assert resp.json()["uid"] == t.uid
        return
    assert 400 <= resp.status_code < 500
    assert resp.json().get("error") and resp.json().get("detail"), resp.text  # says what is wrong
    assert len(rec.got) == before, "a rejected request reached the queue"
    assert int(r.dbsize()) == keys_before, "a rejected request changed Redis"


@pytest.mark.parametrize("size", [LIMIT + 1, 5 * LIMIT, 20_000_000])
def test_an_enormous_body_is_refused_before_it_is_parsed(api: tuple[TestClient, Recorder, redis.Redis], size: int) -> None:
    client, rec, _r = api
    TRIED["enormous"] += 1
    resp = client.post("/v1/tickets", content=b'{"id": "big", "message": "' + b"a" * size + b'"}')
    assert resp.status_code == 413 and resp.json()["error"]
    assert rec.got == []
