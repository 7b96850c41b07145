"""One Redis client per process (STYLE.md habit 16): budgets, rate limits, key revocations and
the admin API's limits all use the client ``/readyz`` pings, with one timeout policy."""

from __future__ import annotations

from pathlib import Path

import httpx
from redis.asyncio import BlockingConnectionPool

from admin_api.services import ADMIN
from gateway.redis_client import REDIS, REDIS_TIMEOUT_SECONDS
from tests.gateway.live.support import small_gateway
from tests.harness import ServiceThread
from tests.services import REDIS_URL


def test_every_user_of_redis_shares_the_client_readyz_checks(
    service_thread: ServiceThread, tmp_path: Path
) -> None:
    gateway = small_gateway(service_thread, tmp_path, redis={"url": REDIS_URL})
    try:
        app = gateway.runner.app
        client = app[REDIS]
        metering = gateway.gateway.metering
        users = {
            "budgets": metering.budgets._ledger._redis,
            "rate limits": metering.rate_limits._store._acquire.registered_client,
            "key revocations": gateway.gateway.revocations._redis,
            "admin limits": app[ADMIN].limiter._redis,
        }
        assert {name: user is client for name, user in users.items()} == dict.fromkeys(users, True)
        pool = client.connection_pool
        assert isinstance(pool, BlockingConnectionPool)  # waits for a connection under load
        assert pool.connection_kwargs["socket_timeout"] == REDIS_TIMEOUT_SECONDS
        assert pool.connection_kwargs["socket_connect_timeout"] == REDIS_TIMEOUT_SECONDS
        assert httpx.get(f"{gateway.base_url}/readyz").json()["redis"] == "ok"
    finally:
        gateway.stop()
