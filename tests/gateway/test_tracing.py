"""OpenTelemetry traces: ``governs serve`` started with the standard ``OTEL_*`` variables posts
its spans to an OTLP/HTTP receiver here, which decodes the protobuf (and, with
``OTEL_EXPORTER_OTLP_PROTOCOL=grpc``, to a gRPC one: grpcio's server with opentelemetry-proto's
TraceService). Parent/child structure, GenAI attributes, ``traceparent`` continuation, and no
prompt or PII value in any export."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anthropic
import grpc
import openai
import pytest
import yaml
from aiohttp import web
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from core.errors import ConfigError
from core.settings import settings_from_mapping
from core.storage import keys as key_queries
from core.storage.database import create_engine, session_factory
from governs.cli_policies import PolicyBody, apply_policy
from governs.server import build_app
from tests.conftest import TEST_BOOTSTRAP_KEY, proxy_config
from tests.fakes.server import FakeUpstream
from tests.governs.test_cli import free_port, wait_until_serving
from tests.harness import ServiceThread

SSN = "536-22-1845"
EMAIL = "jane.doe@example.com"
CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"


@dataclass
class Receiver:
    """An OTLP/HTTP collector: every export's raw bytes and decoded spans."""

    url: str = ""
    bodies: list[bytes] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    runner: web.AppRunner | None = None
    metadata: list[dict[str, str]] = field(default_factory=list)  # gRPC: each call's

    def take(self, export: ExportTraceServiceRequest) -> None:
        for resource_spans in export.resource_spans:
            for scope_spans in resource_spans.scope_spans:
                self.spans.extend(scope_spans.spans)


async def _start_receiver() -> Receiver:
    receiver = Receiver()

    async def traces(request: web.Request) -> web.Response:
        assert request.content_type == "application/x-protobuf"
        body = await request.read()
        receiver.bodies.append(body)
        receiver.take(ExportTraceServiceRequest.FromString(body))
        return web.Response(body=b"", content_type="application/x-protobuf")

    app = web.Application()
    app.router.add_post("/v1/traces", traces)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    receiver.runner = runner
    receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    return receiver


@pytest.fixture(scope="module")
def receiver(service_thread: ServiceThread) -> Iterator[Receiver]:
    running = service_thread.run(_start_receiver())
    yield running
    assert running.runner is not None
    service_thread.run(running.runner.cleanup())


@dataclass
class Served:
    url: str
    process: subprocess.Popen[str]
    database_url: str
    config: dict[str, Any]


def _serve_traced(
    directory: Path, fakes: dict[str, FakeUpstream], otel: dict[str, str]
) -> Iterator[Served]:
    """``governs serve`` in a subprocess, with the ``OTEL_*`` variables ``otel``."""
    database_url = f"sqlite+aiosqlite:///{directory / 'governs.db'}"
    config = proxy_config(fakes, database_url, directory / "spool")
    config["pii"] = {"policy_refresh_seconds": 0.2}
    (directory / "governs.yaml").write_text(yaml.safe_dump(config))
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "governs", "serve", "--config", "governs.yaml", "--port", str(port)],
        cwd=directory,
        env={
            **os.environ,
            "GOVERNS_BOOTSTRAP_KEY": TEST_BOOTSTRAP_KEY,
            "OTEL_SERVICE_NAME": "gateway-under-test",
            "OTEL_TRACES_SAMPLER": "parentbased_always_on",
            "OTEL_BSP_SCHEDULE_DELAY": "100",  # the SDK's batch delay: export at once
            **otel,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, process, timeout=120)  # a loaded machine starts slowly
        yield Served(url, process, database_url, config)
    finally:
        process.terminate()
        process.wait(30)


@pytest.fixture(scope="module")
def traced(
    receiver: Receiver,
    fakes: dict[str, FakeUpstream],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Served]:
    yield from _serve_traced(
        tmp_path_factory.mktemp("traced"),
        fakes,
        {
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        },
    )


class _TraceService(trace_service_pb2_grpc.TraceServiceServicer):
    """The OTLP/gRPC collector's one call: keep what arrives, answer success."""

    def __init__(self, receiver: Receiver) -> None:
        self._receiver = receiver

    def Export(  # the service's own method name
        self, request: ExportTraceServiceRequest, context: grpc.ServicerContext
    ) -> ExportTraceServiceResponse:
        self._receiver.metadata.append(dict(context.invocation_metadata()))
        self._receiver.bodies.append(request.SerializeToString())
        self._receiver.take(request)
        return ExportTraceServiceResponse()


