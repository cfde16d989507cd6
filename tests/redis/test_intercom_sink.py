"""The Intercom sink through httpx against the fake Intercom, with a real Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from devkit.fakes.helpdesk import FakeIntercom
from tests.support.sinks import IC_ADMIN, IC_TOKEN, intercom_settings, result
from worker.sinks.helpdesk import HelpdeskBusy
from worker.sinks.intercom import IntercomSink, admin_owns, build_client
from worker.state import conversation


@pytest.fixture
def ic() -> Iterator[FakeIntercom]:
    with FakeIntercom(token=IC_TOKEN, admin_id=IC_ADMIN) as fake:
        fake.add_conversation("5001", "How do I reset my password?")
        yield fake


@pytest.fixture
def sink(ic: FakeIntercom) -> Iterator[IntercomSink]:
    settings = intercom_settings(ic.url, intercom_escalation_assignee_id="team-9", intercom_escalation_tag_id="tag-1")
    client = build_client(settings)
    yield IntercomSink(settings, client)
    client.close()


def test_auto_reply_is_one_admin_reply_and_a_close(ic: FakeIntercom, sink: IntercomSink, r: redis.Redis) -> None:
    res = result("auto_reply", source="intercom", thread="5001")
    sink.deliver(res, r)
    sink.deliver(res, r)
    assert [p["body"] for p in ic.parts("5001", "comment")] == ["<p>Open Settings &gt; Security and choose Reset password.</p><p>Then check your inbox &amp; spam folder.</p>"]
    assert len(ic.parts("5001", "close")) == 1
    assert ic.conversations["5001"]["state"] == "closed"


def test_a_failed_close_is_finished_on_retry_without_a_second_reply(ic: FakeIntercom, sink: IntercomSink, r: redis.Redis) -> None:
    # given the reply went out but the close answered 503
    ic.fail_next(1, 503, path=r"/parts$")
    res = result("auto_reply", source="intercom", thread="5001")
    with pytest.raises(HelpdeskBusy):
        sink.deliver(res, r)
    assert len(ic.parts("5001", "comment")) == 1 and ic.conversations["5001"]["state"] == "open"
    # when the task is retried
    sink.deliver(res, r)
    # then the conversation is closed and the reply is still there once
    assert len(ic.parts("5001", "comment")) == 1
    assert ic.conversations["5001"]["state"] == "closed"


def test_a_lost_redis_marker_does_not_repost(ic: FakeIntercom, sink: IntercomSink, r: redis.Redis) -> None:
    for action in ("auto_reply", "escalate"):
        res = result(action, source="intercom", thread="5001", uid=f"5001-{action}")
        sink.deliver(res, r)
        r.flushdb()
        sink.deliver(res, r)
    assert len(ic.parts("5001", "comment")) == 1
    assert len(ic.parts("5001", "note")) == 1


def test_escalation_is_a_note_assigned_and_tagged(ic: FakeIntercom, sink: IntercomSink, r: redis.Redis) -> None:
    res = result("escalate", source="intercom", thread="5001", reasons=["billing"])
    sink.deliver(res, r)
    notes = ic.parts("5001", "note")
    assert len(notes) == 1 and "Reasons: billing" in notes[0]["body"]
    assert ic.parts("5001", "comment") == []
    conv = ic.conversations["5001"]
    assert conv["admin_assignee_id"] == "team-9" and conv["state"] == "open"
    assert [t["id"] for t in conv["tags"]["tags"]] == ["tag-1"]


def test_once_an_agent_owns_the_conversation_only_a_note_is_posted(ic: FakeIntercom, sink: IntercomSink, r: redis.Redis) -> None:
    conversation.mark_human_owner(r, "intercom", "5001", "admin-3", 3600)
    sink.deliver(result("auto_reply", source="intercom", thread="5001"), r)
    assert ic.parts("5001", "comment") == []
    assert len(ic.parts("5001", "note")) == 1
    assert ic.conversations["5001"]["state"] == "open"


@pytest.mark.parametrize(("conv", "owned"), [
    ({"admin_assignee_id": None, "state": "open"}, False),
    ({"admin_assignee_id": "", "state": "open"}, False),
    ({"admin_assignee_id": 0, "state": "open"}, False),
    ({"admin_assignee_id": IC_ADMIN, "state": "open"}, False),  # the bot itself
    ({"admin_assignee_id": int(IC_ADMIN), "state": "open"}, False),  # Intercom sends admin ids as integers
    ({"admin_assignee_id": None, "team_assignee_id": "team-9", "state": "open"}, False),  # inbox routing, no one person
    ({"admin_assignee_id": "42", "state": "open"}, True),
    ({"admin_assignee_id": 42, "state": "closed"}, True),
    ({"admin_assignee_id": None, "state": "snoozed"}, True),
    ({"admin_assignee_id": None, "state": "closed"}, False),
])
def test_admin_owns_reads_the_admin_assignee_and_the_state(conv: dict[str, object], owned: bool) -> None:
    assert admin_owns(conv, IC_ADMIN) is owned


def test_a_conversation_assigned_to_another_admin_gets_only_a_note_and_stays_open(ic: FakeIntercom, sink: IntercomSink, r: redis.Redis) -> None:
    # given the conversation was assigned to an agent and no webhook told the bot
    ic.add_conversation("5001", "How do I reset my password?", admin_assignee_id="42")
    sink.deliver(result("auto_reply", source="intercom", thread="5001"), r)
    assert ic.parts("5001", "comment") == []
    assert len(ic.parts("5001", "note")) == 1 and ic.parts("5001", "close") == []
    assert ic.conversations["5001"]["state"] == "open"


@pytest.mark.parametrize("assigned", [{"admin_assignee_id": IC_ADMIN}, {"team_assignee_id": "team-9"}], ids=["bot", "team-only"])
def test_a_conversation_assigned_to_the_bot_or_only_a_team_gets_the_reply_and_a_close(ic: FakeIntercom, sink: IntercomSink, r: redis.Redis,
                                                                                      assigned: dict[str, str]) -> None:
    ic.add_conversation("5001", "How do I reset my password?", **assigned)
    sink.deliver(result("auto_reply", source="intercom", thread="5001"), r)
    assert len(ic.parts("5001", "comment")) == 1 and ic.parts("5001", "note") == []
    assert ic.conversations["5001"]["state"] == "closed"


def test_a_snoozed_conversation_gets_only_a_note(ic: FakeIntercom, sink: IntercomSink, r: redis.Redis) -> None:
    ic.add_conversation("5001", "How do I reset my password?", state="snoozed")
    sink.deliver(result("auto_reply", source="intercom", thread="5001"), r)
    assert ic.parts("5001", "comment") == [] and ic.parts("5001", "close") == []
    assert len(ic.parts("5001", "note")) == 1
    assert ic.conversations["5001"]["state"] == "snoozed"


def test_an_escalation_leaves_an_assigned_conversation_with_its_admin(ic: FakeIntercom, sink: IntercomSink, r: redis.Redis) -> None:
    ic.add_conversation("5001", "How do I reset my password?", admin_assignee_id="42")
    sink.deliver(result("escalate", source="intercom", thread="5001"), r)
    assert len(ic.parts("5001", "note")) == 1 and ic.parts("5001", "assignment") == []
    assert ic.conversations["5001"]["admin_assignee_id"] == "42"


def test_the_admin_assignee_is_ignored_when_respect_helpdesk_assignee_is_off(ic: FakeIntercom, r: redis.Redis) -> None:
    # given a workspace that round-robins every new conversation to an admin
    ic.add_conversation("5001", "How do I reset my password?", admin_assignee_id="42")
    settings = intercom_settings(ic.url, respect_helpdesk_assignee=False)
    with build_client(settings) as client:
        IntercomSink(settings, client).deliver(result("auto_reply", source="intercom", thread="5001"), r)
    assert len(ic.parts("5001", "comment")) == 1
    assert ic.conversations["5001"]["state"] == "closed"


def test_a_reply_with_its_own_html_is_the_body_and_is_recognised_once_posted(ic: FakeIntercom, sink: IntercomSink, r: redis.Redis) -> None:
    res = result("auto_reply", source="intercom", thread="5001")
    html = '<p>Hi,</p><ol><li>Open <strong>Settings</strong></li><li>Choose <a href="https://example.com/reset">Reset</a></li></ol>'
    res = res.model_copy(update={"draft": res.draft.model_copy(update={"html": html}) if res.draft else None})
    sink.deliver(res, r)
    r.flushdb()  # the done marker lost: only the conversation itself can tell the reply is there
    sink.deliver(res, r)
    assert [p["body"] for p in ic.parts("5001", "comment")] == [html]
