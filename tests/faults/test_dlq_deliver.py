"""Write-backs that failed for good land in the dead-letter view; `ticketflow dlq replay` posts each once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable

import pytest
import redis

from devkit.services import Workers
from tests.support.faults import bot_posts, drained, enqueue_zendesk, fake_zendesk, report, results, wait_until, zendesk_env
from worker.reliability import dlq

pytestmark = [pytest.mark.faults, pytest.mark.integration]

TICKETS = 12


def _replay(env: dict[str, str], *args: str) -> list[dict[str, str]]:
    cli = [sys.executable, "-c", "from console.cli import main; main()", "dlq", "replay", *args]
    out = subprocess.run(cli, env={**os.environ, **env}, capture_output=True, text=True, timeout=60, check=True)
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def test_failed_write_backs_are_dead_lettered_and_a_replay_posts_each_exactly_once(
    r: redis.Redis, use_env: dict[str, str], start_workers: Callable[..., Workers]
) -> None:
    with fake_zendesk() as zd:
        # given a Zendesk that refuses (422) the first request about each ticket
        zd.fail_next(TICKETS, 422, path=r"^/api/v2/tickets/\d+\.json$")
        start_workers(n=1, env={**zendesk_env(zd), "TICKETFLOW_RETRY_MAX": "1"})
        ids = list(range(3000, 3000 + TICKETS))
        assert enqueue_zendesk(r, zd, range(3000, 3000 + TICKETS)) == TICKETS
        # when every ticket is through the pipeline, its write-back failed for good
        assert wait_until(lambda: len(dlq.entries(r, kind="deliver")) >= TICKETS and drained(r), 90)
        assert len(results(r)) == TICKETS
        assert bot_posts(zd, ids) == {t: 0 for t in ids}
        listed = subprocess.run([sys.executable, "-c", "from console.cli import main; main()", "dlq", "list", "--json", "--kind", "deliver"],
                                env={**os.environ, **use_env}, capture_output=True, text=True, timeout=60, check=True)
        rows = [json.loads(line) for line in listed.stdout.splitlines()]
        assert sorted(row["ticket_id"] for row in rows) == sorted(f"zendesk:{t}" for t in ids)
        assert all(row["stage"] == "deliver" and "422" in row["error"] and row["replayed"] is None for row in rows)
        # then replaying them posts each once ...
        first = _replay(use_env, "--all", "--kind", "deliver")
        assert [x["outcome"] for x in first] == ["redelivered"] * TICKETS
        assert wait_until(lambda: all(n == 1 for n in bot_posts(zd, ids).values()) and drained(r), 60)
        # ... and a second replay, or the same entries by id, posts nothing more
        assert _replay(use_env, "--all") == []
        again = _replay(use_env, *[row["entry"] for row in rows[:3]])
        assert [x["outcome"] for x in again] == ["already_replayed"] * 3
        assert wait_until(lambda: drained(r), 30)
        posts = bot_posts(zd, ids)
        report("dlq_deliver_replay", tickets_in=TICKETS, dead_lettered=len(rows), replayed=len(first), helpdesk_posts=sum(posts.values()),
               duplicate_posts=sum(n - 1 for n in posts.values() if n > 1), results_out=len(results(r)))
        assert set(posts.values()) == {1}
        assert dlq.pending_count(r) == 0
