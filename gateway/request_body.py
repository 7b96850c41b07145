"""Reading a request body: its size, its content encoding and how long it may take.

Every route that takes a body (the proxy's fronts, embeddings, the admin API) reads it here, so
each refusal is a ``GatewayError`` in the client's shape: 413 over ``server.max_body_bytes``
(compressed or not), 415 for a ``Content-Encoding`` other than gzip, deflate or identity, 400
for a body that does not decode, and 408 when the body is still arriving after
``server.body_read_timeout_seconds`` (a client sending a byte a second would otherwise hold its
connection for as long as bytes come).

The app turns aiohttp's own decompression off (``handler_args``, in ``governs.server``): aiohttp
refuses a body that does not decode, or an encoding it lacks a library for, in its protocol
layer, with a plain-text 400 no route can shape.
"""

from __future__ import annotations

import asyncio
import zlib

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError

from core.errors import (
    InvalidRequestError,
    RequestTimeoutError,
    RequestTooLargeError,
    UnsupportedEncodingError,
)

DECODED = frozenset({"", "identity", "gzip", "x-gzip", "deflate"})
ACCEPT_ENCODING = "gzip, deflate, identity"
HANDLER_ARGS = {"auto_decompress": False}  # for web.Application: bodies are decoded here


async def read_body(request: web.Request, limit: int, seconds: float) -> bytes:
    """The body of ``request``, at most ``limit`` bytes, arrived within ``seconds``."""
    if request.content_length is not None and request.content_length > limit:
        raise RequestTooLargeError(
            f"the request body has {request.content_length} bytes; this gateway accepts at "
            f"most {limit} (server.max_body_bytes)"
        )
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in DECODED:
        raise UnsupportedEncodingError(
            f"Content-Encoding {encoding!r} is not supported; send one of {ACCEPT_ENCODING}",
            code="invalid_content_encoding",
            headers={"Accept-Encoding": ACCEPT_ENCODING},
        )
    try:
        if request.content.is_eof():  # the whole body is here already: no timer needed
            raw = await request.read()
        else:
            async with asyncio.timeout(seconds):
                raw = await request.read()
    except TimeoutError:
        raise RequestTimeoutError(
            f"the request body did not arrive within {seconds:g} s "
            "(server.body_read_timeout_seconds)",
            headers={"Connection": "close"},
        ) from None
    except (RequestPayloadError, HttpProcessingError):  # a broken chunk
        raise InvalidRequestError("the request body is malformed", code="invalid_body") from None
    if encoding in ("", "identity") or not raw:
        return raw
    return _decompress(raw, encoding, limit)


def _decompress(raw: bytes, encoding: str, limit: int) -> bytes:
    if encoding == "deflate":
        # RFC 1950 (zlib) as the standard says, or raw deflate as some clients send it.
        wbits = zlib.MAX_WBITS if raw[0] & 0x0F == 8 else -zlib.MAX_WBITS
    else:
        wbits = 16 + zlib.MAX_WBITS
    decoder = zlib.decompressobj(wbits)
    try:
        body = decoder.decompress(raw, limit + 1)  # a small body may inflate a great deal
    except zlib.error:
        body, complete = b"", False
    else:
        complete = decoder.eof
    if len(body) > limit:
        raise RequestTooLargeError(
            f"the request body inflates to more than {limit} bytes, the most this gateway "
            "accepts (server.max_body_bytes)"
        )
    if not complete:
        raise InvalidRequestError(
            f"the request body is not valid {encoding} (its Content-Encoding)",
            code="invalid_content_encoding",
        )
    return body
