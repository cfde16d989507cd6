"""Pollers through httpx against the fake helpdesks, with a real Redis: cursors, restarts, 429s, owners."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis

from devkit.fakes.helpdesk import FakeIntercom, FakeZendesk
from producer.enqueue import Enqueuer
from producer.pollers.base import PollError, cursor_key
from producer.pollers.intercom import IntercomPoller
from producer.pollers.zendesk import ZendeskPoller
from tests.support.sinks import BOT_USER, IC_ADMIN, IC_TOKEN, ZD_EMAIL, ZD_TOKEN, intercom_settings, zendesk_settings
from worker import keys
from worker.settings import Settings
from worker.sinks import intercom as intercom_sink
from worker.sinks import zendesk as zendesk_sink
from worker.state import conversation


def accepted(r: redis.Redis, source: str) -> set[str]:
    return {k.decode().split(f":seen:{source}:", 1)[1] for k in r.keys(f"{keys.PREFIX}:seen:{source}:*")}  # type: ignore[union-attr]


@pytest.fixture
def zd() -> Iterator[FakeZendesk]:
    with FakeZendesk(email=ZD_EMAIL, token=ZD_TOKEN, bot_user_id=BOT_USER) as fake:
        yield fake


@pytest.fixture
def zd_settings(zd: FakeZendesk, use_env: dict[str, str]) -> Settings:
    return zendesk_settings(zd.url, poll_page_size=2)


def zpoller(s: Settings, r: redis.Redis, waits: list[float] | None = None) -> ZendeskPoller:
    return ZendeskPoller(s, zendesk_sink.build_client(s), r, Enqueuer(r, s), since=0, sleep=(waits.append if waits is not None else lambda _s: None))


def test_zendesk_poller_pages_through_the_export_and_enqueues_each_ticket_once(zd: FakeZendesk, zd_settings: Settings, r: redis.Redis) -> None:
    for i in range(5):
        zd.add_ticket(100 + i, f"Question number {i}: how do I export?", updated_at=time.time() - 100)
    out = zpoller(zd_settings, r).poll_once()
    assert out.pages == 3 and out.items == 5
    assert accepted(r, "zendesk") == {str(100 + i) for i in range(5)}
    # when polled again from the saved cursor, nothing new
    again = zpoller(zd_settings, r).poll_once()
    assert again.items == 0 and again.applied.enqueued == []


def test_a_restarted_zendesk_poller_resumes_from_its_cursor_without_skipping(zd: FakeZendesk, zd_settings: Settings, r: redis.Redis) -> None:
    for i in range(4):
        zd.add_ticket(200 + i, f"Question {i}")
    # given the poller died after its first page (the comments call of the third ticket failed for good)
    zd.fail_next(5, 500, path=r"/tickets/202/comments")
    with pytest.raises(PollError):
        zpoller(zd_settings, r).poll_once()
    assert accepted(r, "zendesk") == {"200", "201"} and r.get(cursor_key("zendesk")) is not None
    # when a new poller starts, it resumes from the saved cursor
    out = zpoller(zd_settings, r).poll_once()
    assert accepted(r, "zendesk") == {"200", "201", "202", "203"}
    assert out.applied.enqueued == ["zendesk:202", "zendesk:203"] and out.applied.duplicates == []


def test_zendesk_429_retry_after_is_honoured(zd: FakeZendesk, zd_settings: Settings, r: redis.Redis) -> None:
    zd.add_ticket(300, "How do I export?")
    zd.fail_next(2, 429, retry_after=7, path=r"/incremental/")
    waits: list[float] = []
    out = zpoller(zd_settings, r, waits).poll_once()
    assert waits == [7, 7] and out.applied.enqueued == ["zendesk:300"]


def test_zendesk_poller_sees_follow_ups_and_agent_replies(zd: FakeZendesk, zd_settings: Settings, r: redis.Redis) -> None:
    zd.add_ticket(400, "How do I export?", requester_id=500)
    zd.add_ticket(401, "Where is my invoice?", requester_id=501)
    p = zpoller(zd_settings, r)
    p.poll_once()
    c = zd.add_comment(400, "It still fails.", author_id=500)
    zd.add_comment(401, "I'm on it.", author_id=42)  # an agent
    zd.add_ticket(402, "Thanks!", requester_id=502)
    zd.add_comment(402, "Glad it helped.", author_id=BOT_USER)  # the bot's own reply: nothing to do
    out = p.poll_once()
    assert out.applied.enqueued == [f"zendesk:400-{c['id']}"]
    assert out.applied.human_owned == ["zendesk:401"] and conversation.human_owns(r, "zendesk", "401")


@pytest.fixture
def ic() -> Iterator[FakeIntercom]:
    with FakeIntercom(token=IC_TOKEN, admin_id=IC_ADMIN) as fake:
        yield fake


@pytest.fixture
def ic_settings(ic: FakeIntercom, use_env: dict[str, str]) -> Settings:
    return intercom_settings(ic.url, poll_page_size=2)


def ipoller(s: Settings, r: redis.Redis, waits: list[float] | None = None) -> IntercomPoller:
    return IntercomPoller(s, intercom_sink.build_client(s), r, Enqueuer(r, s), since=0, sleep=(waits.append if waits is not None else lambda _s: None))


def test_intercom_poller_pages_with_starting_after_and_resumes_after_a_restart(ic: FakeIntercom, ic_settings: Settings, r: redis.Redis) -> None:
    for i in range(5):
        ic.add_conversation(f"70{i}", f"Question {i}", contact_id=f"c{i}")
    ic.fail_next(5, 503, path=r"/conversations/704$")
    with pytest.raises(PollError):
        ipoller(ic_settings, r).poll_once()
    assert accepted(r, "intercom") == {"700", "701", "702", "703"}
    out = ipoller(ic_settings, r).poll_once()
    assert out.applied.enqueued == ["intercom:704"]
    assert accepted(r, "intercom") == {f"70{i}" for i in range(5)}


def test_intercom_poller_honours_429_and_hands_over_on_agent_replies(ic: FakeIntercom, ic_settings: Settings, r: redis.Redis) -> None:
    ic.add_conversation("800", "How do I export?")
    ic.add_conversation("801", "Refund please")
    ic.add_part("801", "Looking into it", author_type="admin", author_id="7")
    ic.fail_next(1, 429, retry_after=3, path=r"/search$")
    waits: list[float] = []
    out = ipoller(ic_settings, r, waits).poll_once()
    assert waits == [3]
    assert out.applied.enqueued == ["intercom:800"] and out.applied.human_owned == ["intercom:801"]


def test_the_poll_command_runs_one_pass_and_resumes_on_the_next(zd: FakeZendesk, use_env: dict[str, str], r: redis.Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from typer.testing import CliRunner

    from console.cli import app as cli
    from worker import runtime

    for k, v in {"TICKETFLOW_ZENDESK_BASE_URL": zd.url, "TICKETFLOW_ZENDESK_EMAIL": ZD_EMAIL, "TICKETFLOW_ZENDESK_API_TOKEN": ZD_TOKEN}.items():
        monkeypatch.setenv(k, v)
    runtime.reset()
    zd.add_ticket(900, "How do I export?", updated_at=time.time() - 100)
    first = CliRunner().invoke(cli, ["poll", "zendesk", "--once", "--since", "0"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout.strip().splitlines()[-1])["enqueued"] == ["zendesk:900"]
    zd.add_ticket(901, "Where is the API key?")
    second = CliRunner().invoke(cli, ["poll", "zendesk", "--once"])
    assert json.loads(second.stdout.strip().splitlines()[-1])["enqueued"] == ["zendesk:901"]
    zd.fail_next(10, 401)
    denied = CliRunner().invoke(cli, ["poll", "zendesk", "--once"])
    assert denied.exit_code == 1 and "401" in denied.output
