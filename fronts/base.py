"""The contract of a chat-like front door (``Front``): OpenAI chat, Anthropic messages, ...

Inside, every request is an OpenAI chat body and every answer an OpenAI completion or chunk
stream, whatever the provider. A front translates at the edge: how the key is sent, the request
body, the answer (whole or streamed) and the error shape. ``gateway.pipeline.proxy_chat`` runs
any ``Front``; a new one is one module here, one route in ``governs.server``, and its tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from aiohttp import web

from core.errors import GatewayError
from fronts.chat_request import ChatRequest
from providers.base import ChatResponse, Usage


class StreamTransform(Protocol):
    """OpenAI chunk SSE bytes in, the client's stream bytes out, as they arrive."""

    def feed(self, data: bytes) -> bytes: ...

    def close(self) -> bytes: ...


class Front(Protocol):
    name: str  # the ``api:<name>`` tag of the request's Decision rows

    def api_key(self, request: web.Request) -> str | None: ...

    def parse(self, raw: bytes) -> tuple[ChatRequest, dict[str, Any]]:
        """The OpenAI-shaped request, and the client's own body (what ``payload_hash`` hashes).
        Raises ``InvalidRequestError`` naming the client's field."""
        ...

    def wants_usage_chunk(self, chat: ChatRequest) -> bool: ...

    def render(self, completion: ChatResponse, chat: ChatRequest, *, changed: bool) -> bytes:
        """The client's answer; ``changed`` is True when the output policy rewrote it."""
        ...

    def stream(
        self, chat: ChatRequest, usage: Callable[[], Usage | None]
    ) -> StreamTransform | None:
        """None when the client reads OpenAI chunks as they are."""
        ...

    def error_body(self, error: GatewayError) -> dict[str, Any]: ...


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
