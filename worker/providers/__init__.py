"""Model providers behind one Protocol: local (default, offline), anthropic, openai."""

from __future__ import annotations

from worker.providers.base import Provider
from worker.settings import Settings


def build_provider(settings: Settings) -> Provider:
    """The provider the settings name; SDK clients are built here, once per process."""
    if settings.provider == "anthropic":
        from worker.providers.anthropic import AnthropicProvider

        return AnthropicProvider.from_settings(settings)
    if settings.provider == "openai":
        from worker.providers.openai import OpenAIProvider

        return OpenAIProvider.from_settings(settings)
    from worker.providers.local import LocalProvider

    return LocalProvider.from_settings(settings)
