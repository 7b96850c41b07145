"""The contract every provider adapter keeps.

An adapter translates between the gateway's OpenAI-shaped chat API and one provider's wire
format. It does **no I/O**: it builds the upstream request, parses the upstream response and
stream bytes, reads usage and maps errors. ``gateway.forwarder`` alone owns the HTTP session, so
every adapter is testable on recorded JSON and SSE bytes.

An adapter is built once at start-up from its ``ProviderConfig``: URLs and constant headers are
computed there, never per request.

Every provider module keeps the same order: constants, wire types, request translation, response
translation, stream translation, usage, errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from core.errors import UpstreamError
from core.settings import ProviderConfig


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one call, in OpenAI's convention.

    ``input_tokens`` counts every prompt token, cached ones included; ``cached_input_tokens`` is
    the part of them read from the provider's prompt cache and ``cache_write_input_tokens`` the
    part written to it (Anthropic bills both differently). ``estimated`` is true when the gateway
    counted the tokens itself because the upstream reported none.
    """

    input_tokens: int
    output_tokens: int
    cached_input_tokens: int = 0
    cache_write_input_tokens: int = 0
    estimated: bool = False


@dataclass(frozen=True, slots=True)
class UpstreamRequest:
    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class ChatResponse:
    """A whole (non-streamed) chat completion, already in OpenAI's wire format.

    ``body`` is exactly what the client receives; for an OpenAI-compatible upstream it is the
    upstream's bytes unchanged. ``completion_text`` is the concatenated assistant text, used to
    count tokens when ``usage`` is None.
    """

    body: bytes
    usage: Usage | None
    completion_text: str
    document: dict[str, Any]


class StreamTranslator(Protocol):
    """Turns one upstream stream into OpenAI ``chat.completion.chunk`` SSE events.

    ``feed`` takes upstream bytes as they arrive (any split, even mid-event) and returns the SSE
    bytes to send to the client now: whole events only, possibly ``b""``. ``close`` is called
    once when the upstream ends (or is cut) and returns what is left, ``data: [DONE]\\n\\n``
    included when the upstream finished properly. After ``close``, ``usage`` holds the usage the
    upstream reported (None if it reported none) and ``completion_text`` all assistant text seen,
    so a stream cut short can still be billed for what it produced.

    The gateway always asks the upstream for usage; a translator built with
    ``client_wants_usage=False`` strips the usage-only chunk from what it returns.
    """

    usage: Usage | None
    completion_text: str
    finished: bool

    def feed(self, data: bytes) -> bytes: ...

    def close(self) -> bytes: ...


class ProviderAdapter(Protocol):
    """One provider kind (``openai``, ``anthropic``, ``gemini``, ...). Pure translation, no I/O."""

    kind: ClassVar[str]

    def __init__(self, config: ProviderConfig) -> None: ...

    def build_chat_request(
        self, chat: dict[str, Any], upstream_model: str, *, stream: bool
    ) -> UpstreamRequest:
        """Translate a validated OpenAI chat.completions body for ``upstream_model``."""
        ...

    def parse_chat_response(self, body: bytes) -> ChatResponse:
        """Translate a successful (2xx) upstream body into an OpenAI chat.completion."""
        ...

    def open_stream(self, *, client_wants_usage: bool) -> StreamTranslator:
        """A fresh translator for one streamed response."""
        ...

    def parse_error(self, status: int, body: bytes, headers: Mapping[str, str]) -> UpstreamError:
        """Map an upstream error response to an ``UpstreamError`` in OpenAI's error shape."""
        ...
