"""The path of one proxied request, top to bottom.

authenticate → read and validate → route → precheck → forward → output policy → respond →
postcheck records.

The answer goes out before its bookkeeping (usage, cost, budget settlement, the postcheck
Decision row), which is handed to the background writer and never awaited. A stream is
forwarded event by event as it arrives; whatever way it ends (finished, upstream cut, client
gone) the finally-block bills what was produced.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import orjson
from aiohttp import web

from gateway.attempts import (
    AttemptLog,
    AttemptsFailed,
    ChatExchange,
    UpstreamCall,
    open_upstream,
)
from gateway.billing import CLIENT_GONE, Charge, bill, charge_of, record_failure
from gateway.budgets.estimate import RequestSize
from gateway.cache_replay import RESPONSE_CACHE, CachePlan, plan_cache
from gateway.chat_request import ChatRequest
from gateway.errors import (
    GatewayError,
    PolicyDeniedError,
    UpstreamUnavailableError,
)
from gateway.fronts import ANTHROPIC, OPENAI, Front
from gateway.identifiers import DEFAULT_TOOL, request_tool
from gateway.metrics import upstream_finished, upstream_started
from gateway.middleware import ERROR_BODY, REQUEST_ID, REQUEST_ID_HEADER
from gateway.output_filter import SseOutputFilter, filter_completion
from gateway.pii import PiiGuard, Precheck
from gateway.precheck import Cleared, run_precheck
from gateway.records import (
    ALLOW,
    DENY,
    TRANSFORM,
    RequestFacts,
    payload_hash,
)
from gateway.request_body import read_body
from gateway.response_cache import requested_ttl
from gateway.routing import Route
from gateway.scopes import Scope
from gateway.services import GATEWAY, Gateway
from gateway.spend_headers import spend_headers, stream_headers
from gateway.tracing import REQUEST_TRACE
from policies.engine import Verdict
from providers.base import ChatResponse, Usage

log = logging.getLogger(__name__)


async def chat_completions(request: web.Request) -> web.StreamResponse:
    """``POST /v1/chat/completions``: OpenAI's API."""
    return await proxy_chat(request, OPENAI)


async def anthropic_messages(request: web.Request) -> web.StreamResponse:
    """``POST /v1/messages``: Anthropic's API, through the very same path."""
    return await proxy_chat(request, ANTHROPIC)


