"""Two gateway processes sharing Redis and PostgreSQL enforce one budget together."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.settings import DatabaseConfig
from core.storage.database import create_engine
from gateway.budgets.ledger import Bucket
from gateway.budgets.periods import period_key
from gateway.budgets.redis_ledger import RedisLedger
from gateway.redis_client import connect_redis
from tests.gateway.budgets.helpers import add_budget, make_account

ROOT = Path(__file__).parents[3]


@pytest.fixture
async def pg_engine(migrated_postgres_url: str) -> AsyncEngine:
    engine = create_engine(DatabaseConfig(url=migrated_postgres_url))
    yield engine  # type: ignore[misc]
    await engine.dispose()


async def test_200_requests_over_two_processes_spend_exactly_the_budget(
    pg_engine: AsyncEngine, migrated_postgres_url: str, redis_url: str
) -> None:
    account = await make_account(pg_engine)
    budget_id = await add_budget(pg_engine, account.org_id, "1.00")  # affords ten 0.10 calls
    start = time.time() + 3  # both processes start reserving at once
    args = [migrated_postgres_url, redis_url, account.org_id, account.key_id, account.user_id]
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.gateway.budgets.reserve_worker",
            *args,
            "100",
            str(start),
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outcomes = []
    for worker in workers:
        out, err = await asyncio.wait_for(worker.communicate(), 60)
        assert worker.returncode == 0, err.decode()
        outcomes.append(orjson.loads(out))
    assert sum(o["ok"] for o in outcomes) == 10
    assert sum(o["denied"] for o in outcomes) == 190

    redis = connect_redis(redis_url)
    try:
        bucket = Bucket(
            account.org_id, budget_id, period_key("monthly", datetime.now(UTC)), 10**9, None
        )
        assert await RedisLedger(redis, 60).spend([bucket]) == ((1_000_000_000, 0),)
    finally:
        await redis.aclose()
