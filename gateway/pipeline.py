"""The path of one proxied request, top to bottom.

authenticate → read and validate → route → precheck → forward → postcheck → respond.

Postcheck records (decisions, usage) are handed to the background writer and never awaited.
A stream is forwarded event by event as it arrives; whatever way it ends (finished, upstream
cut, client gone) the finally-block bills what was produced.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.attempts import AttemptLog, AttemptsFailed, UpstreamCall, open_upstream
from gateway.auth import KeyStore, bearer_token
from gateway.chat_request import ChatRequest, parse_chat_request
from gateway.errors import GatewayError, RequestTooLargeError, UpstreamUnavailableError
from gateway.middleware import REQUEST_ID, REQUEST_ID_HEADER
from gateway.pricing import cost_of
from gateway.records import (
    ALLOW,
    POSTCHECK,
    PRECHECK,
    RequestFacts,
    decision_row,
    payload_hash,
    usage_row,
)
from gateway.routing import Route, Router
from gateway.scopes import Scope
from gateway.settings import Settings
from gateway.tokens import TokenCounter
from gateway.writer import RecordWriter
from providers.base import ChatResponse, Usage

log = logging.getLogger(__name__)

TOOL_HEADER = "X-Governs-Tool"
DEFAULT_TOOL = "ai.generate"
UPSTREAM_ERROR = "error"  # the decision of a call the provider failed


@dataclass(slots=True)
class Gateway:
    """The services a request uses; built at start-up, kept on the app."""

    settings: Settings
    engine: AsyncEngine
    keys: KeyStore
    router: Router
    writer: RecordWriter
    tokens: TokenCounter


GATEWAY = web.AppKey("gateway", Gateway)


async def chat_completions(request: web.Request) -> web.StreamResponse:
    started = time.perf_counter()
    gateway = request.app[GATEWAY]
    principal = await gateway.keys.authenticate(
        bearer_token(request.headers.get("Authorization")), Scope.PRECHECK_INVOKE
    )
    chat = parse_chat_request(await read_body(request, gateway.settings.server.max_body_bytes))
    gateway.router.resolve(chat.model)  # an unknown model is a 404 before anything else
    facts = RequestFacts(
        principal=principal,
        correlation_id=request[REQUEST_ID],
        payload_hash=payload_hash(chat.body),
        tool=tool_of(request, chat.body),
        model=chat.model,
        provider="",
        tags=[f"model:{chat.model}"],
    )

    # precheck: PII policy and budget reservations plug in here.
    gateway.writer.submit(
        "decisions",
        decision_row(facts, direction=PRECHECK, decision=ALLOW, latency_ms=_ms_since(started)),
    )

    attempts = AttemptLog()
    try:
        async with open_upstream(
            gateway.router,
            gateway.settings.routing,
            chat.model,
            chat.body,
            attempts,
            stream=chat.stream,
        ) as call:
            facts.served_by(call.route, attempts.tags)
            if chat.stream:
                return await _stream_chat(request, gateway, call, chat, facts, started)
            completion = await _read_completion(call)
    except AttemptsFailed as failed:
        facts.tags.extend(attempts.tags)
        _record_failure(gateway, facts, failed.error, started)
        raise failed.error from None
    except GatewayError as error:
        _record_failure(gateway, facts, error, started)
        raise
    except asyncio.CancelledError:
        # The client went away while the provider was working: leaving `open_upstream`
        # closed the upstream connection, which cancels the call; the prompt is billed, as
        # providers bill it.
        if attempts.route is not None and not facts.billed:
            if not facts.provider:
                facts.served_by(attempts.route, attempts.tags)
            _postcheck(
                gateway, attempts.route, chat, facts, None, "", started, ["client_disconnected"]
            )
        raise

    _postcheck(
        gateway, call.route, chat, facts, completion.usage, completion.completion_text, started
    )
    return web.Response(
        body=completion.body,
        content_type="application/json",
        headers={REQUEST_ID_HEADER: facts.correlation_id},
    )


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
    call: UpstreamCall,
    chat: ChatRequest,
    facts: RequestFacts,
    started: float,
) -> web.StreamResponse:
    translator = call.route.adapter.open_stream(client_wants_usage=chat.include_usage)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            REQUEST_ID_HEADER: facts.correlation_id,
        }
    )
    ending = "client_disconnected"  # until proven otherwise: a cancel lands in `finally`
    await response.prepare(request)
    try:
        cut: GatewayError | None = None
        try:
            async for data in call.response.chunks():
                out = translator.feed(data)
                if out:
                    await response.write(out)
        except GatewayError as error:
            cut = error
        tail = translator.close()
        if tail:
            await response.write(tail)
        if cut is None and not translator.finished:
            cut = UpstreamUnavailableError(
                f"provider {call.route.provider.name!r} ended the stream before it finished",
                code="upstream_stream_incomplete",
            )
        if cut is None:
            ending = "finished"
        else:
            # The provider failed mid-stream: tell the client as OpenAI does, in-band.
            ending = "upstream_cut"
            await response.write(b"data: " + orjson.dumps(cut.to_body()) + b"\n\n")
    except ConnectionError:
        ending = "client_disconnected"
    finally:
        tags = [] if ending == "finished" else [f"stream:{ending}"]
        _postcheck(
            gateway,
            call.route,
            chat,
            facts,
            translator.usage,
            translator.completion_text,
            started,
            tags,
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
) -> None:
    if usage is None:
        # The upstream reported no usage (or the stream was cut before it): count it ourselves.
        usage = Usage(
            input_tokens=gateway.tokens.count_chat_prompt(
                chat.body["messages"], route.upstream_model, route.model.tokenizer
            ),
            output_tokens=gateway.tokens.count_text(
                completion_text, route.upstream_model, route.model.tokenizer
            ),
            estimated=True,
        )
    facts.billed = True
    gateway.writer.submit("usage_records", usage_row(facts, usage, cost_of(usage, route.model)))
    gateway.writer.submit(
        "decisions",
        decision_row(
            facts,
            direction=POSTCHECK,
            decision=ALLOW,
            latency_ms=_ms_since(started),
            extra_tags=tags,
        ),
    )


def _record_failure(
    gateway: Gateway, facts: RequestFacts, error: GatewayError, started: float
) -> None:
    gateway.writer.submit(
        "decisions",
        decision_row(
            facts,
            direction=POSTCHECK,
            decision=UPSTREAM_ERROR,
            latency_ms=_ms_since(started),
            reasons=[f"upstream.{error.code}"],
            extra_tags=[f"status:{error.http_status}"],
        ),
    )


async def list_models(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    await gateway.keys.authenticate(
        bearer_token(request.headers.get("Authorization")), Scope.PRECHECK_INVOKE
    )
    return web.Response(body=gateway.router.models_body, content_type="application/json")


async def read_body(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise RequestTooLargeError(
            f"the request body has {request.content_length} bytes; this gateway accepts at "
            f"most {limit} (server.max_body_bytes)"
        )
    return await request.read()


def tool_of(request: web.Request, body: dict[str, Any]) -> str:
    tool = request.headers.get(TOOL_HEADER)
    if tool:
        return tool
    metadata = body.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("tool"), str):
        return metadata["tool"]
    return DEFAULT_TOOL


def _ms_since(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