async def proxy_chat(request: web.Request, front: Front) -> web.StreamResponse:
    started = time.perf_counter()
    gateway = request.app[GATEWAY]
    request[ERROR_BODY] = front.error_body
    principal = await gateway.keys.authenticate(front.api_key(request), Scope.PRECHECK_INVOKE)
    server = gateway.settings.server
    chat, client_body = front.parse(
        await read_body(request, server.max_body_bytes, server.body_read_timeout_seconds)
    )
    cache_ttl = requested_ttl(request.headers, chat.body)  # takes `cache` out of the body
    tool = request_tool(request, chat.body)  # 400 if it or the request id holds PII
    gateway.router.resolve(chat.model)  # an unknown model is a 404 before anything else
    principal.require_model(chat.model)  # 403 model_not_allowed: in memory, with the key
    facts = RequestFacts(
        principal=principal,
        correlation_id=request[REQUEST_ID],
        payload_hash=payload_hash(client_body),
        tool=tool,
        model=chat.model,
        provider="",
        tags=[f"model:{chat.model}", f"api:{front.name}"],
        trace=request.get(REQUEST_TRACE),
    )

    cleared = await run_precheck(
        gateway,
        facts,
        started,
        pii=lambda: gateway.pii.precheck(
            gateway.policies.for_org(principal.org_id), facts.tool, chat.body
        ),
        size=lambda check: RequestSize.of_chat(
            check.body, gateway.router.resolve(chat.model).routes[0].model, gateway.tokens
        ),
    )
    check = cleared.check
    output = OutputPlan(gateway.pii, check)
    cache = await plan_cache(
        request.app[RESPONSE_CACHE],
        gateway.router,
        org_id=principal.org_id,
        api=front.name,
        model=chat.model,
        body=check.body,
        stream=chat.stream,
        asked_ttl=cache_ttl,
        key_ttl=principal.cache_ttl_seconds,
    )
    facts.cache_hit = cache.hit

    attempts = AttemptLog(trace=facts.trace)
    upstream_started(request)
    try:
        async with cache.open(
            open_upstream(
                gateway.router,
                gateway.settings.routing,
                chat.model,
                ChatExchange(check.body, chat.stream),
                attempts,
            ),
            attempts,
        ) as call:
            facts.served_by(call.route, attempts.tags)
            if chat.stream:
                return await _stream_chat(
                    request, gateway, front, call, chat, facts, output, started, cleared, cache
                )
            completion = await _read_completion(call)
            cache.keep()
            upstream_finished(request)
    except AttemptsFailed as failed:
        facts.tags.extend(attempts.tags)
        record_failure(gateway, facts, failed.error, started)
        raise failed.error from None
    except GatewayError as error:
        record_failure(gateway, facts, error, started)
        raise
    except asyncio.CancelledError:
        # The client went away while the provider was working: leaving `open_upstream`
        # closed the upstream connection, which cancels the call; the prompt is billed, as
        # providers bill it.
        if attempts.route is not None and not facts.billed:
            if not facts.provider:
                facts.served_by(attempts.route, attempts.tags)
            _postcheck(gateway, attempts.route, chat, facts, None, "", started, [CLIENT_GONE])
        raise

    verdict = output.filter_completion(completion.document) if output.needed else None
    usage = _counted_usage(gateway, call.route, chat, completion.usage, completion.completion_text)
    charge = charge_of(gateway, call.route, facts, usage)

    def postcheck() -> None:
        _postcheck(
            gateway,
            call.route,
            chat,
            facts,
            usage,
            completion.completion_text,
            started,
            verdict=verdict,
            restored=bool(check.vault),
            charge=charge,
        )

    if verdict is not None and verdict.decision == DENY:
        postcheck()
        raise output.denial(verdict)
    response = web.Response(
        body=front.render(completion, chat, changed=output.needed),
        content_type="application/json",
        headers={
            REQUEST_ID_HEADER: facts.correlation_id,
            **cleared.headers(),
            **cache.headers(),
            **spend_headers(charge.cost, facts.reservation),
        },
    )
    try:
        # The answer goes out first: the client need not wait for its bookkeeping (usage,
        # cost, settling the budget, the postcheck row), which runs whatever happens to it.
        await response.prepare(request)
        await response.write_eof()
    finally:
        postcheck()
    return response


class OutputPlan:
    """What postcheck does to the model's output: the output policy's classes, and the
    values to restore. ``needed`` is False for orgs without a policy: bytes pass untouched."""

    def __init__(self, guard: PiiGuard, check: Precheck) -> None:
        self._guard = guard
        self.policy = check.policy
        self.vault = check.vault
        self.classes = guard.output_classes(check.policy)
        self.tool = check.policy.output_tool if check.policy else DEFAULT_TOOL
        self.needed = bool(self.classes) or bool(self.vault)

    def filter_completion(self, document: dict[str, Any]) -> Verdict:
        return filter_completion(
            document, self._guard.fast_engine, self.policy, self.classes, self.vault
        )

    def denial(self, verdict: Verdict) -> PolicyDeniedError:
        return PolicyDeniedError(
            f"the policy of this org denies returning {', '.join(verdict.denied)} "
            f"for tool {self.tool}"
        )

    def stream_filter(self) -> SseOutputFilter | None:
        if not self.needed:
            return None
        return SseOutputFilter(self._guard.fast_engine, self.policy, self.classes, self.vault)


