"""A PostgreSQL outage under load loses nothing.

A gateway whose database connection runs through a cuttable TCP proxy takes 200 concurrent
requests; the database is cut while they run. Every request still succeeds, a subscriber keeps
seeing every decision live, health and metrics report the spooled records, and once the
database is back every decision and usage row arrives exactly once.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from core.settings import DatabaseConfig
from core.storage.database import create_engine
from core.storage.models import Decision, UsageRecord
from tests.fakes.tcp_proxy import CuttableProxy
from tests.gateway.live.support import Feed, new_key, small_gateway
from tests.harness import RunningGateway, ServiceThread

REQUESTS = 200
CONCURRENCY = 20
CUT_AFTER = 40  # requests answered before the database goes away


@pytest.fixture
def database_proxy(service_thread: ServiceThread) -> Iterator[CuttableProxy]:
    proxy = CuttableProxy("127.0.0.1", 5432)
    service_thread.run(proxy.start())
    yield proxy
    service_thread.run(proxy.close())


@pytest.fixture
def running(
    service_thread: ServiceThread,
    postgres_url: str,
    database_proxy: CuttableProxy,
    tmp_path: Path,
) -> Iterator[RunningGateway]:
    gateway = small_gateway(
        service_thread,
        tmp_path,
        database={"url": postgres_url.replace(":5432/", f":{database_proxy.port}/")},
        writer={
            "flush_interval_seconds": 0.01,
            "spool_dir": str(tmp_path / "spool"),
            "retry_attempts": 1,
            "replay_interval_seconds": 0.2,
        },
        # Keys are checked against the database at most this often; a key seen before the
        # outage keeps working through it.
        auth={"key_cache_seconds": 600},
        health={"cache_seconds": 0, "check_timeout_seconds": 1},
    )
    yield gateway
    gateway.stop()


async def _load(url: str, key: str, ids: list[str], answered: list[int], cut: Any) -> None:
    limit = asyncio.Semaphore(CONCURRENCY)
    async with httpx.AsyncClient(timeout=30) as client:

        async def one(rid: str) -> None:
            async with limit:
                response = await client.post(
                    f"{url}/v1/chat/completions",
                    headers={"Authorization": f"Bearer {key}", "X-Request-ID": rid},
                    json={"model": "echo", "messages": [{"role": "user", "content": rid}]},
                )
            answered.append(response.status_code)
            if len(answered) == CUT_AFTER:
                await cut()

        await asyncio.gather(*(one(rid) for rid in ids))


def _get(running: RunningGateway, path: str, key: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.get(f"{running.base_url}{path}", headers=headers, timeout=10)


def _metric(running: RunningGateway, name: str) -> float:
    for line in _get(running, "/metrics").text.splitlines():
        if line.startswith(f"{name} "):
            return float(line.split()[1])
    raise AssertionError(f"no metric {name}")


async def _stored(postgres_url: str, ids: list[str]) -> tuple[Counter[str], Counter[str]]:
    engine = create_engine(DatabaseConfig(url=postgres_url))  # straight to PostgreSQL
    try:
        async with engine.connect() as connection:
            decisions = await connection.execute(
                select(Decision.correlation_id, func.count())
                .where(Decision.correlation_id.in_(ids))
                .group_by(Decision.correlation_id)
            )
            usage = await connection.execute(
                select(UsageRecord.correlation_id, func.count())
                .where(UsageRecord.correlation_id.in_(ids))
                .group_by(UsageRecord.correlation_id)
            )
            return Counter(dict(decisions.all())), Counter(dict(usage.all()))
    finally:
        await engine.dispose()


async def test_a_database_outage_under_load_loses_no_record(
    running: RunningGateway,
    database_proxy: CuttableProxy,
    service_thread: ServiceThread,
    postgres_url: str,
) -> None:
    key = new_key(running, ("precheck:invoke", "decisions:read"))
    ids = [f"outage-{n}-{uuid.uuid4().hex}" for n in range(REQUESTS)]
    assert _get(running, "/api/health", key.secret).json()["status"] == "healthy"

    async def cut() -> None:
        await asyncio.to_thread(service_thread.run, database_proxy.cut())

    answered: list[int] = []
    async with await Feed.open(running.base_url, key.secret) as feed:  # authenticated before
        await feed.subscribe(f"org:{key.slug}:decisions")
        await _load(running.base_url, key.secret, ids, answered, cut)
        assert answered == [200] * REQUESTS  # the proxy kept serving
        await feed.gather(lambda pushed: len(pushed) == 2 * REQUESTS, timeout=5)
    assert Counter(p["data"]["correlationId"] for p in feed.pushed) == dict.fromkeys(ids, 2)

    running.flush()  # everything is written or spooled by now
    assert not database_proxy.up
    assert running.gateway.writer.spooled > 0
    ready = _get(running, "/readyz")
    assert (ready.status_code, ready.json()["database"]) == (503, "unreachable")
    during = _get(running, "/api/health", key.secret).json()
    assert during["status"] == "error" and during["dlqCount"] > 0
    assert _metric(running, "governs_dlq_records") > 0

    await asyncio.to_thread(service_thread.run, database_proxy.restore())
    deadline = time.monotonic() + 30
    while True:
        decisions, usage = await _stored(postgres_url, ids)
        if sum(decisions.values()) == 2 * REQUESTS and sum(usage.values()) == REQUESTS:
            break
        assert time.monotonic() < deadline, (sum(decisions.values()), sum(usage.values()))
        await asyncio.sleep(0.2)
    assert decisions == dict.fromkeys(ids, 2)  # each exactly once: no loss, no duplicate
    assert usage == dict.fromkeys(ids, 1)

    while (after := _get(running, "/api/health", key.secret).json())["dlqCount"]:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.2)
    assert after == {
        "status": "healthy",
        "lastIngestTime": after["lastIngestTime"],
        "dlqCount": 0,
        "totalDecisions": 2 * REQUESTS,
        "errorRate": 0.0,
    }
    assert _get(running, "/readyz").status_code == 200
    assert running.gateway.writer.dropped == 0
