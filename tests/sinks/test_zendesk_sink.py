"""The Zendesk sink through httpx against the fake Zendesk, with a real Redis."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import redis

from producer.fakes.helpdesk import FakeZendesk
from tests.sinks.helpers import BOT_USER, ZD_EMAIL, ZD_TOKEN, result, zendesk_settings
from worker import conversation
from worker.errors import SinkRejected
from worker.settings import load_settings
from worker.sinks import registry
from worker.sinks.helpdesk import HelpdeskBusy, closed_key, marker_tag
from worker.sinks.zendesk import ZendeskSink, build_client


@pytest.fixture
def zd() -> Iterator[FakeZendesk]:
    with FakeZendesk(email=ZD_EMAIL, token=ZD_TOKEN, bot_user_id=BOT_USER) as fake:
        fake.add_ticket(101, "How do I reset my password?", requester_id=500)
        yield fake


@pytest.fixture
def sink(zd: FakeZendesk) -> Iterator[ZendeskSink]:
    settings = zendesk_settings(zd.url, zendesk_escalation_group_id="77")
    client = build_client(settings)
    yield ZendeskSink(settings, client)
    client.close()


def test_auto_reply_is_one_public_comment_and_solves_the_ticket(zd: FakeZendesk, sink: ZendeskSink, r: redis.Redis) -> None:
    res = result("auto_reply")
    sink.deliver(res, r)
    sink.deliver(res, r)  # a redelivered task
    replies = zd.public_comments(101)
    assert [c["body"] for c in replies] == [res.reply]
    assert zd.tickets[101]["status"] == "solved"
    assert marker_tag(res) in zd.tickets[101]["tags"]
    assert len(zd.requests("PUT")) == 1
    assert r.get(closed_key("zendesk", "101")) == res.ticket.uid.encode()


def test_a_lost_redis_marker_still_posts_nothing_twice_because_of_the_ticket_tag(zd: FakeZendesk, sink: ZendeskSink, r: redis.Redis) -> None:
    res = result("auto_reply")
    sink.deliver(res, r)
    r.flushdb()  # the marker is gone (e.g. Redis lost it); the ticket still carries the tag
    sink.deliver(res, r)
    assert len(zd.public_comments(101)) == 1
    assert len(zd.requests("PUT")) == 1


def test_escalation_is_one_internal_note_with_reasons_tagged_and_grouped(zd: FakeZendesk, sink: ZendeskSink, r: redis.Redis) -> None:
    res = result("escalate", reasons=["billing", "frustration"])
    sink.deliver(res, r)
    sink.deliver(res, r)
    assert zd.public_comments(101) == []
    notes = zd.private_comments(101)
    assert len(notes) == 1
    assert "billing, frustration" in notes[0]["body"] and f"ref {res.ticket.uid}" in notes[0]["body"]
    t = zd.tickets[101]
    assert t["status"] == "new" and t["group_id"] == 77 and "ticketflow_escalated" in t["tags"]


def test_draft_mode_posts_the_draft_and_its_sources_as_a_note(zd: FakeZendesk, sink: ZendeskSink, r: redis.Redis) -> None:
    res = result("draft")
    sink.deliver(res, r)
    notes = zd.private_comments(101)
    assert len(notes) == 1 and zd.public_comments(101) == []
    assert "Reset password" in notes[0]["body"] and "account-security" in notes[0]["body"]
    assert "ticketflow_draft" in zd.tickets[101]["tags"] and zd.tickets[101]["status"] == "new"


def test_once_an_agent_owns_the_ticket_the_bot_posts_no_public_reply(zd: FakeZendesk, sink: ZendeskSink, r: redis.Redis) -> None:
    # given an agent replied after the ticket was queued
    conversation.mark_human_owner(r, "zendesk", "101", "agent-7", 3600)
    # when the bot's auto reply is delivered
    sink.deliver(result("auto_reply"), r)
    # then only an internal note, and the ticket stays open for the agent
    assert zd.public_comments(101) == []
    assert len(zd.private_comments(101)) == 1 and "NOT sent" in zd.private_comments(101)[0]["body"]
    assert zd.tickets[101]["status"] == "new"
    assert r.get(closed_key("zendesk", "101")) is None


def test_a_5xx_is_transient_and_the_retry_posts_once(zd: FakeZendesk, sink: ZendeskSink, r: redis.Redis) -> None:
    zd.fail_next(1, 503, path=r"\.json$")
    res = result("auto_reply")
    with pytest.raises(HelpdeskBusy) as info:
        sink.deliver(res, r)
    assert info.value.status == 503
    sink.deliver(res, r)
    assert len(zd.public_comments(101)) == 1


def test_a_429_carries_the_retry_after_hint(zd: FakeZendesk, sink: ZendeskSink, r: redis.Redis) -> None:
    zd.fail_next(1, 429, retry_after=7)
    with pytest.raises(HelpdeskBusy) as info:
        sink.deliver(result("auto_reply"), r)
    assert info.value.status == 429 and info.value.retry_after == 7
    assert zd.public_comments(101) == []


def test_an_unknown_ticket_is_a_permanent_rejection(zd: FakeZendesk, sink: ZendeskSink, r: redis.Redis) -> None:
    with pytest.raises(SinkRejected) as info:
        sink.deliver(result("auto_reply", thread="999"), r)
    assert info.value.status == 404
    with pytest.raises(SinkRejected):
        sink.deliver(result("auto_reply", thread="not-a-number"), r)


def test_wrong_credentials_are_rejected_not_retried(zd: FakeZendesk, r: redis.Redis) -> None:
    settings = zendesk_settings(zd.url, zendesk_api_token="wrong")
    with build_client(settings) as client, pytest.raises(SinkRejected) as info:
        ZendeskSink(settings, client).deliver(result("auto_reply"), r)
    assert info.value.status == 401


def test_the_registry_picks_zendesk_only_when_connected_and_switched_on(zd: FakeZendesk) -> None:
    assert registry.sink_for("zendesk", load_settings(zendesk_base_url=None, zendesk_subdomain=None)) is None
    assert registry.sink_for("zendesk", zendesk_settings(zd.url, zendesk_writeback=False)) is None
    assert registry.sink_for("api", zendesk_settings(zd.url)) is None
    with httpx.Client() as client:
        assert isinstance(registry.sink_for("zendesk", zendesk_settings(zd.url), client), ZendeskSink)
