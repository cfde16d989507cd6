"""Operators hear from every process: a worker names what it talks to and logs each finished ticket;
`ticketflow serve` says where it listens and logs each request (no bodies, no tokens)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import redis

from devkit.services import Workers, free_port
from producer.enqueue import Enqueuer, parse_ticket
from tests.conftest import ROOT, wait_for_results
from worker.settings import load_settings

pytestmark = pytest.mark.integration


def _records(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_worker_names_its_broker_redis_provider_and_help_centre_and_logs_each_ticket(
    r: redis.Redis, use_env: dict[str, str], start_workers: Callable[..., Workers]
) -> None:
    # given a worker logging at INFO
    workers = start_workers(n=1, env={"TICKETFLOW_LOG_LEVEL": "INFO"})
    questions = ["How do I export my projects to CSV?", "I was charged twice, refund please.", "How do I reset my password?"]
    Enqueuer(r, load_settings()).enqueue_many([parse_ticket({"id": f"op{i}", "customer_id": f"c{i}", "message": q}) for i, q in enumerate(questions)])
    # when its tickets are done
    results = wait_for_results(r, 3, timeout=60)
    workers.stop()
    records = _records(workers.logs())
    # then it said once what it talks to
    start = [rec for rec in records if rec.get("event") == "startup"]
    assert len(start) == 1
    assert start[0]["redis"] == use_env["REDIS_URL"] and start[0]["broker"] == use_env["REDIS_URL"]
    assert start[0]["provider"] == "classify local, generate local" and str(start[0]["help_centre"]).endswith("corpus/help")
    assert start[0]["index_version"] and "worker ready" in str(start[0]["msg"])
    # and one line per ticket with its id, intent, action, reasons and time
    done = {rec["ticket_id"]: rec for rec in records if rec.get("event") == "ticket_done"}
    by_id = {f"api:{res['ticket']['id']}": res for res in results}
    assert set(done) == set(by_id)
    for uid, rec in done.items():
        assert rec["intent"] == by_id[uid]["classification"]["intent"] and rec["action"] == by_id[uid]["decision"]["action"]
        assert rec["reasons"] == ",".join(by_id[uid]["decision"]["reasons"])
        assert isinstance(rec["ms"], float) and rec["ms"] >= 0


def test_serve_logs_where_it_listens_and_each_request_without_body_or_token(r: redis.Redis, redis_url: str, tmp_path: Path) -> None:
    # given the API served by the real command
    port = free_port()
    env = {**os.environ, "REDIS_URL": redis_url, "TICKETFLOW_LOG_LEVEL": "INFO", "TICKETFLOW_API_TOKEN": "tok-abcdef-123456", "PYTHONPATH": str(ROOT)}
    err = (tmp_path / "serve.log").open("w+")
    proc = subprocess.Popen([sys.executable, "-c", "from console.cli import main; main()", "serve", "--port", str(port)], cwd=ROOT, env=env, stderr=err)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        # when a client checks health with a token in the query and posts a ticket
        httpx.get(f"{base}/healthz?token=query-secret-999", timeout=5)
        posted = httpx.post(f"{base}/v1/tickets", json={"id": "srv1", "customer_id": "c1", "message": "private words of the customer"},
                            headers={"Authorization": "Bearer tok-abcdef-123456"}, timeout=10)
        assert posted.status_code in (200, 201, 202), posted.text
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    err.seek(0)
    text = err.read()
    records = _records(text)
    # then it said where it listens, logged each request, and stopped audibly
    assert any(rec.get("event") == "listening" and f"127.0.0.1:{port}" in str(rec["msg"]) for rec in records)
    access = [rec for rec in records if rec.get("event") == "access"]
    assert {(rec["method"], rec["path"]) for rec in access} >= {("GET", "/healthz"), ("POST", "/v1/tickets")}
    assert all(isinstance(rec["status"], int) and isinstance(rec["ms"], float) for rec in access)
    assert any(rec["path"] == "/v1/tickets" and rec["status"] == posted.status_code for rec in access)
    assert any(rec.get("event") == "stopped" for rec in records)
    # and nothing of the body, the query or the bearer token is in its output
    assert "private words" not in text and "query-secret-999" not in text and "tok-abcdef-123456" not in text
