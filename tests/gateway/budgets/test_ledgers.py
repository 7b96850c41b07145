"""Both ledgers keep the same contract: all-or-nothing holds, exact settle math, expiry."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from redis.asyncio import Redis

from gateway.budgets.ledger import (
    Bucket,
    BudgetLedger,
    LedgerUnavailable,
    from_nanos,
    to_nanos,
)
from gateway.budgets.memory_ledger import MemoryLedger
from gateway.budgets.redis_ledger import RedisLedger
from gateway.redis_client import connect_redis
from tests.gateway.budgets.conftest import TEST_REDIS_TIMEOUT_SECONDS
from tests.services import REDIS_URL

TTL = 60.0
NOW = 1_800_000_000.0


def bucket(limit_usd: str, *, org: str = "org", budget: str | None = None) -> Bucket:
    return Bucket(
        org_id=org,
        budget_id=budget or uuid.uuid4().hex,
        period_key="2027-01",
        limit=to_nanos(Decimal(limit_usd)),
        expires_at=int(NOW) + 3600,
    )


@pytest.fixture(params=["memory", "redis"])
async def ledger(request: pytest.FixtureRequest, redis_prefix: str) -> AsyncIterator[BudgetLedger]:
    if request.param == "memory":
        yield MemoryLedger(TTL)
    else:
        # The same test-only waits as the redis_client fixture: 200 reserves at once open 64
        # connections in one burst, which a loaded CI machine took over the gateway's 1 s for.
        redis = connect_redis(
            request.getfixturevalue("redis_url"),
            timeout=TEST_REDIS_TIMEOUT_SECONDS,
            pool_wait=TEST_REDIS_TIMEOUT_SECONDS,
        )
        yield RedisLedger(redis, TTL, prefix=redis_prefix)
        await redis.aclose()


async def seeded(ledger: BudgetLedger, *buckets: Bucket, spent: int = 0) -> None:
    for b in buckets:
        await ledger.seed(b, spent)


def test_nanos_round_up_and_back() -> None:
    assert to_nanos(Decimal("0.0000000001")) == 1  # a tenth of a nano-dollar is one
    assert to_nanos(Decimal("1.5")) == 1_500_000_000
    assert from_nanos(1_500_000_001) == Decimal("1.500000001")


async def test_unseeded_bucket_holds_nothing_until_seeded(ledger: BudgetLedger) -> None:
    b = bucket("1")
    result = await ledger.reserve("r1", [b], 10, NOW)
    assert result.unseeded == (b,) and not result.ok
    await ledger.seed(b, 5)
    await ledger.seed(b, 999)  # a known spend is kept
    assert (await ledger.reserve("r1", [b], 10, NOW)).ok
    assert await ledger.spend([b]) == ((5, 10),)


async def test_200_concurrent_reserves_exactly_10_fit(ledger: BudgetLedger) -> None:
    b = bucket("1.00")
    await seeded(ledger, b)
    cost = to_nanos(Decimal("0.10"))
    results = await asyncio.gather(*(ledger.reserve(f"r{i}", [b], cost, NOW) for i in range(200)))
    assert sum(r.ok for r in results) == 10
    refused = [r for r in results if not r.ok]
    assert all(r.refused == b for r in refused)
    assert await ledger.spend([b]) == ((0, 10 * cost),)


async def test_two_redis_clients_share_one_budget(redis_client: Redis, redis_prefix: str) -> None:
    # Two instances: separate connections, separate ledger objects, one Redis.
    other = connect_redis(
        REDIS_URL, timeout=TEST_REDIS_TIMEOUT_SECONDS, pool_wait=TEST_REDIS_TIMEOUT_SECONDS
    )
    try:
        ledgers = [
            RedisLedger(redis_client, TTL, redis_prefix),
            RedisLedger(other, TTL, redis_prefix),
        ]
        b = bucket("1.00")
        await ledgers[0].seed(b, 0)
        cost = to_nanos(Decimal("0.10"))
        results = await asyncio.gather(
            *(ledgers[i % 2].reserve(f"r{i}", [b], cost, NOW) for i in range(200))
        )
        assert sum(r.ok for r in results) == 10
        assert {i % 2 for i, r in enumerate(results) if r.ok} <= {0, 1}
    finally:
        await other.aclose()


async def test_all_or_nothing_across_budgets(ledger: BudgetLedger) -> None:
    roomy, tight = bucket("10"), bucket("1")
    await seeded(ledger, roomy, tight)
    result = await ledger.reserve("r1", [roomy, tight], to_nanos(Decimal(2)), NOW)
    assert result.refused == tight and result.spent == 0 and result.held == 0
    assert await ledger.spend([roomy, tight]) == ((0, 0), (0, 0))  # nothing held in `roomy`


async def test_settle_spends_actual_and_drops_the_hold(ledger: BudgetLedger) -> None:
    org, key = bucket("1"), bucket("0.50")
    await seeded(ledger, org, key, spent=to_nanos(Decimal("0.10")))
    held = to_nanos(Decimal("0.30"))
    assert (await ledger.reserve("r1", [org, key], held, NOW)).ok
    assert await ledger.spend([org, key]) == ((100_000_000, held),) * 2
    spent = await ledger.settle("r1", [org, key], to_nanos(Decimal("0.0123456789")), NOW)
    assert spent == (112_345_679, 112_345_679)  # 0.1 + 0.0123456789 rounded up
    assert await ledger.spend([org, key]) == ((112_345_679, 0),) * 2
    # The rest of the key's budget is free again: 0.50 - 0.112345679 = 0.387654321
    assert (await ledger.reserve("r2", [key], 387_654_321, NOW)).ok
    assert not (await ledger.reserve("r3", [key], 1, NOW)).ok


async def test_release_frees_without_spending(ledger: BudgetLedger) -> None:
    b = bucket("1")
    await seeded(ledger, b)
    assert (await ledger.reserve("r1", [b], to_nanos(Decimal(1)), NOW)).ok
    assert not (await ledger.reserve("r2", [b], 1, NOW)).ok
    await ledger.release("r1", [b])
    await ledger.release("r1", [b])  # twice is harmless
    assert await ledger.spend([b]) == ((0, 0),)
    assert (await ledger.reserve("r2", [b], to_nanos(Decimal(1)), NOW)).ok


async def test_holds_of_a_crashed_instance_expire(ledger: BudgetLedger) -> None:
    b = bucket("1")
    await seeded(ledger, b)
    assert (await ledger.reserve("crashed", [b], to_nanos(Decimal(1)), NOW)).ok
    assert not (await ledger.reserve("r2", [b], 1, NOW + TTL - 1)).ok
    later = await ledger.reserve("r2", [b], to_nanos(Decimal(1)), NOW + TTL + 1)
    assert later.ok  # the crashed hold was dropped first
    # A late settle of the expired reservation still counts what was spent.
    spent = await ledger.settle("crashed", [b], to_nanos(Decimal("0.25")), NOW + TTL + 2)
    assert spent == (250_000_000,)
    assert await ledger.spend([b]) == ((250_000_000, 1_000_000_000),)


async def test_settle_of_an_unknown_bucket_reports_none(ledger: BudgetLedger) -> None:
    b = bucket("1")
    assert await ledger.settle("r1", [b], 5, NOW) == (None,)
    assert await ledger.spend([b]) == (None,)


async def test_big_figures_stay_exact(ledger: BudgetLedger) -> None:
    b = bucket("9000000")  # 9e15 nano-dollars, just under 2^53
    await seeded(ledger, b, spent=to_nanos(Decimal("8999999.999999998")))
    assert (await ledger.reserve("r1", [b], 2, NOW)).ok
    assert not (await ledger.reserve("r2", [b], 1, NOW)).ok
    assert await ledger.settle("r1", [b], 1, NOW) == (8_999_999_999_999_999,)


async def test_unreachable_redis_is_ledger_unavailable() -> None:
    dead = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.5)
    try:
        with pytest.raises(LedgerUnavailable):
            await RedisLedger(dead, TTL).reserve("r1", [bucket("1")], 1, NOW)
    finally:
        await dead.aclose()


async def test_a_hold_reports_the_tightest_headroom_before_it(ledger: BudgetLedger) -> None:
    roomy, tight = bucket("10"), bucket("1")
    await seeded(ledger, roomy, tight, spent=to_nanos(Decimal("0.25")))
    await ledger.reserve("other", [tight], to_nanos(Decimal("0.05")), NOW)
    result = await ledger.reserve("mine", [roomy, tight], to_nanos(Decimal("0.10")), NOW)
    # 1 - 0.25 spent - 0.05 held by another request; this request's own hold not counted.
    assert result.ok and result.headroom == to_nanos(Decimal("0.70"))
