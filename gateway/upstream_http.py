"""A lean HTTP/1.1 client for the upstream hop: pooled keep-alive connections on asyncio protocols,
responses parsed by llhttp (``httptools``).

Why not aiohttp's client: the upstream call is on every proxied request, and aiohttp's client
spends several times the CPU of this one on it (``bench/upstream_call_costs.py``; figures in
bench/RESULTS.md). The gateway needs little of what aiohttp's client offers: one method (POST
or GET), a body already in bytes, no redirects, no proxies, no cookies (one pool serves every
org: a cookie an upstream sets must not travel with another org's request), and every response
read whole or streamed once.

What it does: HTTP/1.1 with keep-alive, Content-Length and chunked bodies and bodies ended by
the connection's close; TLS with the system's certificate store; gzip and deflate answers
(never asked for: it sends no ``Accept-Encoding``); a connect timeout, and a read timeout that
is the longest silence allowed while waiting for the headers or the next piece of the body;
at most ``max_connections`` open at once (callers over the limit wait); idle connections kept
for ``IDLE_SECONDS``; host names looked up once per ``DNS_SECONDS``, their addresses tried by
happy eyeballs as aiohttp does. Flow control: a body read as a stream stops reading from the
socket while the caller has more than ``HIGH_WATER`` bytes unread.

Errors: ``UpstreamConnectError`` when a connection cannot be made, ``UpstreamProtocolError``
when the connection breaks or the answer is not HTTP, ``TimeoutError`` for either timeout.
``gateway.forwarder`` translates them into the gateway's error tree.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time
import zlib
from collections import deque
from collections.abc import AsyncIterator, Mapping
from urllib.parse import quote, urlsplit

import aiohappyeyeballs
import httptools
from multidict import CIMultiDict, CIMultiDictProxy

IDLE_SECONDS = 15.0
DNS_SECONDS = 300.0
HAPPY_EYEBALLS_DELAY = 0.25
HIGH_WATER = 1 << 18
_NO_HEADERS: CIMultiDictProxy[str] = CIMultiDictProxy(CIMultiDict())
_PATH_SAFE = "/:@!$&'()*+,;=?%~"  # RFC 3986 pchar, "?" and "%" (kept: already encoded)
AddrInfo = tuple[int, int, int, str, tuple]  # what loop.getaddrinfo gives, one address


class UpstreamConnectError(ConnectionError):
    """No connection could be made (refused, unreachable, name not found, TLS handshake)."""


class UpstreamProtocolError(ConnectionError):
    """The connection broke before the answer was complete, or the answer was not HTTP."""


class _Origin:
    """Where requests to one scheme://host:port go, and that origin's idle connections."""

    __slots__ = ("addresses", "addresses_until", "host", "host_header", "idle", "port", "ssl")

    def __init__(self, scheme: str, host: str, port: int, ssl_context: ssl.SSLContext | None):
        self.host = host
        self.port = port
        default_port = 443 if scheme == "https" else 80
        shown = f"[{host}]" if ":" in host else host
        self.host_header = shown if port == default_port else f"{shown}:{port}"
        self.ssl = ssl_context
        self.idle: deque[tuple[float, _Connection]] = deque()
        self.addresses: list[AddrInfo] = []
        self.addresses_until = 0.0

    async def resolve(self) -> list[AddrInfo]:
        """The host's addresses, looked up at most once per ``DNS_SECONDS``."""
        now = time.monotonic()
        if now >= self.addresses_until:
            loop = asyncio.get_running_loop()
            self.addresses = await loop.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
            self.addresses_until = now + DNS_SECONDS
        return self.addresses


