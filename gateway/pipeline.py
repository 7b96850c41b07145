"""The path of one proxied chat request, top to bottom, for any chat-like front.

authenticate → parse the client's shape (front) → the ledger: route, precheck → forward →
output policy → respond in the client's shape (front) → the ledger's one ending.

The answer goes out before its bookkeeping (usage, cost, budget settlement, the postcheck
Decision row), which is handed to the background writer and never awaited. A stream is
forwarded event by event as it arrives; whatever way it ends (finished, upstream cut, client
gone) the finally-block bills what was produced. The ledger, shared with every front door, is
``gateway.ledger``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
from aiohttp import web

from core.errors import (
    GatewayError,
    InvalidRequestError,
    PolicyDeniedError,
    UpstreamUnavailableError,
)
from core.scopes import Scope
from fronts.anthropic import ANTHROPIC
from fronts.base import Front
from fronts.chat_request import ChatRequest
from fronts.completions import COMPLETIONS
from fronts.embeddings import parse_embeddings
from fronts.openai_chat import OPENAI
from fronts.responses import RESPONSES
from fronts.responses_native import NATIVE_RESPONSES
from gateway.attempts import AttemptsFailed, UpstreamCall
from gateway.auth import Principal
from gateway.cache_replay import RESPONSE_CACHE, plan_cache
from gateway.exchanges import (
    AnswerExchange,
    ChatExchange,
    EmbeddingsExchange,
    ResponsesExchange,
)
from gateway.identifiers import DEFAULT_TOOL, request_tool
from gateway.ledger import ProxiedCall
from gateway.metrics import upstream_finished, upstream_started
from gateway.middleware import ERROR_BODY, REQUEST_ID
from gateway.output_filter import EventFilter, OutputRules
from gateway.pii import PiiGuard, Precheck
from gateway.records import DENY
from gateway.request_body import read_body
from gateway.response_cache import requested_ttl
from gateway.services import GATEWAY
from gateway.spend_headers import spend_headers, stream_headers
from gateway.tracing import REQUEST_TRACE
from policies.engine import Verdict
from providers.base import ChatResponse


async def chat_completions(request: web.Request) -> web.StreamResponse:
    """``POST /v1/chat/completions``: OpenAI's API."""
    return await proxy_chat(request, OPENAI)


async def anthropic_messages(request: web.Request) -> web.StreamResponse:
    """``POST /v1/messages``: Anthropic's API, through the very same path."""
    return await proxy_chat(request, ANTHROPIC)


async def responses(request: web.Request) -> web.StreamResponse:
    """``POST /v1/responses``: OpenAI's Responses API, through the very same path; sent as it
    came to a model whose every deployment speaks it, else translated to chat."""
    arrived = await _arrive(request, RESPONSES)
    _, chat, client_body, _ = arrived
    if request.app[GATEWAY].router.speaks_responses(chat.model):
        return await _serve(request, NATIVE_RESPONSES, *arrived, ResponsesExchange(client_body))
    return await _serve(request, RESPONSES, *arrived, ChatExchange(chat.body, chat.stream))


async def completions(request: web.Request) -> web.StreamResponse:
    """``POST /v1/completions``: OpenAI's legacy text completions, through the same path."""
    return await proxy_chat(request, COMPLETIONS)


async def proxy_chat(request: web.Request, front: Front) -> web.StreamResponse:
    arrived = await _arrive(request, front)
    _, chat, _, _ = arrived
    return await _serve(request, front, *arrived, ChatExchange(chat.body, chat.stream))


async def _arrive(
    request: web.Request, front: Front
) -> tuple[Principal, ChatRequest, dict[str, Any], float]:
    """Authenticate, then read and parse the client's request (its shape: ``front``)."""
    started = time.perf_counter()
    gateway = request.app[GATEWAY]
    request[ERROR_BODY] = front.error_body
    principal = await gateway.keys.authenticate(front.api_key(request), Scope.PRECHECK_INVOKE)
    server = gateway.settings.server
    chat, client_body = front.parse(
        await read_body(request, server.max_body_bytes, server.body_read_timeout_seconds)
    )
    return principal, chat, client_body, started


