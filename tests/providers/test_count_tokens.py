"""The providers' own token counts, on recorded bytes: the request each adapter builds and the
answer it reads (Anthropic's ``/v1/messages/count_tokens``, Gemini's ``:countTokens``)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from providers.anthropic import AnthropicAdapter
from providers.base import CountsInputTokens
from providers.gemini import GeminiAdapter
from providers.openai import AzureOpenAIAdapter, OpenAIAdapter
from tests.providers import test_anthropic, test_gemini

CHAT: dict[str, Any] = {
    "model": "front",
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "weather in Paris?"},
    ],
    "max_tokens": 1,
    "temperature": 0.3,
    "tools": [test_anthropic.WEATHER_TOOL],
}


def test_which_adapters_count_for_themselves() -> None:
    assert issubclass(AnthropicAdapter, CountsInputTokens)
    assert issubclass(GeminiAdapter, CountsInputTokens)
    assert not issubclass(OpenAIAdapter, CountsInputTokens)
    assert not issubclass(AzureOpenAIAdapter, CountsInputTokens)


def test_anthropic_count_request_and_answer() -> None:
    adapter = test_anthropic.make_adapter()
    request = adapter.build_count_tokens_request(CHAT, "claude-sonnet-4-5")
    assert (request.method, request.url) == (
        "POST",
        "http://anthropic.test/v1/messages/count_tokens",
    )
    assert request.headers["x-api-key"] == "sk-k"
    body = orjson.loads(request.body)
    # The endpoint refuses max_tokens and sampling settings: only what is counted goes.
    assert set(body) == {"model", "messages", "system", "tools"}
    assert body["system"] == [{"type": "text", "text": "Be brief."}]
    assert adapter.parse_count_tokens(b'{"input_tokens": 412}') == 412


def test_gemini_count_request_and_answer() -> None:
    adapter = test_gemini.make_adapter()
    request = adapter.build_count_tokens_request(CHAT, "gemini-2.5-flash")
    assert request.url == "http://gemini.test/v1beta/models/gemini-2.5-flash:countTokens"
    assert request.headers["x-goog-api-key"] == "g-key"
    inner = orjson.loads(request.body)["generateContentRequest"]
    assert inner["model"] == "models/gemini-2.5-flash"
    assert set(inner) == {"model", "contents", "systemInstruction", "tools"}
    recorded = (
        b'{"totalTokens": 31, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 31}]}'
    )
    assert adapter.parse_count_tokens(recorded) == 31


@pytest.mark.parametrize("body", [b"{}", b'{"input_tokens": "7"}', b'{"totalTokens": null}'])
def test_an_answer_without_a_count_is_a_value_error(body: bytes) -> None:
    for adapter in (test_anthropic.make_adapter(), test_gemini.make_adapter()):
        with pytest.raises(ValueError):
            adapter.parse_count_tokens(body)
