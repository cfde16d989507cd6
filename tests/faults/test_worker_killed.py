"""A worker killed with SIGKILL in the middle of a stage: every ticket still ends once, nothing posted twice.

On both brokers. On RabbitMQ a dead consumer's unacknowledged messages go back the moment its connection
drops, so no ticket may be left to the reaper; on Redis a task between BRPOP and its unacked record can be.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator

import pytest
import redis

from devkit.fakes.models import FakeModelServer
from devkit.services import Workers
from tests.support import brokers
from tests.support.brokers import BrokerUnderTest
from tests.support.faults import bot_posts, fake_zendesk, report, results, results_by_id, wait_until, zendesk_env, zendesk_tickets
from worker import keys

pytestmark = [pytest.mark.faults, pytest.mark.integration]

TICKETS = 60
DEADLINE_S = 60  # the reaper's net; the workers start after the enqueue, so it includes their start-up


@pytest.fixture
def model_api() -> Iterator[FakeModelServer]:
    # Slow enough that every stage is mid-call when the worker dies.
    with FakeModelServer(latency_s=0.3) as server:
        yield server


def test_a_worker_killed_mid_stage_loses_no_ticket_and_posts_no_reply_twice(
    r: redis.Redis, use_env: dict[str, str], start_workers: Callable[..., Workers], model_api: FakeModelServer, broker: BrokerUnderTest
) -> None:
    with fake_zendesk() as zd:
        env = {
            **broker.env,
            **zendesk_env(zd),
            "TICKETFLOW_PROVIDER": "anthropic",
            "ANTHROPIC_API_KEY": "test-key",
            "TICKETFLOW_ANTHROPIC_BASE_URL": model_api.base_url,
            # a dead worker's unacknowledged tasks come back after this, not after an hour
            "TICKETFLOW_VISIBILITY_TIMEOUT_S": "5",
            # a task taken off the queue but not yet recorded as unacknowledged dies with the worker
            # (kombu's Redis transport: BRPOP, then HSET); the in-flight reaper is the net for it
            "TICKETFLOW_INFLIGHT_DEADLINE_S": str(DEADLINE_S),
        }
        # given 60 Zendesk tickets queued (the in-flight deadline is stamped by the producer at enqueue
        # time), then two workers, one of which will die: queued first, so the kill lands mid-run
        # however long the enqueue takes (publisher confirms make it slower on RabbitMQ)
        accepted = brokers.enqueue({**use_env, **env}, zendesk_tickets(zd, range(1000, 1000 + TICKETS)), source="zendesk", inflight_deadline_s=DEADLINE_S)
        assert accepted == TICKETS
        victim = start_workers(n=1, env=env, concurrency=8)
        survivor = start_workers(n=1, env=env, concurrency=8)
        assert wait_until(lambda: r.xlen("ticketflow:results") >= 10, 90, step=0.05)
        # when one worker is killed with tasks in the middle of their stages
        in_flight = int(r.zcard(keys.INFLIGHT_ZSET))  # tickets accepted and not yet published
        os.killpg(victim.procs[0].pid, signal.SIGKILL)
        victim.procs[0].wait(10)
        killed_at = time.monotonic()
        # then every ticket reaches the results stream exactly once ...
        done = wait_until(lambda: r.xlen("ticketflow:results") >= TICKETS, 180)
        assert done, f"{r.xlen('ticketflow:results')} of {TICKETS} results; in flight: {r.zrange(keys.INFLIGHT_ZSET, 0, -1)}, on the broker {broker.depths(r)}"
        assert wait_until(lambda: broker.drained(r), 60, step=0.5)
        recovered_s = time.monotonic() - killed_at
        counts = results_by_id(r)
        reaped = [res for res in results(r) if (res.get("failure") or {}).get("stage") == "pipeline"]
        ids = list(range(1000, 1000 + TICKETS))
        # ... and each helpdesk ticket got exactly one bot comment (a reply or a note), none twice;
        # a ticket the reaper had to escalate is in the results stream but not written back (the
        # reaper publishes only), so it may have none
        reaped_ids = {int(res["ticket"]["id"]) for res in reaped}
        assert wait_until(lambda: all(n >= 1 for t, n in bot_posts(zd, ids).items() if t not in reaped_ids), 60)
        time.sleep(2)  # let any duplicate delivery land before counting
        posts = bot_posts(zd, ids)
        report(
            "worker_sigkill",
            broker=broker.name,
            tickets_in=TICKETS,
            results_out=sum(counts.values()),
            distinct_results=len(counts),
            duplicate_results=sum(n - 1 for n in counts.values()),
            ended_by_reaper=len(reaped),
            tickets_in_flight_at_kill=in_flight,
            helpdesk_posts=sum(posts.values()),
            duplicate_posts=sum(n - 1 for n in posts.values() if n > 1),
            model_calls=len(model_api.calls),
            recovered_s=round(recovered_s, 1),
        )
        assert in_flight > 0, "the worker died with nothing in flight: the test proved nothing"
        assert sorted(counts) == [str(i) for i in ids] and set(counts.values()) == {1}
        assert all(n == 1 for t, n in posts.items() if t not in reaped_ids), {t: n for t, n in posts.items() if n != 1}
        assert all(posts[t] <= 1 for t in reaped_ids)
        assert survivor.alive()
        if broker.name == "rabbitmq":  # nothing lost in transit: every ticket answered by the pipeline
            assert reaped == [], [res["ticket"]["id"] for res in reaped]
            assert not [res for res in results(r) if res.get("failure")], "a ticket failed over a broker fault"
