"""The Zendesk sink through httpx against the fake Zendesk, with a real Redis."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import redis

from devkit.fakes.helpdesk import FakeZendesk
from tests.support.sinks import BOT_USER, ZD_EMAIL, ZD_TOKEN, result, zendesk_settings
from worker.errors import SinkRejected
from worker.settings import load_settings
from worker.sinks import registry
from worker.sinks.helpdesk import HelpdeskBusy, closed_key, marker_tag
from worker.sinks.zendesk import ZendeskSink, agent_owns, build_client
from worker.state import conversation


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


AGENT = 7  # a human agent's user id


@pytest.mark.parametrize(("ticket", "bot_user_id", "owned"), [
    ({"assignee_id": None, "status": "new"}, "1", False),
    ({"status": "open"}, "1", False),
    ({"assignee_id": 1, "status": "open"}, "1", False),  # assigned to the bot itself (ids are ints on the ticket)
    ({"assignee_id": AGENT, "status": "open"}, "1", True),
    ({"assignee_id": AGENT, "status": "new"}, None, True),  # no bot id configured: any assignee is an agent
    ({"assignee_id": None, "status": "pending"}, "1", True),
    ({"assignee_id": 1, "status": "hold"}, "1", True),
    ({"assignee_id": None, "status": "solved"}, "1", False),
])
def test_agent_owns_reads_the_assignee_and_the_status(ticket: dict[str, object], bot_user_id: str | None, owned: bool) -> None:
    assert agent_owns(ticket, bot_user_id) is owned


def test_a_ticket_assigned_to_another_agent_gets_only_a_note_and_stays_unsolved(zd: FakeZendesk, sink: ZendeskSink, r: redis.Redis) -> None:
    # given a trigger assigned the ticket to an agent and no webhook told the bot
    zd.add_ticket(101, "How do I reset my password?", assignee_id=AGENT)
    # when the bot's auto reply is delivered
    sink.deliver(result("auto_reply"), r)
    # then an internal note only; the ticket stays the agent's and unsolved
    assert zd.public_comments(101) == []
    assert len(zd.private_comments(101)) == 1 and "NOT sent" in zd.private_comments(101)[0]["body"]
    assert zd.tickets[101]["status"] == "new" and zd.tickets[101]["assignee_id"] == AGENT
    assert r.get(closed_key("zendesk", "101")) is None


def test_a_ticket_assigned_to_the_bot_itself_still_gets_the_reply_and_is_solved(zd: FakeZendesk, sink: ZendeskSink, r: redis.Redis) -> None:
    zd.add_ticket(101, "How do I reset my password?", assignee_id=BOT_USER)
    res = result("auto_reply")
    sink.deliver(res, r)
    assert [c["body"] for c in zd.public_comments(101)] == [res.reply]
    assert zd.tickets[101]["status"] == "solved"


@pytest.mark.parametrize("status", ["pending", "hold"])
def test_a_pending_or_on_hold_ticket_gets_only_a_note(zd: FakeZendesk, sink: ZendeskSink, r: redis.Redis, status: str) -> None:
    zd.add_ticket(101, "How do I reset my password?", status=status)
    sink.deliver(result("auto_reply"), r)
    assert zd.public_comments(101) == []
    assert len(zd.private_comments(101)) == 1
    assert zd.tickets[101]["status"] == status


def test_an_escalation_leaves_an_assigned_ticket_with_its_agent(zd: FakeZendesk, sink: ZendeskSink, r: redis.Redis) -> None:
    zd.add_ticket(101, "How do I reset my password?", assignee_id=AGENT)
    sink.deliver(result("escalate"), r)
    t = zd.tickets[101]
    assert len(zd.private_comments(101)) == 1 and "ticketflow_escalated" in t["tags"]
    assert t["assignee_id"] == AGENT and t["group_id"] is None  # not moved to the escalation group


def test_the_assignee_is_ignored_when_respect_helpdesk_assignee_is_off(zd: FakeZendesk, r: redis.Redis) -> None:
    # given a workspace that round-robins every new ticket to an agent
    zd.add_ticket(101, "How do I reset my password?", assignee_id=AGENT)
    settings = zendesk_settings(zd.url, respect_helpdesk_assignee=False)
    res = result("auto_reply")
    with build_client(settings) as client:
        ZendeskSink(settings, client).deliver(res, r)
    assert [c["body"] for c in zd.public_comments(101)] == [res.reply]
    assert zd.tickets[101]["status"] == "solved"


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


def test_a_reply_with_its_own_html_is_posted_as_html_body_once(zd: FakeZendesk, sink: ZendeskSink, r: redis.Redis) -> None:
    # given a local reply rendered for the channel: numbered steps and a link
    res = result("auto_reply")
    html = '<p>Hi,</p><ol><li>Open <strong>Settings</strong></li><li>Choose <a href="https://example.com/reset">Reset</a></li></ol>'
    res = res.model_copy(update={"draft": res.draft.model_copy(update={"html": html}) if res.draft else None})
    # when it is delivered twice
    sink.deliver(res, r)
    sink.deliver(res, r)
    # then Zendesk got one public comment carrying the HTML, and notes stay plain text
    (comment,) = zd.public_comments(101)
    assert comment["html_body"] == html and "Open Settings" in comment["body"] and "<" not in comment["body"]
    (put,) = zd.requests("PUT")
    assert "body" not in put.body["ticket"]["comment"]
