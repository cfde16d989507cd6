"""What the API lets in, what it shows back and to whom (issue 15), through FastAPI's TestClient on a real Redis."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from producer.api import create_app
from producer.enqueue import Enqueuer, parse_ticket
from worker import keys
from worker.models import Citation, Decision, Draft, TicketResult
from worker.settings import Settings, load_settings
from worker.sinks.results import ResultsStream
from worker.state import conversation

WRITE, READ, METRICS = "write-secret-1", "read-secret-2", "metrics-secret-3"


@pytest.fixture
def settings(use_env: dict[str, str], redis_url: str) -> Settings:
    from worker.app import app as celery_app

    assert celery_app.conf.broker_url.startswith(redis_url.rsplit("/", 1)[0]), celery_app.conf.broker_url
    return load_settings(api_token=WRITE, api_read_token=READ, metrics_token=METRICS)


@pytest.fixture
def client(settings: Settings, r: redis.Redis) -> Iterator[TestClient]:
    with TestClient(create_app(settings, r=r), headers={"Authorization": f"Bearer {WRITE}"}) as c:
        yield c


def _nested(depth: int) -> dict[str, object]:
    meta: dict[str, object] = {"leaf": 1}
    for _ in range(depth - 1):
        meta = {"k": meta}
    return meta


def test_the_lone_surrogate_ticket_of_the_issue_is_refused_and_leaves_nothing(client: TestClient, r: redis.Redis) -> None:
    body = b'{"id": "sur-1", "message": "hello", "metadata": {"note": "\\ud800"}}'
    got = client.post("/v1/tickets", content=body, headers={"content-type": "application/json"})
    assert got.status_code == 422 and got.json()["field"] == "metadata.note"
    assert r.dbsize() == 0  # no dedupe key: a clean copy can be posted at once
    assert client.post("/v1/tickets", json={"id": "sur-1", "message": "hello", "metadata": {"note": "ok"}}).status_code == 202


@pytest.mark.parametrize("depth", [200, 256, 400, 900])
def test_metadata_nested_256_to_900_deep_is_a_4xx_not_a_500(client: TestClient, depth: int) -> None:
    got = client.post("/v1/tickets", content=json.dumps({"id": f"d{depth}", "message": "hi", "metadata": _nested(depth)}))
    assert got.status_code == 422 and got.json()["field"] == "metadata", got.text


@pytest.mark.parametrize("source", ["Zendesk", "zendesk", "INTERCOM"])
def test_reserved_sources_are_refused_in_any_case(client: TestClient, source: str) -> None:
    got = client.post("/v1/tickets", json={"id": "z1", "source": source, "message": "hi"})
    assert got.status_code == 422 and got.json()["field"] == "source"


@pytest.mark.parametrize(("field", "value"), [("id", "a\x00b"), ("subject", "a\x00"), ("customer_id", "c\x00"), ("id", "a\r\nb"), ("customer_id", "c\u202e1")])
def test_nul_crlf_and_bidi_overrides_in_ids_are_refused_naming_the_field(client: TestClient, field: str, value: str) -> None:
    got = client.post("/v1/tickets", json={"id": "ok", "message": "hi", field: value})
    assert got.status_code == 422 and got.json()["field"] == field


def _publish_with_history(r: redis.Redis, settings: Settings) -> None:
    # given an earlier ticket of customer c-9, then a new one of the same customer, done
    conversation.record_turn(r, parse_ticket({"id": "old", "customer_id": "c-9", "message": "my card 4242 was charged twice"}), 1.0,
                             settings.conversation_ttl_s, reply="Refund issued to your card.")
    enq = Enqueuer(r, settings)
    t = enq._with_customer_turns(parse_ticket({"id": "new", "customer_id": "c-9", "message": "How do I export to CSV?"}))
    assert conversation.CUSTOMER_TURNS in t.metadata  # the pipeline does carry the history
    r.set(keys.dedupe_key("api", "new"), "1")
    res = TicketResult(ticket=t, decision=Decision(action="auto_reply"), reply="Use Export.",
                       draft=Draft(text="Use Export.", citations=[Citation(doc_id="export", title="Exporting", section="CSV")]))
    ResultsStream(r).publish(res)


def test_a_read_shows_decision_reply_citations_and_stage_and_never_customer_turns(client: TestClient, r: redis.Redis, settings: Settings) -> None:
    _publish_with_history(r, settings)
    got = client.get("/v1/tickets/new", headers={"Authorization": f"Bearer {READ}"})
    body = got.json()
    assert got.status_code == 200 and set(body) == {"uid", "status", "stage", "decision", "reply", "citations", "failure"}
    assert body["decision"] == {"action": "auto_reply", "reasons": []} and body["reply"] == "Use Export."
    assert body["citations"] == [{"doc_id": "export", "title": "Exporting", "section": "CSV"}]
    assert "customer_turns" not in got.text and "charged twice" not in got.text and "Refund issued" not in got.text


def test_the_decision_event_carries_no_customer_turns_either(client: TestClient, r: redis.Redis, settings: Settings) -> None:
    _publish_with_history(r, settings)
    got = client.get("/v1/tickets/new/events?timeout=1", headers={"Authorization": f"Bearer {READ}"})
    assert "event: decision" in got.text and "charged twice" not in got.text and "customer_turns" not in got.text


def test_writing_and_reading_take_separate_tokens(client: TestClient, r: redis.Redis, settings: Settings) -> None:
    _publish_with_history(r, settings)
    assert client.get("/v1/tickets/new").status_code == 401  # the write token does not read
    assert client.get("/v1/tickets/new/events?timeout=1").status_code == 401
    assert client.post("/v1/tickets", json={"id": "w", "message": "hi"}, headers={"Authorization": f"Bearer {READ}"}).status_code == 401
    assert client.get("/v1/tickets/new", headers={"Authorization": f"Bearer {READ}"}).status_code == 200


def test_without_a_read_token_the_write_token_reads(settings: Settings, r: redis.Redis) -> None:
    one = settings.model_copy(update={"api_read_token": None})
    with TestClient(create_app(one, r=r), headers={"Authorization": f"Bearer {WRITE}"}) as c:
        c.post("/v1/tickets", json={"id": "q", "message": "hi"})
        assert c.get("/v1/tickets/q").json()["status"] == "queued"


def test_metrics_needs_its_own_token_when_one_is_set(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 401  # the write token is not it
    assert client.get("/metrics", headers={"Authorization": f"Bearer {READ}"}).status_code == 401
    got = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS}"})
    assert got.status_code == 200 and "ticketflow_" in got.text


def test_an_unexpected_error_is_a_json_500_without_traceback_text(settings: Settings, r: redis.Redis) -> None:
    app = create_app(settings, r=r)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals at line 42")

    with TestClient(app, raise_server_exceptions=False) as c:
        got = c.get("/boom")
    assert got.status_code == 500 and got.headers["content-type"] == "application/json"
    assert got.json()["error"] == "internal" and "Traceback" not in got.text and "secret internals" not in got.text
