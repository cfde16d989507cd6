"""A fake model API server per test, and providers pointed at it through the real SDKs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from devkit.fakes.models import FakeModelServer
from worker.providers.costs import price_table
from worker.providers.ratelimit import RateLimiter

if TYPE_CHECKING:
    from worker.providers.anthropic import AnthropicProvider
    from worker.providers.openai import OpenAIProvider

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "help"


@pytest.fixture
def fake() -> Iterator[FakeModelServer]:
    server = FakeModelServer().start()
    yield server
    server.stop()


# The SDKs are imported by the helpers that use them: importing them costs ~3 s, and every test run
# (the unit layer included) loads this module through the shared conftest.
def make_anthropic(fake: FakeModelServer, *, classify_model: str = "claude-haiku-5-5", generate_model: str = "claude-sonnet-5-5", timeout: float = 5.0, limiter: RateLimiter | None = None) -> AnthropicProvider:
    import anthropic

    from worker.providers.anthropic import AnthropicProvider

    client = anthropic.Anthropic(api_key="test-key", base_url=fake.base_url, timeout=timeout, max_retries=0)
    return AnthropicProvider(client, classify_model, generate_model, price_table(), limiter or RateLimiter(None, "anthropic"), 400, CORPUS)


def make_openai(fake: FakeModelServer, *, timeout: float = 5.0) -> OpenAIProvider:
    import openai

    from worker.providers.openai import OpenAIProvider

    client = openai.OpenAI(api_key="test-key", base_url=fake.openai_base_url, timeout=timeout, max_retries=0)
    return OpenAIProvider(client, "gpt-4o-mini", "gpt-4o", price_table(), RateLimiter(None, "openai"), 400, CORPUS)
