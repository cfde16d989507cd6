"""Logs of a real worker process: JSON lines, the ticket id on each line about a ticket, no secrets."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import redis

from devkit.services import Workers
from producer.enqueue import Enqueuer, parse_ticket
from tests.conftest import wait_for_results
from worker.settings import load_settings

pytestmark = pytest.mark.integration

KEY = "sk-ant-api03-TestKeyThatMustNeverBeLogged-0123456789abcdef"
EMAIL = "maria.lopez@example.com"
CARD = "4111 1111 1111 1111"


def test_worker_logs_carry_the_ticket_id_and_never_the_key_the_address_or_the_card(
    r: redis.Redis, use_env: dict[str, str], start_workers: Callable[..., Workers]
) -> None:
    # given a gevent worker whose provider leaks the API key into an SDK log line and whose
    # generate step fails with an error echoing the customer's message
    env = {"TICKETFLOW_PROVIDER_FACTORY": "tests.support.leaky_provider:build", "ANTHROPIC_API_KEY": KEY, "TICKETFLOW_LOG_LEVEL": "INFO"}
    workers = start_workers(n=1, env=env, pool="gevent", concurrency=20)
    message = f"How do I export my projects to CSV? Reach me at {EMAIL}, my card is {CARD}."
    tickets = [parse_ticket({"id": f"log{i}", "customer_id": f"c{i}", "message": message}) for i in range(5)]
    Enqueuer(r, load_settings()).enqueue_many(tickets)
    # when every ticket has a result
    results = wait_for_results(r, 5, timeout=60)
    assert len(results) == 5
    workers.stop()
    text = workers.logs()
    # then nothing secret or personal is anywhere in the output
    assert KEY not in text and EMAIL not in text and CARD not in text and CARD.replace(" ", "") not in text
    records = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    about_tickets = [rec for rec in records if rec["logger"].startswith(("anthropic", "ticketflow.tasks"))]
    # and every line about a ticket, the SDK's included, names it
    uids = {f"api:log{i}" for i in range(5)}
    sdk_lines = [rec for rec in about_tickets if rec["logger"].startswith("anthropic")]
    failed_lines = [rec for rec in about_tickets if rec["logger"] == "ticketflow.tasks"]
    assert len(sdk_lines) == 10 and len(failed_lines) == 5
    assert {rec["ticket_id"] for rec in about_tickets} == uids
    assert all("[secret]" in rec["msg"] for rec in sdk_lines)
    assert all("[email]" in rec["exc"] and "[card]" in rec["exc"] for rec in failed_lines)
