"""Sending upstream requests: the only module that does provider I/O.

One pooled ``aiohttp.ClientSession`` serves every provider. aiohttp's exceptions are translated
into the gateway's error tree here, at the boundary, by ``upstream_errors``; adapters and the
pipeline never see them. The built-in echo provider answers in-process through the same
``Transport`` contract.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Protocol

import aiohttp

from gateway.errors import UpstreamTimeoutError, UpstreamUnavailableError
from gateway.settings import ProviderConfig
from providers.base import UpstreamRequest


class UpstreamResponse(Protocol):
    status: int
    headers: Mapping[str, str]

    async def read(self) -> bytes: ...

    def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives, in whatever pieces the network delivers."""
        ...


class Transport(Protocol):
    """Opens one upstream call. Raises only ``GatewayError``s (timeouts, connect errors)."""

    def open(
        self, request: UpstreamRequest
    ) -> contextlib.AbstractAsyncContextManager[UpstreamResponse]: ...


@contextlib.contextmanager
def upstream_errors(provider: str) -> Iterator[None]:
    try:
        yield
    except (TimeoutError, aiohttp.ServerTimeoutError) as error:
        raise UpstreamTimeoutError(
            f"provider {provider!r} did not answer in time", code="upstream_timeout"
        ) from error
    except aiohttp.ClientError as error:
        raise UpstreamUnavailableError(
            f"cannot reach provider {provider!r}: {type(error).__name__}",
            code="upstream_unavailable",
        ) from error


class _HttpResponse:
    def __init__(self, response: aiohttp.ClientResponse, provider: str) -> None:
        self._response = response
        self._provider = provider
        self.status = response.status
        self.headers: Mapping[str, str] = response.headers

    async def read(self) -> bytes:
        with upstream_errors(self._provider):
            return await self._response.read()

    async def chunks(self) -> AsyncIterator[bytes]:
        with upstream_errors(self._provider):
            async for data in self._response.content.iter_any():
                yield data


class HttpTransport:
    def __init__(self, session: aiohttp.ClientSession, config: ProviderConfig) -> None:
        self._session = session
        self._name = config.name
        self._timeout = aiohttp.ClientTimeout(
            total=None,
            sock_connect=config.connect_timeout_seconds,
            sock_read=config.read_timeout_seconds,
        )

    @contextlib.asynccontextmanager
    async def open(self, request: UpstreamRequest) -> AsyncIterator[UpstreamResponse]:
        with upstream_errors(self._name):
            response = await self._session.request(
                request.method,
                request.url,
                data=request.body,
                headers=request.headers,
                timeout=self._timeout,
            )
        try:
            yield _HttpResponse(response, self._name)
        finally:
            # Leaving early (client gone, error) closes the connection, which cancels the
            # upstream's work; a fully read response goes back to the pool.
            response.release() if response.content.at_eof() else response.close()


def create_client_session(max_connections: int) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(
        limit=max_connections, limit_per_host=max_connections, ttl_dns_cache=300
    )
    return aiohttp.ClientSession(
        connector=connector,
        # One session serves every org: a cookie an upstream sets (Cloudflare's __cf_bm in front
        # of OpenAI) must not travel with the next caller's request.
        cookie_jar=aiohttp.DummyCookieJar(),
        skip_auto_headers=("User-Agent",),
        timeout=aiohttp.ClientTimeout(total=None),
    )
