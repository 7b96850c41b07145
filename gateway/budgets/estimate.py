"""How big a request is before it is sent: the worst case that budgets reserve and rate limits
count.

Counting a prompt is CPU work, so a ``RequestSize`` counts it at most once, only when someone
asks (a key with no budget and no token limit never pays for it), and in a worker thread when
the text is large (STYLE.md habit 10).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any

import orjson

from core.settings import ModelConfig
from gateway.routing import MEMO_SIZE
from gateway.tokens import MODEL_PREFIX_ENCODINGS, TokenCounter

THREAD_ABOVE_CHARS = 16_384  # count larger prompts off the event loop
# Prompt fields the tokenizer's chat accounting skips but providers bill: counted as JSON.
EXTRA_PROMPT_FIELDS = ("tools", "functions", "response_format")


class RequestSize:
    """A request's prompt tokens (``await prompt_tokens()``), the output the client allows per
    choice (``output_tokens``, None when it set no ``max_tokens``) and its number of choices.

    ``approximate`` is true when the model has no tokenizer of its own in tiktoken (Claude,
    Gemini, most open models): its count is an estimate that budgets reserve with headroom.
    """

    def __init__(
        self,
        count: Callable[[], int],
        *,
        text: object = None,
        output_tokens: int | None,
        choices: int = 1,
        approximate: bool = False,
    ) -> None:
        self._count = count
        self._text = text  # measured only when counting: is it big enough for a thread?
        self._counted: int | None = None
        self._counting: asyncio.Future[int] | None = None
        self.output_tokens = output_tokens
        self.choices = choices
        self.approximate = approximate

    @classmethod
    def fixed(
        cls, prompt_tokens: int, output_tokens: int | None, *, choices: int = 1
    ) -> RequestSize:
        """A size known already (tests, a route that counted for itself)."""
        return cls(lambda: prompt_tokens, output_tokens=output_tokens, choices=choices)

    @classmethod
    def of_chat(cls, body: dict[str, Any], model: ModelConfig, tokens: TokenCounter) -> RequestSize:
        """A chat.completions body (also what ``/v1/messages`` is translated into)."""
        messages = body.get("messages") or []
        extras = [body[name] for name in EXTRA_PROMPT_FIELDS if body.get(name)]
        upstream, tokenizer = model.upstream_name, model.tokenizer

        def count() -> int:
            total = tokens.count_chat_prompt(messages, upstream, tokenizer)
            for extra in extras:
                total += tokens.count_text(orjson.dumps(extra).decode(), upstream, tokenizer)
            return total

        output = _positive_int(body.get("max_completion_tokens"))
        if output is None:
            output = _positive_int(body.get("max_tokens"))
        return cls(
            count,
            text=[messages, extras],
            output_tokens=output,
            choices=_positive_int(body.get("n")) or 1,
            approximate=_approximate(model),
        )

    @classmethod
    def of_embeddings(
        cls, body: dict[str, Any], model: ModelConfig, tokens: TokenCounter
    ) -> RequestSize:
        """An embeddings body: ``input`` as text, texts, token ids or lists of token ids."""
        given = body.get("input")
        items = given if isinstance(given, list) else [given]
        upstream, tokenizer = model.upstream_name, model.tokenizer

        def count() -> int:
            total = 0
            for item in items:
                if isinstance(item, str):
                    total += tokens.count_text(item, upstream, tokenizer)
                elif isinstance(item, int):
                    total += 1
                elif isinstance(item, list):
                    total += len(item)
            return total

        return cls(count, text=items, output_tokens=0, approximate=_approximate(model))

    async def prompt_tokens(self) -> int:
        if self._counted is not None:
            return self._counted
        if _chars(self._text) <= THREAD_ABOVE_CHARS:
            self._counted = self._count()
            return self._counted
        if self._counting is None:
            self._counting = asyncio.ensure_future(asyncio.to_thread(self._count))
        self._counted = await asyncio.shield(self._counting)
        return self._counted


def _approximate(model: ModelConfig) -> bool:
    return _approximate_upstream(model.upstream_name, model.tokenizer)


@functools.lru_cache(maxsize=MEMO_SIZE)
def _approximate_upstream(upstream_name: str, tokenizer: str | None) -> bool:
    if tokenizer is not None:
        return False
    bare = upstream_name.rsplit("/", 1)[-1].lower()
    return not any(bare.startswith(prefix) for prefix, _ in MODEL_PREFIX_ENCODINGS)


def _positive_int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def _chars(value: object) -> int:
    """Characters of text in a JSON-like value: decides whether counting goes to a thread."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(_chars(v) for v in value.values())
    if isinstance(value, list):
        return sum(_chars(v) for v in value)
    return 0
