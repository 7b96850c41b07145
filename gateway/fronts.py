"""The client APIs the gateway speaks: OpenAI's chat.completions, Responses and legacy
completions, and Anthropic's Messages.

Inside, every request is an OpenAI chat body and every answer an OpenAI completion or chunk
stream, whatever the provider. A front translates at the edge: how the key is sent, the
request body, the answer (whole or streamed) and the error shape. The OpenAI front translates
nothing, so its answers are the upstream's bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import orjson
from aiohttp import web

from fronts.completions import (
    ChunksToCompletionChunks,
    completion_to_text_completion,
    completions_to_chat,
)
from fronts.responses import (
    ChunksToResponseEvents,
    completion_to_response,
    request_echo,
    responses_to_chat,
)
from gateway.auth import bearer_token
from gateway.chat_request import ChatRequest, chat_request_from_body, decode_json_object
from gateway.errors import GatewayError
from providers.anthropic_inbound import (
    ChunksToAnthropicEvents,
    anthropic_error_body,
    completion_to_message,
    messages_to_chat,
)
from providers.base import ChatResponse, Usage


class StreamTransform(Protocol):
    def feed(self, data: bytes) -> bytes: ...

    def close(self) -> bytes: ...


class Front(Protocol):
    name: str

    def api_key(self, request: web.Request) -> str | None: ...

    def parse(self, raw: bytes) -> tuple[ChatRequest, dict[str, Any]]:
        """The OpenAI-shaped request, and the client's own body (what ``payload_hash`` hashes)."""
        ...

    def wants_usage_chunk(self, chat: ChatRequest) -> bool: ...

    def render(self, completion: ChatResponse, chat: ChatRequest, *, changed: bool) -> bytes: ...

    def stream(
        self, chat: ChatRequest, usage: Callable[[], Usage | None]
    ) -> StreamTransform | None: ...

    def error_body(self, error: GatewayError) -> dict[str, Any]: ...


class OpenAIFront:
    name = "openai"

    def api_key(self, request: web.Request) -> str | None:
        return bearer_token(request.headers.get("Authorization"))

    def parse(self, raw: bytes) -> tuple[ChatRequest, dict[str, Any]]:
        chat = chat_request_from_body(decode_json_object(raw))
        return chat, chat.body

    def wants_usage_chunk(self, chat: ChatRequest) -> bool:
        return chat.include_usage

    def render(self, completion: ChatResponse, chat: ChatRequest, *, changed: bool) -> bytes:
        return orjson.dumps(completion.document) if changed else completion.body

    def stream(
        self, chat: ChatRequest, usage: Callable[[], Usage | None]
    ) -> StreamTransform | None:
        return None

    def error_body(self, error: GatewayError) -> dict[str, Any]:
        return error.to_body()


class AnthropicFront:
    """``POST /v1/messages`` for apps on the ``anthropic`` SDK (``x-api-key`` or bearer)."""

    name = "anthropic"

    def api_key(self, request: web.Request) -> str | None:
        return request.headers.get("x-api-key") or bearer_token(
            request.headers.get("Authorization")
        )

    def parse(self, raw: bytes) -> tuple[ChatRequest, dict[str, Any]]:
        body = decode_json_object(raw)
        return chat_request_from_body(messages_to_chat(body)), body

    def wants_usage_chunk(self, chat: ChatRequest) -> bool:
        return True  # Anthropic's message_delta carries the usage

    def render(self, completion: ChatResponse, chat: ChatRequest, *, changed: bool) -> bytes:
        return orjson.dumps(
            completion_to_message(completion.document, chat.model, usage=completion.usage)
        )

    def stream(
        self, chat: ChatRequest, usage: Callable[[], Usage | None]
    ) -> StreamTransform | None:
        return ChunksToAnthropicEvents(chat.model, final_usage=usage)

    def error_body(self, error: GatewayError) -> dict[str, Any]:
        return anthropic_error_body(error.http_status, error)


class ResponsesFront(OpenAIFront):
    """``POST /v1/responses``: OpenAI's Responses API, translated to and from chat."""

    name = "responses"

    def parse(self, raw: bytes) -> tuple[ChatRequest, dict[str, Any]]:
        body = decode_json_object(raw)
        return chat_request_from_body(responses_to_chat(body)), body

    def wants_usage_chunk(self, chat: ChatRequest) -> bool:
        return True  # response.completed carries the usage

    def render(self, completion: ChatResponse, chat: ChatRequest, *, changed: bool) -> bytes:
        return orjson.dumps(
            completion_to_response(
                completion.document, chat.model, request_echo(chat.body), usage=completion.usage
            )
        )

    def stream(
        self, chat: ChatRequest, usage: Callable[[], Usage | None]
    ) -> StreamTransform | None:
        return ChunksToResponseEvents(chat.model, request_echo(chat.body), final_usage=usage)


class CompletionsFront(OpenAIFront):
    """``POST /v1/completions``: OpenAI's legacy text completions, served by chat models."""

    name = "completions"

    def parse(self, raw: bytes) -> tuple[ChatRequest, dict[str, Any]]:
        body = decode_json_object(raw)
        return chat_request_from_body(completions_to_chat(body)), body

    def render(self, completion: ChatResponse, chat: ChatRequest, *, changed: bool) -> bytes:
        return orjson.dumps(
            completion_to_text_completion(completion.document, chat.model, usage=completion.usage)
        )

    def stream(
        self, chat: ChatRequest, usage: Callable[[], Usage | None]
    ) -> StreamTransform | None:
        return ChunksToCompletionChunks(chat.model)


OPENAI = OpenAIFront()
ANTHROPIC = AnthropicFront()
RESPONSES = ResponsesFront()
COMPLETIONS = CompletionsFront()
