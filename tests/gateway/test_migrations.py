"""The Alembic migrations build exactly the schema the models describe, on SQLite and on
PostgreSQL, and the newest one can be rolled back and applied again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect

from gateway.settings import DatabaseConfig
from gateway.storage import account_models  # noqa: F401  (its tables join Base.metadata)
from gateway.storage.database import alembic_config, create_engine, migrate
from gateway.storage.models import Base
from tests.services import postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}"
    else:
        yield from postgres_database()


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _budget_columns(connection: Connection) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns("budgets")}


async def test_migrations_build_the_models_schema(database_url: str) -> None:
    engine = create_engine(DatabaseConfig(url=database_url))
    try:
        await migrate(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
            assert "alert_thresholds" in await connection.run_sync(_budget_columns)
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "0002"))
        async with engine.connect() as connection:
            assert "alert_thresholds" not in await connection.run_sync(_budget_columns)
        await migrate(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
    finally:
        await engine.dispose()
