"""Shared pieces of the fault tests: Zendesk tickets, counting results and posts, printing figures."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import redis

from devkit.fakes.helpdesk import FakeZendesk
from producer.enqueue import Enqueuer, parse_ticket
from tests.support.sinks import BOT_USER, ZD_EMAIL, ZD_TOKEN
from worker.settings import load_settings

QUESTIONS = (
    "How do I reset my password? The reset email never arrives.",
    "Can I export my projects to CSV?",
    "I was charged twice this month, please refund the duplicate.",
    "The Android widget stays blank after the update.",
    "How do I invite a teammate to my workspace?",
)


def outage_env(model_base_url: str) -> dict[str, str]:
    """Workers on the Anthropic SDK against the fake model API, with short retries (1 + 3 tries, 1-4 s apart)."""
    return {
        "TICKETFLOW_PROVIDER": "anthropic",
        "ANTHROPIC_API_KEY": "test-key",
        "TICKETFLOW_ANTHROPIC_BASE_URL": model_base_url,
        "TICKETFLOW_RETRY_MAX": "3",
        "TICKETFLOW_RETRY_BACKOFF_S": "1",
        "TICKETFLOW_RETRY_BACKOFF_MAX_S": "4",
    }


def zendesk_env(zd: FakeZendesk) -> dict[str, str]:
    """Worker environment with the Zendesk sink pointed at the fake."""
    return {
        "TICKETFLOW_ZENDESK_BASE_URL": zd.url,
        "TICKETFLOW_ZENDESK_EMAIL": ZD_EMAIL,
        "TICKETFLOW_ZENDESK_API_TOKEN": ZD_TOKEN,
        "TICKETFLOW_ZENDESK_BOT_USER_ID": str(BOT_USER),
    }


def fake_zendesk() -> FakeZendesk:
    """A fake Zendesk with the suite's credentials (not started)."""
    return FakeZendesk(email=ZD_EMAIL, token=ZD_TOKEN, bot_user_id=BOT_USER)


def zendesk_tickets(zd: FakeZendesk, ids: range) -> list[dict[str, Any]]:
    """Create the tickets in the fake Zendesk; the ticket JSON a webhook would enqueue for each (source `zendesk`)."""
    out = []
    for i in ids:
        text = QUESTIONS[i % len(QUESTIONS)]
        zd.add_ticket(i, text, subject="help")
        out.append({"id": str(i), "customer_id": f"cust{i}", "subject": "help", "message": text, "metadata": {"zendesk_ticket_id": i}})
    return out


def enqueue_zendesk(r: redis.Redis, zd: FakeZendesk, ids: range, *, run_id: str | None = None, **overrides: Any) -> int:
    """Create the tickets in the fake Zendesk and enqueue them as webhooks would; returns how many were accepted."""
    enq = Enqueuer(r, load_settings(**overrides))
    return sum(enq.enqueue(parse_ticket(t, source="zendesk"), run_id=run_id).accepted for t in zendesk_tickets(zd, ids))


def results(r: redis.Redis, stream: str = "ticketflow:results") -> list[dict[str, Any]]:
    """Every result in the stream, oldest first."""
    return [json.loads(d[b"json"]) for _id, d in r.xrange(stream)]  # type: ignore[index,union-attr]


def results_by_id(r: redis.Redis, stream: str = "ticketflow:results") -> Counter[str]:
    """How many results each ticket id has in the stream."""
    return Counter(json.loads(d[b"json"])["ticket"]["id"] for _id, d in r.xrange(stream))  # type: ignore[index,union-attr]


def bot_posts(zd: FakeZendesk, ticket_ids: list[int]) -> dict[int, int]:
    """Comments the bot left on each ticket (public replies and internal notes)."""
    return {t: len(zd.public_comments(t)) + len(zd.private_comments(t)) for t in ticket_ids}


def wait_until(cond: Callable[[], bool], timeout: float, step: float = 0.1) -> bool:
    """Poll `cond` until it holds or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(step)
    return cond()


def drained(r: redis.Redis) -> bool:
    """No task waiting or unacknowledged on the broker."""
    return sum(int(r.llen(q)) for q in ("ticketflow.io", "ticketflow.cpu")) == 0 and int(r.hlen("unacked")) == 0  # type: ignore[arg-type]


def report(name: str, **figures: Any) -> None:
    """One line per fault test with its figures (`make test-faults` shows them with -s; the closing note quotes them)."""
    print(f"\nFAULT {name}: " + json.dumps(figures))
