"""What one proxied request sends upstream, per kind of work (chat, Responses, embeddings).

An exchange is the part of a request the ledger (``gateway.ledger``) and the attempts
(``gateway.attempts``) need without knowing the kind of work: the upstream request a route
sends, how that route's errors read, the worst-case size precheck reserves for, and the usage
counted here when the provider reported none, and which strings of its body the PII precheck
scans (``walk``); for generated text (``AnswerExchange``), how an answer is read and which
output filters fit its shape. A new kind of upstream work is one class here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Protocol, Self

from core.errors import InvalidRequestError, UpstreamError
from core.settings import ModelConfig
from fronts.responses import responses_to_chat
from gateway.budgets.estimate import RequestSize
from gateway.output_filter import EventFilter, OutputRules, SseOutputFilter, filter_completion
from gateway.request_strings import RequestStrings, request_strings, responses_strings
from gateway.responses_output import ResponsesEventFilter, filter_response
from gateway.routing import Route
from gateway.tokens import TokenCounter
from policies.engine import Verdict
from providers.base import ChatResponse, SpeaksResponses, StreamTranslator, UpstreamRequest, Usage


class Exchange(Protocol):
    """The contract: pure (no I/O), frozen; ``with_body`` is the body precheck rewrote."""

    @property
    def body(self) -> dict[str, Any]: ...

    def with_body(self, body: dict[str, Any]) -> Self: ...

    def walk(self, body: dict[str, Any], tool: str) -> RequestStrings:
        """Every string of ``body`` (of this exchange's shape) the provider receives."""
        ...

    def request(self, route: Route) -> UpstreamRequest: ...

    def parse_error(
        self, route: Route, status: int, body: bytes, headers: Mapping[str, str]
    ) -> UpstreamError: ...

    def size(self, model: ModelConfig, tokens: TokenCounter) -> RequestSize: ...

    def counted(self, route: Route, tokens: TokenCounter, produced: str) -> Usage:
        """The usage of this request counted here, with ``produced`` the text the provider
        sent before it stopped (the provider reported no usage, or never finished)."""
        ...


# The output policy and restore of an answer's shape: on a whole answer's document (in place),
# and over its stream.
AnswerFilter = Callable[[dict[str, Any], OutputRules], Verdict]
StreamFilterFactory = Callable[[OutputRules], EventFilter]


class AnswerExchange(Exchange, Protocol):
    """An exchange whose answer is generated text (chat, Responses): how a route's answer is
    read, whole or streamed, and the output policy and restore of its shape."""

    filter_answer: ClassVar[AnswerFilter]
    stream_filter: ClassVar[StreamFilterFactory]

    def read(self, route: Route, body: bytes) -> ChatResponse:
        """A whole 2xx answer; ``ValueError`` when it is unreadable."""
        ...

    def open_stream(self, route: Route, *, client_wants_usage: bool) -> StreamTranslator: ...


@dataclass(frozen=True, slots=True)
class ChatExchange:
    """A chat.completions body (what every chat-like front translates its client's into)."""

    body: dict[str, Any]
    stream: bool
    filter_answer: ClassVar[AnswerFilter] = staticmethod(filter_completion)
    stream_filter: ClassVar[StreamFilterFactory] = SseOutputFilter

    def with_body(self, body: dict[str, Any]) -> ChatExchange:
        return replace(self, body=body)

    def walk(self, body: dict[str, Any], tool: str) -> RequestStrings:
        return request_strings(body, tool)

    def request(self, route: Route) -> UpstreamRequest:
        return route.adapter.build_chat_request(self.body, route.upstream_model, stream=self.stream)

    def parse_error(
        self, route: Route, status: int, body: bytes, headers: Mapping[str, str]
    ) -> UpstreamError:
        return route.adapter.parse_error(status, body, headers)

    def read(self, route: Route, body: bytes) -> ChatResponse:
        return route.adapter.parse_chat_response(body)

    def open_stream(self, route: Route, *, client_wants_usage: bool) -> StreamTranslator:
        return route.adapter.open_stream(client_wants_usage=client_wants_usage)

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

    def walk(self, body: dict[str, Any], tool: str) -> RequestStrings:
        return request_strings(body, tool)

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


@dataclass(frozen=True, slots=True)
class ResponsesExchange:
    """A Responses API body sent as it came to a provider that speaks the Responses API
    (``Route.native_responses``). The Responses front uses it only for a model whose every
    deployment, fallbacks included, speaks it; any other is served through ``ChatExchange``."""

    body: dict[str, Any]
    filter_answer: ClassVar[AnswerFilter] = staticmethod(filter_response)
    stream_filter: ClassVar[StreamFilterFactory] = ResponsesEventFilter

    def with_body(self, body: dict[str, Any]) -> ResponsesExchange:
        return replace(self, body=body)

    def walk(self, body: dict[str, Any], tool: str) -> RequestStrings:
        return responses_strings(body, tool)

    def request(self, route: Route) -> UpstreamRequest:
        adapter = route.native_responses
        if adapter is None:
            raise InvalidRequestError(
                f"provider {route.provider.name!r} is not sent Responses API requests",
                code="responses_not_supported",
                param="model",
            )
        return adapter.build_responses_request(self.body, route.upstream_model)

    def parse_error(
        self, route: Route, status: int, body: bytes, headers: Mapping[str, str]
    ) -> UpstreamError:
        return route.adapter.parse_error(status, body, headers)

    def read(self, route: Route, body: bytes) -> ChatResponse:
        return _native(route).parse_responses_response(body)

    def open_stream(self, route: Route, *, client_wants_usage: bool) -> StreamTranslator:
        return _native(route).open_responses_stream()  # response.completed has the usage

    def size(self, model: ModelConfig, tokens: TokenCounter) -> RequestSize:
        # Counted as its chat translation: the same messages, tools and output limit.
        return RequestSize.of_chat(responses_to_chat(self.body), model, tokens)

    def counted(self, route: Route, tokens: TokenCounter, produced: str) -> Usage:
        upstream, tokenizer = route.upstream_model, route.model.tokenizer
        messages = responses_to_chat(self.body)["messages"]
        return Usage(
            input_tokens=tokens.count_chat_prompt(messages, upstream, tokenizer),
            output_tokens=tokens.count_text(produced, upstream, tokenizer),
            estimated=True,
        )


def _native(route: Route) -> SpeaksResponses:
    adapter = route.native_responses
    assert adapter is not None  # ``ResponsesExchange.request`` sent nothing to any other
    return adapter
