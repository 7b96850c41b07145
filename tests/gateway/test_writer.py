"""The record writer loses nothing: retries, spools while the database is down, replays in
order without duplicates, and flushes on close."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.ids import new_id
from core.settings import DatabaseConfig, WriterConfig
from core.storage.database import create_engine, migrate
from core.storage.models import Decision, Org, UsageRecord
from gateway.spool import Spool
from gateway.writer import RecordWriter
from tests.fakes.tcp_proxy import CuttableProxy

FAST = WriterConfig(
    flush_interval_seconds=0.01, retry_attempts=1, replay_interval_seconds=0.1, batch_size=50
)


@pytest.fixture(scope="module")
async def database(postgres_url: str) -> AsyncIterator[tuple[AsyncEngine, str]]:
    engine = create_engine(DatabaseConfig(url=postgres_url))
    await migrate(engine)
    org_id = new_id()
    async with engine.begin() as connection:
        await connection.execute(
            Org.__table__.insert().values(
                id=org_id, name=f"writer-{org_id}", slug=f"w-{org_id.lower()}"
            )
        )
    yield engine, org_id
    await engine.dispose()


def usage(org_id: str, n: int, batch: str) -> dict[str, Any]:
    return {
        "id": new_id(),
        "org_id": org_id,
        "user_id": None,
        "api_key_id": None,
        "provider": "p",
        "model": batch,
        "input_tokens": n,
        "output_tokens": 1,
        "cached_input_tokens": 0,
        "cost": Decimal("0.0000001234"),
        "cost_type": "external",
        "tool": None,
        "correlation_id": f"{batch}-{n}",
        "metadata": {"n": n},
        "timestamp": datetime.now(UTC),
    }


async def count(engine: AsyncEngine, batch: str) -> int:
    async with engine.connect() as connection:
        return await connection.scalar(
            select(func.count()).select_from(UsageRecord).where(UsageRecord.model == batch)
        )


async def wait_for(predicate: Any, timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not await predicate():
            await asyncio.sleep(0.05)


async def test_rows_written_during_an_outage_arrive_after_it(
    database: tuple[AsyncEngine, str], postgres_url: str, tmp_path: Path
) -> None:
    engine, org_id = database
    proxy = CuttableProxy("127.0.0.1", 5432)
    await proxy.start()
    proxied = create_engine(DatabaseConfig(url=postgres_url.replace(":5432/", f":{proxy.port}/")))
    writer = RecordWriter(proxied, FAST, Spool(tmp_path / "spool"))
    await writer.start()
    try:
        rows = [usage(org_id, n, "outage") for n in range(300)]
        for row in rows[:100]:
            writer.submit("usage_records", row)
        await writer.wait_idle()
        assert await count(engine, "outage") == 100

        await proxy.cut()
        for row in rows[100:200]:
            writer.submit("usage_records", row)
        await writer.wait_idle()
        assert writer.spool_depth > 0
        assert await count(engine, "outage") == 100
        for row in rows[200:]:  # while the spool is not empty, new rows queue behind it
            writer.submit("usage_records", row)
        await writer.wait_idle()

        await proxy.restore()
        await wait_for(lambda: _equals(count(engine, "outage"), 300))
        assert writer.spool_depth == 0
    finally:
        await writer.close()
        await proxied.dispose()
        await proxy.close()
    async with engine.connect() as connection:
        stored = (
            await connection.execute(
                select(UsageRecord.correlation_id, UsageRecord.cost, UsageRecord.metadata_).where(
                    UsageRecord.model == "outage"
                )
            )
        ).all()
    assert sorted(r.correlation_id for r in stored) == sorted(r["correlation_id"] for r in rows)
    assert {r.cost for r in stored} == {Decimal("0.0000001234")}


async def _equals(awaitable: Any, expected: int) -> bool:
    return await awaitable == expected


async def test_close_with_the_database_down_spools_and_the_next_start_replays(
    database: tuple[AsyncEngine, str], postgres_url: str, tmp_path: Path
) -> None:
    engine, org_id = database
    proxy = CuttableProxy("127.0.0.1", 5432)
    await proxy.start()
    await proxy.cut()
    dead = create_engine(DatabaseConfig(url=postgres_url.replace(":5432/", f":{proxy.port}/")))
    spool = Spool(tmp_path / "spool")
    writer = RecordWriter(dead, FAST, spool)
    await writer.start()
    rows = [usage(org_id, n, "shutdown") for n in range(40)]
    for row in rows:
        writer.submit("usage_records", row)
    await writer.close()  # like SIGTERM during an outage
    await dead.dispose()
    await proxy.close()
    assert spool.depth() >= 1
    assert await count(engine, "shutdown") == 0

    restarted = RecordWriter(engine, FAST, Spool(tmp_path / "spool"))
    await restarted.start()
    try:
        await wait_for(lambda: _equals(count(engine, "shutdown"), 40))
    finally:
        await restarted.close()
    assert spool.depth() == 0


async def test_writing_a_batch_twice_keeps_one_row_each(
    database: tuple[AsyncEngine, str], tmp_path: Path
) -> None:
    engine, org_id = database
    writer = RecordWriter(engine, FAST, Spool(tmp_path / "spool"))
    await writer.start()
    rows = [usage(org_id, n, "twice") for n in range(5)]
    for row in rows + rows:
        writer.submit("usage_records", row)
    await writer.close()
    assert await count(engine, "twice") == 5


async def test_a_claim_left_by_a_dead_process_is_released(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    path = spool.append([("decisions", {"id": "x"})])
    path.rename(path.with_name(path.name + ".claimed-999999999"))
    assert spool.pending() == []
    spool.prepare()
    assert [p.name for p in spool.pending()] == [path.name]


async def test_sqlite_writer_round_trip(tmp_path: Path) -> None:
    engine = create_engine(DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"))
    await migrate(engine)
    org_id = new_id()
    async with engine.begin() as connection:
        await connection.execute(Org.__table__.insert().values(id=org_id, name="o", slug="o"))
    writer = RecordWriter(engine, FAST, Spool(tmp_path / "spool"))
    await writer.start()
    decision = {
        "id": new_id(),
        "org_id": org_id,
        "direction": "precheck",
        "decision": "allow",
        "tool": "ai.generate",
        "scope": None,
        "detector_summary": {},
        "payload_hash": "0" * 64,
        "payload_out": None,
        "reasons": [],
        "policy_id": None,
        "latency_ms": 1,
        "correlation_id": "c",
        "tags": [],
        "api_key_id": None,
        "user_id": None,
        "ts": datetime.now(UTC),
    }
    writer.submit("decisions", decision)
    writer.submit("usage_records", usage(org_id, 1, "sqlite"))
    await writer.close()
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(Decision)) == 1
        assert await connection.scalar(text("select cost from usage_records")) is not None
    await engine.dispose()
