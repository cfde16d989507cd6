"""The ingestion API through FastAPI's TestClient (httpx) against a real Redis."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from producer.api import create_app
from tests.support.payloads import dumps
from worker import keys
from worker.models import Decision, Ticket, TicketResult
from worker.settings import Settings, load_settings
from worker.sinks.results import ResultsStream

TOKEN = "api-secret"


def queued(r: redis.Redis, settings: Settings) -> int:
    """Chains started: first tasks waiting on the broker queue."""
    return int(r.llen(settings.io_queue)) + int(r.llen(settings.cpu_queue))  # type: ignore[arg-type]


@pytest.fixture
def settings(use_env: dict[str, str], redis_url: str) -> Settings:
    from worker.app import app as celery_app

    # Guard: the chain must go to the test Redis, never a developer's.
    assert celery_app.conf.broker_url.startswith(redis_url.rsplit("/", 1)[0]), celery_app.conf.broker_url
    return load_settings(api_token=TOKEN, api_max_body_bytes=20_000)


@pytest.fixture
def client(settings: Settings, r: redis.Redis) -> Iterator[TestClient]:
    with TestClient(create_app(settings, r=r), headers={"Authorization": f"Bearer {TOKEN}"}) as c:
        yield c


def test_a_ticket_is_accepted_once_and_a_repeat_enqueues_nothing(client: TestClient, r: redis.Redis, settings: Settings) -> None:
    t = {"id": "A-1", "customer_id": "c1", "subject": "Export", "message": "Can I export my projects to CSV?"}
    first = client.post("/v1/tickets", json=t)
    again = client.post("/v1/tickets", json=t)
    assert first.status_code == 202 and first.json()["accepted"] is True and first.json()["uid"] == "api:A-1"
    assert again.status_code == 202 and again.json()["duplicate"] is True
    assert queued(r, settings) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"", "body"),
        (b"{not json", "body"),
        (b"\xff\xfe{}", "body"),
        (b"[" * 50_00 + b"]" * 50_00, "body"),
        (b"[1, 2]", None),
        (dumps({"id": "x"}), "message"),
        (dumps({"id": "x", "message": "   "}), "message"),
        (dumps({"id": True, "message": "hi"}), "id"),
        (dumps({"id": "x", "message": "hi", "history": "not a list"}), "history"),
        (dumps({"id": "x", "message": "hi", "source": "bad source!"}), "source"),
        (dumps({"id": "x", "message": "a\x00b"}), "message"),
    ],
)
def test_bad_tickets_get_a_422_naming_the_field_and_change_nothing(client: TestClient, r: redis.Redis, settings: Settings, body: bytes, field: str | None) -> None:
    resp = client.post("/v1/tickets", content=body, headers={"Content-Type": "application/json"})
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"] == "invalid_ticket"
    assert resp.json().get("field") == field
    assert queued(r, settings) == 0 and not r.keys(f"{keys.PREFIX}:seen:*")


def test_a_body_over_the_limit_is_refused_with_413(client: TestClient, r: redis.Redis, settings: Settings) -> None:
    resp = client.post("/v1/tickets", json={"id": "big", "message": "x" * 30_000})
    assert resp.status_code == 413 and resp.json()["error"] == "body_too_large"
    assert queued(r, settings) == 0


def test_without_the_api_token_nothing_is_accepted(settings: Settings, r: redis.Redis) -> None:
    with TestClient(create_app(settings, r=r)) as anon:
        assert anon.post("/v1/tickets", json={"id": "x", "message": "hi"}).status_code == 401
        assert anon.post("/v1/tickets", json={"id": "x", "message": "hi"}, headers={"Authorization": "Bearer nope"}).status_code == 401
        assert anon.get("/v1/tickets/x").status_code == 401
        assert anon.get("/healthz").status_code == 200
    assert queued(r, settings) == 0


def _publish_later(r: redis.Redis, ticket_id: str, delay: float) -> threading.Thread:
    def run() -> None:
        time.sleep(delay)
        res = TicketResult(ticket=Ticket(id=ticket_id, message="hi"), decision=Decision(action="auto_reply"), reply="Here is how.")
        ResultsStream(r).publish(res)

    th = threading.Thread(target=run)
    th.start()
    return th


def test_status_goes_from_queued_to_done_with_the_result(client: TestClient, r: redis.Redis) -> None:
    assert client.get("/v1/tickets/S-1").status_code == 404
    client.post("/v1/tickets", json={"id": "S-1", "message": "How do I reset my password?"})
    assert client.get("/v1/tickets/S-1").json()["status"] == "queued"
    _publish_later(r, "S-1", 0).join()
    body = client.get("/v1/tickets/S-1").json()
    assert body["status"] == "done" and body["decision"]["action"] == "auto_reply" and body["reply"] == "Here is how."


def test_events_stream_relays_stages_and_deltas_then_the_decision(client: TestClient, r: redis.Redis) -> None:
    from worker.sinks import progress

    client.post("/v1/tickets", json={"id": "E-1", "message": "How do I reset my password?"})
    progress.publish(r, "api:E-1", "stage", stage="classify")
    progress.publish(r, "api:E-1", "delta", text="Here ")
    assert 0 < int(r.ttl(progress.events_key("api:E-1"))) <= progress.TTL_S  # type: ignore[arg-type]
    assert client.get("/v1/tickets/E-1").json()["stage"] == "classify"
    th = _publish_later(r, "E-1", 0.5)
    with client.stream("GET", "/v1/tickets/E-1/events", params={"timeout": 10}) as resp:
        assert resp.headers["content-type"].startswith("text/event-stream")
        text = "".join(resp.iter_text())
    th.join()
    names = [line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("event: ")]
    assert names[:2] == ["stage", "delta"] and names[-1] == "decision"
    decision = json.loads([line for line in text.splitlines() if line.startswith("data: ")][-1][6:])
    assert decision["decision"]["action"] == "auto_reply" and decision["reply"] == "Here is how."


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["redis"] == "ok"


def test_readiness_fails_when_redis_is_unreachable(settings: Settings) -> None:
    dead = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    with TestClient(create_app(settings, r=dead)) as c:
        resp = c.get("/readyz")
    assert resp.status_code == 503 and resp.json()["checks"]["redis"].startswith("unreachable")


def test_the_operations_routers_are_mounted_when_their_modules_exist(client: TestClient) -> None:
    pytest.importorskip("console.metrics_http")
    pytest.importorskip("console.review")
    assert client.get("/metrics").status_code == 200
    assert client.get("/review").status_code != 404  # mounted (and guarded by its own token)
    assert client.get("/no-such-page").status_code == 404


@pytest.mark.parametrize("source", ["zendesk", "intercom"])
def test_an_api_client_cannot_speak_for_a_helpdesk(source: str, client: TestClient, r: redis.Redis) -> None:
    # A ticket claiming a helpdesk source would get that helpdesk's write-back and its dedupe key.
    resp = client.post("/v1/tickets", json={"id": "555", "source": source, "message": "hello"})
    assert resp.status_code == 422
    assert resp.json()["field"] == "source"
    assert r.dbsize() == 0