async def _serve(
    request: web.Request,
    front: Front,
    principal: Principal,
    chat: ChatRequest,
    client_body: dict[str, Any],
    started: float,
    asked: AnswerExchange,
) -> web.StreamResponse:
    """The rest of the way: the ledger sends ``asked`` (the exchange, in the shape its
    provider takes), and the answer goes back in ``front``'s shape."""
    gateway = request.app[GATEWAY]
    cache_ttl = requested_ttl(request.headers, asked.body)  # takes `cache` out of the body
    call = ProxiedCall(
        gateway,
        principal,
        correlation_id=request[REQUEST_ID],
        tool=request_tool(request, chat.body),  # 400 if it or the request id holds PII
        model=chat.model,
        api=front.name,
        client_body=client_body,
        started=started,
        trace=request.get(REQUEST_TRACE),
    )
    exchange = await call.precheck(asked)
    assert call.check is not None
    output = OutputPlan(gateway.pii, call.check, exchange)
    call.cache = cache = await plan_cache(
        request.app[RESPONSE_CACHE],
        gateway.router,
        org_id=principal.org_id,
        api=front.name,
        model=chat.model,
        body=exchange.body,  # as it goes upstream: after the PII policy
        stream=chat.stream,
        asked_ttl=cache_ttl,
        key_ttl=principal.cache_ttl_seconds,
    )

    upstream_started(request)
    try:
        async with call.upstream(exchange) as upstream:
            if chat.stream:
                return await _stream_chat(request, front, upstream, chat, call, output, exchange)
            completion = await _read_completion(upstream, exchange)
            if cache is not None:
                cache.keep()
            upstream_finished(request)
    except AttemptsFailed as failed:
        call.fail(failed.error)
        raise failed.error from None
    except GatewayError as error:
        call.fail(error)
        raise
    except asyncio.CancelledError:
        # The client went away while the provider was working: leaving the upstream block
        # closed the upstream connection, which cancels the call.
        call.client_gone()
        raise

    verdict = output.filter_completion(completion.document) if output.needed else None
    priced = call.price(completion.usage, completion.completion_text)
    if verdict is not None and verdict.decision == DENY:
        call.bill(
            completion.usage,
            completion.completion_text,
            verdict=verdict,
            restored=bool(call.check.vault),
        )
        raise output.denial(verdict)
    response = web.Response(
        body=front.render(completion, chat, changed=output.needed),
        content_type="application/json",
        headers={**call.headers(), **spend_headers(priced.cost, call.reservation)},
    )
    try:
        # The answer goes out first: the client need not wait for its bookkeeping (usage,
        # cost, settling the budget, the postcheck row), which runs whatever happens to it.
        await response.prepare(request)
        await response.write_eof()
    finally:
        call.bill(
            completion.usage,
            completion.completion_text,
            verdict=verdict,
            restored=bool(call.check.vault),
        )
    return response


async def embeddings(request: web.Request) -> web.Response:
    """``POST /v1/embeddings``: the same ledger as chat, for providers that have embeddings."""
    started = time.perf_counter()
    gateway = request.app[GATEWAY]
    principal = await gateway.keys.authenticate(OPENAI.api_key(request), Scope.PRECHECK_INVOKE)
    server = gateway.settings.server
    asked = parse_embeddings(
        await read_body(request, server.max_body_bytes, server.body_read_timeout_seconds)
    )
    cache_ttl = requested_ttl(request.headers, asked.body)  # takes `cache` out of the body
    call = ProxiedCall(
        gateway,
        principal,
        correlation_id=request[REQUEST_ID],
        tool=request_tool(request, asked.body),  # 400 if it or the request id holds PII
        model=asked.model,
        api="embeddings",
        client_body=asked.body,
        started=started,
        trace=request.get(REQUEST_TRACE),
    )
    if asked.texts is None and call.policy is not None:
        raise InvalidRequestError(
            "this org's PII policy needs text input; token arrays cannot be checked",
            code="invalid_request_body",
            param="input",
        )
    exchange = await call.precheck(EmbeddingsExchange(asked.body))
    call.cache = cache = await plan_cache(
        request.app[RESPONSE_CACHE],
        gateway.router,
        org_id=principal.org_id,
        api="embeddings",
        model=asked.model,
        body=exchange.body,  # as it goes upstream: after the PII policy
        stream=False,
        asked_ttl=cache_ttl,
        key_ttl=principal.cache_ttl_seconds,
        deterministic=True,
    )

    upstream_started(request)
    try:
        async with call.upstream(exchange) as upstream:
            raw = await upstream.response.read()
            assert upstream.route.embeddings is not None  # the exchange refused the route
            answer, usage = upstream.route.embeddings.parse_embeddings_response(raw, exchange.body)
            if cache is not None:
                cache.keep()
            upstream_finished(request)
    except AttemptsFailed as failed:
        call.fail(failed.error)
        raise failed.error from None
    except GatewayError as error:
        call.fail(error)
        raise
    except asyncio.CancelledError:
        call.client_gone()  # the input is billed, as providers bill it (the same as chat)
        raise

    priced = call.price(usage)
    call.bill(usage)
    return web.Response(
        body=answer,
        content_type="application/json",
        headers={**call.headers(), **spend_headers(priced.cost, call.reservation)},
    )


