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
from sqlalchemy.exc import IntegrityError

from core.settings import DatabaseConfig
from core.storage import account_models  # noqa: F401  (its tables join Base.metadata)
from core.storage.database import alembic_config, create_engine, migrate
from core.storage.models import Base
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


def _org_names_and_children(connection: Connection) -> tuple[list[str], int, int]:
    names = [row[0] for row in connection.exec_driver_sql("SELECT name FROM orgs ORDER BY id")]
    keys = connection.exec_driver_sql("SELECT count(*) FROM api_keys").scalar()
    members = connection.exec_driver_sql("SELECT count(*) FROM memberships").scalar()
    return names, int(keys or 0), int(members or 0)


def _seed_orgs(connection: Connection) -> None:
    now = "2026-12-01 00:00:00"
    for org_id, name, slug in (("org1", "Acme", "acme"), ("org2", "Umbrella", "umbrella")):
        connection.exec_driver_sql(
            "INSERT INTO orgs (id, name, slug, budget_enabled, budget_on_error, created_at,"
            f" updated_at) VALUES ('{org_id}', '{name}', '{slug}', true, 'block', '{now}',"
            f" '{now}')"
        )
    connection.exec_driver_sql(
        "INSERT INTO users (id, email, created_at, updated_at)"
        f" VALUES ('u1', 'a@example.com', '{now}', '{now}')"
    )
    connection.exec_driver_sql(
        "INSERT INTO memberships (id, org_id, user_id, role, created_at, updated_at)"
        f" VALUES ('m1', 'org1', 'u1', 'OWNER', '{now}', '{now}')"
    )
    connection.exec_driver_sql(
        "INSERT INTO api_keys (id, key_hash, key_prefix, name, org_id, scopes, env, is_active,"
        f" created_at, updated_at) VALUES ('k1', 'h1', 'gai_x', 'k', 'org1', '[]', 'prod', true,"
        f" '{now}', '{now}')"
    )


async def test_0004_lets_org_names_repeat_and_keeps_every_row(database_url: str) -> None:
    """Upgraded from 0003 with data in it (on SQLite the orgs table is rebuilt, which must not
    cascade to its keys and members), two orgs may then share a name; the downgrade puts the
    constraint back."""
    engine = create_engine(DatabaseConfig(url=database_url))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.upgrade(alembic_config(c), "0003"))
            await connection.run_sync(_seed_orgs)
        await migrate(engine)
        async with engine.begin() as connection:
            assert await connection.run_sync(_org_names_and_children) == (
                ["Acme", "Umbrella"], 1, 1,
            )  # fmt: skip
            await connection.exec_driver_sql("UPDATE orgs SET name = 'Acme' WHERE id = 'org2'")
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
            assert await connection.run_sync(_org_names_and_children) == (
                ["Acme", "Acme"], 1, 1,
            )  # fmt: skip
        async with engine.begin() as connection:
            await connection.exec_driver_sql("UPDATE orgs SET name = 'Umbrella' WHERE id = 'org2'")
            await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "0003"))
        async with engine.connect() as connection:
            assert await connection.run_sync(_org_names_and_children) == (
                ["Acme", "Umbrella"], 1, 1,
            )  # fmt: skip
            with pytest.raises(IntegrityError):
                await connection.exec_driver_sql("UPDATE orgs SET name = 'Acme' WHERE id = 'org2'")
    finally:
        await engine.dispose()