class _Connection(asyncio.Protocol):
    """One keep-alive connection; it carries one response at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop, pool: Pool) -> None:
        self._loop = loop
        self._pool = pool
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.response: Response | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._headers: list[tuple[str, str]] = []
        self._interim = False

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self.response is None:  # bytes nobody asked for: the connection cannot be trusted
            self.close()
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(UpstreamProtocolError(f"the upstream's answer is not HTTP/1.1: {error}"))
            self.close()

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._pool.forget(self)
        response = self.response
        if response is None or response.complete:
            return
        if response.headers_in and response.ends_at_close and exc is None:
            response.finish()
        else:
            self._fail(UpstreamProtocolError("the upstream closed the connection mid-answer"))

    def pause_writing(self) -> None:  # bodies are written whole; nothing to pause
        pass

    def resume_writing(self) -> None:
        pass

    # httptools callbacks

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.decode("latin-1"), value.decode("utf-8", "surrogateescape")))

    def on_headers_complete(self) -> None:
        headers, self._headers = self._headers, []
        status = self._parser.get_status_code()
        if status < 200:  # an interim answer (103 Early Hints): the real one follows
            self._interim = True
            return
        assert self.response is not None
        self.response.headers_arrived(status, CIMultiDictProxy(CIMultiDict(headers)))

    def on_body(self, body: bytes) -> None:
        if not self._interim:
            assert self.response is not None
            self.response.feed(body)

    def on_message_complete(self) -> None:
        if self._interim:
            self._interim = False
            return
        assert self.response is not None
        self.response.keep_alive = self._parser.should_keep_alive()
        self.response.finish()

    # own

    def send(self, head: bytes, body: bytes, response: Response) -> None:
        self.response = response
        if self.closed or self.transport is None:
            response.fail(UpstreamProtocolError("the connection closed before the request"))
            return
        self.transport.write(head + body if len(body) < 65536 else head)
        if len(body) >= 65536:
            self.transport.write(body)

    def _fail(self, error: Exception) -> None:
        if self.response is not None and not self.response.complete:
            self.response.fail(error)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class Response:
    """One upstream answer: status and headers once they are in, the body read whole or as it
    arrives. ``release`` returns the connection to its pool when the body was read to its end
    and the upstream keeps connections alive, and closes it otherwise."""

    __slots__ = (
        "_chunks",
        "_connection",
        "_decoder",
        "_error",
        "_loop",
        "_paused",
        "_pool",
        "_read_timeout",
        "_released",
        "_streamed",
        "_unread",
        "_waiter",
        "complete",
        "ends_at_close",
        "headers",
        "headers_in",
        "keep_alive",
        "origin",
        "status",
    )

    def __init__(
        self, pool: Pool, origin: _Origin, connection: _Connection, read_timeout: float
    ) -> None:
        self._pool = pool
        self.origin = origin
        self._connection = connection
        self._loop = connection._loop
        self._read_timeout = read_timeout
        self._chunks: deque[bytes] = deque()
        self._unread = 0
        self._paused = False
        self._waiter: asyncio.Future[None] | None = None
        self._error: Exception | None = None
        self._decoder: zlib._Decompress | None = None
        self._released = False
        self._streamed = False  # only a streamed body pauses the socket: read() wants it all
        self.status = 0
        self.headers: Mapping[str, str] = _NO_HEADERS
        self.headers_in = False
        self.ends_at_close = False
        self.complete = False
        self.keep_alive = False

    # fed by the connection

    def headers_arrived(self, status: int, headers: CIMultiDictProxy[str]) -> None:
        self.status = status
        self.headers = headers
        self.headers_in = True
        self.ends_at_close = (
            "content-length" not in headers
            and "chunked" not in headers.get("transfer-encoding", "").lower()
        )
        encoding = headers.get("content-encoding", "").strip().lower()
        if encoding in ("gzip", "x-gzip"):
            self._decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._decoder = zlib.decompressobj()
        elif encoding not in ("", "identity"):
            self.fail(UpstreamProtocolError(f"unsupported content-encoding {encoding!r}"))
            return
        self._wake()

    def feed(self, data: bytes) -> None:
        self._chunks.append(data)
        self._unread += len(data)
        if self._streamed and self._unread > HIGH_WATER and not self._paused:
            transport = self._connection.transport
            if transport is not None:
                transport.pause_reading()
                self._paused = True
        self._wake()

    def finish(self) -> None:
        self.complete = True
        self._wake()

    def fail(self, error: Exception) -> None:
        if self._error is None:
            self._error = error
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _wait(self) -> None:
        """Until the connection brings something: the headers, a piece of body, the end, or an
        error. At most the read timeout."""
        waiter = self._loop.create_future()
        self._waiter = waiter
        timer = self._loop.call_later(self._read_timeout, _time_out, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None

    # read by the caller

    async def wait_for_headers(self) -> None:
        while not self.headers_in and self._error is None:
            await self._wait()
        if self._error is not None:
            raise self._error

    async def read(self) -> bytes:
        while not self.complete and self._error is None:
            await self._wait()
        if self._error is not None:
            raise self._error
        body = b"".join(self._chunks)
        self._chunks.clear()
        self._unread = 0
        return self._decoded(body, final=True)

    async def chunks(self) -> AsyncIterator[bytes]:
        self._streamed = True
        while True:
            while self._chunks:
                data = self._take()
                if data:
                    yield data
            if self._error is not None:
                raise self._error
            if self.complete:
                if self._decoder is not None:
                    tail = self._decoder.flush()
                    if tail:
                        yield tail
                return
            await self._wait()

    def _take(self) -> bytes:
        data = self._chunks.popleft()
        self._unread -= len(data)
        if self._paused and self._unread <= HIGH_WATER // 4:
            transport = self._connection.transport
            if transport is not None and not self._connection.closed:
                transport.resume_reading()
            self._paused = False
        return self._decoded(data, final=False)

    def _decoded(self, data: bytes, *, final: bool) -> bytes:
        decoder = self._decoder
        if decoder is None:
            return data
        try:
            out = decoder.decompress(data)
            return out + decoder.flush() if final else out
        except zlib.error as error:
            raise UpstreamProtocolError(
                f"the upstream's compressed body is broken: {error}"
            ) from error

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        connection = self._connection
        connection.response = None
        if (
            self.complete
            and self.keep_alive
            and self._error is None
            and not self._paused
            and not connection.closed
        ):
            self._pool.give_back(self.origin, connection)
        else:
            connection.close()
            self._pool.forget(connection)


def _time_out(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class Pool:
    """Keep-alive connections to every origin, at most ``max_connections`` open at once. A
    caller over the limit waits for a connection of its origin to come back, or for a slot."""

    def __init__(self, max_connections: int) -> None:
        self._max = max_connections
        self._open: set[_Connection] = set()
        self._opening = 0
        self._waiters: deque[tuple[_Origin, asyncio.Future[_Connection | None]]] = deque()
        self._targets: dict[str, tuple[_Origin, str]] = {}
        self._origins: dict[tuple[str, str, int], _Origin] = {}
        self._ssl: ssl.SSLContext | None = None
        self._closed = False

    def _target(self, url: str) -> tuple[_Origin, str]:
        """The origin of ``url`` and the request target (path and query), memoised per URL:
        the gateway sends to a handful of URLs, each many times."""
        known = self._targets.get(url)
        if known is not None:
            return known
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UpstreamConnectError(f"not an http(s) URL: {url!r}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        key = (parts.scheme, parts.hostname, port)
        origin = self._origins.get(key)
        if origin is None:
            context = None
            if parts.scheme == "https":
                if self._ssl is None:
                    self._ssl = ssl.create_default_context()
                context = self._ssl
            host = parts.hostname
            if not host.isascii():
                host = host.encode("idna").decode("ascii")
            origin = self._origins[key] = _Origin(parts.scheme, host, port, context)
        # Percent-encoded as aiohttp's URL type did: a path can hold a client's model name
        # (`provider/model` routing), and a space or line break must not reach the request line.
        target = quote(parts.path or "/", safe=_PATH_SAFE)
        if parts.query:
            target += "?" + quote(parts.query, safe=_PATH_SAFE)
        if len(self._targets) < 1024:  # a bound, should a deployment build URLs per request
            self._targets[url] = (origin, target)
        return origin, target

    async def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        connect_timeout: float,
        read_timeout: float,
    ) -> Response:
        """Send one request; return once the answer's status and headers are in."""
        if self._closed:
            raise UpstreamConnectError("the upstream connection pool is closed")
        origin, target = self._target(url)
        head = _request_head(method, target, origin.host_header, headers, len(body))
        connection = await self._connection(origin, connect_timeout)
        response = Response(self, origin, connection, read_timeout)
        try:
            connection.send(head, body, response)
            await response.wait_for_headers()
        except BaseException:
            response.release()
            raise
        return response

    async def _connection(self, origin: _Origin, connect_timeout: float) -> _Connection:
        while True:
            connection = self._idle(origin)
            if connection is not None:
                return connection
            if len(self._open) + self._opening < self._max or self._close_an_idle_one():
                self._opening += 1
                return await self._connect(origin, connect_timeout)
            handed = await self._turn(origin)
            if handed is None:  # a slot, counted in _opening for us
                return await self._connect(origin, connect_timeout)
            if not handed.closed:
                return handed
            # closed between its hand-over and now: its slot is free again; try again

    async def _turn(self, origin: _Origin) -> _Connection | None:
        """Wait until a connection of ``origin`` comes back (it) or a slot comes free (None)."""
        waiter: asyncio.Future[_Connection | None] = asyncio.get_running_loop().create_future()
        self._waiters.append((origin, waiter))
        try:
            return await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():  # handed something, then cancelled
                handed = waiter.result()
                if handed is None:
                    self._opening -= 1
                    self._wake_a_waiter()
                else:
                    self.give_back(origin, handed)
            else:  # gave up waiting: out of the line (unless a hand-over already skipped it)
                with contextlib.suppress(ValueError):
                    self._waiters.remove((origin, waiter))
            raise

    async def _connect(self, origin: _Origin, connect_timeout: float) -> _Connection:
        """Open a connection in the slot counted for it in ``_opening``."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(connect_timeout):
                # Happy eyeballs (RFC 8305): an address family that drops packets costs a
                # quarter second, not the whole connect timeout.
                sock = await aiohappyeyeballs.start_connection(
                    await origin.resolve(), happy_eyeballs_delay=HAPPY_EYEBALLS_DELAY
                )
                try:
                    _, connection = await loop.create_connection(
                        lambda: _Connection(loop, self),
                        sock=sock,
                        ssl=origin.ssl,
                        server_hostname=origin.host if origin.ssl is not None else None,
                    )
                except BaseException:
                    sock.close()
                    raise
        except BaseException as error:
            self._opening -= 1
            self._wake_a_waiter()
            if isinstance(error, OSError) and not isinstance(error, TimeoutError):
                raise UpstreamConnectError(
                    f"cannot connect to {origin.host}:{origin.port}: {error}"
                ) from error
            raise
        self._opening -= 1
        self._open.add(connection)
        return connection

    def _idle(self, origin: _Origin) -> _Connection | None:
        idle = origin.idle
        now = time.monotonic()
        while idle:
            since, connection = idle.pop()
            if not connection.closed and now - since < IDLE_SECONDS:
                return connection
            connection.close()
            self.forget(connection)
        return None

    def _close_an_idle_one(self) -> bool:
        """At the limit, make room by closing the longest-idle connection of any origin."""
        for origin in self._origins.values():
            while origin.idle:
                _, connection = origin.idle.popleft()
                if connection.closed:  # its slot was freed when it closed
                    continue
                connection.close()
                self._open.discard(connection)
                return True
        return False

    def _wake_a_waiter(self) -> None:
        """A slot came free: hand it to the first caller waiting, who opens a connection."""
        if len(self._open) + self._opening >= self._max:
            return
        while self._waiters:
            _, waiter = self._waiters.popleft()
            if not waiter.done():
                self._opening += 1
                waiter.set_result(None)
                return

    def give_back(self, origin: _Origin, connection: _Connection) -> None:
        if self._closed or connection.closed:
            connection.close()
            self.forget(connection)
            return
        for index, (wanted, waiter) in enumerate(self._waiters):
            if wanted is origin and not waiter.done():
                del self._waiters[index]
                waiter.set_result(connection)
                return
        if any(not waiter.done() for _, waiter in self._waiters):
            # Callers wait for other origins: this connection's slot serves them better.
            connection.close()
            self.forget(connection)
            return
        origin.idle.append((time.monotonic(), connection))

    def forget(self, connection: _Connection) -> None:
        """The connection is closed: its slot comes free."""
        if connection in self._open:
            self._open.discard(connection)
            self._wake_a_waiter()

    async def close(self) -> None:
        self._closed = True
        for connection in list(self._open):
            connection.close()
        self._open.clear()
        for origin in self._origins.values():
            origin.idle.clear()
        for _, waiter in self._waiters:
            if not waiter.done():
                waiter.set_exception(UpstreamConnectError("the upstream connection pool is closed"))
        self._waiters.clear()


def _request_head(
    method: str, target: str, host: str, headers: Mapping[str, str], length: int
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1\r\nHost: {host}\r\n"]
    for name, value in headers.items():
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name or ":" in name:
            raise ValueError(f"a newline or colon in the upstream request header {name!r}")
        lines.append(f"{name}: {value}\r\n")
    lines.append("\r\n" if length == 0 and method == "GET" else f"Content-Length: {length}\r\n\r\n")
    return "".join(lines).encode("utf-8")
