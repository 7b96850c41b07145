"""Budgets through a Redis outage, on a real Redis behind a cuttable TCP proxy.

Fail closed (the default): a request whose hold Redis could not drop has it dropped, and its
spend counted, as soon as Redis answers again, not after the hold's 900 s TTL.
``budgets.on_redis_error: local``: requests go on being served within the budget as this
instance knows it, and their spend reaches Redis once it is back.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from core.settings import DatabaseConfig
from core.storage import keys as key_queries
from core.storage.database import create_engine, session_factory
from core.storage.models import Budget, UsageRecord
from gateway.budgets.ledger import to_nanos
from tests.fakes.openai_upstream import FAKE_OPENAI_KEY
from tests.fakes.server import FakeUpstream
from tests.fakes.tcp_proxy import CuttableProxy
from tests.harness import RunningGateway, ServiceThread, gateway_settings, start_gateway
from tests.services import REDIS_URL

PRICES = {"input_cost_per_mtok": "0.15", "output_cost_per_mtok": "0.60"}
MAX_TOKENS = 16_000  # $0.0096 held per request


@dataclass(frozen=True)
class Metered:
    secret: str
    key_id: str
    org_id: str


@dataclass
class Rig:
    gateway: RunningGateway
    redis_proxy: CuttableProxy
    upstream_proxy: CuttableProxy
    database_url: str

    def cut_redis(self) -> None:
        self.gateway.thread.run(self.redis_proxy.cut())

    def restore_redis(self) -> None:
        self.gateway.thread.run(self.redis_proxy.restore())


def _rig(
    service_thread: ServiceThread,
    fake_openai: FakeUpstream,
    postgres_url: str,
    tmp_path: Path,
    budgets: dict[str, Any],
) -> Iterator[Rig]:
    redis = urlsplit(REDIS_URL)
    redis_proxy = CuttableProxy(redis.hostname or "127.0.0.1", redis.port or 6379)
    upstream_proxy = CuttableProxy("127.0.0.1", fake_openai.port)
    service_thread.run(redis_proxy.start())
    service_thread.run(upstream_proxy.start())
    config = {
        "database": {"url": postgres_url},
        "redis": {"url": f"redis://127.0.0.1:{redis_proxy.port}{redis.path or '/0'}"},
        "writer": {"spool_dir": str(tmp_path / "spool"), "flush_interval_seconds": 0.01},
        "routing": {"max_retries": 0, "breaker_failure_threshold": 1000},
        "budgets": budgets,
        "providers": [
            {
                "name": "up",
                "kind": "openai",
                "base_url": f"http://127.0.0.1:{upstream_proxy.port}/v1",
                "api_key": FAKE_OPENAI_KEY,
            }
        ],
        "models": [
            {"name": "m", "provider": "up", "upstream_model": "gpt-4o-mini", **PRICES},
            {"name": "m-slow", "provider": "up", "upstream_model": "gpt-4o-mini-slow", **PRICES},
        ],
    }
    gateway = start_gateway(service_thread, gateway_settings(config, bootstrap_key="gai_bo"))
    yield Rig(gateway, redis_proxy, upstream_proxy, postgres_url)
    gateway.stop()
    service_thread.run(redis_proxy.close())
    service_thread.run(upstream_proxy.close())


@pytest.fixture
def closed(
    service_thread: ServiceThread, fake_openai: FakeUpstream, postgres_url: str, tmp_path: Path
) -> Iterator[Rig]:
    yield from _rig(service_thread, fake_openai, postgres_url, tmp_path, {})


@pytest.fixture
def local(
    service_thread: ServiceThread, fake_openai: FakeUpstream, postgres_url: str, tmp_path: Path
) -> Iterator[Rig]:
    yield from _rig(
        service_thread, fake_openai, postgres_url, tmp_path, {"on_redis_error": "local"}
    )


def _metered(rig: Rig, limit: str) -> Metered:
    async def make() -> Metered:
        engine = create_engine(DatabaseConfig(url=rig.database_url))
        try:
            async with session_factory(engine).begin() as session:
                org = await key_queries.get_or_create_org(session, f"bo-{uuid.uuid4().hex[:10]}")
                key, secret = await key_queries.create_key(
                    session, org, label="metered", scopes=("precheck:invoke",)
                )
                session.add(
                    Budget(
                        org_id=org.id,
                        api_key_id=key.id,
                        name="key budget",
                        amount=Decimal(limit),
                        period="monthly",
                    )
                )
                return Metered(secret, key.id, org.id)
        finally:
            await engine.dispose()

    metered = rig.gateway.thread.run(make())
    rig.gateway.thread.run(rig.gateway.gateway.metering.directory.refresh())
    return metered


async def _post(client: httpx.AsyncClient, rig: Rig, key: Metered, model: str) -> httpx.Response:
    return await client.post(
        f"{rig.gateway.openai_base_url}/chat/completions",
        headers={"Authorization": f"Bearer {key.secret}"},
        json={
            "model": model,
            "max_tokens": MAX_TOKENS,
            "messages": [{"role": "user", "content": "hello there"}],
        },
        timeout=30,
    )


async def _counter(org_id: str) -> tuple[int, int]:
    """(spent, held) of the org's one budget counter, read straight from Redis."""
    redis = Redis.from_url(REDIS_URL)
    try:
        names = [
            n
            async for n in redis.scan_iter(match=f"governs:{{{org_id}}}:budget:*")
            if not n.endswith(b":holds")
        ]
        assert len(names) == 1, names
        spent, held = await redis.hmget(names[0], "spent", "held")
        return int(spent or 0), int(held or 0)
    finally:
        await redis.aclose()


