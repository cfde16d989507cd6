"""The fake model API itself: runnable as a process, and honest about what it counts."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request

import anthropic
import pytest

from console.cli.providers import bench_limiter, max_in_window
from devkit.fakes.models import FakeModelServer, count_tokens


def test_it_runs_as_a_process_with_a_latency_and_answers_the_real_sdk() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "devkit.fakes.models", "--port", "0", "--latency", "0.2"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        client = anthropic.Anthropic(api_key="k", base_url=base_url, max_retries=0)
        t0 = time.perf_counter()
        msg = client.messages.create(model="claude-sonnet-5-5", max_tokens=50, messages=[{"role": "user", "content": "hello there"}])
        took = time.perf_counter() - t0
        assert msg.content[0].type == "text" and msg.usage.input_tokens == count_tokens("hello there")
        assert took >= 0.2  # the injected latency is really served
        stats = json.load(urllib.request.urlopen(f"{base_url}/_fake/stats"))
        assert stats["calls"] == 1 and stats["by_status"] == {"200": 1}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_short_marked_prefix_is_not_cached_like_the_real_api() -> None:
    with FakeModelServer() as fake:
        client = anthropic.Anthropic(api_key="k", base_url=fake.base_url, max_retries=0)
        for _ in range(2):
            msg = client.messages.create(
                model="claude-haiku-4-5", max_tokens=50, messages=[{"role": "user", "content": "hi"}],
                system=[{"type": "text", "text": "You are a helpful support bot. " * 300, "cache_control": {"type": "ephemeral"}}],
            )
        # ~2,250 tokens: above Sonnet's 1,024 but below Haiku 4.5's 4,096, so silently uncached
        assert msg.usage.cache_read_input_tokens == 0 and msg.usage.cache_creation_input_tokens == 0
        assert [c.cache for c in fake.calls] == ["below_minimum", "below_minimum"]


@pytest.mark.parametrize(("times", "window", "expected"), [([], 10, 0), ([0, 1, 2], 10, 3), ([0, 5, 10, 15], 10, 2), ([0, 9.99, 10], 10, 2)])
def test_max_in_window_counts_half_open_windows(times: list[float], window: float, expected: int) -> None:
    assert max_in_window(times, window) == expected


@pytest.mark.integration
def test_the_limiter_benchmark_stays_within_its_limit(redis_url: str) -> None:
    out = bench_limiter(rpm=600, processes=2, threads=3, seconds=3, latency=0.01, redis_url=redis_url)
    assert out["calls"] > 0 and out["max_calls_in_any_10s_window"] <= out["limit_per_10s_window"]
