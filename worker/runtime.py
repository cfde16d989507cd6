"""Per-process resources (Redis client, provider, retriever), built once and on first use."""

from __future__ import annotations

import threading
from functools import lru_cache

import redis

from worker.providers import build_provider
from worker.providers.base import Provider
from worker.retrieval.cluster import Follower
from worker.retrieval.retriever import Retriever, build_retriever, provider_encoder
from worker.retrieval.snapshot import store_from
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


@lru_cache(maxsize=1)
def _follower() -> Follower | None:
    s = get_settings()
    store = store_from(s, get_redis())
    if store is None:
        return None
    follower = Follower(store, get_redis(), s.index_dir, check_s=s.index_check_s, fallback=_retriever, encoder=provider_encoder(s))
    follower.follow()
    return follower


def get_retriever() -> Retriever:
    """The help-centre index: the cluster's current version when TICKETFLOW_INDEX_STORE is set (checked
    between tickets, see worker/retrieval/cluster.py), else this host's own."""
    with _build_lock:
        follower = _follower()
        if follower is None:
            return _retriever()
    return follower.get()


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
    if _follower.cache_info().currsize and (follower := _follower()) is not None:
        follower.close()
    for f in (get_redis, _provider, _retriever, _follower, get_results, get_policy):
        f.cache_clear()
    get_settings.cache_clear()
