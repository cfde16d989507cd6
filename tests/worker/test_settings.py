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
