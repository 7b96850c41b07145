"""Sending upstream requests: the only module that does provider I/O.

One pool of keep-alive connections (``gateway.upstream_http.Pool``) serves every provider. Its
exceptions are translated into the gateway's error tree here, at the boundary, by
``upstream_errors``; adapters and the pipeline never see them. The built-in echo provider answers
in-process through the same ``Transport`` contract.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from types import TracebackType
from typing import Protocol

from core.errors import UpstreamTimeoutError, UpstreamUnavailableError
from core.settings import ProviderConfig
from gateway.upstream_http import Pool, Response
from providers.base import UpstreamRequest


class UpstreamResponse(Protocol):
    status: int
    headers: Mapping[str, str]

    async def read(self) -> bytes: ...

    def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives, in whatever pieces the network delivers."""
        ...

    def release(self) -> None:
        """Done with the response: a fully read one gives its connection back to the pool;
        anything left unread closes the connection, which cancels the upstream's work.
        Called exactly once, whatever happened."""
        ...


class Transport(Protocol):
    """Sends one upstream request. Raises only ``GatewayError``s (timeouts, connect errors)."""

    async def send(self, request: UpstreamRequest) -> UpstreamResponse:
        """Return once the response's status and headers are in; the caller releases it."""
        ...


class upstream_errors:
    """Translate the upstream client's exceptions into the gateway's error tree. A class, not a
    ``contextlib.contextmanager``: it wraps every upstream call and read, and a generator-based
    manager costs several times more per use."""

    __slots__ = ("_provider",)

    def __init__(self, provider: str) -> None:
        self._provider = provider

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        if error is None:
            return
        if isinstance(error, TimeoutError):
            raise UpstreamTimeoutError(
                f"provider {self._provider!r} did not answer in time", code="upstream_timeout"
            ) from error
        if isinstance(error, ConnectionError):
            raise UpstreamUnavailableError(
                f"cannot reach provider {self._provider!r}: {type(error).__name__}",
                code="upstream_unavailable",
            ) from error


class _HttpResponse:
    __slots__ = ("_provider", "_response", "headers", "status")

    def __init__(self, response: Response, provider: str) -> None:
        self._response = response
        self._provider = provider
        self.status = response.status
        self.headers: Mapping[str, str] = response.headers

    async def read(self) -> bytes:
        with upstream_errors(self._provider):
            return await self._response.read()

    async def chunks(self) -> AsyncIterator[bytes]:
        with upstream_errors(self._provider):
            async for data in self._response.chunks():
                yield data

    def release(self) -> None:
        self._response.release()


class HttpTransport:
    def __init__(self, pool: Pool, config: ProviderConfig) -> None:
        self._pool = pool
        self._name = config.name
        self._connect_timeout = config.connect_timeout_seconds
        self._read_timeout = config.read_timeout_seconds

    async def send(self, request: UpstreamRequest) -> UpstreamResponse:
        with upstream_errors(self._name):
            response = await self._pool.request(
                request.method,
                request.url,
                request.headers,
                request.body,
                connect_timeout=self._connect_timeout,
                read_timeout=self._read_timeout,
            )
        return _HttpResponse(response, self._name)
