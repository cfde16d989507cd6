"""Errors of `ticketflow serve` are JSON and redacted: uvicorn's own lines and a 500's traceback go through worker/logs.py."""

from __future__ import annotations

import io
import json
import socket
import threading
import time

import httpx
import redis
import uvicorn

from devkit.services import ApiServer, free_port
from producer.api import create_app
from producer.serving import UVICORN_OPTIONS
from worker.logs import configure_logging
from worker.settings import load_settings


def _json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_uvicorns_own_lines_from_a_real_serve_process_are_json(use_env: dict[str, str]) -> None:
    # given a real `ticketflow serve`
    with ApiServer(env={**use_env, "TICKETFLOW_LOG_JSON": "true"}) as api:
        # when a client sends something that is not HTTP at all (uvicorn answers it itself)
        with socket.create_connection(("127.0.0.1", api.port), timeout=5) as s:
            s.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
            answer = s.recv(1000)
        time.sleep(0.5)
        logs = api.logs()
    # then the refusal is a 4xx, and every line the process wrote is one JSON object, uvicorn's included
    assert answer.startswith(b"HTTP/1.1 400")
    lines = _json_lines(logs)
    assert any(line["logger"] == "uvicorn.error" for line in lines), logs


def test_a_500_answers_json_and_its_traceback_is_logged_as_redacted_json(redis_url: str) -> None:
    # given the API served by uvicorn exactly as `serve` runs it, logging to a buffer, with a route that fails
    settings = load_settings(redis_url=redis_url, log_json=True, api_token="api-token-value-123")
    buf = io.StringIO()
    handler = configure_logging(settings, stream=buf)
    app = create_app(settings, r=redis.Redis.from_url(redis_url))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("failed with Bearer api-token-value-123 for jane@example.com")

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **UVICORN_OPTIONS))
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        # when it fails
        got = httpx.get(f"http://127.0.0.1:{port}/boom", timeout=5)
    finally:
        server.should_exit = True
        th.join(10)
        import logging

        logging.getLogger().removeHandler(handler)
    # then the client gets JSON with nothing of the code in it
    assert got.status_code == 500 and got.json()["error"] == "internal"
    assert "Traceback" not in got.text and "RuntimeError" not in got.text and "api-token" not in got.text
    # and the log holds the traceback once, as JSON, with the token and the address redacted
    lines = _json_lines(buf.getvalue())
    [trace] = [line for line in lines if "exc" in line]
    assert trace["logger"] == "uvicorn.error" and "RuntimeError" in str(trace["exc"])
    assert "api-token-value-123" not in buf.getvalue() and "jane@example.com" not in buf.getvalue()
