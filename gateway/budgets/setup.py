"""Building pricing, budgets and rate limits at start-up, and stopping them at shutdown.

    metering = await start_metering(settings, engine)    # in the server's cleanup_ctx
    app[METERING] = metering
    ...
    await metering.aclose()                               # before the engine is disposed

With ``redis.url`` set, budgets and rate limits live in Redis and every instance shares them;
otherwise each process keeps its own. ``start_metering(..., redis=client)`` uses a client made
elsewhere (and leaves closing it to its owner); without one it makes its own with
``connect_redis``: a bounded pool that waits for a free connection under load, and short
socket timeouts, so a Redis outage costs a request about a second, never a hang.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
from aiohttp import web
from redis.asyncio import BlockingConnectionPool, Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.budgets.alerts import BudgetAlerts
from gateway.budgets.directory import BudgetDirectory
from gateway.budgets.guard import BudgetGuard
from gateway.budgets.ledger import BudgetLedger
from gateway.budgets.memory_ledger import MemoryLedger
from gateway.budgets.redis_ledger import RedisLedger
from gateway.pricing import Pricing
from gateway.ratelimit import MemoryRateStore, RateStore, RedisRateStore, RequestRateLimiter
from gateway.settings import Settings

log = logging.getLogger(__name__)

# A Redis that does not answer within this long counts as down (503 or pass, per config).
REDIS_TIMEOUT_SECONDS = 1.0
# Connections per process; requests beyond them wait (up to REDIS_POOL_WAIT_SECONDS) for one
# instead of failing, as the default pool does past its limit.
REDIS_MAX_CONNECTIONS = 64
REDIS_POOL_WAIT_SECONDS = 2.0


def connect_redis(url: str, timeout: float = REDIS_TIMEOUT_SECONDS) -> Redis:
    """The metering Redis client: bounded connections, short timeouts."""
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=REDIS_MAX_CONNECTIONS,
        timeout=REDIS_POOL_WAIT_SECONDS,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
    )
    return Redis.from_pool(pool)  # the client owns the pool and closes it


@dataclass(slots=True, eq=False)
class Metering:
    """Pricing, budgets and rate limits: what the request path meters with."""

    pricing: Pricing
    budgets: BudgetGuard
    rate_limits: RequestRateLimiter
    directory: BudgetDirectory
    alerts: BudgetAlerts
    shared: bool  # budgets and rate limits live in Redis, shared by every instance
    _poller: asyncio.Task[None] | None
    _http: aiohttp.ClientSession | None
    _own_redis: Redis | None  # made here, so closed here

    async def aclose(self) -> None:
        """Finish background settles and alerts, then stop; call before disposing the engine."""
        await self.budgets.aclose()
        await self.rate_limits.aclose()
        await self.alerts.aclose()
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        if self._http is not None:
            await self._http.close()
        if self._own_redis is not None:
            await self._own_redis.aclose()


METERING = web.AppKey("metering", Metering)


async def start_metering(
    settings: Settings,
    engine: AsyncEngine,
    *,
    redis: Redis | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Metering:
    """Build and start everything from ``settings``; warns about every unpriced model."""
    pricing = Pricing.from_settings(settings)
    for served in pricing.unpriced():
        log.warning(
            "model %s has no price: its usage is recorded with cost unknown, and API keys "
            "bound by a budget cannot use it unless budgets.allow_unpriced_models is set",
            served,
        )
    config = settings.budgets
    own_redis = connect_redis(settings.redis.url) if redis is None and settings.redis.url else None
    redis = redis or own_redis
    ledger: BudgetLedger
    store: RateStore
    if redis is not None:
        ledger = RedisLedger(redis, config.reservation_ttl_seconds)
        store = RedisRateStore(redis)
    else:
        ledger = MemoryLedger(config.reservation_ttl_seconds)
        store = MemoryRateStore()

    directory = BudgetDirectory(engine, config.refresh_seconds, config.full_reload_seconds)
    poller = None
    if config.enabled:
        try:
            await directory.refresh()
        except Exception as error:  # the poller keeps trying; until then budgets fail closed
            log.warning("loading budgets failed at start-up: %s", type(error).__name__)
        poller = asyncio.create_task(directory.run(), name="budget-directory")

    http = aiohttp.ClientSession() if config.alerts.webhook_url else None
    alerts = BudgetAlerts(engine, config.alerts, http, clock)
    alerts.start()
    guard = BudgetGuard(
        config=config,
        pricing=pricing,
        directory=directory,
        ledger=ledger,
        alerts=alerts,
        engine=engine,
        clock=clock,
    )
    return Metering(
        pricing=pricing,
        budgets=guard,
        rate_limits=RequestRateLimiter(settings.rate_limits, store),
        directory=directory,
        alerts=alerts,
        shared=redis is not None,
        _poller=poller,
        _http=http,
        _own_redis=own_redis,
    )
