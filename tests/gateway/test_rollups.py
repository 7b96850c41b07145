"""Usage rollups and budget spend totals: kept by the record writer exactly once per usage row
(a replay, a batch written twice, the same row twice in a batch), backfilled by migrations 0005
and 0006, and left whole by ``records.retention_days`` deleting the raw rows. On SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.ids import new_id
from core.settings import DatabaseConfig, RecordsConfig, WriterConfig
from core.storage.database import alembic_config, create_engine, migrate, session_factory
from core.storage.models import Decision, DecisionRollup, Org, UsageRecord, UsageRollup
from core.storage.rollups import insert_decisions, insert_usage
from gateway.budgets.store import BudgetSpec, spend_in_period
from gateway.retention import RetentionSweeper
from gateway.spool import Spool
from gateway.writer import RecordWriter
from tests.services import postgres_database

FAST = WriterConfig(
    flush_interval_seconds=0.01, retry_attempts=1, replay_interval_seconds=0.1, batch_size=50
)
NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'rollups.db'}"
    else:
        yield from postgres_database()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(DatabaseConfig(url=database_url))
    await migrate(engine)
    yield engine
    await engine.dispose()


async def make_org(engine: AsyncEngine) -> str:
    org_id = new_id()
    async with engine.begin() as connection:
        await connection.execute(
            Org.__table__.insert().values(id=org_id, name="o", slug=f"o-{org_id.lower()}")
        )
    return org_id


def usage(org_id: str, when: datetime, cost: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "id": new_id(),
        "org_id": org_id,
        "user_id": extra.get("user_id"),
        "api_key_id": extra.get("api_key_id"),
        "provider": "p",
        "model": extra.get("model", "m"),
        "input_tokens": 10,
        "output_tokens": 3,
        "cached_input_tokens": 1,
        "cost": None if cost is None else Decimal(cost),
        "cost_type": "external" if cost is not None else "unknown",
        "tool": extra.get("tool", "ai.generate"),
        "end_user": extra.get("end_user"),
        "correlation_id": None,
        "metadata": {},
        "timestamp": when,
    }


def decision(org_id: str, when: datetime) -> dict[str, Any]:
    return {
        "id": new_id(),
        "org_id": org_id,
        "direction": "precheck",
        "decision": "allow",
        "payload_hash": "0" * 64,
        "ts": when,
    }


async def rollup_totals(engine: AsyncEngine, org_id: str) -> tuple[int, int, Decimal, int, int]:
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                select(
                    func.sum(UsageRollup.input_tokens),
                    func.sum(UsageRollup.cached_input_tokens),
                    func.sum(UsageRollup.cost),
                    func.sum(UsageRollup.requests),
                    func.sum(UsageRollup.unpriced_requests),
                ).where(UsageRollup.org_id == org_id)
            )
        ).one()
    return (
        int(row[0] or 0),
        int(row[1] or 0),
        Decimal(str(row[2] or 0)),
        int(row[3] or 0),
        int(row[4] or 0),
    )


async def decision_total(engine: AsyncEngine, org_id: str) -> int:
    async with engine.connect() as connection:
        total = await connection.scalar(
            select(func.sum(DecisionRollup.decisions)).where(DecisionRollup.org_id == org_id)
        )
    return int(total or 0)


async def raw_count(engine: AsyncEngine, table: Any, org_id: str) -> int:
    async with engine.connect() as connection:
        return int(
            await connection.scalar(
                select(func.count()).select_from(table).where(table.c.org_id == org_id)
            )
        )


async def test_a_replayed_usage_row_is_counted_once(engine: AsyncEngine, tmp_path: Path) -> None:
    org_id = await make_org(engine)
    rows = [usage(org_id, NOW, "0.5"), usage(org_id, NOW, None, end_user="alice")]
    writer = RecordWriter(engine, FAST, Spool(tmp_path / "spool"))
    await writer.start()
    decisions = [decision(org_id, NOW), decision(org_id, NOW)]
    for row in rows + rows:  # the same rows twice, in one batch
        writer.submit("usage_records", row)
    for row in decisions + decisions:
        writer.submit("decisions", row)
    await writer.close()
    assert await rollup_totals(engine, org_id) == (20, 2, Decimal("0.5"), 2, 1)
    assert await decision_total(engine, org_id) == 2

    # A batch spooled although it had landed (a shutdown mid-insert) is replayed at the next
    # start: its rows exist, so nothing is added again.
    Spool(tmp_path / "spool").append(
        [("usage_records", row) for row in rows] + [("decisions", row) for row in decisions]
    )
    restarted = RecordWriter(engine, FAST, Spool(tmp_path / "spool"))
    await restarted.start()
    restarted.submit("usage_records", usage(org_id, NOW, "0.25"))
    await restarted.close()
    assert restarted.spool_depth == 0
    assert await rollup_totals(engine, org_id) == (30, 3, Decimal("0.75"), 3, 1)
    assert await raw_count(engine, UsageRecord.__table__, org_id) == 3
    assert await decision_total(engine, org_id) == 2


async def test_rollups_group_by_utc_day_and_every_dimension(engine: AsyncEngine) -> None:
    org_id = await make_org(engine)
    late = datetime(2026, 12, 5, 23, 59, tzinfo=UTC)
    async with engine.begin() as connection:
        added = await insert_usage(
            connection,
            [
                usage(org_id, late, "1", end_user="alice", api_key_id="k1"),
                usage(org_id, late + timedelta(minutes=2), "2", end_user="alice", api_key_id="k1"),
                usage(org_id, late + timedelta(minutes=3), "4", end_user="bob", tool="t2"),
            ],
        )
    assert added == 3
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(
                    UsageRollup.day,
                    UsageRollup.api_key_id,
                    UsageRollup.end_user,
                    UsageRollup.tool,
                    UsageRollup.cost,
                    UsageRollup.requests,
                )
                .where(UsageRollup.org_id == org_id)
                .order_by(UsageRollup.day, UsageRollup.end_user)
            )
        ).all()
    assert [(str(r[0]), r[1], r[2], r[3], Decimal(str(r[4])), r[5]) for r in rows] == [
        ("2026-12-05", "k1", "alice", "ai.generate", Decimal(1), 1),
        ("2026-12-06", "k1", "alice", "ai.generate", Decimal(2), 1),
        ("2026-12-06", "", "bob", "t2", Decimal(4), 1),
    ]


async def test_migration_0005_backfills_the_rollups(database_url: str) -> None:
    engine = create_engine(DatabaseConfig(url=database_url))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.upgrade(alembic_config(c), "0004_contract"))
            org_id = new_id()
            await connection.exec_driver_sql(
                "INSERT INTO orgs (id, name, slug, budget_enabled, budget_on_error, created_at,"
                f" updated_at) VALUES ('{org_id}', 'o', 'o', true, 'block', '2026-12-01',"
                " '2026-12-01')"
            )
            for n, (when, cost, key) in enumerate(
                [
                    ("2026-12-01 10:00:00", "0.5", "'k1'"),
                    ("2026-12-01 23:00:00", "0.25", "'k1'"),
                    ("2026-12-02 01:00:00", "NULL", "NULL"),
                ]
            ):
                await connection.exec_driver_sql(
                    "INSERT INTO usage_records (id, org_id, api_key_id, provider, model,"
                    " input_tokens, output_tokens, cached_input_tokens, cost, cost_type,"
                    f" metadata, timestamp) VALUES ('u{n}', '{org_id}', {key}, 'p', 'm', 10, 2,"
                    f" 0, {cost}, 'external', '{{}}', '{when}')"
                )
                await connection.exec_driver_sql(
                    "INSERT INTO decisions (id, org_id, direction, decision, tool,"
                    " detector_summary, payload_hash, reasons, tags, api_key_id, ts) VALUES"
                    f" ('d{n}', '{org_id}', 'precheck', 'allow', 'ai.generate', '{{}}', 'h', '[]',"
                    f" '[]', {key}, '{when}')"
                )
        await migrate(engine)
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(
                        UsageRollup.day,
                        UsageRollup.api_key_id,
                        UsageRollup.cost,
                        UsageRollup.requests,
                        UsageRollup.unpriced_requests,
                        UsageRollup.input_tokens,
                    ).order_by(UsageRollup.day)
                )
            ).all()
        assert [(str(r[0]), r[1], Decimal(str(r[2])), r[3], r[4], r[5]) for r in rows] == [
            ("2026-12-01", "k1", Decimal("0.75"), 2, 0, 20),
            ("2026-12-02", "", Decimal(0), 1, 1, 10),
        ]
        async with engine.connect() as connection:
            counted = (
                await connection.execute(
                    select(
                        DecisionRollup.day, DecisionRollup.api_key_id, DecisionRollup.decisions
                    ).order_by(DecisionRollup.day)
                )
            ).all()
        assert [(str(r[0]), r[1], r[2]) for r in counted] == [
            ("2026-12-01", "k1", 2),
            ("2026-12-02", "", 1),
        ]
        async with engine.begin() as connection:  # and it rolls back
            await connection.run_sync(
                lambda c: command.downgrade(alembic_config(c), "0004_contract")
            )
    finally:
        await engine.dispose()


async def test_retention_deletes_old_raw_rows_and_keeps_the_totals(engine: AsyncEngine) -> None:
    org_id = await make_org(engine)
    old = NOW - timedelta(days=40)
    async with engine.begin() as connection:
        await insert_usage(
            connection,
            [usage(org_id, old + timedelta(minutes=n), "1") for n in range(5)]
            + [usage(org_id, NOW - timedelta(days=1), "2")],
        )
        await insert_decisions(
            connection,
            [decision(org_id, old + timedelta(minutes=n)) for n in range(3)]
            + [decision(org_id, NOW)],
        )
    before = await rollup_totals(engine, org_id)
    # Batches of two: a sweep takes several statements and stops when one comes back short.
    sweeper = RetentionSweeper(engine, RecordsConfig(retention_days=30, retention_batch_size=2))
    assert await sweeper.sweep(NOW) == 8
    assert await raw_count(engine, UsageRecord.__table__, org_id) == 1
    assert await raw_count(engine, Decision.__table__, org_id) == 1
    assert await rollup_totals(engine, org_id) == before == (60, 6, Decimal(7), 6, 0)
    assert await decision_total(engine, org_id) == 4
    assert await sweeper.sweep(NOW) == 0


def budget(org_id: str, period: str, *, key: str | None = None, user: str | None = None) -> Any:
    return BudgetSpec(new_id(), org_id, user, key, "b", Decimal(100), period)


async def spend(engine: AsyncEngine, spec: BudgetSpec, now: datetime = NOW) -> Decimal:
    async with session_factory(engine)() as session:
        return await spend_in_period(session, spec, now)


async def test_budget_spend_per_month_and_scope_counted_once(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    org_id = await make_org(engine)
    other_org = await make_org(engine)
    november = datetime(2026, 11, 30, 23, 59, tzinfo=UTC)
    december = datetime(2026, 12, 1, 0, 1, tzinfo=UTC)
    rows = [
        usage(org_id, november, "1", api_key_id="k1", user_id="u1"),
        usage(org_id, december, "2", api_key_id="k1", user_id="u1"),
        usage(org_id, december, "4", api_key_id="k2", user_id="u1", model="m2", end_user="e"),
        usage(org_id, december, "8", api_key_id="k3", user_id="u2", tool="t2"),
        usage(org_id, december, None, api_key_id="k1", user_id="u1"),  # unpriced: adds nothing
        usage(org_id, december, "0", api_key_id="k1"),  # a cache hit: free
        usage(other_org, december, "16", api_key_id="k1", user_id="u1"),
    ]
    writer = RecordWriter(engine, FAST, Spool(tmp_path / "spool"))
    await writer.start()
    for row in rows + rows[:3]:  # some rows twice, in one batch
        writer.submit("usage_records", row)
    await writer.close()
    async with engine.begin() as connection:  # and once more, replayed: nothing is added
        assert await insert_usage(connection, rows) == 0

    assert await spend(engine, budget(org_id, "monthly")) == Decimal(14)
    assert await spend(engine, budget(org_id, "monthly"), november) == Decimal(1)
    assert await spend(engine, budget(org_id, "yearly")) == Decimal(15)
    assert await spend(engine, budget(org_id, "total")) == Decimal(15)
    assert await spend(engine, budget(org_id, "monthly", key="k1")) == Decimal(2)
    assert await spend(engine, budget(org_id, "total", key="k1")) == Decimal(3)
    assert await spend(engine, budget(org_id, "monthly", user="u1")) == Decimal(6)
    assert await spend(engine, budget(org_id, "yearly", user="u2")) == Decimal(8)
    assert await spend(engine, budget(org_id, "monthly", key="k9")) == Decimal(0)
    assert await spend(engine, budget(other_org, "monthly", key="k1")) == Decimal(16)
    # Next year's January: the yearly budget starts again at zero.
    assert await spend(engine, budget(org_id, "yearly"), datetime(2027, 1, 2, tzinfo=UTC)) == 0


async def test_migration_0006_fills_budget_spend_from_the_rollups(database_url: str) -> None:
    engine = create_engine(DatabaseConfig(url=database_url))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(
                lambda c: command.upgrade(alembic_config(c), "0005_cache_saved")
            )
            org_id = new_id()
            await connection.exec_driver_sql(
                "INSERT INTO orgs (id, name, slug, budget_enabled, budget_on_error, created_at,"
                f" updated_at) VALUES ('{org_id}', 'o', 'o', true, 'block', '2026-12-01',"
                " '2026-12-01')"
            )
            for day, key, user, end_user, cost in [
                ("2026-11-30", "k1", "u1", "", "1"),
                ("2026-12-01", "k1", "u1", "", "2"),
                ("2026-12-01", "k1", "u1", "e", "4"),
                ("2026-12-05", "k2", "", "", "8"),
                ("2026-12-05", "", "", "", "16"),
            ]:
                await connection.exec_driver_sql(
                    "INSERT INTO usage_rollups (org_id, day, model, provider, api_key_id,"
                    " user_id, end_user, tool, input_tokens, output_tokens,"
                    " cached_input_tokens, cost, requests, unpriced_requests) VALUES"
                    f" ('{org_id}', '{day}', 'm', 'p', '{key}', '{user}', '{end_user}', 't', 1,"
                    f" 1, 0, {cost}, 1, 0)"
                )
        await migrate(engine)
        assert await spend(engine, budget(org_id, "monthly")) == Decimal(30)
        assert await spend(engine, budget(org_id, "yearly")) == Decimal(31)
        assert await spend(engine, budget(org_id, "monthly", key="k1")) == Decimal(6)
        assert await spend(engine, budget(org_id, "total", user="u1")) == Decimal(7)
        assert await spend(engine, budget(org_id, "monthly", key="k2")) == Decimal(8)
        # What the writer adds from now on lands on the migrated totals.
        async with engine.begin() as connection:
            await insert_usage(connection, [usage(org_id, NOW, "32", api_key_id="k1")])
        assert await spend(engine, budget(org_id, "monthly", key="k1")) == Decimal(38)
        async with engine.begin() as connection:  # and it rolls back
            await connection.run_sync(
                lambda c: command.downgrade(alembic_config(c), "0005_cache_saved")
            )
    finally:
        await engine.dispose()
