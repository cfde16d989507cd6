"""Settings: an empty environment variable is unset, never an empty secret."""

from __future__ import annotations

import pytest

from worker.errors import ConfigError
from worker.settings import load_settings


def test_an_empty_secret_in_the_environment_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    # docker-compose writes `VAR=` for an unset `${VAR:-}`: that must not become an empty HMAC key.
    monkeypatch.setenv("TICKETFLOW_ZENDESK_WEBHOOK_SECRET", "")
    monkeypatch.setenv("TICKETFLOW_API_TOKEN", "")
    s = load_settings()
    assert s.zendesk_webhook_secret is None
    assert s.api_token is None


def test_an_empty_api_key_is_a_start_up_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "")
    with pytest.raises(ConfigError):
        load_settings(provider="anthropic")


def test_write_backs_go_to_the_deliver_queue_and_workers_consume_every_queue_once(use_env: dict[str, str]) -> None:
    # use_env: importing worker.app binds the process's Celery app to the test Redis, never a developer's
    from worker.app import create_app
    from worker.settings import load_settings

    split = load_settings(deliver_queue="ticketflow.deliver")
    routes = create_app(split).conf.task_routes
    assert routes["ticketflow.deliver"] == {"queue": "ticketflow.deliver"}
    assert routes["ticketflow.generate"] == {"queue": "ticketflow.io"}
    assert split.queues == ["ticketflow.io", "ticketflow.cpu", "ticketflow.deliver"]
    assert load_settings().queues == ["ticketflow.io", "ticketflow.cpu"]  # by default deliver shares the I/O queue
