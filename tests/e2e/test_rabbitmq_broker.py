"""End to end on RabbitMQ (a node of the suite's own, a vhost of this test's own): the same pipeline,
routing and retries as on Redis, with the queues RabbitMQ should hold (durable quorum queues)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis
from kombu import Connection

from devkit.rabbitmq import RabbitNode
from devkit.services import Workers
from tests.conftest import wait_for_results
from tests.support import brokers
from tests.support.faults import wait_until

pytestmark = pytest.mark.integration

FLAKY = {"TICKETFLOW_PROVIDER_FACTORY": "tests.support.flaky_provider:build", "TICKETFLOW_RETRY_BACKOFF_S": "0.3", "TICKETFLOW_RETRY_BACKOFF_MAX_S": "0.6"}


def test_tickets_flow_and_retry_on_rabbitmq_through_durable_quorum_queues(
    r: redis.Redis, use_env: dict[str, str], start_workers: Callable[..., Workers], rabbit_node: RabbitNode, request: pytest.FixtureRequest
) -> None:
    broker = brokers.broker_for("rabbitmq", request)
    env = {**broker.env, **FLAKY}
    # given a worker on RabbitMQ, and tickets of which some fail twice (a countdown below a second each time)
    start_workers(n=1, env=env, concurrency=4)
    tickets = [{"id": f"q{i}", "customer_id": f"c{i}", "message": "How do I reset my password? The reset email never arrives.",
                "metadata": {"fail": {"stage": "classify", "times": 2, "kind": "transient"}} if i % 2 else {}} for i in range(10)]
    assert brokers.enqueue({**use_env, **env}, tickets) == 10
    # then every ticket has one result, the flaky ones after their retries, and nothing reached Redis as a broker
    results = wait_for_results(r, 10, timeout=90)
    assert sorted(res["ticket"]["id"] for res in results) == sorted(f"q{i}" for i in range(10))
    assert all(res["failure"] is None for res in results)
    assert {res["ticket"]["id"]: res["attempts"]["classify"] for res in results} == {f"q{i}": 3 if i % 2 else 1 for i in range(10)}
    assert not r.exists("ticketflow.io", "ticketflow.cpu", "unacked")
    # and the queues on the broker are durable quorum queues, now empty
    with Connection(broker.env["TICKETFLOW_BROKER_URL"]) as conn:
        ch = conn.channel()
        for q in ("ticketflow.io", "ticketflow.cpu"):
            ch.queue_declare(q, passive=True)  # raises if the queue is missing
    # (a result is published before its escalate task is acknowledged: give the last acks a moment)
    assert wait_until(lambda: broker.drained(r), 30, step=0.5), rabbit_node.queue_depths(broker.vhost)
    types = dict(line.split()[:2] for line in rabbit_node.ctl("list_queues", "-p", broker.vhost, "-q", "--no-table-headers", "name", "type").splitlines() if line.strip())
    assert types["ticketflow.io"] == types["ticketflow.cpu"] == "quorum"
