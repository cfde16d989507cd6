"""Model providers behind one Protocol: local (default, offline), anthropic, openai."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import cast

from worker.errors import ConfigError
from worker.providers.base import Provider
from worker.settings import Settings


def _load_factory(spec: str) -> Callable[[Settings], Provider]:
    """Resolve "package.module:callable" (TICKETFLOW_PROVIDER_FACTORY), for providers shipped elsewhere."""
    module, _, attr = spec.partition(":")
    try:
        return cast(Callable[[Settings], Provider], getattr(importlib.import_module(module), attr))
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigError(f"TICKETFLOW_PROVIDER_FACTORY={spec!r} cannot be loaded: {exc}") from exc


def _build(kind: str, settings: Settings) -> Provider:
    if kind == "anthropic":
        from worker.providers.anthropic import AnthropicProvider

        return AnthropicProvider.from_settings(settings)
    if kind == "openai":
        from worker.providers.openai import OpenAIProvider

        return OpenAIProvider.from_settings(settings)
    from worker.providers.local import LocalProvider

    return LocalProvider.from_settings(settings)


def _guarded(kind: str, settings: Settings, *, with_fallback: bool = True) -> Provider:
    """A model API behind its cluster-wide circuit breaker (and the fallback, if one is set); `local` as it is."""
    provider = _build(kind, settings)
    if kind == "local":
        return provider
    from worker.providers.breaker import breaker_for
    from worker.providers.guarded import GuardedProvider

    breaker = breaker_for(kind, redis_url=settings.redis_url, failures=settings.breaker_failures, window_s=settings.breaker_window_s,
                          cooldown_s=settings.breaker_cooldown_s, lease_s=settings.provider_timeout_s + 5)
    other = settings.fallback_provider
    fallback = _guarded(other, settings, with_fallback=False) if with_fallback and other and other != kind else None
    return GuardedProvider(provider, breaker, fallback)


def build_provider(settings: Settings) -> Provider:
    """The provider the settings name; SDK clients are built here, once per process."""
    if settings.provider_factory:
        return _load_factory(settings.provider_factory)(settings)
    classify_kind = settings.classify_provider or settings.provider
    generate_kind = settings.generate_provider or settings.provider
    if classify_kind == generate_kind:
        return _guarded(classify_kind, settings)
    from worker.providers.split import SplitProvider

    return SplitProvider(_guarded(classify_kind, settings), _guarded(generate_kind, settings))
