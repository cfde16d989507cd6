"""Whatever JSON a helpdesk (or anyone) sends, the webhook parsers answer with events or TicketInvalid (-> 422)."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from producer.api import create_app
from producer.webhooks import intercom, zendesk
from producer.webhooks.signatures import SignatureInvalid, intercom_signature, verify_intercom, verify_zendesk, zendesk_signature
from worker.errors import TicketInvalid
from worker.settings import load_settings

SETTINGS = load_settings(zendesk_bot_user_id="1", intercom_admin_id="991")
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
# Keys drawn mostly from the payloads' own vocabulary, so the generator reaches the parsers' inner paths.
VOCAB = ["id", "body", "author", "type", "is_staff", "is_public", "comment", "contacts", "conversation_parts", "source", "description",
         "requester_id", "subject", "current", "previous", "part_type", "admin_assignee_id", "message", "ticket_id"]
keys_ = st.sampled_from(VOCAB) | st.text(max_size=8)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys_, inner, max_size=5), max_leaves=25)
ZD_KEYS = ["type", "id", "subject", "detail", "event", "ticket_id", "comment_id", "message", "description", "author_role", "author_id"]
IC_KEYS = ["type", "id", "topic", "data"]


def shaped(keys: list[str], values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects that look like the real payloads at the top, with anything inside."""
    return st.dictionaries(st.sampled_from(keys), values, max_size=len(keys))


zd_types = st.sampled_from([f"zen:event-type:ticket.{k}" for k in ("created", "comment_added", "agent_assignment_changed", "status_changed", "other")])
zd_payloads = shaped(ZD_KEYS, json_values).flatmap(lambda d: st.builds(lambda t, det, ev: {**d, "type": t, "detail": det, "event": ev}, zd_types, json_values, json_values))
authors = st.fixed_dictionaries({"type": st.sampled_from(["user", "lead", "admin", "bot", "team"]) | json_values}, optional={"id": json_values})
parts = st.lists(st.fixed_dictionaries({}, optional={"id": json_values, "part_type": st.sampled_from(["comment", "note", "close"]) | json_values,
                                                       "body": st.text(max_size=20) | json_values, "author": authors | json_values}), max_size=3)
ic_items = st.fixed_dictionaries(
    {"id": st.text(max_size=5) | json_values},
    optional={"source": st.fixed_dictionaries({}, optional={"author": authors | json_values, "body": st.text(max_size=20) | json_values,
                                                            "subject": json_values}) | json_values,
              "contacts": st.fixed_dictionaries({}, optional={"contacts": st.lists(json_values, max_size=2) | json_values}) | json_values,
              "conversation_parts": st.fixed_dictionaries({}, optional={"conversation_parts": parts | json_values}) | json_values,
              "admin_assignee_id": json_values},
)
ic_payloads = shaped(IC_KEYS, json_values).flatmap(
    lambda d: st.builds(lambda topic, item: {**d, "topic": topic, "data": {"item": item}},
                        st.sampled_from(["conversation.user.created", "conversation.user.replied", "conversation.admin.replied", "conversation.admin.assigned", "ping"]),
                        ic_items | json_values))


def check(parse: Any, payload: Any) -> None:
    try:
        events = parse(payload, SETTINGS)
    except TicketInvalid as exc:
        assert str(exc)
        return
    assert isinstance(events, list)


@settings(max_examples=400, deadline=None)
@given(zd_payloads | json_values)
def test_zendesk_parser_never_fails_other_than_ticket_invalid(payload: Any) -> None:
    check(zendesk.parse, payload)


@settings(max_examples=400, deadline=None)
@given(ic_payloads | json_values)
@example({"topic": "conversation.user.created", "data": {"item": {"id": "1", "source": {"author": {"type": "user"}, "body": "hi"}, "contacts": {"contacts": ["x"]}}}})
@example({"topic": "conversation.user.created", "data": {"item": {"id": "0", "source": {"author": {"type": []}}}}})
def test_intercom_parser_never_fails_other_than_ticket_invalid(payload: Any) -> None:
    check(intercom.parse, payload)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.text(max_size=40), st.binary(max_size=200))
def test_signature_checks_refuse_any_garbage_header_cleanly(signature: str, timestamp: str, body: bytes) -> None:
    for verify in (lambda: verify_zendesk("s", signature=signature, timestamp=timestamp, body=body, now=0, window_s=300),
                   lambda: verify_intercom("s", signature=signature, body=body)):
        with contextlib.suppress(SignatureInvalid):
            verify()


@pytest.fixture
def api(use_env: dict[str, str], r: redis.Redis) -> Iterator[tuple[TestClient, redis.Redis]]:
    settings = load_settings(zendesk_webhook_secret="s", intercom_client_secret="s", api_max_body_bytes=5000)
    with TestClient(create_app(settings, r=r)) as client:
        yield client, r


bodies = st.binary(max_size=300) | (zd_payloads | ic_payloads | json_values).map(lambda v: json.dumps(v).encode()) | st.builds(
    lambda d: json.dumps(d).encode(), st.fixed_dictionaries({"id": json_values, "message": json_values}, optional={"history": json_values, "source": json_values, "metadata": json_values}))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, path=st.sampled_from(["/v1/tickets", "/webhooks/zendesk", "/webhooks/intercom"]))
def test_the_api_answers_any_body_with_a_4xx_or_an_acceptance_never_a_5xx(api: tuple[TestClient, redis.Redis], body: bytes, path: str) -> None:
    client, r = api
    before = r.dbsize()
    headers = {"Content-Type": "application/json"}
    if path == "/webhooks/zendesk":  # signed, so the parser behind the signature check is what gets fuzzed
        ts = str(int(time.time()))
        headers |= {"X-Zendesk-Webhook-Signature": zendesk_signature("s", ts, body), "X-Zendesk-Webhook-Signature-Timestamp": ts}
    elif path == "/webhooks/intercom":
        headers["X-Hub-Signature"] = intercom_signature("s", body)
    resp = client.post(path, content=body, headers=headers)
    assert resp.status_code in (200, 202, 413, 422), (resp.status_code, resp.text)
    assert resp.json()["error"] if resp.status_code >= 400 else resp.json()
    if resp.status_code >= 400:
        assert r.dbsize() == before  # nothing half-parsed reached Redis
