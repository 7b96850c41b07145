"""The writer's compiled bulk insert stores exactly what SQLAlchemy's own insert stores.

Each record table gets the same row twice, once through ``insert(table)`` and once through
``BulkInsert``, and every column is read back as text, so SQL NULL and JSON null, datetime
formats and decimal storage would all show a difference.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from core.ids import new_id
from core.settings import DatabaseConfig
from core.storage.bulk_insert import BulkInsert
from core.storage.database import create_engine, migrate
from core.storage.models import Base, Org

AT = datetime(2026, 11, 26, 1, 2, 3, 456789, tzinfo=UTC)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("bulk") / "bulk.db"
        return f"sqlite+aiosqlite:///{path}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="module")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    url = database_url
    engine = create_engine(DatabaseConfig(url=url))
    await migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def org_id(engine: AsyncEngine) -> str:
    org_id = new_id()
    async with engine.begin() as connection:
        await connection.execute(
            Org.__table__.insert().values(id=org_id, name=f"bulk-{org_id}", slug=org_id.lower())
        )
    return org_id


def full_rows(org_id: str) -> dict[str, dict[str, Any]]:
    """One row per record table with every column given, nulls and nested JSON included."""
    return {
        "decisions": {
            "org_id": org_id,
            "direction": "postcheck",
            "decision": "transform",
            "tool": "ai.generate",
            "scope": None,
            "detector_summary": {"piiDetected": ["EMAIL"], "confidence": 0.5, "nested": [1, None]},
            "payload_hash": "ab" * 32,
            "payload_out": None,
            "reasons": ["pii.email", "ünïcode ✓"],
            "policy_id": None,
            "latency_ms": 12,
            "correlation_id": "req-1",
            "tags": [],
            "api_key_id": None,
            "user_id": None,
            "ts": AT,
        },
        "usage_records": {
            "org_id": org_id,
            "user_id": None,
            "api_key_id": "k1",
            "provider": "openai",
            "model": "gpt-4o-mini",
            "input_tokens": 1234,
            "output_tokens": 56,
            "cached_input_tokens": 0,
            "cost": Decimal("0.0001234567"),
            "cost_type": "external",
            "tool": None,
            "correlation_id": "req-1",
            "metadata": {"estimated": False},
            "timestamp": AT.astimezone(timezone(timedelta(hours=2))),
        },
        "audit_logs": {
            "user_id": None,
            "org_id": org_id,
            "api_key_id": None,
            "action": "budget.threshold",
            "resource": "budget:b1",
            "details": None,
            "created_at": AT,
        },
    }


def minimal_rows(org_id: str) -> dict[str, dict[str, Any]]:
    """Rows that leave out every column with a default."""
    return {
        "decisions": {
            "org_id": org_id,
            "direction": "precheck",
            "decision": "allow",
            "payload_hash": "0" * 64,
        },
        "usage_records": {
            "org_id": org_id,
            "provider": "echo",
            "model": "echo",
            "input_tokens": 1,
            "output_tokens": 2,
        },
        "audit_logs": {"action": "a", "resource": "r"},
    }


async def stored_as_text(engine: AsyncEngine, table: Table, row_id: str) -> dict[str, Any]:
    """Every column but the id as the database holds it; JSON parsed (its spacing may differ),
    tagged so that JSON null and SQL NULL stay apart."""
    columns = [c.name for c in table.columns if c.name != "id"]
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    select = ", ".join(f'CAST("{name}" AS TEXT) AS "{name}"' for name in columns)
    async with engine.connect() as connection:
        result = await connection.exec_driver_sql(
            f"SELECT {select} FROM {table.name} WHERE id = '{row_id}'"
        )
        stored = dict(result.mappings().one())
    for name in json_columns & stored.keys():
        if stored[name] is not None:
            stored[name] = ("json", json.loads(stored[name]))
    return stored


@pytest.mark.parametrize("shape", ["full", "minimal"])
@pytest.mark.parametrize("table_name", ["decisions", "usage_records", "audit_logs"])
async def test_bulk_insert_stores_what_sqlalchemy_stores(
    engine: AsyncEngine, org_id: str, table_name: str, shape: str
) -> None:
    table = Base.metadata.tables[table_name]
    row = (full_rows if shape == "full" else minimal_rows)(org_id)[table_name]
    by_sqlalchemy, by_bulk = new_id(), new_id()
    bulk = BulkInsert(engine.dialect, table)
    async with engine.begin() as connection:
        await connection.execute(table.insert(), [{**row, "id": by_sqlalchemy}])
        await bulk.insert(connection, [{**row, "id": by_bulk}])

    expected = await stored_as_text(engine, table, by_sqlalchemy)
    stored = await stored_as_text(engine, table, by_bulk)
    if shape == "minimal":  # defaulted timestamps are "now" at two different moments
        for name in ("ts", "timestamp", "created_at"):
            if name in expected:
                assert stored.pop(name) is not None
                expected.pop(name)
    assert stored == expected


async def test_a_row_whose_id_exists_is_skipped(engine: AsyncEngine, org_id: str) -> None:
    table = Base.metadata.tables["usage_records"]
    bulk = BulkInsert(engine.dialect, table)
    row = {**full_rows(org_id)["usage_records"], "id": new_id()}
    async with engine.begin() as connection:
        await bulk.insert(connection, [row])
        await bulk.insert(connection, [{**row, "model": "changed"}, row])
        models = await connection.exec_driver_sql(
            f"SELECT model FROM usage_records WHERE id = '{row['id']}'"
        )
        assert models.scalars().all() == ["gpt-4o-mini"]


async def test_a_large_batch_is_stored_whole(engine: AsyncEngine, org_id: str) -> None:
    bulk = BulkInsert(engine.dialect, Base.metadata.tables["decisions"])
    template = full_rows(org_id)["decisions"]
    rows = [{**template, "id": new_id(), "correlation_id": f"big-{n}"} for n in range(2_000)]
    async with engine.begin() as connection:
        await bulk.insert(connection, rows)
        stored = await connection.exec_driver_sql(
            f"SELECT correlation_id FROM decisions WHERE org_id = '{org_id}'"
        )
        assert sorted(stored.scalars().all()) == sorted(r["correlation_id"] for r in rows)


async def test_a_value_json_cannot_hold_is_refused(engine: AsyncEngine) -> None:
    bulk = BulkInsert(engine.dialect, Base.metadata.tables["decisions"])
    with pytest.raises(TypeError, match="set"):
        bulk.encode({"id": new_id(), "tags": {1, 2}})


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 26, 1, 2, 3, tzinfo=UTC),  # no microseconds: still written
        datetime(
            2026, 11, 26, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5, minutes=-30))
        ),
        datetime(2026, 11, 26, 1, 2, 3, 4),  # naive
    ],
    ids=["utc-whole-second", "offset", "naive"],
)
async def test_timestamps_are_stored_as_sqlalchemy_stores_them(
    engine: AsyncEngine, org_id: str, moment: datetime
) -> None:
    if moment.tzinfo is None and engine.dialect.name != "sqlite":
        pytest.skip("a naive timestamp is SQLite's case (PostgreSQL columns are timestamptz)")
    table = Base.metadata.tables["decisions"]
    row = {**full_rows(org_id)["decisions"], "ts": moment}
    by_sqlalchemy, by_bulk = new_id(), new_id()
    async with engine.begin() as connection:
        await connection.execute(table.insert(), [{**row, "id": by_sqlalchemy}])
        await BulkInsert(engine.dialect, table).insert(connection, [{**row, "id": by_bulk}])
    expected = await stored_as_text(engine, table, by_sqlalchemy)
    assert (await stored_as_text(engine, table, by_bulk))["ts"] == expected["ts"]


async def test_a_refused_row_raises_what_sqlalchemy_raises(engine: AsyncEngine) -> None:
    """The writer tells a refused row from a database that is down by SQLAlchemy's error
    classes; on SQLite the insert goes to the driver itself and must raise the same."""
    bulk = BulkInsert(engine.dialect, Base.metadata.tables["decisions"])
    row = {"id": new_id(), "org_id": None, "direction": "precheck", "decision": "allow"}
    errors = []
    for insert in (
        lambda connection: connection.exec_driver_sql(bulk.sql, [bulk.encode(row)]),
        lambda connection: bulk.insert(connection, [row]),
    ):
        with pytest.raises(DBAPIError) as caught:
            async with engine.begin() as connection:
                await insert(connection)
        errors.append(caught.value)
    by_sqlalchemy, by_bulk = errors
    assert type(by_bulk) is type(by_sqlalchemy)  # IntegrityError: NOT NULL
    assert type(by_bulk.orig) is type(by_sqlalchemy.orig)
    assert not by_bulk.connection_invalidated
