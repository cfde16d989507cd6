"""End to end: a signed helpdesk webhook -> the API -> real Celery workers -> the fake helpdesk.

Exactly one reply (or one internal note for an escalation) arrives, also when the deliver task runs
again; a wrongly signed webhook gets 401 and a duplicate enqueues nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import redis
from fastapi.testclient import TestClient

from devkit.fakes.helpdesk import FakeZendesk
from devkit.services import Workers, free_port
from producer.api import create_app
from tests.conftest import wait_for_results
from tests.support.payloads import ZD_SECRET, dumps, zendesk_comment, zendesk_event, zendesk_headers
from tests.support.sinks import BOT_USER, ZD_EMAIL, ZD_TOKEN
from worker import keys
from worker.settings import load_settings

pytestmark = pytest.mark.integration


@pytest.fixture
def zd() -> Iterator[FakeZendesk]:
    with FakeZendesk(email=ZD_EMAIL, token=ZD_TOKEN, bot_user_id=BOT_USER) as fake:
        yield fake


@pytest.fixture
def zd_env(zd: FakeZendesk, use_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {
        "TICKETFLOW_ZENDESK_BASE_URL": zd.url,
        "TICKETFLOW_ZENDESK_EMAIL": ZD_EMAIL,
        "TICKETFLOW_ZENDESK_API_TOKEN": ZD_TOKEN,
        "TICKETFLOW_ZENDESK_BOT_USER_ID": str(BOT_USER),
        "TICKETFLOW_ZENDESK_WEBHOOK_SECRET": ZD_SECRET,
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return {**use_env, **env}


@pytest.fixture
def api_url(zd_env: dict[str, str]) -> Iterator[str]:
    """A real `ticketflow serve` process."""
    port = free_port()
    cmd = [sys.executable, "-c", "from console.cli import main; main()", "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, env={**os.environ, **zd_env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=0.5).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail(f"ticketflow serve did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
    yield url
    proc.terminate()
    proc.wait(10)


def wait_until(cond: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def drained(r: redis.Redis) -> bool:
    """No task waiting or unacknowledged on the broker."""
    return sum(int(r.llen(q)) for q in ("ticketflow.io", "ticketflow.cpu")) == 0 and int(r.hlen("unacked")) == 0  # type: ignore[arg-type]


def signed_post(url: str, payload: dict[str, Any], **kw: Any) -> httpx.Response:
    body = dumps(payload)
    return httpx.post(f"{url}/webhooks/zendesk", content=body, headers=zendesk_headers(body, **kw), timeout=10)


def test_a_signed_zendesk_webhook_ends_as_one_result_and_one_reply_even_when_delivered_twice(
    zd: FakeZendesk, api_url: str, r: redis.Redis, start_workers: Callable[..., Workers], zd_env: dict[str, str]
) -> None:
    # given a running API, one worker, and two customer tickets in (fake) Zendesk
    zd.add_ticket(101, "Can I export my projects to CSV?", subject="Export")
    zd.add_ticket(102, "I was charged twice this month, please refund the duplicate.", subject="Billing")
    start_workers(n=1, env=zd_env)
    # when Zendesk sends signed webhooks, one of them twice, and a forger one more
    assert signed_post(api_url, zendesk_event("created", 101, description=zd.tickets[101]["description"], subject="Export")).json()["enqueued"] == ["zendesk:101"]
    assert signed_post(api_url, zendesk_event("created", 102, description=zd.tickets[102]["description"], subject="Billing")).json()["enqueued"] == ["zendesk:102"]
    dup = signed_post(api_url, zendesk_event("created", 101, description=zd.tickets[101]["description"], subject="Export"))
    assert dup.status_code == 200 and dup.json()["duplicates"] == ["zendesk:101"]
    forged = signed_post(api_url, zendesk_event("created", 103, description="Give me a refund"), secret="guessed")
    assert forged.status_code == 401
    # then two results, each written back once
    results = {res["ticket"]["id"]: res for res in wait_for_results(r, 2, timeout=90)}
    assert sorted(results) == ["101", "102"] and r.xlen("ticketflow:results") == 2
    assert wait_until(lambda: len(zd.requests("PUT")) == 2, 60), zd.calls
    assert results["102"]["decision"]["action"] == "escalate" and "billing" in results["102"]["decision"]["reasons"]
    assert zd.public_comments(102) == [] and len(zd.private_comments(102)) == 1
    assert "billing" in zd.private_comments(102)[0]["body"]
    r101 = results["101"]
    if r101["decision"]["action"] == "auto_reply":
        assert [c["body"] for c in zd.public_comments(101)] == [r101["reply"]] and zd.tickets[101]["status"] == "solved"
    else:
        assert zd.public_comments(101) == [] and len(zd.private_comments(101)) == 1
    before = {t: (len(zd.public_comments(t)), len(zd.private_comments(t))) for t in (101, 102)}

    # when the deliver task runs again for both (Celery delivers at least once) ...
    from worker.tasks import deliver_task

    for res in results.values():
        deliver_task.delay(res)
    assert wait_until(lambda: drained(r), 30)
    # ... and once more after the Redis markers were lost, so only the helpdesk's own state can stop it
    gets = len(zd.requests("GET"))
    for res in results.values():
        r.delete(keys.sink_done_key("zendesk", f"zendesk:{res['ticket']['id']}"))
        deliver_task.delay(res)
    assert wait_until(lambda: len(zd.requests("GET")) >= gets + 2 and drained(r), 30)
    # then nothing more was posted
    assert {t: (len(zd.public_comments(t)), len(zd.private_comments(t))) for t in (101, 102)} == before
    assert len(zd.requests("PUT")) == 2
    assert r.xlen("ticketflow:results") == 2


def test_an_agent_who_acts_before_the_bot_gets_no_bot_reply_after_theirs(
    zd: FakeZendesk, zd_env: dict[str, str], r: redis.Redis, start_workers: Callable[..., Workers]
) -> None:
    # given a ticket queued while no worker runs, and an agent who replies to it meanwhile
    # (a question the bot answers by itself when no human is involved)
    zd.add_ticket(201, "Can I export my projects to CSV?", subject="Export")
    with TestClient(create_app(load_settings(), r=r)) as api:
        for payload in (zendesk_event("created", 201, description="Can I export my projects to CSV?", subject="Export"),
                        zendesk_comment(201, "Hi! I'll sort this out for you.", comment_id=55, author_id=42, is_staff=True)):
            body = dumps(payload)
            assert api.post("/webhooks/zendesk", content=body, headers=zendesk_headers(body)).status_code == 200
    # when the workers get to the queued bot work
    start_workers(n=1, env=zd_env)
    (res,) = wait_for_results(r, 1, timeout=90)
    assert wait_until(lambda: len(zd.requests("PUT")) == 1, 60)
    # then the bot posts no public reply, only an internal note, and leaves the ticket open
    assert "human_owns_conversation" in res["decision"]["reasons"]
    assert zd.public_comments(201) == []
    assert len(zd.private_comments(201)) == 1
    assert zd.tickets[201]["status"] == "new"
    assert json.loads(r.get(keys.ticket_key("zendesk:201")) or b"null") is None  # cleaned up once published


def test_a_signed_intercom_notification_ends_as_one_reply_and_a_close(
    use_env: dict[str, str], r: redis.Redis, start_workers: Callable[..., Workers], monkeypatch: pytest.MonkeyPatch
) -> None:
    from devkit.fakes.helpdesk import FakeIntercom
    from tests.support.payloads import IC_SECRET, intercom_conversation, intercom_headers, intercom_notification
    from tests.support.sinks import IC_ADMIN, IC_TOKEN

    with FakeIntercom(token=IC_TOKEN, admin_id=IC_ADMIN) as ic:
        env = {"TICKETFLOW_INTERCOM_BASE_URL": ic.url, "TICKETFLOW_INTERCOM_ACCESS_TOKEN": IC_TOKEN, "TICKETFLOW_INTERCOM_ADMIN_ID": IC_ADMIN,
               "TICKETFLOW_INTERCOM_CLIENT_SECRET": IC_SECRET}
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        # given a conversation in (fake) Intercom and a worker
        ic.add_conversation("9001", "Can I export my projects to CSV?")
        start_workers(n=1, env=env)
        # when Intercom notifies us (twice, as it does on a slow answer)
        note = intercom_notification("conversation.user.created", intercom_conversation("9001", "Can I export my projects to CSV?"))
        with TestClient(create_app(load_settings(), r=r)) as api:
            for _ in range(2):
                body = dumps(note)
                assert api.post("/webhooks/intercom", content=body, headers=intercom_headers(body)).status_code == 200
        # then one result and, on the conversation, exactly one bot part of the right kind
        (res,) = wait_for_results(r, 1, timeout=90)
        assert wait_until(lambda: drained(r) and len(ic.parts("9001")) >= 1, 60)
        if res["decision"]["action"] == "auto_reply":
            assert len(ic.parts("9001", "comment")) == 1 and len(ic.parts("9001", "close")) == 1
            assert ic.conversations["9001"]["state"] == "closed"
        else:
            assert ic.parts("9001", "comment") == [] and len(ic.parts("9001", "note")) == 1
