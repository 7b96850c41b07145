"""Running a fake upstream: an aiohttp app on 127.0.0.1, port 0, recording what it receives."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web


@dataclass
class ReceivedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    client_port: int | None = None  # the gateway's end of the connection: pooling shows here


def client_port(request: web.Request) -> int | None:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return peer[1] if peer else None


@dataclass
class FakeUpstream:
    """A started fake: ``base_url``, what it ``received`` and the bytes it ``sent`` back."""

    base_url: str = ""
    port: int = 0
    received: list[ReceivedRequest] = field(default_factory=list)
    sent: list[bytes] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)  # requests whose client went away
    # ``*-gatedstream``: after its first word the stream waits for the test to set ``gate``
    # (the client has that word), or ``GATE_SECONDS``; whether it was set, per stream.
    gate: threading.Event = field(default_factory=threading.Event)
    gate_opened: list[bool] = field(default_factory=list)
    runner: web.AppRunner | None = None

    async def record(self, request: web.Request) -> Any:
        """Read ``request``'s JSON body (None when it is not JSON) and note the request."""
        raw = await request.read()
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = None
        self.received.append(
            ReceivedRequest(
                request.method,
                request.path,
                dict(request.query),
                dict(request.headers),
                body,
                client_port(request),
            )
        )
        return body

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


async def start_fake(
    build: Callable[[FakeUpstream], web.Application], path_prefix: str = ""
) -> FakeUpstream:
    fake = FakeUpstream()
    runner = web.AppRunner(build(fake), access_log=None, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fake.runner = runner
    fake.port = runner.addresses[0][1]
    fake.base_url = f"http://127.0.0.1:{fake.port}{path_prefix}"
    return fake
