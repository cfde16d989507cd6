"""The broker killed and restarted mid-run: nothing lost, nothing published twice.

Redis broker: Redis itself (AOF, `appendfsync always`) is SIGKILLed and restarted on its port. RabbitMQ
broker: the RabbitMQ node is SIGKILLed and restarted with its data (Redis, the store, stays up); its
durable quorum queues, persistent messages and publisher confirms must leave no ticket to the reaper.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis

from devkit.fakes.models import FakeModelServer
from devkit.services import EmbeddedRedis, Workers
from tests.support.brokers import BrokerUnderTest
from tests.support.faults import QUESTIONS, report, results, results_by_id, wait_until
from worker.sinks import progress

pytestmark = [pytest.mark.faults, pytest.mark.integration]

TICKETS = 60


def _enqueue_with_cli(env: dict[str, str], tmp_path: Path) -> dict[str, int]:
    path = tmp_path / "tickets.jsonl"
    path.write_text("".join(json.dumps({"id": f"rr{i}", "customer_id": f"c{i}", "message": QUESTIONS[i % len(QUESTIONS)]}) + "\n" for i in range(TICKETS)))
    out = subprocess.run([sys.executable, "-c", "from console.cli import main; main()", "enqueue", str(path)], env={**os.environ, **env},
                         capture_output=True, text=True, timeout=60, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _kill_and_restart(broker: BrokerUnderTest, redis_server: EmbeddedRedis) -> None:
    """SIGKILL the broker (no shutdown save), wait 3 s, start it again on the same port and data."""
    if broker.node is not None:
        broker.node.kill()
        time.sleep(3)
        broker.node.start()
        return
    assert redis_server.proc is not None
    redis_server.proc.kill()
    redis_server.proc.wait(10)
    time.sleep(3)
    redis_server.start()


def test_the_broker_killed_and_restarted_mid_run_loses_nothing(start_workers: Callable[..., Workers], tmp_path: Path, broker: BrokerUnderTest) -> None:
    server = EmbeddedRedis(appendonly=True).start()
    try:
        with FakeModelServer(latency_s=0.2) as model_api:
            env = {
                **broker.env,
                "REDIS_URL": server.url,
                "TICKETFLOW_PROVIDER": "anthropic",
                "ANTHROPIC_API_KEY": "test-key",
                "TICKETFLOW_ANTHROPIC_BASE_URL": model_api.base_url,
                "TICKETFLOW_VISIBILITY_TIMEOUT_S": "5",
                "TICKETFLOW_INFLIGHT_DEADLINE_S": "90",  # from the enqueue, before the workers start
            }
            # given 60 tickets queued (the producer sets each ticket's deadline: it must see the same one as
            # the workers), then two workers on a Redis that writes every change to its append-only file;
            # queued first, so the kill lands mid-run however long the enqueue takes
            assert _enqueue_with_cli(env, tmp_path)["enqueued"] == TICKETS
            workers = start_workers(n=2, env=env, concurrency=8)
            r = redis.Redis.from_url(server.url)
            assert wait_until(lambda: r.xlen("ticketflow:results") >= 10, 90, step=0.05)
            # when the broker dies (SIGKILL) mid-run and comes back on the same port
            before = int(r.xlen("ticketflow:results"))
            _kill_and_restart(broker, server)
            t0 = time.monotonic()
            # then every ticket has exactly one result
            r = redis.Redis.from_url(server.url)
            done = wait_until(lambda: r.xlen("ticketflow:results") >= TICKETS, 180, step=0.5)
            time.sleep(2)
            counts = results_by_id(r)
            reaped = [res for res in results(r) if (res.get("failure") or {}).get("stage") == "pipeline"]
            report(
                "broker_restart",
                broker=broker.name,
                tickets_in=TICKETS,
                results_before_kill=before,
                results_out=sum(counts.values()),
                distinct_results=len(counts),
                duplicate_results=sum(n - 1 for n in counts.values()),
                ended_by_reaper=len(reaped),
                # where each reaped ticket was lost: the stages it finished, and its worker log lines
                reaped=[{"id": res["ticket"]["id"], "stages_done": [ev.get("stage") for _e, ev in progress.read(r, f"api:{res['ticket']['id']}") if ev.get("type") == "stage"],
                         "log": [ln[:300] for ln in workers.logs().splitlines() if f"api:{res['ticket']['id']}" in ln][-5:]} for res in reaped],
                escalated_automation=sum(1 for res in results(r) if res.get("failure")),
                recovered_s=round(time.monotonic() - t0, 1),
            )
            assert done, f"{r.xlen('ticketflow:results')} of {TICKETS} results after the restart"
            assert sorted(counts) == sorted(f"rr{i}" for i in range(TICKETS)) and set(counts.values()) == {1}
            assert workers.alive()
            if broker.name == "rabbitmq":  # nothing lost in transit: every ticket answered by the pipeline
                assert reaped == [], [res["ticket"]["id"] for res in reaped]
                assert not [res for res in results(r) if res.get("failure")], "a ticket failed over a broker fault"
    finally:
        server.stop()
