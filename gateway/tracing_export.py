"""Exporting traces: the OpenTelemetry SDK's tracer provider, sampler and OTLP exporter (over
HTTP/protobuf, or gRPC with the ``otlp-grpc`` extra), built once at start-up, and only when
tracing is on (``gateway.tracing``)."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.typedefs import Middleware
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    ParentBased,
    Sampler,
    TraceIdRatioBased,
)
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from core.settings import TracingConfig
from gateway.tracing import OPERATIONS, RequestTrace, trace_middleware


class Tracing:
    """The tracer provider and its exporter. Spans are batched and posted by the SDK's own
    thread, never on the event loop."""

    def __init__(self, config: TracingConfig) -> None:
        resource = Resource({**config.resource_attributes, "service.name": config.service_name})
        self._provider = TracerProvider(resource=resource, sampler=_sampler(config))
        self._provider.add_span_processor(BatchSpanProcessor(_exporter(config)))
        self._tracer = self._provider.get_tracer("governs-gateway")
        self._propagator = TraceContextTextMapPropagator()

    def start(self, request: web.Request) -> RequestTrace:
        """The request's SERVER span, a child of the caller's ``traceparent`` if it sent one."""
        parent: Context = self._propagator.extract(request.headers)
        operation = OPERATIONS.get(request.path, "chat")
        span = self._tracer.start_span(
            f"{request.method} {request.path}",
            context=parent,
            kind=SpanKind.SERVER,
            attributes={
                "http.request.method": request.method,
                "url.path": request.path,
                "gen_ai.operation.name": operation,
            },
        )
        return RequestTrace(self._tracer, span, operation)

    def middleware(self) -> Middleware:
        return trace_middleware(self.start)

    async def aclose(self) -> None:
        # Flushing posts the last batch: a blocking HTTP call, kept off the event loop.
        await asyncio.to_thread(self._provider.shutdown)


def _exporter(config: TracingConfig) -> SpanExporter:
    if config.protocol == "grpc":
        # Imported only for gRPC: grpcio is an optional extra (settings checked it is there).
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter as GrpcSpanExporter,
        )

        # An http:// endpoint means a plaintext channel, https:// TLS (the SDK reads the
        # scheme); headers travel as gRPC metadata, whose keys must be lower case.
        return GrpcSpanExporter(
            endpoint=config.endpoint,
            headers={k.lower(): v for k, v in config.headers.items()},
            timeout=config.timeout_seconds,
        )
    return OTLPSpanExporter(
        endpoint=config.endpoint, headers=config.headers, timeout=config.timeout_seconds
    )


def _sampler(config: TracingConfig) -> Sampler:
    ratio = TraceIdRatioBased(config.sampler_ratio)
    samplers: dict[str, Sampler] = {
        "always_on": ALWAYS_ON,
        "always_off": ALWAYS_OFF,
        "traceidratio": ratio,
        "parentbased_always_on": ParentBased(ALWAYS_ON),
        "parentbased_always_off": ParentBased(ALWAYS_OFF),
        "parentbased_traceidratio": ParentBased(ratio),
    }
    return samplers[config.sampler]
