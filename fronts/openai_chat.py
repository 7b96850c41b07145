"""``POST /v1/chat/completions``: OpenAI's chat API, the shape inside, so nothing to translate.

Its answers are the upstream's bytes unless the output policy rewrote them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web

from core.errors import GatewayError
from fronts.base import StreamTransform, bearer_token
from fronts.chat_request import ChatRequest, chat_request_from_body, decode_json_object
from providers.base import ChatResponse, Usage


class OpenAIChatFront:
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


OPENAI = OpenAIChatFront()
