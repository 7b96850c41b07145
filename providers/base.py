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
from typing import Any, ClassVar, Protocol, runtime_checkable

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
    """A whole (non-streamed) chat completion, already in OpenAI's wire format (or, from
    ``SpeaksResponses.parse_responses_response``, a Response object of OpenAI's Responses API).

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


@runtime_checkable
class CountsInputTokens(Protocol):
    """An adapter whose provider counts a request's input tokens itself (Anthropic's
    ``/v1/messages/count_tokens``, Gemini's ``:countTokens``). Pure like every adapter: the
    gateway sends the request."""

    def build_count_tokens_request(
        self, chat: dict[str, Any], upstream_model: str
    ) -> UpstreamRequest:
        """The provider's count request for a validated OpenAI chat.completions body."""
        ...

    def parse_count_tokens(self, body: bytes) -> int:
        """The input tokens of a successful (2xx) answer; ``ValueError`` if it has none."""
        ...


@runtime_checkable
class SpeaksResponses(Protocol):
    """An adapter whose provider serves OpenAI's Responses API (``POST /v1/responses``) itself,
    so a Responses request is forwarded as it came, not translated to chat. Whether a provider
    is sent them is its config's ``speaks_responses``. Pure like every adapter.

    The stream reader passes the provider's events on byte for byte (whole events only, as a
    ``StreamTranslator`` does); ``finished`` once ``response.completed`` or
    ``response.incomplete`` came, ``usage`` read from that event, ``completion_text`` the text
    and call arguments seen (to bill a stream cut short). Errors are OpenAI's: ``parse_error``.
    """

    def build_responses_request(self, body: dict[str, Any], upstream_model: str) -> UpstreamRequest:
        """The provider's request for a validated Responses body (``stream`` as it says)."""
        ...

    def parse_responses_response(self, body: bytes) -> ChatResponse:
        """A successful (2xx) answer: ``document`` is the Response object; ``ValueError``
        when it is not one."""
        ...

    def open_responses_stream(self) -> StreamTranslator:
        """A fresh reader for one streamed Responses answer."""
        ...
