"""Reading a request body: its size, its content encoding and how long it may take.

Every route that takes a body (the proxy's fronts, embeddings, the admin API) reads it here, so
each refusal is a ``GatewayError`` in the client's shape: 413 over ``server.max_body_bytes``
(decompressed), 415 for a ``Content-Encoding`` aiohttp does not decode, 400 for one that does not
decode, and 408 when the body is still arriving after ``server.body_read_timeout_seconds`` (a
client sending a byte a second would otherwise hold its connection for as long as bytes come).
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.http_parser import HAS_BROTLI, HAS_ZSTD
from aiohttp.web_protocol import RequestPayloadError

from gateway.errors import (
    InvalidRequestError,
    RequestTimeoutError,
    RequestTooLargeError,
    UnsupportedEncodingError,
)

# What aiohttp decompresses (it passes any other encoding on as it is, undecoded).
DECODED = frozenset(
    {"", "identity", "gzip", "deflate"}
    | ({"br"} if HAS_BROTLI else set())
    | ({"zstd"} if HAS_ZSTD else set())
)
ACCEPT_ENCODING = ", ".join(sorted(DECODED - {""}))


async def read_body(request: web.Request, limit: int, seconds: float) -> bytes:
    """The body of ``request``, at most ``limit`` bytes, arrived within ``seconds``."""
    if request.content_length is not None and request.content_length > limit:
        raise RequestTooLargeError(
            f"the request body has {request.content_length} bytes; this gateway accepts at "
            f"most {limit} (server.max_body_bytes)"
        )
    encoding = request.headers.get("Content-Encoding", "")
    if encoding and encoding.strip().lower() not in DECODED:
        raise UnsupportedEncodingError(
            f"Content-Encoding {encoding!r} is not supported; send one of {ACCEPT_ENCODING}",
            code="invalid_content_encoding",
            headers={"Accept-Encoding": ACCEPT_ENCODING},
        )
    try:
        if request.content.is_eof():  # the whole body is here already: no timer needed
            return await request.read()
        async with asyncio.timeout(seconds):
            return await request.read()
    except TimeoutError:
        raise RequestTimeoutError(
            f"the request body did not arrive within {seconds:g} s "
            "(server.body_read_timeout_seconds)",
            headers={"Connection": "close"},
        ) from None
    except (RequestPayloadError, HttpProcessingError):  # gzip that is not, a broken chunk
        if encoding:
            raise InvalidRequestError(
                f"the request body is not valid {encoding} (its Content-Encoding)",
                code="invalid_content_encoding",
            ) from None
        raise InvalidRequestError("the request body is malformed", code="invalid_body") from None