async def _recorded_nanos(rig: Rig, key: Metered) -> int:
    await asyncio.to_thread(rig.gateway.flush)
    engine = create_engine(DatabaseConfig(url=rig.database_url))
    try:
        async with engine.connect() as connection:
            costs = await connection.scalars(
                select(UsageRecord.cost).where(UsageRecord.api_key_id == key.key_id)
            )
            return sum(to_nanos(Decimal(str(c))) for c in costs)
    finally:
        await engine.dispose()


async def _until(check: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.05)


async def test_settles_lost_to_a_redis_outage_are_applied_when_it_returns(closed: Rig) -> None:
    key = _metered(closed, "1.00")
    async with httpx.AsyncClient() as client:
        assert (await _post(client, closed, key, "m")).status_code == 200  # counter seeded
        # Requests in flight when Redis goes: the provider answers, their spend must count.
        in_flight = [asyncio.create_task(_post(client, closed, key, "m-slow")) for _ in range(2)]
        await asyncio.sleep(0.1)  # they hold their reservations by now
        await asyncio.to_thread(closed.cut_redis)
        refused = await _post(client, closed, key, "m")  # Redis away: budgets fail closed
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "budget_unavailable"
        assert [(await t).status_code for t in in_flight] == [200, 200]
    assert (await _counter(key.org_id))[1] > 0  # their holds are still in Redis

    await asyncio.to_thread(closed.restore_redis)

    async def settled() -> bool:
        return (await _counter(key.org_id))[1] == 0

    await _until(settled, 3)  # not the 900 s TTL
    spent, _ = await _counter(key.org_id)
    assert spent == await _recorded_nanos(closed, key)  # every spend counted, once
    assert closed.gateway.gateway.metering.budgets.owed == 0


async def test_a_release_lost_to_the_outage_is_applied_when_redis_returns(closed: Rig) -> None:
    key = _metered(closed, "1.00")
    async with httpx.AsyncClient() as client:
        assert (await _post(client, closed, key, "m")).status_code == 200
        doomed = asyncio.create_task(_post(client, closed, key, "m-slow"))
        await asyncio.sleep(0.1)
        await asyncio.to_thread(closed.cut_redis)
        await asyncio.to_thread(closed.gateway.thread.run, closed.upstream_proxy.cut())
        assert (await doomed).status_code == 502  # the provider went too: nothing to bill
    assert (await _counter(key.org_id))[1] > 0
    await asyncio.to_thread(closed.restore_redis)
    await asyncio.to_thread(closed.gateway.thread.run, closed.upstream_proxy.restore())

    async def released() -> bool:
        return (await _counter(key.org_id))[1] == 0

    await _until(released, 3)


async def test_local_reservations_serve_within_the_budget_and_reconcile(local: Rig) -> None:
    # $0.05 affords five $0.0096 holds at once.
    key = _metered(local, "0.05")
    async with httpx.AsyncClient() as client:
        assert (await _post(client, local, key, "m")).status_code == 200

        async def first_settled() -> bool:  # its spend reaches Redis after the answer
            return (await _counter(key.org_id))[1] == 0

        await _until(first_settled, 3)
        spent_before, _ = await _counter(key.org_id)
        await asyncio.to_thread(local.cut_redis)
        burst = await asyncio.gather(*(_post(client, local, key, "m-slow") for _ in range(8)))
        statuses = sorted(r.status_code for r in burst)
        assert statuses == [200] * 5 + [429] * 3, statuses  # the budget holds, locally
        assert {r.json()["error"]["code"] for r in burst if r.status_code == 429} == {
            "budget_exceeded"
        }
        after = await asyncio.gather(*(_post(client, local, key, "m") for _ in range(3)))
        assert [r.status_code for r in after] == [200] * 3
    assert (await _counter(key.org_id))[0] == spent_before  # Redis has not heard of them
    await asyncio.to_thread(local.restore_redis)
    recorded = await _recorded_nanos(local, key)

    async def reconciled() -> bool:
        return (await _counter(key.org_id)) == (recorded, 0)

    await _until(reconciled, 3)
    async with httpx.AsyncClient() as client:
        assert (await _post(client, local, key, "m")).status_code == 200  # Redis again


def test_an_admin_call_that_needs_redis_answers_a_clean_503(closed: Rig) -> None:
    closed.cut_redis()
    try:
        response = httpx.post(
            f"{closed.gateway.base_url}/api/v1/auth/login",
            json={"email": "ana@example.com", "password": "correct horse battery"},
            timeout=30,
        )
    finally:
        closed.restore_redis()
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "redis_unavailable"
