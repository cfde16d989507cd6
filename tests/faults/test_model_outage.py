"""The model API answers 529 overloaded (25 s by default): with the circuit breaker off, tickets retry
with backoff, then escalate with a reason, none lost; when it recovers new tickets flow again, and
`ticketflow dlq replay` re-runs the ones that failed. On both brokers. (With the breaker on, see
test_breaker_outage.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest
import redis

from devkit.fakes.models import FakeModelServer
from devkit.services import Workers
from tests.support import brokers
from tests.support.brokers import BrokerUnderTest
from tests.support.faults import QUESTIONS, outage_env, report, results, wait_until
from worker.reliability import dlq
from worker.replies.frames import specialist_line

pytestmark = [pytest.mark.faults, pytest.mark.integration]

OUTAGE_S = float(os.environ.get("TICKETFLOW_FAULT_OUTAGE_S", "25"))  # the 4 attempts take 13-15 s on a loaded host
DURING, AFTER = 20, 10


@pytest.fixture
def model_api() -> Iterator[FakeModelServer]:
    with FakeModelServer(latency_s=0.05) as server:
        yield server


def _enqueue(env: dict[str, str], prefix: str, n: int) -> None:
    tickets = [{"id": f"{prefix}{i}", "customer_id": f"{prefix}c{i}", "message": QUESTIONS[i % len(QUESTIONS)]} for i in range(n)]
    assert brokers.enqueue(env, tickets) == n


def test_an_outage_of_529_ends_in_escalations_with_a_reason_then_traffic_flows_and_replays_succeed(
    r: redis.Redis, use_env: dict[str, str], start_workers: Callable[..., Workers], model_api: FakeModelServer, broker: BrokerUnderTest
) -> None:
    env = {
        **broker.env,
        **outage_env(model_api.base_url),
        "TICKETFLOW_BREAKER_FAILURES": "0",  # every call reaches the API: this test is about the retries alone
    }
    start_workers(n=2, env=env, concurrency=8)
    brokers.warm_up({**use_env, **env}, r)
    model_api.reset()
    # given a model API that answers 529 overloaded to everything for OUTAGE_S seconds
    model_api.outage(OUTAGE_S)
    outage_ends = time.monotonic() + OUTAGE_S
    t0 = time.monotonic()
    # when tickets arrive during the outage
    _enqueue({**use_env, **env}, "out", DURING)
    # then each retries with backoff and ends as an escalation saying automation was unavailable
    assert wait_until(lambda: r.xlen("ticketflow:results") >= DURING, OUTAGE_S + 30, step=0.2)
    first_wave_s = time.monotonic() - t0
    during = [res for res in results(r) if res["ticket"]["id"].startswith("out")]
    assert len(during) == DURING
    assert all(res["decision"] == {"action": "escalate", "reasons": ["automation_unavailable"]} for res in during)
    assert all(res["attempts"]["classify"] == 4 for res in during), [res["attempts"] for res in during]
    assert all(res["reply"] == specialist_line("en") for res in during)
    # ... the retries were spread out by the backoff, not fired at once (3 waits of >= 0.5, 1 and 2 s)
    assert first_wave_s >= 3.5
    # ... and each is listed in the dead-letter view
    pending = dlq.entries(r, kind="pipeline", pending_only=True)
    assert sorted(e.ticket_id for e in pending) == sorted(f"api:out{i}" for i in range(DURING))
    calls_during = len(model_api.calls)
    # when the API recovers, new tickets flow as normal
    time.sleep(max(outage_ends - time.monotonic(), 0) + 0.5)
    _enqueue({**use_env, **env}, "after", AFTER)
    assert wait_until(lambda: r.xlen("ticketflow:results") >= DURING + AFTER, 60)
    after = [res for res in results(r) if res["ticket"]["id"].startswith("after")]
    assert len(after) == AFTER and all(res["failure"] is None for res in after)
    # and replaying the dead letters runs those tickets again, once, now successfully
    cli = [sys.executable, "-c", "from console.cli import main; main()", "dlq", "replay", "--all"]
    out = subprocess.run(cli, env={**os.environ, **use_env, **broker.env}, capture_output=True, text=True, timeout=60, check=True)
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    assert [x["outcome"] for x in lines] == ["reenqueued"] * DURING
    assert wait_until(lambda: r.xlen("ticketflow:results") >= 2 * DURING + AFTER, 60)
    again = subprocess.run(cli, env={**os.environ, **use_env, **broker.env}, capture_output=True, text=True, timeout=60, check=True)
    assert [json.loads(line) for line in again.stdout.splitlines() if line.startswith("{")] == []  # nothing left pending
    replays = [res for res in results(r) if "~replay" in res["ticket"]["id"]]
    all_results = results(r)
    report(
        "model_529_outage",
        broker=broker.name,
        outage_s=OUTAGE_S,
        tickets_in_during=DURING,
        escalated_automation_unavailable=len(during),
        attempts_per_ticket=during[0]["attempts"]["classify"],
        first_wave_s=round(first_wave_s, 1),
        model_calls_during=calls_during,
        tickets_in_after=AFTER,
        results_after_ok=len(after),
        dlq_replayed=len(lines),
        replay_results_ok=sum(1 for res in replays if res["failure"] is None),
        results_out=len(all_results),
        duplicate_results=len(all_results) - len({res["ticket"]["id"] for res in all_results}),
    )
    assert len(replays) == DURING and all(res["failure"] is None for res in replays)
    # a replayed ticket was already handed to a person: the bot only drafts for them
    assert all(res["decision"]["action"] != "auto_reply" for res in replays)
    assert len({res["ticket"]["id"] for res in all_results}) == len(all_results) == 2 * DURING + AFTER
