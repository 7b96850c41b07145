"""Maps a provider ``kind:`` from config to its adapter class; an unknown kind fails start-up."""

from __future__ import annotations

from core.errors import ConfigError
from core.settings import ProviderConfig
from providers.anthropic import AnthropicAdapter
from providers.base import ProviderAdapter
from providers.echo import EchoAdapter
from providers.gemini import GeminiAdapter
from providers.openai import AzureOpenAIAdapter, OpenAIAdapter

ADAPTERS: dict[str, type[ProviderAdapter]] = {
    "openai": OpenAIAdapter,
    "azure": AzureOpenAIAdapter,
    "anthropic": AnthropicAdapter,
    "gemini": GeminiAdapter,
    "echo": EchoAdapter,
}


def build_adapter(config: ProviderConfig) -> ProviderAdapter:
    try:
        adapter_class = ADAPTERS[config.kind]
    except KeyError:
        raise ConfigError(
            f"provider {config.name!r}: unknown kind {config.kind!r} "
            f"(known: {', '.join(sorted(ADAPTERS))})"
        ) from None
    return adapter_class(config)
