"""Usage rollups kept in step with the usage rows, exactly once per row.

``RollupWriter.insert(connection, rows)`` inserts usage rows (idempotent: a row whose id exists
is skipped) and adds the rows this transaction really inserted to ``usage_rollups``, in the
same transaction. A replayed row (a retry, a spool replay, a batch written twice) is therefore
counted once. Which rows were inserted:

- PostgreSQL: after the insert, the batch's ids whose ``xmin`` is this transaction's id. Exact
  even when two writers insert the same id at once (the second one's insert waits, then skips).
- SQLite: the batch's ids already present, read before the insert. SQLite has one writer at a
  time and a row id lives in one writer's queue or spool, so the read cannot go stale.

Rollups are per org, UTC day and dimension (model, provider, key, user, end user, tool); an
absent dimension is ``''`` (``storage.models.NONE``) so the composite key matches it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, bindparam, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.storage.bulk_insert import BulkInsert
from gateway.storage.models import NONE, UsageRecord, UsageRollup

DIMENSIONS = ("org_id", "day", "model", "provider", "api_key_id", "user_id", "end_user", "tool")
MEASURES = (
    "input_tokens", "output_tokens", "cached_input_tokens", "cost", "requests",
    "unpriced_requests",
)  # fmt: skip

_INSERTED_PG = text(
    "SELECT id FROM usage_records WHERE id = ANY(:ids) AND xmin = pg_current_xact_id()::xid"
)


def utc_day(moment: datetime) -> date:
    """The UTC day of a timestamp; a naive one is taken as UTC (SQLite reads them so)."""
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)).date()


def rollup_key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (
        row["org_id"],
        utc_day(row["timestamp"]),
        row["model"],
        row["provider"],
        row.get("api_key_id") or NONE,
        row.get("user_id") or NONE,
        row.get("end_user") or NONE,
        row.get("tool") or NONE,
    )


def fold(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Usage rows summed per rollup key: the increments to add to ``usage_rollups``."""
    sums: dict[tuple[Any, ...], list[Any]] = {}
    for row in rows:
        bucket = sums.setdefault(rollup_key(row), [0, 0, 0, Decimal(0), 0, 0])
        bucket[0] += int(row["input_tokens"])
        bucket[1] += int(row["output_tokens"])
        bucket[2] += int(row.get("cached_input_tokens") or 0)
        cost = row.get("cost")
        if cost is None:
            bucket[5] += 1
        else:
            bucket[3] += Decimal(str(cost))
        bucket[4] += 1
    return [
        {**dict(zip(DIMENSIONS, key, strict=True)), **dict(zip(MEASURES, v, strict=True))}
        for key, v in sums.items()
    ]


def _upsert(dialect: Dialect, table: Table) -> Any:
    if dialect.name == "postgresql":
        statement: Any = postgresql.insert(table)
    elif dialect.name == "sqlite":
        statement = sqlite.insert(table)
    else:
        raise RuntimeError(f"unsupported database dialect {dialect.name!r}")
    statement = statement.values({name: bindparam(name) for name in DIMENSIONS + MEASURES})
    return statement.on_conflict_do_update(
        index_elements=list(DIMENSIONS),
        set_={name: table.c[name] + statement.excluded[name] for name in MEASURES},
    )


class RollupWriter:
    """Usage rows in, counted once in the rollups: built once per engine, at start-up."""

    def __init__(self, dialect: Dialect) -> None:
        usage: Table = UsageRecord.__table__  # type: ignore[assignment]
        self._insert = BulkInsert(dialect, usage)
        self._upsert = _upsert(dialect, UsageRollup.__table__)  # type: ignore[arg-type]
        self._postgres = dialect.name == "postgresql"
        self._existing = select(usage.c.id).where(usage.c.id.in_(bindparam("ids", expanding=True)))

    async def insert(self, connection: AsyncConnection, rows: list[dict[str, Any]]) -> int:
        """Insert ``rows`` and roll up the ones inserted now; return how many those were."""
        if not rows:
            return 0
        ids = [row["id"] for row in rows]
        if self._postgres:
            await self._insert.insert(connection, rows)
            inserted = set((await connection.execute(_INSERTED_PG, {"ids": ids})).scalars())
        else:
            existing = set((await connection.execute(self._existing, {"ids": ids})).scalars())
            await self._insert.insert(connection, rows)
            inserted = set(ids) - existing
        # By id: a row queued twice in one batch was still inserted once.
        fresh = list({row["id"]: row for row in rows if row["id"] in inserted}.values())
        increments = fold(fresh)
        if increments:
            await connection.execute(self._upsert, increments)
        return len(fresh)


async def insert_usage(connection: AsyncConnection, rows: list[dict[str, Any]]) -> int:
    """Insert usage rows with their rollups outside the writer (CLI imports, tests, benches)."""
    return await RollupWriter(connection.dialect).insert(connection, rows)
