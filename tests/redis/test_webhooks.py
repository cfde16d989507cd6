"""Helpdesk webhooks through the API against a real Redis: signatures, duplicates, owners, reopens."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from producer.api import create_app
from tests.support.payloads import (
    IC_SECRET,
    ZD_SECRET,
    dumps,
    intercom_conversation,
    intercom_headers,
    intercom_notification,
    part,
    zendesk_comment,
    zendesk_event,
    zendesk_headers,
)
from worker import keys
from worker.settings import Settings, load_settings
from worker.sinks.helpdesk import closed_key
from worker.state import conversation
from worker.state.outcomes import REOPENED_SET


def started(r: redis.Redis, settings: Settings) -> int:
    return int(r.llen(settings.io_queue)) + int(r.llen(settings.cpu_queue))  # type: ignore[arg-type]


@pytest.fixture
def settings(use_env: dict[str, str]) -> Settings:
    return load_settings(zendesk_webhook_secret=ZD_SECRET, intercom_client_secret=IC_SECRET, zendesk_bot_user_id="1", intercom_admin_id="991")


@pytest.fixture
def client(settings: Settings, r: redis.Redis) -> Iterator[TestClient]:
    with TestClient(create_app(settings, r=r)) as c:
        yield c


def post_zd(client: TestClient, payload: dict[str, Any], **kw: Any) -> Any:
    body = dumps(payload)
    return client.post("/webhooks/zendesk", content=body, headers=zendesk_headers(body, **kw))


def test_a_signed_zendesk_ticket_is_enqueued_once_even_when_redelivered(client: TestClient, r: redis.Redis, settings: Settings) -> None:
    payload = zendesk_event("created", 101)
    first = post_zd(client, payload)
    again = post_zd(client, payload)  # Zendesk retries the same event
    assert first.status_code == 200 and first.json()["enqueued"] == ["zendesk:101"]
    assert again.status_code == 200 and again.json()["duplicate"] is True
    # the first comment of the same ticket arrives as another event: the same ticket, not enqueued again
    dup = post_zd(client, zendesk_comment(101, "How do I reset my password?", comment_id=7))
    assert dup.json()["duplicates"] == ["zendesk:101"]
    assert started(r, settings) == 1


def test_a_delivery_being_handled_gets_409_and_a_failed_one_is_handled_on_redelivery(
    client: TestClient, r: redis.Redis, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from producer.api import helpdesk_events

    payload = zendesk_event("created", 131)
    did = str(payload["id"])
    # given another request holding this delivery right now
    assert helpdesk_events.claim(r, "zendesk", did) == "claimed"
    busy = post_zd(client, payload)
    assert busy.status_code == 409 and busy.json()["error"] == "in_progress"
    assert started(r, settings) == 0
    helpdesk_events.release(r, "zendesk", did)
    # when the handling fails half-way (Redis error while applying the events)
    real_apply = helpdesk_events.apply

    def broken(*_a: Any, **_k: Any) -> Any:
        raise redis.ConnectionError("redis went away")

    monkeypatch.setattr(helpdesk_events, "apply", broken)
    assert post_zd(client, payload).status_code == 503
    # then the claim was given back: Zendesk's retry is handled in full, once
    monkeypatch.setattr(helpdesk_events, "apply", real_apply)
    ok = post_zd(client, payload)
    assert ok.status_code == 200 and ok.json()["enqueued"] == ["zendesk:131"]
    assert post_zd(client, payload).json()["duplicate"] is True
    assert started(r, settings) == 1


def test_a_claim_is_released_only_by_its_holder_state(r: redis.Redis) -> None:
    from producer.webhooks import events

    assert events.claim(r, "intercom", "d1") == "claimed"
    assert events.claim(r, "intercom", "d1") == "handling"
    events.mark_seen(r, "intercom", "d1", 60)
    events.release(r, "intercom", "d1")  # too late: handled already, stays handled
    assert events.claim(r, "intercom", "d1") == "done"


def test_a_follow_up_comment_is_a_new_ticket_in_the_same_thread(client: TestClient, r: redis.Redis, settings: Settings) -> None:
    post_zd(client, zendesk_event("created", 101))
    resp = post_zd(client, zendesk_comment(101, "It still does not arrive.", comment_id=8))
    assert resp.json()["enqueued"] == ["zendesk:101-8"]
    stored = json.loads(r.get(keys.ticket_key("zendesk:101-8")) or b"{}")
    assert stored["ticket"]["conversation_id"] == "101" and stored["ticket"]["metadata"]["zendesk_comment_id"] == "8"
    assert started(r, settings) == 2


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Zendesk-Webhook-Signature": "AAAA", "X-Zendesk-Webhook-Signature-Timestamp": "2026-01-01T00:00:00Z"},
    ],
)
def test_unsigned_or_wrongly_signed_zendesk_webhooks_get_401_and_enqueue_nothing(client: TestClient, r: redis.Redis, settings: Settings, headers: dict[str, str]) -> None:
    resp = client.post("/webhooks/zendesk", content=dumps(zendesk_event("created", 101)), headers=headers)
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_signature"
    assert started(r, settings) == 0


def test_a_zendesk_webhook_signed_with_another_secret_or_replayed_later_is_refused(client: TestClient, r: redis.Redis, settings: Settings) -> None:
    assert post_zd(client, zendesk_event("created", 101), secret="not-ours").status_code == 401
    old = post_zd(client, zendesk_event("created", 102), at=time.time() - settings.webhook_replay_window_s - 60)
    assert old.status_code == 401 and "replay" in old.json()["detail"]
    assert started(r, settings) == 0


def test_a_malformed_but_signed_zendesk_payload_is_a_422_naming_the_field(client: TestClient, r: redis.Redis, settings: Settings) -> None:
    bad = zendesk_event("created", 101)
    bad["detail"]["description"] = ""
    resp = post_zd(client, bad)
    assert resp.status_code == 422 and resp.json()["field"] == "detail.description"
    bad_id = zendesk_event("created", 101)
    bad_id["detail"]["id"] = "abc"
    bad_id["subject"] = "zen:ticket:abc"
    assert post_zd(client, bad_id).json()["field"] == "detail.id"
    assert started(r, settings) == 0
    # a failed delivery is not remembered: fixed and resent, it goes through
    assert not r.keys(f"{keys.PREFIX}:webhook:*")


def test_an_agent_reply_or_assignment_hands_the_thread_to_a_human(client: TestClient, r: redis.Redis, settings: Settings) -> None:
    resp = post_zd(client, zendesk_comment(101, "Hi, I am looking into it.", comment_id=9, author_id=42, is_staff=True))
    assert resp.json()["human_owned"] == ["zendesk:101"]
    assert conversation.human_owns(r, "zendesk", "101")
    post_zd(client, zendesk_event("agent_assignment_changed", 202, event={"current": "43", "previous": None}))
    assert conversation.human_owns(r, "zendesk", "202")
    assert started(r, settings) == 0


def test_the_bots_own_comments_and_assignments_do_not_count_as_an_agent(client: TestClient, r: redis.Redis) -> None:
    post_zd(client, zendesk_comment(101, "Open Settings > Security.", comment_id=10, author_id=1, is_staff=True))
    post_zd(client, zendesk_comment(102, "note\n[ticketflow ref zendesk:102]", comment_id=11, author_id=77, is_staff=True))
    assert not conversation.human_owns(r, "zendesk", "101")
    assert not conversation.human_owns(r, "zendesk", "102")


def test_a_customer_reopening_a_ticket_the_bot_solved_is_recorded(client: TestClient, r: redis.Redis) -> None:
    r.set(closed_key("zendesk", "101"), "zendesk:101")
    post_zd(client, zendesk_event("status_changed", 101, event={"previous": "SOLVED", "current": "OPEN"}))
    post_zd(client, zendesk_event("status_changed", 303, event={"previous": "SOLVED", "current": "OPEN"}))  # not the bot's
    assert r.smembers(REOPENED_SET) == {b"zendesk:101"}


def test_zendesk_webhooks_are_off_without_a_secret(use_env: dict[str, str], r: redis.Redis) -> None:
    with TestClient(create_app(load_settings(), r=r)) as c:
        body = dumps(zendesk_event("created", 101))
        assert c.post("/webhooks/zendesk", content=body, headers=zendesk_headers(body)).status_code == 404


def test_a_zendesk_trigger_payload_is_understood(client: TestClient) -> None:
    payload = {"ticket_id": "555", "comment_id": "9", "subject": "Export", "message": "Can I export to CSV?", "description": "Can I export to CSV?",
               "requester_id": "500", "author_id": "500", "author_role": "end-user"}
    assert post_zd(client, payload).json()["enqueued"] == ["zendesk:555"]
    # a follow-up whose comment id placeholder did not render is still one ticket, however often it is sent
    follow = {**payload, "comment_id": "{{ticket.latest_comment.id}}", "message": "It still fails."}
    first, again = post_zd(client, follow).json(), post_zd(client, {**follow, "author_id": "500 "}).json()
    assert len(first["enqueued"]) == 1 and first["enqueued"][0].startswith("zendesk:555-h")
    assert again["duplicates"] == first["enqueued"]


def post_ic(client: TestClient, payload: dict[str, Any], secret: str = IC_SECRET) -> Any:
    body = dumps(payload)
    return client.post("/webhooks/intercom", content=body, headers=intercom_headers(body, secret=secret))


def test_a_signed_intercom_conversation_is_enqueued_once(client: TestClient, r: redis.Redis, settings: Settings) -> None:
    note = intercom_notification("conversation.user.created", intercom_conversation("5001", "How do I reset my password?"))
    first = post_ic(client, note)
    again = post_ic(client, note)
    assert first.json()["enqueued"] == ["intercom:5001"]
    assert again.json()["duplicate"] is True
    stored = r.get(keys.ticket_key("intercom:5001"))
    assert stored is not None and b"<p>" not in stored  # HTML is reduced to text
    assert started(r, settings) == 1


def test_a_wrongly_signed_intercom_notification_gets_401(client: TestClient, r: redis.Redis, settings: Settings) -> None:
    note = intercom_notification("conversation.user.created", intercom_conversation("5001", "hi"))
    assert post_ic(client, note, secret="wrong").status_code == 401
    assert client.post("/webhooks/intercom", content=dumps(note)).status_code == 401
    assert started(r, settings) == 0


def test_intercom_agent_replies_hand_over_but_the_bot_admin_does_not(client: TestClient, r: redis.Redis, settings: Settings) -> None:
    bot = intercom_conversation("5001", "hi", parts=[part("p1", "Here is how.", author_type="admin", author_id="991")])
    post_ic(client, intercom_notification("conversation.admin.replied", bot))
    assert not conversation.human_owns(r, "intercom", "5001")
    human = intercom_conversation("5001", "hi", parts=[part("p2", "I'll take it", author_type="admin", author_id="7")])
    post_ic(client, intercom_notification("conversation.admin.replied", human))
    assert conversation.human_owns(r, "intercom", "5001")
    assigned = intercom_conversation("6001", "hi")
    assigned["admin_assignee_id"] = "7"
    post_ic(client, intercom_notification("conversation.admin.assigned", assigned))
    assert conversation.human_owns(r, "intercom", "6001")
    assert started(r, settings) == 0


def test_a_customer_reply_on_a_conversation_the_bot_closed_is_a_reopen_and_a_new_ticket(client: TestClient, r: redis.Redis) -> None:
    r.set(closed_key("intercom", "5001"), "intercom:5001")
    conv = intercom_conversation("5001", "hi", parts=[part("p9", "That did not work")])
    resp = post_ic(client, intercom_notification("conversation.user.replied", conv))
    assert resp.json()["enqueued"] == ["intercom:5001-p9"] and resp.json()["reopened"] == ["intercom:5001"]
    assert r.smembers(REOPENED_SET) == {b"intercom:5001"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"topic": "conversation.user.created"}, "data.item"),
        ({"id": "n1", "data": {}}, "topic"),
        (intercom_notification("conversation.user.created", {"id": "1", "source": {"author": {"type": "user", "id": "c"}, "body": ""}}), "message"),
    ],
)
def test_malformed_intercom_payloads_are_422(client: TestClient, r: redis.Redis, settings: Settings, payload: dict, field: str) -> None:  # type: ignore[type-arg]
    resp = post_ic(client, payload)
    assert resp.status_code == 422 and resp.json()["field"] == field
    assert started(r, settings) == 0


def test_intercom_ping_is_acknowledged(client: TestClient) -> None:
    resp = post_ic(client, {"type": "notification_event", "id": "n-ping", "topic": "ping", "data": {"item": {}}})
    assert resp.status_code == 200 and resp.json()["enqueued"] == []


def test_a_claim_released_between_the_set_and_the_get_is_taken_not_called_done() -> None:
    import fakeredis

    from producer.webhooks import events

    fr = fakeredis.FakeRedis()
    key = events.delivery_key("zendesk", "d9")
    fr.set(key, b"handling")
    real_get = fr.get

    def get_after_release(k: str) -> Any:
        fr.delete(k)  # the holder fails and gives the claim back right now
        return real_get(k)

    fr.get = get_after_release  # type: ignore[method-assign]
    assert events.claim(fr, "zendesk", "d9") == "claimed"
