"""The upstream HTTP/1.1 client against real local servers: aiohttp apps for well-behaved
upstreams, raw asyncio servers for the answers aiohttp would not send."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import gzip
import ssl
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core.errors import UpstreamTimeoutError, UpstreamUnavailableError
from core.settings import ProviderConfig
from gateway.forwarder import HttpTransport
from gateway.upstream_http import HIGH_WATER, Pool, UpstreamConnectError, UpstreamProtocolError
from providers.base import UpstreamRequest

RawHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Upstream:
    """An aiohttp app on port 0 that records which connection served each request."""

    def __init__(self) -> None:
        self.app = web.Application()
        self.peers: list[tuple[str, int]] = []
        self.bodies: list[bytes] = []
        self.headers: list[dict[str, str]] = []
        self.cancelled = asyncio.Event()
        self.in_flight = 0
        self.most_in_flight = 0
        self.app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        self.peers.append(request.transport.get_extra_info("peername"))
        self.bodies.append(await request.read())
        self.headers.append(dict(request.headers))
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return await self.answer(request)
        except asyncio.CancelledError:
            self.cancelled.set()
            raise
        finally:
            self.in_flight -= 1

    async def answer(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path == "/slow":
            await asyncio.sleep(0.05)
        if path == "/stall":
            await asyncio.sleep(30)
        if path == "/chunked" or path == "/big":
            response = web.StreamResponse()
            response.enable_chunked_encoding()
            await response.prepare(request)
            pieces = 64 if path == "/big" else 5
            for index in range(pieces):
                size = 32768 if path == "/big" else 3
                await response.write(bytes([65 + index % 26]) * size)
            await response.write_eof()
            return response
        return web.Response(body=b"ok " + request.path_qs.encode(), status=200)

    async def start(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self.runner = web.AppRunner(self.app, handler_cancellation=True)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0, ssl_context=ssl_context)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"{'https' if ssl_context else 'http'}://127.0.0.1:{port}"

    async def close(self) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    server = Upstream()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def pool() -> AsyncIterator[Pool]:
    pool = Pool(10)
    yield pool
    await pool.close()


@contextlib.asynccontextmanager
async def raw_server(handler: RawHandler) -> AsyncIterator[str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 1)


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            await reader.readexactly(int(line.split(b":")[1]))
    return head


def answers_once(answer: bytes, *, close: bool) -> RawHandler:
    """A raw upstream that reads one request, writes ``answer``, then closes or keeps quiet."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(answer)
        await writer.drain()
        if close:
            writer.close()
        else:
            await reader.read()

    return handler


