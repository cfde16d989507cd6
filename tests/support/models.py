"""A fake model API server per test, and providers pointed at it through the real SDKs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anthropic
import openai
import pytest

from devkit.fakes.models import FakeModelServer
from worker.providers.anthropic import AnthropicProvider
from worker.providers.costs import price_table
from worker.providers.openai import OpenAIProvider
from worker.providers.ratelimit import RateLimiter

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "help"


@pytest.fixture
def fake() -> Iterator[FakeModelServer]:
    server = FakeModelServer().start()
    yield server
    server.stop()


def make_anthropic(fake: FakeModelServer, *, classify_model: str = "claude-haiku-5-5", generate_model: str = "claude-sonnet-5-5", timeout: float = 5.0, limiter: RateLimiter | None = None) -> AnthropicProvider:
    client = anthropic.Anthropic(api_key="test-key", base_url=fake.base_url, timeout=timeout, max_retries=0)
    return AnthropicProvider(client, classify_model, generate_model, price_table(), limiter or RateLimiter(None, "anthropic"), 400, CORPUS)


def make_openai(fake: FakeModelServer, *, timeout: float = 5.0) -> OpenAIProvider:
    client = openai.OpenAI(api_key="test-key", base_url=fake.openai_base_url, timeout=timeout, max_retries=0)
    return OpenAIProvider(client, "gpt-4o-mini", "gpt-4o", price_table(), RateLimiter(None, "openai"), 400, CORPUS)