class OutputPlan:
    """What postcheck does to the model's output: the output policy's classes, and the
    values to restore. ``needed`` is False for orgs without a policy: bytes pass untouched."""

    def __init__(self, guard: PiiGuard, check: Precheck, exchange: AnswerExchange) -> None:
        self._exchange = exchange
        self.vault = check.vault
        classes = guard.output_classes(check.policy)
        self.rules = OutputRules(guard.fast_engine, check.policy, classes, check.vault)
        self.tool = check.policy.output_tool if check.policy else DEFAULT_TOOL
        self.needed = bool(classes) or bool(self.vault)

    def filter_completion(self, document: dict[str, Any]) -> Verdict:
        return self._exchange.filter_answer(document, self.rules)

    def denial(self, verdict: Verdict) -> PolicyDeniedError:
        return PolicyDeniedError(
            f"the policy of this org denies returning {', '.join(verdict.denied)} "
            f"for tool {self.tool}"
        )

    def stream_filter(self) -> EventFilter | None:
        if not self.needed:
            return None
        return self._exchange.stream_filter(self.rules)


async def _read_completion(call: UpstreamCall, exchange: AnswerExchange) -> ChatResponse:
    body = await call.response.read()
    try:
        return exchange.read(call.route, body)
    except ValueError as error:
        raise UpstreamUnavailableError(
            f"provider {call.route.provider.name!r} sent an unreadable response",
            code="bad_upstream_response",
        ) from error


async def _stream_chat(
    request: web.Request,
    front: Front,
    upstream: UpstreamCall,
    chat: ChatRequest,
    call: ProxiedCall,
    output: OutputPlan,
    exchange: AnswerExchange,
) -> web.StreamResponse:
    """Provider bytes → OpenAI chunks (adapter) → output policy and restored tokens →
    the client's API (front), event by event as they arrive."""
    translator = exchange.open_stream(
        upstream.route, client_wants_usage=front.wants_usage_chunk(chat)
    )
    output_filter = output.stream_filter()
    edge = front.stream(chat, lambda: translator.usage)

    def deliver(data: bytes, *, last: bool = False) -> bytes:
        if output_filter is not None:
            data = output_filter.feed(data) + (output_filter.close() if last else b"")
        if edge is not None:
            data = edge.feed(data) + (edge.close() if last else b"")
        return data

    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            **call.headers(),
            **stream_headers(call.reservation),
        }
    )
    ending = "client_disconnected"  # until proven otherwise: a cancel lands in `finally`
    await response.prepare(request)
    try:
        cut: GatewayError | None = None
        try:
            async for data in upstream.response.chunks():
                out = deliver(translator.feed(data))
                if out:
                    await response.write(out)
        except GatewayError as error:  # the provider failed, or the output policy denied
            cut = error
        upstream_finished(request)
        tail = translator.close()
        if cut is None and not translator.finished:
            cut = UpstreamUnavailableError(
                f"provider {upstream.route.provider.name!r} ended the stream before it finished",
                code="upstream_stream_incomplete",
            )
        if cut is None:
            try:
                tail = deliver(tail, last=True)
            except GatewayError as error:
                cut, tail = error, b""
        if tail:
            await response.write(tail)
        if cut is None:
            ending = "finished"
            if call.cache is not None:
                call.cache.keep()
        else:
            # Say it in-band, as OpenAI does (the front puts it in its own API's shape).
            ending = "policy_denied" if isinstance(cut, PolicyDeniedError) else "upstream_cut"
            in_band = b"data: " + orjson.dumps(cut.to_body()) + b"\n\n"
            await response.write(edge.feed(in_band) if edge is not None else in_band)
    except ConnectionError:
        ending = "client_disconnected"
    finally:
        call.bill(
            translator.usage,
            translator.completion_text,
            verdict=output_filter.verdict() if output_filter is not None else None,
            restored=bool(output.vault),
            tags=[] if ending == "finished" else [f"stream:{ending}"],
        )
    if ending != "client_disconnected":
        await response.write_eof()
    return response


async def list_models(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    principal = await gateway.keys.authenticate(OPENAI.api_key(request), Scope.PRECHECK_INVOKE)
    return web.Response(
        body=gateway.router.models_body_for(principal.models), content_type="application/json"
    )


async def retrieve_model(request: web.Request) -> web.Response:
    """``GET /v1/models/{model}``: one model as ``GET /v1/models`` lists it."""
    gateway = request.app[GATEWAY]
    principal = await gateway.keys.authenticate(OPENAI.api_key(request), Scope.PRECHECK_INVOKE)
    return web.Response(
        body=gateway.router.model_body_for(request.match_info["model"], principal.models),
        content_type="application/json",
    )
