"""Building pricing, budgets and rate limits at start-up, and stopping them at shutdown.

    metering = await start_metering(settings, engine)    # in the server's cleanup_ctx
    app[METERING] = metering
    ...
    await metering.aclose()                               # before the engine is disposed

With ``redis.url`` set, budgets and rate limits live in Redis and every instance shares them;
otherwise each process keeps its own. The server passes the process's one client
(``start_metering(..., redis=app[REDIS])``, closed by its owner); without one (tests, tools)
it makes its own with ``gateway.redis_client.connect_redis``, the same timeout policy.
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
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from core.settings import Settings
from gateway.budgets.alerts import BudgetAlerts
from gateway.budgets.directory import BudgetDirectory
from gateway.budgets.guard import BudgetGuard
from gateway.budgets.ledger import BudgetLedger
from gateway.budgets.memory_ledger import MemoryLedger
from gateway.budgets.redis_ledger import RedisLedger
from gateway.pricing import Pricing
from gateway.ratelimit import MemoryRateStore, RateStore, RedisRateStore, RequestRateLimiter
from gateway.redis_client import connect_redis

log = logging.getLogger(__name__)


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
