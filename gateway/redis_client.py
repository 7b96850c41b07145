"""The one Redis client of an app, made at start-up when ``redis.url`` is set.

``redis_context`` is a ``cleanup_ctx``: it puts the client on the app as ``app[REDIS]`` and
closes it on shutdown. Without ``redis.url`` nothing is put there, so readers ask
``app.get(REDIS)`` and run on their in-process fallback when it is None. The client connects
lazily: an unreachable Redis never stops the gateway from starting or serving.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError

from gateway.settings import RedisConfig

REDIS = web.AppKey("redis", Redis)

# Short socket timeouts: a Redis outage must cost a request milliseconds, never seconds.
_CONNECT_TIMEOUT_SECONDS = 2.0


def create_redis(config: RedisConfig) -> Redis | None:
    if not config.url:
        return None
    return Redis.from_url(
        config.url,
        socket_connect_timeout=_CONNECT_TIMEOUT_SECONDS,
        health_check_interval=30,
    )


async def redis_context(app: web.Application, config: RedisConfig) -> AsyncIterator[None]:
    client = create_redis(config)
    if client is not None:
        app[REDIS] = client
    try:
        yield
    finally:
        if client is not None:
            await client.aclose()


@contextlib.asynccontextmanager
async def translate_redis_errors(unavailable: type[Exception], what: str) -> AsyncIterator[None]:
    """Redis down, slow or refusing becomes the caller's ``unavailable`` error ("<what>:
    <cause>"), which it turns into a 503 or lets the request through, as configured."""
    try:
        yield
    except (RedisError, OSError, TimeoutError) as error:
        raise unavailable(f"{what}: {error}") from error
