"""``POST /v1/embeddings``: the same path as chat, for providers that have embeddings.

authenticate → validate → PII precheck of the input texts → forward (retries, fallbacks) →
usage and cost → respond, billed like chat on every ending (``gateway.billing``). Token arrays
cannot be scanned for PII, so an org with an active policy must send text.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from gateway.attempts import AttemptLog, AttemptsFailed, open_upstream
from gateway.billing import CLIENT_GONE, bill, record_failure
from gateway.budgets.estimate import RequestSize
from gateway.chat_request import decode_json_object
from gateway.errors import GatewayError, InvalidRequestError, UpstreamError
from gateway.fronts import OPENAI
from gateway.identifiers import request_tool
from gateway.metrics import upstream_finished, upstream_started
from gateway.middleware import REQUEST_ID, REQUEST_ID_HEADER
from gateway.precheck import run_precheck
from gateway.records import RequestFacts, payload_hash
from gateway.request_body import read_body
from gateway.routing import Route
from gateway.scopes import Scope
from gateway.services import GATEWAY, Gateway
from gateway.tracing import REQUEST_TRACE
from providers.base import UpstreamRequest, Usage


@dataclass(frozen=True, slots=True)
class EmbeddingsExchange:
    body: dict[str, Any]

    def request(self, route: Route) -> UpstreamRequest:
        if route.embeddings is None:
            raise InvalidRequestError(
                f"model {route.model.name!r} (provider {route.provider.name!r}) has no embeddings",
                code="embeddings_not_supported",
                param="model",
            )
        return route.embeddings.build_embeddings_request(self.body, route.upstream_model)

    def parse_error(self, route: Route, status: int, body: bytes, headers: Any) -> UpstreamError:
        assert route.embeddings is not None
        return route.embeddings.parse_error(status, body, headers)


def _input_texts(body: dict[str, Any]) -> list[str] | None:
    """The input as texts, None for token arrays; a bad input is a 400 naming ``input``."""
    value = body.get("input")
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    if (
        isinstance(value, list)
        and value
        and (
            all(isinstance(v, int) for v in value)
            or all(isinstance(v, list) and all(isinstance(t, int) for t in v) for v in value)
        )
    ):
        return None
    raise InvalidRequestError(
        "'input' must be a string, a list of strings, or token arrays",
        code="invalid_request_body",
        param="input",
    )


async def embeddings(request: web.Request) -> web.Response:
    started = time.perf_counter()
    gateway = request.app[GATEWAY]
    principal = await gateway.keys.authenticate(OPENAI.api_key(request), Scope.PRECHECK_INVOKE)
    server = gateway.settings.server
    body = decode_json_object(
        await read_body(request, server.max_body_bytes, server.body_read_timeout_seconds)
    )
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequestError(
            "missing required parameter: 'model'", code="invalid_request_body", param="model"
        )
    tool = request_tool(request, body)  # 400 if it or the request id holds PII
    texts = _input_texts(body)
    gateway.router.resolve(model)
    principal.require_model(model)  # after the 404 of an unknown model, before any work
    facts = RequestFacts(
        principal=principal,
        correlation_id=request[REQUEST_ID],
        payload_hash=payload_hash(body),
        tool=tool,
        model=model,
        provider="",
        tags=[f"model:{model}", "api:embeddings"],
        trace=request.get(REQUEST_TRACE),
    )

    policy = gateway.policies.for_org(principal.org_id)
    if texts is None and policy is not None:
        raise InvalidRequestError(
            "this org's PII policy needs text input; token arrays cannot be checked",
            code="invalid_request_body",
            param="input",
        )
    cleared = await run_precheck(
        gateway,
        facts,
        started,
        pii=lambda: gateway.pii.precheck(policy, facts.tool, body),
        size=lambda _check: RequestSize.of_embeddings(
            body, gateway.router.resolve(model).routes[0].model, gateway.tokens
        ),
    )
    body = cleared.check.body

    attempts = AttemptLog(trace=facts.trace)
    upstream_started(request)
    try:
        async with open_upstream(
            gateway.router,
            gateway.settings.routing,
            model,
            EmbeddingsExchange(body),
            attempts,
        ) as call:
            facts.served_by(call.route, attempts.tags)
            raw = await call.response.read()
            assert call.route.embeddings is not None
            answer, usage = call.route.embeddings.parse_embeddings_response(raw, body)
            upstream_finished(request)
    except AttemptsFailed as failed:
        facts.tags.extend(attempts.tags)
        record_failure(gateway, facts, failed.error, started)
        raise failed.error from None
    except GatewayError as error:
        record_failure(gateway, facts, error, started)
        raise
    except asyncio.CancelledError:
        # The client went away while the provider was working: the input is billed, as
        # providers bill it (the same as chat).
        if attempts.route is not None:
            if not facts.provider:
                facts.served_by(attempts.route, attempts.tags)
            usage = _counted(gateway, attempts.route, body, texts)
            bill(gateway, attempts.route, facts, usage, started, tags=[CLIENT_GONE])
        raise

    bill(gateway, call.route, facts, usage or _counted(gateway, call.route, body, texts), started)
    return web.Response(
        body=answer,
        content_type="application/json",
        headers={REQUEST_ID_HEADER: facts.correlation_id, **cleared.headers()},
    )


def _counted(
    gateway: Gateway, route: Route, body: dict[str, Any], texts: list[str] | None
) -> Usage:
    """The input's tokens, counted here: the provider reported none (or never answered)."""
    if texts is None:  # token arrays: one id per token
        ids = body["input"]
        counted = len(ids) if isinstance(ids[0], int) else sum(len(row) for row in ids)
    else:
        counted = sum(
            gateway.tokens.count_text(t, route.upstream_model, route.model.tokenizer) for t in texts
        )
    return Usage(input_tokens=counted, output_tokens=0, estimated=True)
