"""The one Redis client of a process, made at start-up when ``redis.url`` is set.

``redis_context`` is a ``cleanup_ctx``: it puts the client on the app as ``app[REDIS]`` and
closes it on shutdown. Without ``redis.url`` nothing is put there, so readers ask
``app.get(REDIS)`` and run on their in-process fallback when it is None. Every user shares it:
budgets and rate limits (``gateway.budgets.setup``), key revocations, the live relay, the admin
API's sign-in limits; ``/readyz`` pings it. The client connects lazily: an unreachable Redis
never stops the gateway from starting or serving.

One timeout policy (``connect_redis``): a bounded pool that waits for a free connection under
load instead of failing, and short socket timeouts, so a Redis outage costs a request about a
second, never a hang. Pub/sub listeners block on their reads regardless (redis-py reads a
subscription without the socket timeout).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from aiohttp import web
from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError

from core.settings import RedisConfig

REDIS = web.AppKey("redis", Redis)

# A Redis that does not answer within this long counts as down (503 or pass, per config).
REDIS_TIMEOUT_SECONDS = 1.0
# Connections per process; requests beyond them wait (up to REDIS_POOL_WAIT_SECONDS) for one
# instead of failing, as the default pool does past its limit.
REDIS_MAX_CONNECTIONS = 64
REDIS_POOL_WAIT_SECONDS = 2.0


def connect_redis(
    url: str,
    timeout: float = REDIS_TIMEOUT_SECONDS,
    pool_wait: float = REDIS_POOL_WAIT_SECONDS,
) -> Redis:
    """A client with the one timeout policy (tests may wait longer: ``timeout`` for Redis,
    ``pool_wait`` for a free connection)."""
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=REDIS_MAX_CONNECTIONS,
        timeout=pool_wait,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        health_check_interval=30,
    )
    return Redis.from_pool(pool)  # the client owns the pool and closes it


def create_redis(config: RedisConfig) -> Redis | None:
    return connect_redis(config.url) if config.url else None


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
