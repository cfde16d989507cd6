"""The broker a test runs on: the suite's Redis, or a RabbitMQ node of the suite's own (a vhost per test).

`rabbit_node` starts one `rabbitmq-server` node for the session (devkit/rabbitmq.py: its own node name,
ports and data directory; never the RabbitMQ that CI or a developer runs). Locally a missing
`rabbitmq-server` skips the RabbitMQ tests; under `CI=true` it fails them.

Tickets are enqueued from a child process (`enqueue_child`): the Celery app binds to its broker when it
is first imported, so a test process that already imported it for Redis could not publish to RabbitMQ.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis

from devkit import rabbitmq
from devkit.rabbitmq import RabbitNode
from tests.support.require import missing

BROKERS = ("redis", "rabbitmq")
QUEUES = ("ticketflow.io", "ticketflow.cpu")


@pytest.fixture(scope="session")
def rabbit_node() -> Iterator[RabbitNode]:
    """A RabbitMQ node that belongs to this test session."""
    if not rabbitmq.available():
        missing("rabbitmq-server is not installed (apt-get install rabbitmq-server)")
    node = RabbitNode().start()
    try:
        yield node
    finally:
        node.stop()


@dataclass
class BrokerUnderTest:
    """Where a test's tasks travel, and how to see what is still on it."""

    name: str
    node: RabbitNode | None = None
    vhost: str = "/"

    @property
    def env(self) -> dict[str, str]:
        """What a worker or producer needs to use this broker (nothing: Redis is the default)."""
        if self.node is None:
            return {}
        return {"TICKETFLOW_BROKER_URL": f"amqp://guest:guest@127.0.0.1:{self.node.port}/{self.vhost}"}

    def depths(self, r: redis.Redis) -> tuple[int, int]:
        """(tasks waiting, tasks delivered and not acknowledged), delayed retries counted as waiting."""
        if self.node is None:
            return sum(int(r.llen(q)) for q in QUEUES), int(r.hlen("unacked"))  # type: ignore[arg-type]
        rows = self.node.queue_depths(self.vhost).values()
        return sum(ready for ready, _ in rows), sum(unacked for _, unacked in rows)

    def drained(self, r: redis.Redis) -> bool:
        """Nothing waiting or unacknowledged on the broker."""
        return self.depths(r) == (0, 0)


def broker_for(name: str, request: pytest.FixtureRequest) -> BrokerUnderTest:
    """The broker `name` for one test: Redis as it is, or a fresh vhost on the session's RabbitMQ node."""
    if name == "redis":
        return BrokerUnderTest("redis")
    node: RabbitNode = request.getfixturevalue("rabbit_node")
    vhost = f"t{time.time_ns()}"
    node.ctl("add_vhost", vhost)
    node.ctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    return BrokerUnderTest("rabbitmq", node, vhost)


def enqueue(env: dict[str, str], tickets: list[dict[str, Any]], *, source: str | None = None, **overrides: Any) -> int:
    """Enqueue `tickets` through `Enqueuer` in a child process on `env`'s Redis and broker; how many were accepted."""
    spec = json.dumps({"tickets": tickets, "source": source, "overrides": overrides})
    out = subprocess.run([sys.executable, "-m", "tests.support.enqueue_child"], input=spec, env={**os.environ, **env},
                         capture_output=True, text=True, timeout=120, check=True)
    return int(out.stdout.strip().splitlines()[-1])


def warm_up(env: dict[str, str], r: redis.Redis, timeout: float = 90.0) -> None:
    """Put one ticket through the started workers (so a timed fault starts with them ready), then forget its result."""
    assert enqueue(env, [{"id": "warm-up", "customer_id": "warm-up", "message": "How do I reset my password?"}]) == 1
    deadline = time.monotonic() + timeout
    while r.xlen("ticketflow:results") < 1:
        assert time.monotonic() < deadline, "the workers answered no ticket"
        time.sleep(0.2)
    r.delete("ticketflow:results")
