"""The Intercom sink through httpx against the fake Intercom, with a real Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from producer.fakes.helpdesk import FakeIntercom
from tests.sinks.helpers import IC_ADMIN, IC_TOKEN, intercom_settings, result
from worker import conversation
from worker.sinks.helpdesk import HelpdeskBusy
from worker.sinks.intercom import IntercomSink, build_client


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
