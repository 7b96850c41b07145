"""OpenTelemetry traces of proxied requests: the spans (this module, on the OpenTelemetry API)
and their export over OTLP, HTTP/protobuf or gRPC (``gateway.tracing_export``, the SDK).

On only when the ``OTEL_*`` environment asks for it (``settings.TracingConfig``), decided once
at start-up: then ``trace_requests`` is in the middleware chain and each proxied request
carries a ``RequestTrace`` (``RequestFacts.trace``). Off, the SDK is never imported, no
middleware runs and every hook on the request path is one ``is None`` test.

A request's spans, continuing the caller's W3C ``traceparent``::

    POST /v1/chat/completions                 SERVER  the whole request
    ├── governs.precheck                      INTERNAL
    │   ├── governs.precheck.pii_policy       detection and the policy's decision (one pass)
    │   ├── governs.precheck.rate_limit
    │   └── governs.precheck.budget           the worst-case reservation
    ├── chat gpt-4o-mini                      CLIENT  one per upstream attempt
    └── governs.response                      reading the answer, output policy, writing it

Attributes follow the GenAI semantic conventions (``gen_ai.system`` and its successor
``gen_ai.provider.name``, ``gen_ai.operation.name``, ``gen_ai.request.model``,
``gen_ai.response.model``, ``gen_ai.usage.input_tokens`` / ``output_tokens``), with
``governs.correlation_id``, ``governs.decision`` and reason codes. Never a prompt, a completion
or a PII value: only class names and codes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer, set_span_in_context

from core.errors import GatewayError, UpstreamError
from core.settings import ProviderConfig
from gateway.attempts import UpstreamCall
from gateway.middleware import REQUEST_ID
from gateway.routing import Route
from providers.base import Usage

# gen_ai.system / gen_ai.provider.name of each provider kind (the conventions' own values).
GENAI_SYSTEMS = {
    "openai": "openai",
    "azure": "azure.ai.openai",
    "anthropic": "anthropic",
    "gemini": "gcp.gemini",
    "echo": "governs.echo",
}
OPERATIONS = {
    "/v1/chat/completions": "chat",
    "/v1/messages": "chat",
    "/v1/embeddings": "embeddings",
}
TRACED_PREFIX = "/v1/"


class RequestTrace:
    """The spans of one request. Hooks are called by precheck, the attempts, billing and the
    middleware; each ends the spans it opened, whatever way the request ends."""

    __slots__ = ("_context", "_response", "_tracer", "decision", "operation", "span")

    def __init__(self, tracer: Tracer, span: Span, operation: str) -> None:
        self._tracer = tracer
        self.span = span
        self._context = set_span_in_context(span)
        self._response: Span | None = None
        self.operation = operation
        self.decision: str | None = None

    def step(self, name: str, parent: Span | None = None) -> TraceStep:
        """A child span of the request (or of ``parent``), ended when the block ends."""
        context = self._context if parent is None else set_span_in_context(parent)
        return TraceStep(self._tracer.start_span(name, context=context))

    # -- precheck ---------------------------------------------------------------------------

    def requested(self, model: str) -> None:
        self.span.set_attribute("gen_ai.request.model", model)

    def refused(self, reasons: Sequence[str]) -> None:
        self.decision = "deny"
        self.span.set_attribute("governs.reasons", list(reasons))

    # -- upstream attempts ------------------------------------------------------------------

    def attempt(self, route: Route, number: int) -> AttemptSpan:
        system = GENAI_SYSTEMS.get(route.provider.kind, route.provider.kind)
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": self.operation,
            "gen_ai.system": system,
            "gen_ai.provider.name": system,
            "gen_ai.request.model": route.upstream_model,
            "governs.provider": route.provider.name,
            "governs.attempt": number,
        }
        address = _server_address(route.provider)
        if address is not None:
            attributes["server.address"] = address
        return AttemptSpan(
            self._tracer.start_span(
                f"{self.operation} {route.upstream_model}",
                context=self._context,
                kind=SpanKind.CLIENT,
                attributes=attributes,
            )
        )

    # -- the answer -------------------------------------------------------------------------

    def opening(
        self, answer: AbstractAsyncContextManager[UpstreamCall], *, cache_hit: bool
    ) -> AbstractAsyncContextManager[UpstreamCall]:
        """The upstream call's context manager, starting the response span once it is open."""
        return _Opening(self, answer, cache_hit)

    def served(self, route: Route, *, cache_hit: bool) -> None:
        """The call is open (or answered from the cache): the response span starts."""
        system = GENAI_SYSTEMS.get(route.provider.kind, route.provider.kind)
        self.span.set_attributes(
            {
                "gen_ai.system": system,
                "gen_ai.provider.name": system,
                "gen_ai.response.model": route.upstream_model,
                "governs.provider": route.provider.name,
                "governs.cache": "hit" if cache_hit else "none",
            }
        )
        self._response = self._tracer.start_span("governs.response", context=self._context)

    def billed(self, usage: Usage, decision: str, reasons: Sequence[str]) -> None:
        self.decision = decision
        self.span.set_attributes(
            {
                "gen_ai.usage.input_tokens": usage.input_tokens,
                "gen_ai.usage.output_tokens": usage.output_tokens,
                "governs.usage.estimated": usage.estimated,
            }
        )
        if reasons:
            self.span.set_attribute("governs.reasons", list(reasons))
        self._end_response()

    def failed(self, error: GatewayError) -> None:
        self.decision = "error"
        self.span.set_attribute("error.type", str(error.code))
        self._end_response()

    def _end_response(self) -> None:
        if self._response is not None:
            self._response.end()
            self._response = None

    def finish(self, status: int, correlation_id: str | None) -> None:
        self._end_response()
        span = self.span
        span.set_attribute("http.response.status_code", status)
        if correlation_id:
            span.set_attribute("governs.correlation_id", correlation_id)
        if self.decision is not None:
            span.set_attribute("governs.decision", self.decision)
        if status >= 500:
            span.set_status(Status(StatusCode.ERROR))
        span.end()


