"""What one proxied request sends upstream, per kind of work (chat, embeddings).

An exchange is the part of a request the ledger (``gateway.ledger``) and the attempts
(``gateway.attempts``) need without knowing the kind of work: the upstream request a route
sends, how that route's errors read, the worst-case size precheck reserves for, and the usage
counted here when the provider reported none. A new kind of upstream work is one class here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol, Self

from core.errors import InvalidRequestError, UpstreamError
from core.settings import ModelConfig
from gateway.budgets.estimate import RequestSize
from gateway.routing import Route
from gateway.tokens import TokenCounter
from providers.base import UpstreamRequest, Usage


class Exchange(Protocol):
    """The contract: pure (no I/O), frozen; ``with_body`` is the body precheck rewrote."""

    @property
    def body(self) -> dict[str, Any]: ...

    def with_body(self, body: dict[str, Any]) -> Self: ...

    def request(self, route: Route) -> UpstreamRequest: ...

    def parse_error(
        self, route: Route, status: int, body: bytes, headers: Mapping[str, str]
    ) -> UpstreamError: ...

    def size(self, model: ModelConfig, tokens: TokenCounter) -> RequestSize: ...

    def counted(self, route: Route, tokens: TokenCounter, produced: str) -> Usage:
        """The usage of this request counted here, with ``produced`` the text the provider
        sent before it stopped (the provider reported no usage, or never finished)."""
        ...


@dataclass(frozen=True, slots=True)
class ChatExchange:
    """A chat.completions body (what every chat-like front translates its client's into)."""

    body: dict[str, Any]
    stream: bool

    def with_body(self, body: dict[str, Any]) -> ChatExchange:
        return replace(self, body=body)

    def request(self, route: Route) -> UpstreamRequest:
        return route.adapter.build_chat_request(self.body, route.upstream_model, stream=self.stream)

    def parse_error(
        self, route: Route, status: int, body: bytes, headers: Mapping[str, str]
    ) -> UpstreamError:
        return route.adapter.parse_error(status, body, headers)

    def size(self, model: ModelConfig, tokens: TokenCounter) -> RequestSize:
        return RequestSize.of_chat(self.body, model, tokens)

    def counted(self, route: Route, tokens: TokenCounter, produced: str) -> Usage:
        upstream, tokenizer = route.upstream_model, route.model.tokenizer
        return Usage(
            input_tokens=tokens.count_chat_prompt(self.body["messages"], upstream, tokenizer),
            output_tokens=tokens.count_text(produced, upstream, tokenizer),
            estimated=True,
        )


@dataclass(frozen=True, slots=True)
class EmbeddingsExchange:
    """An embeddings body; ``input`` is text, texts or token arrays (validated by the front)."""

    body: dict[str, Any]

    def with_body(self, body: dict[str, Any]) -> EmbeddingsExchange:
        return replace(self, body=body)

    def request(self, route: Route) -> UpstreamRequest:
        if route.embeddings is None:
            raise InvalidRequestError(
                f"model {route.model.name!r} (provider {route.provider.name!r}) has no embeddings",
                code="embeddings_not_supported",
                param="model",
            )
        return route.embeddings.build_embeddings_request(self.body, route.upstream_model)

    def parse_error(
        self, route: Route, status: int, body: bytes, headers: Mapping[str, str]
    ) -> UpstreamError:
        assert route.embeddings is not None  # `request` refused a route without embeddings
        return route.embeddings.parse_error(status, body, headers)

    def size(self, model: ModelConfig, tokens: TokenCounter) -> RequestSize:
        return RequestSize.of_embeddings(self.body, model, tokens)

    def counted(self, route: Route, tokens: TokenCounter, produced: str) -> Usage:
        given = self.body["input"]
        items = given if isinstance(given, list) else [given]
        counted = 0
        for item in items:
            if isinstance(item, str):
                counted += tokens.count_text(item, route.upstream_model, route.model.tokenizer)
            elif isinstance(item, list):  # a token array: one id per token
                counted += len(item)
            else:
                counted += 1
        return Usage(input_tokens=counted, output_tokens=0, estimated=True)
