"""Cross-cutting concerns only: the request id and rendering every error in OpenAI's shape.

A client's ``X-Request-ID`` is adopted only when it is short, plain and free of PII
(``gateway.identifiers``): the id is stored and logged. One holding PII is replaced before
anything logs it, and the proxied routes refuse the request (``UNSAFE_REQUEST_ID``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web
from aiohttp.typedefs import Handler

from core.errors import (
    GatewayError,
    InvalidRequestError,
    MethodNotAllowedError,
    NotFoundError,
    RequestTooLargeError,
)
from core.ids import new_request_id
from gateway.identifiers import IDENTIFIERS, REQUEST_ID_HEADER, UNSAFE_REQUEST_ID
from gateway.outages import as_unavailable

log = logging.getLogger(__name__)

REQUEST_ID = web.RequestKey("request_id", str)
# A route whose clients expect another API's error shape (Anthropic's) sets its renderer here.
ERROR_BODY = web.RequestKey("error_body", Callable[[GatewayError], dict[str, Any]])
SHOULD_RETRY_HEADER = "x-should-retry"
_ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def error_response(
    error: GatewayError,
    request_id: str | None = None,
    render: Callable[[GatewayError], dict[str, Any]] | None = None,
) -> web.Response:
    headers = dict(error.headers)
    if error.should_retry is not None:
        headers[SHOULD_RETRY_HEADER] = "true" if error.should_retry else "false"
    if request_id:
        headers[REQUEST_ID_HEADER] = request_id
    return web.Response(
        status=error.http_status,
        body=orjson.dumps(render(error) if render else error.to_body()),
        content_type="application/json",
        headers=headers,
    )


def _from_http_exception(exception: web.HTTPException) -> GatewayError:
    if isinstance(exception, web.HTTPRequestEntityTooLarge):
        return RequestTooLargeError(
            "the request body is larger than this gateway accepts "
            f"({exception.text or 'see server.max_body_bytes'})",
        )
    if isinstance(exception, web.HTTPNotFound):
        return NotFoundError("no such endpoint", code="unknown_url")
    if isinstance(exception, web.HTTPMethodNotAllowed):
        allowed = ", ".join(sorted(exception.allowed_methods))
        return MethodNotAllowedError(
            f"method {exception.method} is not allowed here; allowed: {allowed}",
            headers={"Allow": allowed},
        )
    return InvalidRequestError(exception.reason, code="http_error")


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give every request an id (the client's ``X-Request-ID`` or a new one), echo it back, and
    render any error as an OpenAI error body."""
    request_id = request.headers.get(REQUEST_ID_HEADER, "")
    if not _ACCEPTABLE_REQUEST_ID.match(request_id):
        request_id = new_request_id()
    elif (guard := request.app.get(IDENTIFIERS)) is not None and (
        found := guard.request_id_classes(request_id)
    ):
        request[UNSAFE_REQUEST_ID] = found
        request_id = new_request_id()
    request[REQUEST_ID] = request_id
    try:
        response = await handler(request)
    except GatewayError as error:
        return error_response(error, request_id, request.get(ERROR_BODY))
    except web.HTTPException as exception:
        if exception.status < 400:
            raise
        return error_response(_from_http_exception(exception), request_id, request.get(ERROR_BODY))
    except Exception as error:
        if (unavailable := as_unavailable(error)) is not None:
            log.warning(
                "%s: %s",
                unavailable.code,
                type(error).__name__,
                extra={"correlation_id": request_id},
            )
            return error_response(unavailable, request_id, request.get(ERROR_BODY))
        log.exception("unhandled error", extra={"correlation_id": request_id})
        return error_response(
            GatewayError("internal error in the gateway"), request_id, request.get(ERROR_BODY)
        )
    if not response.prepared:
        response.headers[REQUEST_ID_HEADER] = request_id
    return response