@pytest.fixture(scope="module")
def grpc_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(_TraceService(receiver), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    receiver.url = f"http://127.0.0.1:{port}"
    yield receiver
    server.stop(grace=None)


@pytest.fixture(scope="module")
def traced_over_grpc(
    grpc_receiver: Receiver,
    fakes: dict[str, FakeUpstream],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Served]:
    yield from _serve_traced(
        tmp_path_factory.mktemp("traced-grpc"),
        fakes,
        {
            "OTEL_EXPORTER_OTLP_ENDPOINT": grpc_receiver.url,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
            "OTEL_EXPORTER_OTLP_HEADERS": "Authorization=Bearer%20t0ken",
        },
    )


def _hex(value: bytes) -> str:
    return value.hex()


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in value.array_value.values]
    return getattr(value, kind) if kind else None


def attributes(span: Span) -> dict[str, Any]:
    return {a.key: _value(a.value) for a in span.attributes}


def _trace_of(receiver: Receiver, correlation_id: str, *, spans: int) -> list[Span]:
    """The spans of the request whose correlation id is given, once ``spans`` arrived."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        server = [
            s
            for s in list(receiver.spans)
            if attributes(s).get("governs.correlation_id") == correlation_id
        ]
        if server:
            trace_id = server[0].trace_id
            found = [s for s in list(receiver.spans) if s.trace_id == trace_id]
            if len(found) >= spans:
                return found
        time.sleep(0.05)
    raise AssertionError(f"the spans of {correlation_id} did not arrive")


def _by_name(spans: list[Span]) -> dict[str, Span]:
    return {s.name: s for s in spans}


def test_a_chat_is_one_trace_continuing_the_caller_s(traced: Served, receiver: Receiver) -> None:
    client = openai.OpenAI(base_url=f"{traced.url}/v1", api_key=TEST_BOOTSTRAP_KEY, max_retries=0)
    correlation = f"trace-{uuid.uuid4().hex}"
    answer = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": f"my ssn is {SSN}, mail {EMAIL}"}],
        extra_headers={
            "traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-01",
            "X-Request-ID": correlation,
        },
    )
    spans = _trace_of(receiver, correlation, spans=7)
    named = _by_name(spans)
    server = named["POST /v1/chat/completions"]
    assert _hex(server.trace_id) == CALLER_TRACE  # the caller's trace, continued
    assert _hex(server.parent_span_id) == CALLER_SPAN
    assert server.kind == Span.SPAN_KIND_SERVER
    precheck = named["governs.precheck"]
    attempt = named["chat gpt-4o-mini"]
    response = named["governs.response"]
    for child in (precheck, attempt, response):
        assert child.parent_span_id == server.span_id, child.name
    for step in ("pii_policy", "rate_limit", "budget"):
        assert named[f"governs.precheck.{step}"].parent_span_id == precheck.span_id
    assert attempt.kind == Span.SPAN_KIND_CLIENT
    # In order: precheck, then the attempt, then the answer.
    assert precheck.end_time_unix_nano <= attempt.start_time_unix_nano
    assert attempt.start_time_unix_nano <= response.start_time_unix_nano

    usage = answer.usage
    assert usage is not None
    assert attributes(server) | {
        "gen_ai.operation.name": "chat",
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini",
        "gen_ai.usage.input_tokens": usage.prompt_tokens,
        "gen_ai.usage.output_tokens": usage.completion_tokens,
        "governs.correlation_id": correlation,
        "governs.decision": "allow",
        "http.response.status_code": 200,
    } == attributes(server)
    assert attributes(attempt)["gen_ai.system"] == "openai"
    assert attributes(attempt)["server.address"] == "127.0.0.1"
    # Nothing the user wrote leaves in a span (the fake echoes the prompt back, too).
    exported = b"".join(receiver.bodies)
    assert SSN.encode() not in exported and EMAIL.encode() not in exported
    assert b"my ssn is" not in exported


def test_traces_go_over_grpc_with_the_same_structure(
    traced_over_grpc: Served, grpc_receiver: Receiver
) -> None:
    client = openai.OpenAI(
        base_url=f"{traced_over_grpc.url}/v1", api_key=TEST_BOOTSTRAP_KEY, max_retries=0
    )
    correlation = f"grpc-{uuid.uuid4().hex}"
    client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": f"my ssn is {SSN}, mail {EMAIL}"}],
        extra_headers={
            "traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-01",
            "X-Request-ID": correlation,
        },
    )
    named = _by_name(_trace_of(grpc_receiver, correlation, spans=7))
    server = named["POST /v1/chat/completions"]
    assert _hex(server.trace_id) == CALLER_TRACE and _hex(server.parent_span_id) == CALLER_SPAN
    precheck = named["governs.precheck"]
    for child in (precheck, named["chat gpt-4o-mini"], named["governs.response"]):
        assert child.parent_span_id == server.span_id, child.name
    for step in ("pii_policy", "rate_limit", "budget"):
        assert named[f"governs.precheck.{step}"].parent_span_id == precheck.span_id
    assert attributes(server)["gen_ai.request.model"] == "gpt-4o-mini"
    # The headers travel as gRPC metadata (lower-case keys, as gRPC requires).
    assert grpc_receiver.metadata[-1]["authorization"] == "Bearer t0ken"
    exported = b"".join(grpc_receiver.bodies)
    assert SSN.encode() not in exported and EMAIL.encode() not in exported


def test_each_upstream_attempt_is_a_span(traced: Served, receiver: Receiver) -> None:
    client = openai.OpenAI(base_url=f"{traced.url}/v1", api_key=TEST_BOOTSTRAP_KEY, max_retries=0)
    correlation = f"retry-{uuid.uuid4().hex}"
    client.chat.completions.create(
        model="falls-back-to-claude",
        messages=[{"role": "user", "content": "hello"}],
        extra_headers={"X-Request-ID": correlation},
    )
    spans = _trace_of(receiver, correlation, spans=9)
    server = next(s for s in spans if s.kind == Span.SPAN_KIND_SERVER)
    attempts = sorted(
        (s for s in spans if s.kind == Span.SPAN_KIND_CLIENT),
        key=lambda s: attributes(s)["governs.attempt"],
    )
    assert [s.name for s in attempts] == [
        "chat gpt-4o-mini-error-500",
        "chat gpt-4o-mini-error-500",
        "chat gpt-4o-mini-error-500",
        "chat claude-sonnet-4-5",
    ]
    assert all(s.parent_span_id == server.span_id for s in attempts)
    for failed in attempts[:3]:
        assert failed.status.code == failed.status.STATUS_CODE_ERROR
        assert attributes(failed)["http.response.status_code"] == 500
    assert attributes(attempts[3])["gen_ai.system"] == "anthropic"
    assert attributes(server)["gen_ai.system"] == "anthropic"


def test_a_stream_through_the_anthropic_api_is_traced(traced: Served, receiver: Receiver) -> None:
    client = anthropic.Anthropic(base_url=traced.url, api_key=TEST_BOOTSTRAP_KEY, max_retries=0)
    correlation = f"stream-{uuid.uuid4().hex}"
    with client.messages.stream(
        model="claude",
        max_tokens=50,
        messages=[{"role": "user", "content": "stream me"}],
        extra_headers={"X-Request-ID": correlation},
    ) as stream:
        final = stream.get_final_message()
    named = _by_name(_trace_of(receiver, correlation, spans=7))
    server = named["POST /v1/messages"]
    assert named["governs.response"].parent_span_id == server.span_id
    assert attributes(server)["gen_ai.usage.output_tokens"] == final.usage.output_tokens
    assert attributes(server)["gen_ai.system"] == "anthropic"


async def _org_denying_ssn(served: Served) -> str:
    settings = settings_from_mapping(served.config, environ={})
    slug = f"trace-{uuid.uuid4().hex[:10]}"
    engine = create_engine(settings.database)
    try:
        async with session_factory(engine).begin() as session:
            org = await key_queries.get_or_create_org(session, slug)
            _, secret = await key_queries.create_key(
                session, org, label="traced", scopes=("precheck:invoke",)
            )
    finally:
        await engine.dispose()
    body = {"name": "no ssn", "toolAccessMatrix": {"ai.generate": {"ssn": "deny"}}}
    await apply_policy(settings, slug, PolicyBody.model_validate(body))
    return secret


def test_a_policy_denial_ends_in_the_precheck(traced: Served, receiver: Receiver) -> None:
    key = asyncio.run(_org_denying_ssn(traced))
    client = openai.OpenAI(base_url=f"{traced.url}/v1", api_key=key, max_retries=0)
    correlation = ""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # until the gateway has read the new policy
        correlation = f"deny-{uuid.uuid4().hex}"
        try:
            client.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": f"my ssn is {SSN}"}],
                extra_headers={"X-Request-ID": correlation},
            )
        except openai.PermissionDeniedError:
            break
        time.sleep(0.1)
    named = _by_name(_trace_of(receiver, correlation, spans=3))
    server = named["POST /v1/chat/completions"]
    assert attributes(server)["governs.decision"] == "deny"
    assert attributes(server)["governs.reasons"] == ["pii.ssn.deny"]
    assert attributes(server)["http.response.status_code"] == 403
    step = named["governs.precheck.pii_policy"]
    assert step.status.code == step.status.STATUS_CODE_ERROR
    assert "governs.precheck.budget" not in named and "governs.response" not in named
    assert not any(s.kind == Span.SPAN_KIND_CLIENT for s in named.values())
    assert SSN.encode() not in b"".join(receiver.bodies)


def test_without_otel_variables_nothing_is_traced() -> None:
    app = build_app(settings_from_mapping(None, environ={}))
    assert [m.__name__ for m in app.middlewares] == ["request_metrics", "request_context"]
    # A fresh process (this one may have built a traced app): the tracer provider and the
    # exporter are never loaded (redis's client loads the SDK's metrics part on its own).
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from governs.server import build_app; "
            "from core.settings import settings_from_mapping as s; "
            "build_app(s(None, environ={})); "
            "print(sorted(m for m in sys.modules if m.startswith(("
            "'opentelemetry.sdk.trace', 'opentelemetry.exporter', 'gateway.tracing_export'))))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    assert probe.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"},
            "http/protobuf",
        ),
        ({"OTEL_TRACES_EXPORTER": "zipkin"}, "otlp"),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c", "OTEL_EXPORTER_OTLP_HEADERS": "x"}, "key="),
    ],
)
def test_unusable_otel_variables_fail_start_up(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        settings_from_mapping(None, environ=environ)


def test_an_unknown_protocol_stops_start_up_with_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "governs", "serve", "--port", str(free_port())],
        cwd=tmp_path,
        env={
            **os.environ,
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "thrift",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("governs: OTEL_EXPORTER_OTLP_PROTOCOL=thrift: ")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_grpc_without_its_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    # As if `governs-gateway[otlp-grpc]` were not installed: the module cannot be found.
    monkeypatch.setitem(sys.modules, "opentelemetry.exporter.otlp.proto.grpc", None)
    with pytest.raises(ConfigError, match=r"pip install 'governs-gateway\[otlp-grpc\]'"):
        settings_from_mapping(
            None,
            environ={
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
            },
        )


def test_the_grpc_variables_are_read() -> None:
    tracing = settings_from_mapping(
        None,
        environ={
            "OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector:4317",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "GRPC",
        },
    ).tracing
    assert tracing.protocol == "grpc" and tracing.endpoint == "https://collector:4317"
    tracing = settings_from_mapping(
        None, environ={"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"}
    ).tracing
    assert tracing.enabled and tracing.endpoint == "http://localhost:4317"


def test_the_standard_variables_are_read() -> None:
    tracing = settings_from_mapping(
        None,
        environ={
            "OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector:4318/",
            "OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer%20t0ken,x-team=ai",
            "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=prod",
            "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
            "OTEL_TRACES_SAMPLER_ARG": "0.25",
        },
    ).tracing
    assert tracing.enabled and tracing.endpoint == "https://collector:4318/v1/traces"
    assert tracing.headers == {"authorization": "Bearer t0ken", "x-team": "ai"}
    assert tracing.sampler == "parentbased_traceidratio" and tracing.sampler_ratio == 0.25
    assert tracing.resource_attributes == {"deployment.environment": "prod"}
    assert not settings_from_mapping(
        None, environ={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c", "OTEL_SDK_DISABLED": "true"}
    ).tracing.enabled
