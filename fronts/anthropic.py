"""``POST /v1/messages`` for apps on the ``anthropic`` SDK (``x-api-key`` or bearer).

The translation itself, both ways, is ``fronts.anthropic_messages``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web

from core.errors import GatewayError
from fronts.anthropic_messages import (
    ChunksToAnthropicEvents,
    anthropic_error_body,
    completion_to_message,
    messages_to_chat,
)
from fronts.base import StreamTransform, bearer_token
from fronts.chat_request import ChatRequest, chat_request_from_body, decode_json_object
from providers.base import ChatResponse, Usage


class AnthropicFront:
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


ANTHROPIC = AnthropicFront()
