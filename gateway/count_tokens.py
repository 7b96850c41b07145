"""``POST /v1/messages/count_tokens``: Anthropic's token count, for any model.

The body is an Anthropic Messages request without ``max_tokens``. The count comes from the
provider where it has a count endpoint (Anthropic's count_tokens, Gemini's countTokens:
``"estimated": false``), else from the bundled tokenizer (``"estimated": true``), beside
``input_tokens``. The org's PII policy applies
first, as for a real call: what a provider is sent to count is what it would be sent to answer
(tokenized, masked, or a 403). Counting is free, so nothing is reserved or billed: it opens
no ``ProxiedCall`` (whose every ending bills or fails a call), and writes no rows.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from core.errors import PolicyDeniedError, UpstreamUnavailableError
from core.scopes import Scope
from fronts.anthropic import ANTHROPIC
from fronts.anthropic_messages import messages_to_chat
from fronts.chat_request import chat_request_from_body, decode_json_object
from gateway.identifiers import request_tool
from gateway.middleware import ERROR_BODY
from gateway.request_body import read_body
from gateway.routing import Route
from gateway.services import GATEWAY, Gateway
from providers.base import CountsInputTokens

# The count takes no max_tokens; the translation wants one, and it changes no token.
_ANY_MAX_TOKENS = 1


async def count_tokens(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    request[ERROR_BODY] = ANTHROPIC.error_body
    principal = await gateway.keys.authenticate(ANTHROPIC.api_key(request), Scope.PRECHECK_INVOKE)
    server = gateway.settings.server
    body = decode_json_object(
        await read_body(request, server.max_body_bytes, server.body_read_timeout_seconds)
    )
    chat = chat_request_from_body(messages_to_chat({**body, "max_tokens": _ANY_MAX_TOKENS}))
    tool = request_tool(request, chat.body)
    route = gateway.router.resolve(chat.model).routes[0]  # a 404 for an unknown model
    principal.require_model(chat.model)
    check = await gateway.pii.precheck(gateway.policies.for_org(principal.org_id), tool, chat.body)
    if check.denial is not None:
        raise PolicyDeniedError(check.denial)
    if isinstance(route.adapter, CountsInputTokens):
        count, estimated = await _provider_count(route, route.adapter, check.body), False
    else:
        count, estimated = _estimate(gateway, route, check.body), True
    return web.Response(
        body=orjson.dumps({"input_tokens": count, "estimated": estimated}),
        content_type="application/json",
    )


async def _provider_count(route: Route, adapter: CountsInputTokens, chat: dict[str, Any]) -> int:
    response = await route.transport.send(
        adapter.build_count_tokens_request(chat, route.upstream_model)
    )
    try:
        data = await response.read()
    finally:
        response.release()
    if response.status >= 400:
        raise route.adapter.parse_error(response.status, data, response.headers)
    try:
        return adapter.parse_count_tokens(data)
    except ValueError as error:
        raise UpstreamUnavailableError(
            f"provider {route.provider.name!r} sent an unreadable token count",
            code="bad_upstream_response",
        ) from error


def _estimate(gateway: Gateway, route: Route, chat: dict[str, Any]) -> int:
    tokens = gateway.tokens
    count = tokens.count_chat_prompt(chat["messages"], route.upstream_model, route.model.tokenizer)
    if chat.get("tools"):
        # Tool definitions reach the model as text too; their JSON is a fair measure of it.
        tools = orjson.dumps(chat["tools"]).decode()
        count += tokens.count_text(tools, route.upstream_model, route.model.tokenizer)
    return count
