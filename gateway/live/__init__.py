"""The live decision feed: ``/ws`` pushes every decision to its subscribers as it is made.

``mount_live(app, config)`` adds the route, the hub (started and stopped in ``cleanup_ctx``,
after the gateway's services) and the shutdown hook that closes every socket (1001) so a
graceful shutdown is not held up by open feeds. Decisions come from the writer's listeners, so
the proxy's own decisions and ingested ones alike reach subscribers; with ``redis.url`` set,
they reach the subscribers of every instance. Modules: ``wire`` (channels and messages),
``viewer`` (who is calling), ``hub`` (fan-out), ``relay`` (Redis), ``ingest`` (decision.v1),
``socket`` (one connection).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from aiohttp import WSCloseCode, web

from core.settings import LiveConfig
from gateway.live.hub import LiveHub
from gateway.live.relay import RedisRelay
from gateway.live.sessions import SessionTracker
from gateway.live.socket import Connection, serve_socket
from gateway.live.wire import decision_to_api
from gateway.redis_client import REDIS
from gateway.services import GATEWAY

log = logging.getLogger(__name__)

# How long start-up waits for the Redis subscription before serving without it (it retries).
RELAY_SUBSCRIBE_WAIT_SECONDS = 2.0

Serializer = Callable[[Mapping[str, Any]], dict[str, Any]]


@dataclass(slots=True)
class LiveFeed:
    config: LiveConfig
    hub: LiveHub
    relay: RedisRelay | None
    connections: set[Connection] = field(default_factory=set)
    sessions: SessionTracker = field(default_factory=SessionTracker)


LIVE = web.AppKey("live", LiveFeed)


def mount_live(
    app: web.Application, config: LiveConfig, serialize: Serializer = decision_to_api
) -> None:
    """Serve ``/ws``; ``serialize`` turns a ``decisions`` row into the API's shape."""
    app.cleanup_ctx.append(partial(_live_context, config=config, serialize=serialize))
    app.on_shutdown.append(_close_sockets)
    app.router.add_get("/ws", _websocket)


async def _websocket(request: web.Request) -> web.StreamResponse:
    live = request.app[LIVE]
    return await serve_socket(request, live.hub, live.config, live.connections, live.sessions)


async def _live_context(
    app: web.Application, config: LiveConfig, serialize: Serializer
) -> AsyncIterator[None]:
    gateway = app[GATEWAY]
    writer = gateway.writer
    hub = LiveHub(serialize)
    relay = None
    redis = app.get(REDIS)
    if redis is None and gateway.settings.server.workers > 1:
        log.warning(
            "live feed without redis.url: a /ws subscriber sees only the decisions of the "
            "worker process it is connected to"
        )
    if redis is not None:
        relay = RedisRelay(redis, config.redis_channel, hub.receive)
        hub.publish = relay.publish
        await relay.start(RELAY_SUBSCRIBE_WAIT_SECONDS)
    writer.listeners.append(hub.on_record)
    feed = LiveFeed(config, hub, relay)
    app[LIVE] = feed

    def recheck_sockets() -> None:  # a key or session changed somewhere: check access now
        for connection in feed.connections:
            connection.recheck.set()

    gateway.revocations.listeners.append(recheck_sockets)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            gateway.revocations.listeners.remove(recheck_sockets)
        with contextlib.suppress(ValueError):
            writer.listeners.remove(hub.on_record)
        await _close_sockets(app)
        if relay is not None:
            await relay.close()


async def _close_sockets(app: web.Application) -> None:
    live = app.get(LIVE)
    if live is None:
        return
    closing = [
        c.ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")
        for c in list(live.connections)
    ]
    await asyncio.gather(*closing, return_exceptions=True)