async def _read_completion(call: UpstreamCall) -> ChatResponse:
    body = await call.response.read()
    try:
        return call.route.adapter.parse_chat_response(body)
    except ValueError as error:
        raise UpstreamUnavailableError(
            f"provider {call.route.provider.name!r} sent an unreadable response",
            code="bad_upstream_response",
        ) from error


async def _stream_chat(
    request: web.Request,
    gateway: Gateway,
    front: Front,
    call: UpstreamCall,
    chat: ChatRequest,
    facts: RequestFacts,
    output: OutputPlan,
    started: float,
    cleared: Cleared,
    cache: CachePlan,
) -> web.StreamResponse:
    """Provider bytes → OpenAI chunks (adapter) → output policy and restored tokens →
    the client's API (front), event by event as they arrive."""
    translator = call.route.adapter.open_stream(client_wants_usage=front.wants_usage_chunk(chat))
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
            REQUEST_ID_HEADER: facts.correlation_id,
            **cleared.headers(),
            **cache.headers(),
            **stream_headers(facts.reservation),
        }
    )
    ending = "client_disconnected"  # until proven otherwise: a cancel lands in `finally`
    await response.prepare(request)
    try:
        cut: GatewayError | None = None
        try:
            async for data in call.response.chunks():
                out = deliver(translator.feed(data))
                if out:
                    await response.write(out)
        except GatewayError as error:  # the provider failed, or the output policy denied
            cut = error
        upstream_finished(request)
        tail = translator.close()
        if cut is None and not translator.finished:
            cut = UpstreamUnavailableError(
                f"provider {call.route.provider.name!r} ended the stream before it finished",
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
            cache.keep()
        else:
            # Say it in-band, as OpenAI does (the front puts it in its own API's shape).
            ending = "policy_denied" if isinstance(cut, PolicyDeniedError) else "upstream_cut"
            in_band = b"data: " + orjson.dumps(cut.to_body()) + b"\n\n"
            await response.write(edge.feed(in_band) if edge is not None else in_band)
    except ConnectionError:
        ending = "client_disconnected"
    finally:
        _postcheck(
            gateway,
            call.route,
            chat,
            facts,
            translator.usage,
            translator.completion_text,
            started,
            [] if ending == "finished" else [f"stream:{ending}"],
            verdict=output_filter.verdict() if output_filter is not None else None,
            restored=bool(output.vault),
        )
    if ending != "client_disconnected":
        await response.write_eof()
    return response


def _postcheck(
    gateway: Gateway,
    route: Route,
    chat: ChatRequest,
    facts: RequestFacts,
    usage: Usage | None,
    completion_text: str,
    started: float,
    tags: list[str] | None = None,
    *,
    verdict: Verdict | None = None,
    restored: bool = False,
    charge: Charge | None = None,
) -> None:
    usage = _counted_usage(gateway, route, chat, usage, completion_text)
    decision = verdict.decision if verdict else ALLOW
    reasons = list(verdict.reasons) if verdict else []
    if restored and decision == ALLOW:
        decision = TRANSFORM
    if restored:
        reasons.append("pii.restored")
    bill(
        gateway,
        route,
        facts,
        usage,
        started,
        decision=decision,
        reasons=reasons,
        summary=verdict.summary() if verdict else None,
        tags=tags,
        charge=charge,
    )


def _counted_usage(
    gateway: Gateway, route: Route, chat: ChatRequest, usage: Usage | None, completion_text: str
) -> Usage:
    if usage is not None:
        return usage
    # The upstream reported no usage (or the stream was cut before it): count it ourselves.
    return Usage(
        input_tokens=gateway.tokens.count_chat_prompt(
            chat.body["messages"], route.upstream_model, route.model.tokenizer
        ),
        output_tokens=gateway.tokens.count_text(
            completion_text, route.upstream_model, route.model.tokenizer
        ),
        estimated=True,
    )


async def list_models(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    principal = await gateway.keys.authenticate(OPENAI.api_key(request), Scope.PRECHECK_INVOKE)
    return web.Response(
        body=gateway.router.models_body_for(principal.models), content_type="application/json"
    )
