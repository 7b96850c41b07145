"""What is owed to the shared ledger is applied exactly once, in order, on a real Redis."""

from __future__ import annotations

import asyncio

from gateway.budgets.fallback import Owed, OwedLedger
from gateway.budgets.redis_ledger import RedisLedger
from gateway.redis_client import connect_redis
from tests.gateway.budgets.test_ledgers import NOW, TTL, bucket


async def test_drains_running_together_apply_each_entry_once(
    redis_url: str, redis_prefix: str
) -> None:
    # The retry loop and shutdown may drain at the same moment: a settle applied twice would
    # count its spend twice.
    redis = connect_redis(redis_url)
    try:
        ledger = RedisLedger(redis, TTL, prefix=redis_prefix)
        counter = bucket("1.00")
        await ledger.seed(counter, 0)
        settled: list[tuple[int | None, ...]] = []
        owed = OwedLedger(ledger, lambda: NOW, lambda _entry, spent: settled.append(spent))
        for n in range(3):
            await ledger.reserve(f"r{n}", [counter], 100, NOW)
            owed.add(Owed(f"r{n}", (), (counter,), 10))
        await asyncio.gather(owed.drain(), owed.drain(), owed.aclose())
        assert len(owed) == 0
        assert await ledger.spend([counter]) == ((30, 0),)
        assert settled == [(10,), (20,), (30,)]
    finally:
        await redis.aclose()
