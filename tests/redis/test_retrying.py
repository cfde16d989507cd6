"""Workers publish patiently; producers keep Celery's fast default."""

from __future__ import annotations

import pytest

from worker.reliability.retrying import hop_retry_policy


def test_workers_publish_patiently_and_producers_keep_the_fast_default(use_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    # use_env: importing worker.app binds the process's Celery app to the test Redis, never a developer's
    from worker import lifecycle, runtime
    from worker.app import create_app
    from worker.settings import load_settings

    monkeypatch.setenv("TICKETFLOW_PUBLISH_PATIENCE_S", "30")
    runtime.reset()
    producer, worker = create_app(load_settings()), create_app(load_settings())
    lifecycle.patient_publishing(conf=worker.conf)  # what celeryd_init does in a worker process
    assert worker.conf.task_publish_retry_policy == hop_retry_policy(30.0)
    assert producer.conf.task_publish_retry_policy["max_retries"] == 3  # Celery's default: a 503 at once