class TraceStep:
    """``with trace.step(name) as span``: ends the span, marking it failed on an exception."""

    __slots__ = ("span",)

    def __init__(self, span: Span) -> None:
        self.span = span

    def __enter__(self) -> Span:
        return self.span

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        if isinstance(error, GatewayError):
            self.span.set_attribute("error.type", str(error.code))
            self.span.set_status(Status(StatusCode.ERROR, str(error.code)))
        elif error is not None:
            self.span.set_status(Status(StatusCode.ERROR, type(error).__name__))
        self.span.end()


class _Opening:
    __slots__ = ("_answer", "_cache_hit", "_trace")

    def __init__(
        self,
        trace: RequestTrace,
        answer: AbstractAsyncContextManager[UpstreamCall],
        cache_hit: bool,
    ) -> None:
        self._trace = trace
        self._answer = answer
        self._cache_hit = cache_hit

    async def __aenter__(self) -> UpstreamCall:
        call = await self._answer.__aenter__()
        self._trace.served(call.route, cache_hit=self._cache_hit)
        return call

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        return await self._answer.__aexit__(kind, error, traceback)


class AttemptSpan:
    """The CLIENT span of one upstream attempt; ``done`` once, with the attempt's error."""

    __slots__ = ("span",)

    def __init__(self, span: Span) -> None:
        self.span = span

    def done(self, error: GatewayError | None, *, abandoned: bool = False) -> None:
        span = self.span
        if abandoned:
            span.set_attribute("error.type", "cancelled")
        elif error is not None:
            span.set_attribute("error.type", str(error.code))
            if isinstance(error, UpstreamError):
                span.set_attribute("http.response.status_code", error.upstream_status)
            span.set_status(Status(StatusCode.ERROR, str(error.code)))
        span.end()


REQUEST_TRACE = web.RequestKey("request_trace", RequestTrace)


def trace_middleware(start: Callable[[web.Request], RequestTrace]) -> Middleware:
    """The middleware that gives each proxied request (``/v1/...``) its SERVER span; other
    routes (admin API, health, console) are not traced. Outside ``request_context``, so it sees
    the status of rendered errors too."""

    @web.middleware
    async def trace_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(TRACED_PREFIX):
            return await handler(request)
        trace = start(request)
        request[REQUEST_TRACE] = trace
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        finally:
            trace.finish(status, request.get(REQUEST_ID))

    return trace_requests


def _server_address(provider: ProviderConfig) -> str | None:
    return urlsplit(provider.base_url).hostname if provider.base_url else None