def answers_every_request(answer: bytes) -> RawHandler:
    """A raw upstream that answers each request on a connection with ``answer``."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError):
            while True:
                await _read_request(reader)
                writer.write(answer)
                await writer.drain()

    return handler


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _read_request(reader)
    await asyncio.sleep(5)


async def _get(pool: Pool, url: str, read_timeout: float = 5.0) -> bytes:
    response = await pool.request(
        "POST",
        url,
        {"content-type": "application/json"},
        b"{}",
        connect_timeout=2,
        read_timeout=read_timeout,
    )
    try:
        return await response.read()
    finally:
        response.release()


async def test_sends_the_request_as_given_and_reads_the_answer(
    upstream: Upstream, pool: Pool
) -> None:
    response = await pool.request(
        "POST",
        upstream.url + "/v1/chat/completions?api-version=2024",
        {"Authorization": "Bearer sk-x", "content-type": "application/json"},
        b'{"a":1}',
        connect_timeout=2,
        read_timeout=5,
    )
    assert response.status == 200
    assert response.headers["CONTENT-LENGTH"] == str(len(await response.read()))
    response.release()
    assert upstream.bodies == [b'{"a":1}']
    sent = upstream.headers[0]
    assert sent["Authorization"] == "Bearer sk-x"
    assert sent["Host"] == upstream.url.removeprefix("http://")
    # Nothing the gateway did not choose: no compression asked for, no client name.
    assert "Accept-Encoding" not in sent and "User-Agent" not in sent and "Cookie" not in sent


async def test_a_connection_is_kept_alive_and_reused(upstream: Upstream, pool: Pool) -> None:
    for _ in range(5):
        assert await _get(pool, upstream.url + "/x") == b"ok /x"
    assert len(set(upstream.peers)) == 1


async def test_a_get_without_a_body(upstream: Upstream, pool: Pool) -> None:
    response = await pool.request(
        "GET", upstream.url + "/v1/models/m", {}, b"", connect_timeout=2, read_timeout=5
    )
    assert await response.read() == b"ok /v1/models/m"
    response.release()


async def test_a_chunked_answer_read_whole_and_as_it_arrives(
    upstream: Upstream, pool: Pool
) -> None:
    assert await _get(pool, upstream.url + "/chunked") == b"AAABBBCCCDDDEEE"
    response = await pool.request(
        "POST", upstream.url + "/chunked", {}, b"", connect_timeout=2, read_timeout=5
    )
    pieces = [piece async for piece in response.chunks()]
    response.release()
    assert b"".join(pieces) == b"AAABBBCCCDDDEEE"
    assert len(set(upstream.peers)) == 1  # both on one connection: the stream ended cleanly


async def test_a_slow_reader_of_a_big_stream_gets_every_byte(
    upstream: Upstream, pool: Pool
) -> None:
    response = await pool.request(
        "POST", upstream.url + "/big", {}, b"", connect_timeout=2, read_timeout=5
    )
    received = bytearray()
    async for piece in response.chunks():
        received += piece
        if len(received) < HIGH_WATER * 2:
            await asyncio.sleep(0.01)  # lets the upstream get ahead: reading pauses
    response.release()
    assert len(received) == 64 * 32768
    assert received[:32768] == b"A" * 32768 and received[-32768:] == b"L" * 32768
    assert await _get(pool, upstream.url + "/x") == b"ok /x"
    assert len(set(upstream.peers)) == 1


async def test_an_answer_ended_by_closing_the_connection(pool: Pool) -> None:
    answer = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it"
    async with raw_server(answers_once(answer, close=True)) as url:
        assert await _get(pool, url) == b"all of it"
        assert await _get(pool, url) == b"all of it"  # a new connection for the second


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_compressed_answer_is_decompressed(pool: Pool, encoding: str) -> None:
    text = b'{"choices": []}' * 100
    body = gzip.compress(text) if encoding == "gzip" else zlib.compress(text)

    answer = b"HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %d\r\n\r\n%s" % (
        encoding.encode(),
        len(body),
        body,
    )
    async with raw_server(answers_every_request(answer)) as url:
        assert await _get(pool, url) == text
        response = await pool.request("POST", url, {}, b"", connect_timeout=2, read_timeout=5)
        assert b"".join([piece async for piece in response.chunks()]) == text
        response.release()


@pytest.mark.parametrize(
    ("answer", "close", "match"),
    [
        (
            b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 2\r\n\r\nxx",
            False,
            "unsupported content-encoding",
        ),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part", True, "mid-answer"),
        (b"SSH-2.0-OpenSSH\r\n\r\n", False, "not HTTP"),
    ],
    ids=["unknown encoding", "cut mid-answer", "not http"],
)
async def test_a_broken_answer_is_a_protocol_error(
    pool: Pool, answer: bytes, close: bool, match: str
) -> None:
    async with raw_server(answers_once(answer, close=close)) as url:
        with pytest.raises(UpstreamProtocolError, match=match):
            await _get(pool, url)


async def test_the_read_timeout_covers_the_headers_and_each_piece_of_body(pool: Pool) -> None:
    stops_mid_body = answers_once(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", close=False)
    for handler in (_silent, stops_mid_body):
        async with raw_server(handler) as url:
            started = asyncio.get_running_loop().time()
            with pytest.raises(TimeoutError):
                await _get(pool, url, read_timeout=0.2)
            assert asyncio.get_running_loop().time() - started < 2


async def test_a_refused_connection(pool: Pool) -> None:
    async with raw_server(_read_request) as url:  # type: ignore[arg-type]
        pass  # closed: nothing listens on its port now
    with pytest.raises(UpstreamConnectError, match="cannot connect"):
        await _get(pool, url)


async def test_the_forwarder_turns_client_errors_into_the_gateways(pool: Pool) -> None:
    config = ProviderConfig(
        name="p", kind="openai", base_url="http://x", api_key="k", read_timeout_seconds=0.2
    )
    transport = HttpTransport(pool, config)

    async with raw_server(_read_request) as url:  # type: ignore[arg-type]
        pass
    with pytest.raises(UpstreamUnavailableError) as refused:
        await transport.send(UpstreamRequest("POST", url, {}, b""))
    assert refused.value.code == "upstream_unavailable"

    async with raw_server(_silent) as url:
        with pytest.raises(UpstreamTimeoutError) as late:
            await transport.send(UpstreamRequest("POST", url, {}, b""))
    assert late.value.code == "upstream_timeout"


async def test_releasing_an_unread_answer_closes_its_connection(
    upstream: Upstream, pool: Pool
) -> None:
    response = await pool.request(
        "POST", upstream.url + "/big", {}, b"", connect_timeout=2, read_timeout=5
    )
    response.release()
    assert await _get(pool, upstream.url + "/x") == b"ok /x"
    assert len(set(upstream.peers)) == 2


async def test_a_cancelled_call_closes_its_connection_and_the_upstream_sees_it(
    upstream: Upstream, pool: Pool
) -> None:
    call = asyncio.create_task(_get(pool, upstream.url + "/stall"))
    await asyncio.sleep(0.1)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    await asyncio.wait_for(upstream.cancelled.wait(), 2)


async def test_no_more_connections_than_the_limit(upstream: Upstream) -> None:
    pool = Pool(2)
    try:
        answers = await asyncio.gather(*(_get(pool, upstream.url + "/slow") for _ in range(7)))
    finally:
        await pool.close()
    assert answers == [b"ok /slow"] * 7
    assert upstream.most_in_flight == 2
    assert len(set(upstream.peers)) == 2


async def test_at_the_limit_an_idle_connection_makes_room_for_another_origin(
    upstream: Upstream,
) -> None:
    other = Upstream()
    await other.start()
    pool = Pool(1)
    try:
        assert await _get(pool, upstream.url + "/x") == b"ok /x"
        assert await _get(pool, other.url + "/y") == b"ok /y"
        assert await _get(pool, upstream.url + "/x") == b"ok /x"
        # and one waiting for a busy connection of another origin gets the freed slot
        answers = await asyncio.gather(
            _get(pool, upstream.url + "/slow"), _get(pool, other.url + "/slow")
        )
    finally:
        await pool.close()
        await other.close()
    assert answers == [b"ok /slow", b"ok /slow"]


async def test_a_waiter_cancelled_does_not_leak_a_slot(upstream: Upstream) -> None:
    pool = Pool(1)
    try:
        first = asyncio.create_task(_get(pool, upstream.url + "/slow"))
        await asyncio.sleep(0.01)
        waiting = asyncio.create_task(_get(pool, upstream.url + "/x"))
        await asyncio.sleep(0.01)
        waiting.cancel()
        assert await first == b"ok /slow"
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert await asyncio.wait_for(_get(pool, upstream.url + "/x"), 2) == b"ok /x"
    finally:
        await pool.close()
    # and the caller who gave up no longer counts as waiting: the connection was kept alive
    assert len(set(upstream.peers)) == 1


async def test_a_failed_connect_gives_its_slot_back() -> None:
    pool = Pool(1)
    async with raw_server(_read_request) as url:  # type: ignore[arg-type]
        pass
    try:
        for _ in range(3):
            with pytest.raises(UpstreamConnectError):
                await _get(pool, url)
    finally:
        await pool.close()


async def test_a_header_with_a_line_break_is_refused(upstream: Upstream, pool: Pool) -> None:
    with pytest.raises(ValueError, match="newline"):
        await pool.request(
            "POST",
            upstream.url,
            {"x-tag": "a\r\nHost: evil"},
            b"",
            connect_timeout=2,
            read_timeout=5,
        )
    assert upstream.peers == []


def _certificates(directory: Path) -> tuple[Path, ssl.SSLContext]:
    """A CA and a certificate for 127.0.0.1 signed by it: the CA's file, the server's context."""
    now = datetime.datetime.now(datetime.UTC)

    def certificate(
        subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name, signer: object, ca: bool
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            import ipaddress

            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
        return builder.sign(signer, hashes.SHA256())  # type: ignore[arg-type]

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = certificate("test CA", ca_key, ca_name, ca_key, True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = certificate("127.0.0.1", key, ca_name, ca_key, False)
    (directory / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (directory / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(directory / "cert.pem", directory / "key.pem")
    return directory / "ca.pem", server


async def test_https_is_verified_against_the_systems_certificate_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca_file, server_context = _certificates(tmp_path)
    upstream = Upstream()
    await upstream.start(server_context)
    try:
        untrusting = Pool(2)
        with pytest.raises(UpstreamConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await _get(untrusting, upstream.url + "/x")
        await untrusting.close()
        # The store the operator points OpenSSL at (SSL_CERT_FILE) is the one used.
        monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
        trusting = Pool(2)
        assert await _get(trusting, upstream.url + "/x") == b"ok /x"
        assert await _get(trusting, upstream.url + "/x") == b"ok /x"
        await trusting.close()
    finally:
        await upstream.close()
    assert len(set(upstream.peers)) == 1


async def test_a_stalled_tls_handshake_is_a_connect_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    pool = Pool(2)
    try:
        async with raw_server(silent) as url:
            https = url.replace("http://", "https://")
            started = asyncio.get_running_loop().time()
            with pytest.raises(TimeoutError):
                await pool.request("POST", https, {}, b"", connect_timeout=0.2, read_timeout=5)
            assert asyncio.get_running_loop().time() - started < 2
            with pytest.raises(TimeoutError):  # and its slot came back
                await pool.request("POST", https, {}, b"", connect_timeout=0.2, read_timeout=5)
    finally:
        await pool.close()


async def test_an_interim_answer_is_skipped_for_the_real_one(pool: Pool) -> None:
    answer = (
        b"HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n"
        b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-Real: yes\r\n\r\nok"
    )
    async with raw_server(answers_every_request(answer)) as url:
        for _ in range(2):
            response = await pool.request("POST", url, {}, b"", connect_timeout=2, read_timeout=5)
            assert (response.status, response.headers.get("link")) == (201, None)
            assert response.headers["x-real"] == "yes"
            assert await response.read() == b"ok"
            response.release()


@pytest.mark.parametrize("afterwards", ["closes", "sends bytes nobody asked for"])
async def test_an_idle_connection_the_upstream_spoiled_is_not_reused(
    pool: Pool, afterwards: str
) -> None:
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")  # keep-alive
        await writer.drain()
        if afterwards == "closes":  # as an upstream's idle timeout does
            writer.close()
            return
        await asyncio.sleep(0.01)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale")
        await writer.drain()
        with contextlib.suppress(ConnectionError):
            await reader.read()

    async with raw_server(handler) as url:
        assert await _get(pool, url) == b"ok"
        await asyncio.sleep(0.05)
        assert await _get(pool, url) == b"ok"
    assert connections == 2


async def test_a_host_name_is_looked_up_and_each_of_its_addresses_tried(upstream: Upstream) -> None:
    # "localhost" may resolve to ::1 first, where nothing listens: the next address serves.
    pool = Pool(2)
    try:
        url = upstream.url.replace("127.0.0.1", "localhost")
        assert await _get(pool, url + "/x") == b"ok /x"
        assert upstream.headers[0]["Host"] == url.removeprefix("http://")
    finally:
        await pool.close()


async def test_a_big_answer_read_whole(upstream: Upstream, pool: Pool) -> None:
    # More than the streaming high-water mark: reading must not pause for a whole-body read.
    body = await _get(pool, upstream.url + "/big", read_timeout=2)
    assert len(body) == 64 * 32768 > HIGH_WATER
    assert await _get(pool, upstream.url + "/x") == b"ok /x"
    assert len(set(upstream.peers)) == 1


async def test_the_path_is_percent_encoded(upstream: Upstream, pool: Pool) -> None:
    # A client's model name can end up in the path (`provider/model` routing to Gemini, Azure).
    url = upstream.url + "/v1/models/gemini pro\r\nX-Evil: 1/é:generateContent?key=a b"
    assert await _get(pool, url) == (
        # (urlsplit drops tabs and line breaks, as WHATWG URL parsing does)
        b"ok /v1/models/gemini%20proX-Evil:%201/%C3%A9:generateContent?key=a%20b"
    )
    assert "X-Evil" not in upstream.headers[0]
    assert await _get(pool, upstream.url + "/v1/a%2Fb") == b"ok /v1/a%2Fb"


async def test_at_the_limit_a_dead_idle_connection_frees_no_second_slot(
    upstream: Upstream,
) -> None:
    closes_after_answering = answers_once(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", close=True
    )
    pool = Pool(1)
    try:
        async with raw_server(closes_after_answering) as url:
            assert await _get(pool, url) == b"ok"  # idle, then closed by the upstream
            await asyncio.sleep(0.05)
        # Two callers for another origin at once: one slot, so one after the other.
        answers = await asyncio.gather(
            _get(pool, upstream.url + "/slow"), _get(pool, upstream.url + "/slow")
        )
    finally:
        await pool.close()
    assert answers == [b"ok /slow"] * 2
    assert upstream.most_in_flight == 1
