"""A fast fake OpenAI upstream for the benchmark: ``POST /v1/chat/completions`` only.

    python bench/fake_upstream.py [--port P] [--delay-ms 0|50] [--impl raw|aiohttp]

It answers every chat request with the same small, realistic ``chat.completion`` (with usage),
or, when the body asks for ``"stream":true``, with the same completion as SSE chunks ending in a
usage chunk and ``[DONE]``. ``--delay-ms`` holds each answer back that long (a model's latency)
without using CPU. The port it listens on is printed on stdout as ``listening on <url>``.

It must never be the bottleneck, so the default ``raw`` implementation is a bare asyncio
protocol on uvloop with a minimal HTTP/1.1 keep-alive parser: bodies by ``Content-Length`` only
(no chunked requests: every client of the benchmark sends a length), one request at a time per
connection. ``--impl aiohttp`` serves the same bytes with aiohttp, to compare and to check the
raw parser against a real server. Measured on the benchmark machine (AMD EPYC, upstream on one
core, wrk -t1 on the other): raw 80,000 requests/s with 16 connections and 67,000 with 64,
aiohttp 23,000. Sharing one core with wrk, as in bench/run.py, raw still serves 31,000-40,000,
about 20 times what the gateway does.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import sys
import time

try:
    import uvloop
except ImportError:  # the benchmark still runs, only slower
    uvloop = None

# -- the canned answers ------------------------------------------------------------------------

MODEL = b"gpt-4o-mini-2024-07-18"
ANSWER = (
    b"To request a replacement, open Orders, choose order 10482 and select Report a problem, "
    b"then Damaged item. Attach a photo of the cracked protector. Replacements usually ship "
    b"within two business days and arrive in three to five."
)
ANSWER_WORDS = ANSWER.split(b" ")
USAGE = (
    b'{"prompt_tokens":54,"completion_tokens":46,"total_tokens":100,'
    b'"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},'
    b'"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,'
    b'"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}'
)
# %(n)012d and %(created)d are filled per request; everything else is fixed.
COMPLETION = (
    b'{"id":"chatcmpl-bench%(n)012d","object":"chat.completion","created":%(created)d,'
    b'"model":"'
    + MODEL
    + b'","choices":[{"index":0,"message":{"role":"assistant","content":"'
    + ANSWER
    + b'","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],'
    b'"usage":' + USAGE + b',"service_tier":"default","system_fingerprint":"fp_bench"}'
)
CHUNK_HEAD = (
    b'data: {"id":"chatcmpl-bench%(n)012d","object":"chat.completion.chunk",'
    b'"created":%(created)d,"model":"' + MODEL + b'","system_fingerprint":"fp_bench",'
)


def completion_body(n: int, created: int) -> bytes:
    return COMPLETION % {b"n": n, b"created": created}


def stream_body(n: int, created: int, include_usage: bool) -> bytes:
    """The SSE events of one streamed completion: role, one chunk per word, finish, usage."""
    head = CHUNK_HEAD % {b"n": n, b"created": created}
    usage_null = b',"usage":null' if include_usage else b""
    deltas = [b'{"role":"assistant","content":"","refusal":null}']
    deltas += [
        b'{"content":"' + (b" " if i else b"") + w + b'"}' for i, w in enumerate(ANSWER_WORDS)
    ]
    events = [
        head
        + b'"choices":[{"index":0,"delta":'
        + d
        + b',"logprobs":null,"finish_reason":null}]'
        + usage_null
        + b"}\n\n"
        for d in deltas
    ]
    events.append(
        head
        + b'"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]'
        + usage_null
        + b"}\n\n"
    )
    if include_usage:
        events.append(head + b'"choices":[],"usage":' + USAGE + b"}\n\n")
    events.append(b"data: [DONE]\n\n")
    return b"".join(events)


def wants_stream(body: bytes) -> tuple[bool, bool]:
    """(stream, include_usage), read without parsing JSON: the clients send compact JSON."""
    compact = body.replace(b" ", b"")
    return b'"stream":true' in compact, b'"include_usage":true' in compact


# -- raw asyncio protocol ----------------------------------------------------------------------

_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)
_CHUNKED = re.compile(rb"\r\ntransfer-encoding:[^\r]*chunked", re.IGNORECASE)
_CLOSE = re.compile(rb"\r\nconnection:[ \t]*close", re.IGNORECASE)
# Echoed, so that bench/chat.lua can time each request (its window=S mode).
_REQUEST_ID = re.compile(rb"\r\nx-request-id:[ \t]*([!-~]{1,128})", re.IGNORECASE)
_JSON_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
_SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
    b"Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n"
)
_NOT_FOUND = (
    b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
)
_UNSUPPORTED = b"HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class Counter:
    def __init__(self) -> None:
        self.n = 0

    def next(self) -> int:
        self.n += 1
        return self.n


def answer(counter: Counter, body: bytes, request_id: bytes | None = None) -> bytes:
    """The whole HTTP response to one chat request."""
    stream, include_usage = wants_stream(body)
    n, created = counter.next(), int(time.time())
    end_of_head = b"X-Request-ID: %s\r\n\r\n" % request_id if request_id else b"\r\n"
    if stream:
        events = stream_body(n, created, include_usage)
        return _SSE_HEAD + end_of_head + b"%x\r\n" % len(events) + events + b"\r\n0\r\n\r\n"
    data = completion_body(n, created)
    return _JSON_HEAD % len(data) + end_of_head + data


class UpstreamProtocol(asyncio.Protocol):
    def __init__(self, counter: Counter, delay: float) -> None:
        self._counter = counter
        self._delay = delay
        self._buffer = bytearray()
        self._busy = False  # an answer is being held back (--delay-ms): parse nothing more yet
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if not self._busy:
            self._process()

    def _process(self) -> None:
        buffer = self._buffer
        while self._transport is not None and not self._busy:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buffer[: end + 2])
            if _CHUNKED.search(head):
                self._transport.write(_UNSUPPORTED)
                self._transport.close()
                return
            match = _CONTENT_LENGTH.search(head)
            length = int(match.group(1)) if match else 0
            total = end + 4 + length
            if len(buffer) < total:
                return
            body = bytes(buffer[end + 4 : total])
            del buffer[:total]
            close = _CLOSE.search(head) is not None
            if head.startswith(b"POST ") and b"/chat/completions" in head.split(b"\r\n", 1)[0]:
                request_id = _REQUEST_ID.search(head)
                response = answer(self._counter, body, request_id and request_id.group(1))
            else:
                response = _NOT_FOUND
            if self._delay:
                self._busy = True
                asyncio.get_running_loop().call_later(self._delay, self._send, response, close)
            else:
                self._send(response, close)

    def _send(self, response: bytes, close: bool) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        transport.write(response)
        if close:
            transport.close()
            return
        if self._busy:
            self._busy = False
            self._process()


async def serve_raw(host: str, port: int, delay: float) -> asyncio.AbstractServer:
    counter = Counter()
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: UpstreamProtocol(counter, delay), host, port, backlog=2048
    )


# -- the same answers through aiohttp ----------------------------------------------------------


async def serve_aiohttp(host: str, port: int, delay: float) -> asyncio.AbstractServer:
    from aiohttp import web

    counter = Counter()

    async def chat(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if delay:
            await asyncio.sleep(delay)
        stream, include_usage = wants_stream(body)
        n, created = counter.next(), int(time.time())
        request_id = request.headers.get("X-Request-ID")
        echoed = {"X-Request-ID": request_id} if request_id else {}
        if stream:
            response = web.StreamResponse(
                headers={"Content-Type": "text/event-stream; charset=utf-8", **echoed}
            )
            await response.prepare(request)
            await response.write(stream_body(n, created, include_usage))
            await response.write_eof()
            return response
        return web.Response(
            body=completion_body(n, created), content_type="application/json", headers=echoed
        )

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=2048)
    await site.start()
    return site._server  # type: ignore[return-value]  # only its sockets are read


# -- main --------------------------------------------------------------------------------------


async def main(args: argparse.Namespace) -> None:
    serve = serve_raw if args.impl == "raw" else serve_aiohttp
    server = await serve(args.host, args.port, args.delay_ms / 1000)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"listening on http://{args.host}:{port}\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--delay-ms", type=float, default=0.0, help="hold each answer back")
    parser.add_argument("--impl", choices=("raw", "aiohttp"), default="raw")
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args()
    if uvloop is not None:
        uvloop.run(main(arguments))
    else:
        asyncio.run(main(arguments))
