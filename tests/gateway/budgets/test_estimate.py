"""A request's size: prompt tokens counted once, only when asked; output and choices."""

from __future__ import annotations

import asyncio
import threading

import pytest

from core.settings import ModelConfig, settings_from_mapping
from gateway.budgets.estimate import THREAD_ABOVE_CHARS, RequestSize
from gateway.routing import Router
from gateway.tokens import TokenCounter

GPT = ModelConfig(name="gpt", provider="p", upstream_model="gpt-4o-mini")
CLAUDE = ModelConfig(name="claude", provider="p", upstream_model="claude-sonnet-4-5")


@pytest.fixture(scope="module")
def tokens() -> TokenCounter:
    return TokenCounter.load()


async def test_chat_prompt_is_counted_like_the_pipeline_counts_it(tokens: TokenCounter) -> None:
    messages = [{"role": "user", "content": "hello there"}]
    size = RequestSize.of_chat({"messages": messages, "max_tokens": 7, "n": 3}, GPT, tokens)
    assert await size.prompt_tokens() == tokens.count_chat_prompt(messages, "gpt-4o-mini")
    assert (size.output_tokens, size.choices, size.approximate) == (7, 3, False)


async def test_tools_and_response_format_add_to_the_prompt(tokens: TokenCounter) -> None:
    messages = [{"role": "user", "content": "hi"}]
    tool = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
    plain = await RequestSize.of_chat({"messages": messages}, GPT, tokens).prompt_tokens()
    with_tools = RequestSize.of_chat({"messages": messages, "tools": [tool]}, GPT, tokens)
    assert await with_tools.prompt_tokens() > plain + 5


async def test_max_completion_tokens_wins_and_junk_is_ignored(tokens: TokenCounter) -> None:
    body = {"messages": [], "max_completion_tokens": 9, "max_tokens": 100, "n": True}
    size = RequestSize.of_chat(body, GPT, tokens)
    assert (size.output_tokens, size.choices) == (9, 1)
    assert (
        RequestSize.of_chat({"messages": [], "max_tokens": "9"}, GPT, tokens).output_tokens is None
    )


def test_models_without_their_own_tokenizer_are_approximate(tokens: TokenCounter) -> None:
    assert RequestSize.of_chat({"messages": []}, CLAUDE, tokens).approximate
    explicit = CLAUDE.model_copy(update={"tokenizer": "cl100k_base"})
    assert not RequestSize.of_chat({"messages": []}, explicit, tokens).approximate


async def test_embeddings_inputs_of_every_shape(tokens: TokenCounter) -> None:
    model = ModelConfig(name="e", provider="p", upstream_model="text-embedding-3-small")
    text = RequestSize.of_embeddings({"input": "one two three"}, model, tokens)
    assert await text.prompt_tokens() == tokens.count_text(
        "one two three", "text-embedding-3-small"
    )
    assert text.output_tokens == 0
    ids = RequestSize.of_embeddings({"input": [[1, 2, 3], [4, 5]]}, model, tokens)
    assert await ids.prompt_tokens() == 5
    flat_ids = RequestSize.of_embeddings({"input": [1, 2, 3]}, model, tokens)
    assert await flat_ids.prompt_tokens() == 3


async def test_counted_once_and_large_prompts_off_the_loop() -> None:
    calls: list[str] = []

    def count() -> int:
        calls.append(threading.current_thread().name)
        return 42

    size = RequestSize(count, text="x" * (THREAD_ABOVE_CHARS + 1), output_tokens=None)
    assert await asyncio.gather(size.prompt_tokens(), size.prompt_tokens()) == [42, 42]
    assert await size.prompt_tokens() == 42
    assert len(calls) == 1 and calls[0] != threading.main_thread().name

    small = RequestSize(count, text="short", output_tokens=None)
    assert await small.prompt_tokens() == 42 and calls[-1] == threading.main_thread().name


def test_candidates_are_every_deployment_and_fallback() -> None:
    settings = settings_from_mapping(
        {
            "providers": [{"name": "p", "kind": "openai", "base_url": "http://127.0.0.1:9"}],
            "models": [
                {
                    "name": "a",
                    "deployments": [
                        {"provider": "p", "upstream_model": "gpt-4o-mini"},
                        {"provider": "p", "upstream_model": "gpt-4o"},
                    ],
                    "fallbacks": ["b"],
                },
                {"name": "b", "provider": "p", "upstream_model": "o3"},
            ],
        },
        environ={},
    )
    router = Router(settings, {"p": object()}, {"p": object()})  # type: ignore[dict-item]
    names = [m.upstream_name for m in router.candidate_models("a")]
    assert router.candidate_models("a") is router.candidate_models("a")  # worked out once
    assert names == ["gpt-4o-mini", "gpt-4o", "o3"]
