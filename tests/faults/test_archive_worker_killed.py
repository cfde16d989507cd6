"""A worker killed while its archiver holds results it has read but not acknowledged: every ticket is archived exactly once."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Callable

import pytest
import redis
from sqlalchemy import func, select

from devkit.services import Workers
from producer.enqueue import Enqueuer, parse_ticket
from tests.support.faults import results_by_id, wait_until
from worker.archive.consumer import GROUP
from worker.archive.schema import make_engine, result_details, results
from worker.settings import load_settings

pytestmark = [pytest.mark.faults, pytest.mark.integration]

TICKETS = 60
STREAM = "ticketflow:results"
QUESTIONS = ("How do I reset my password?", "Can I export my projects to CSV?", "I was charged twice, refund please.", "The widget is blank.")


def _victim_holds_entries(r: redis.Redis, consumer: str) -> bool:
    try:
        info = r.xpending(STREAM, GROUP)
    except redis.ResponseError:  # no group yet
        return False
    return any((c["name"].decode() if isinstance(c["name"], bytes) else c["name"]) == consumer and int(c["pending"]) > 0 for c in info.get("consumers") or [])


def test_a_worker_killed_mid_archive_leaves_every_ticket_archived_once(
    r: redis.Redis, use_env: dict[str, str], start_workers: Callable[..., Workers], archive_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        "TICKETFLOW_DATABASE_URL": archive_url,
        "TICKETFLOW_ARCHIVE_CLAIM_IDLE_S": "2",
        # the dead worker's tickets come back soon (its tasks after the visibility timeout, the rest by the reaper)
        "TICKETFLOW_VISIBILITY_TIMEOUT_S": "5",
        "TICKETFLOW_INFLIGHT_DEADLINE_S": "30",
        "TICKETFLOW_REAP_EVERY_S": "5",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    # given one worker archiving as it answers, and 60 tickets on their way
    victim = start_workers(n=1, env=env, concurrency=4)
    enq = Enqueuer(r, load_settings())
    for i in range(TICKETS):
        assert enq.enqueue(parse_ticket({"id": f"a{i}", "customer_id": f"c{i}", "message": QUESTIONS[i % len(QUESTIONS)]})).accepted
    # when it is killed at a moment its archiver has read results it has not acknowledged
    consumer = f"{socket.gethostname()}-{victim.procs[0].pid}"
    caught = wait_until(lambda: _victim_holds_entries(r, consumer), 120, step=0.002)
    os.killpg(victim.procs[0].pid, signal.SIGKILL)
    victim.procs[0].wait(10)
    held = _victim_holds_entries(r, consumer)
    assert caught and held, "the victim was killed holding unacknowledged entries"
    # and another worker takes over the tickets and the archive
    start_workers(n=1, env=env, concurrency=4)
    assert wait_until(lambda: len(results_by_id(r)) >= TICKETS, 240), f"{len(results_by_id(r))} of {TICKETS} results"
    engine = make_engine("postgresql+psycopg://" + archive_url.split("://", 1)[1] if archive_url.startswith("postgresql") else archive_url)

    def archived() -> int:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(results)).scalar_one())

    assert wait_until(lambda: archived() >= TICKETS and int(r.xpending(STREAM, GROUP)["pending"]) == 0, 120), f"{archived()} archived"
    time.sleep(1.0)  # anything written twice would show by now
    # then each ticket is archived exactly once, with its details, and nothing is left unacknowledged
    with engine.connect() as conn:
        uids = list(conn.execute(select(results.c.uid)).scalars())
        details = int(conn.execute(select(func.count()).select_from(result_details)).scalar_one())
    assert sorted(uids) == sorted(f"api:a{i}" for i in range(TICKETS))
    assert details == TICKETS
    assert all(n == 1 for n in results_by_id(r).values()), "and each ticket was published once"
    engine.dispose()
