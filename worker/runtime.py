"""Per-process resources (Redis client, provider, retriever), built once and on first use."""

from __future__ import annotations

import threading
from functools import lru_cache

import redis

from worker.providers import build_provider
from worker.providers.base import Provider
from worker.retrieval.retriever import Retriever, build_retriever
from worker.settings import get_settings
from worker.sinks.results import ResultsStream
from worker.stages.escalate import Policy, policy_from


@lru_cache(maxsize=1)
def get_redis() -> redis.Redis:
    """The process's Redis client (a connection pool, safe across threads)."""
    return redis.Redis.from_url(get_settings().redis_url, health_check_interval=30)


_build_lock = threading.Lock()


@lru_cache(maxsize=1)
def _provider() -> Provider:
    return build_provider(get_settings())


def get_provider() -> Provider:
    """The configured model provider (built once even when many threads ask at start-up)."""
    with _build_lock:
        return _provider()


@lru_cache(maxsize=1)
def _retriever() -> Retriever:
    return build_retriever(get_settings().corpus_dir)


def get_retriever() -> Retriever:
    """The help-centre index."""
    with _build_lock:
        return _retriever()


def warm_up() -> None:
    """Build provider and index before the first ticket arrives."""
    get_provider()
    get_retriever()


@lru_cache(maxsize=1)
def get_results() -> ResultsStream:
    """The results stream."""
    s = get_settings()
    return ResultsStream(get_redis(), s.results_stream, s.results_maxlen, s.dedupe_ttl_s)


@lru_cache(maxsize=1)
def get_policy() -> Policy:
    """The escalation policy."""
    return policy_from(get_settings())


def reset() -> None:
    """Forget every cached resource (after a fork, or in tests that change settings)."""
    for f in (get_redis, _provider, _retriever, get_results, get_policy):
        f.cache_clear()
    get_settings.cache_clear()
