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


def build_provider(settings: Settings) -> Provider:
    """The provider the settings name; SDK clients are built here, once per process."""
    if settings.provider_factory:
        return _load_factory(settings.provider_factory)(settings)
    classify_kind = settings.classify_provider or settings.provider
    generate_kind = settings.generate_provider or settings.provider
    if classify_kind == generate_kind:
        return _build(classify_kind, settings)
    from worker.providers.split import SplitProvider

    return SplitProvider(_build(classify_kind, settings), _build(generate_kind, settings))
