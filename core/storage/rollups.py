"""Rollups kept in step with the usage and decision rows, exactly once per row.

``RollupWriter.insert(connection, rows)`` inserts usage (or decision) rows (idempotent: a row
whose id exists is skipped) and adds the rows this transaction really inserted to
``usage_rollups`` (or ``decision_rollups``), in the same transaction. A replayed row (a retry,
a spool replay, a batch written twice) is therefore counted once. Which rows were inserted:

- PostgreSQL: after the insert, the batch's ids whose ``xmin`` is this transaction's id. Exact
  even when two writers insert the same id at once (the second one's insert waits, then skips).
- SQLite: the batch's ids already present, read before the insert. SQLite has one writer at a
  time and a row id lives in one writer's queue or spool, so the read cannot go stale.

Usage rollups are per org, UTC day, model, provider, key, user, end user and tool; decision
rollups per org, UTC day, direction, decision, tool, key, user and model. An absent dimension
is ``''`` (``storage.models.NONE``) so the composite key matches it. The same usage rows also
add their cost to ``spend_totals`` (per org, UTC month and budget scope: org, key, user), what
a budget's current spend reads.

Increments are upserted sorted by their key, so two writers (two instances) that add to the
same rows lock them in the same order and never deadlock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from core.storage.bulk_insert import BulkInsert, PositionalStatement, driver_sql
from core.storage.models import (
    CACHE_COST,
    NONE,
    Decision,
    DecisionRollup,
    SpendTotal,
    UsageRecord,
    UsageRollup,
)

DIMENSIONS = ("org_id", "day", "model", "provider", "api_key_id", "user_id", "end_user", "tool")
MEASURES = (
    "input_tokens", "output_tokens", "cached_input_tokens", "cost", "requests",
    "unpriced_requests", "saved", "cache_hits",
)  # fmt: skip
DECISION_DIMENSIONS = (
    "org_id", "day", "direction", "decision", "tool", "api_key_id", "user_id", "model",
)  # fmt: skip
DECISION_MEASURES = ("decisions",)
SPEND_DIMENSIONS = ("org_id", "scope", "scope_id", "month")
SPEND_MEASURES = ("cost",)

Fold = Callable[[Iterable[dict[str, Any]]], list[dict[str, Any]]]


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


def fold_decisions(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Decision rows counted per rollup key: the increments to add to ``decision_rollups``."""
    counts: dict[tuple[Any, ...], int] = {}
    for row in rows:
        key = (
            row["org_id"],
            utc_day(row["ts"]),
            row["direction"],
            row["decision"],
            row.get("tool") or NONE,
            row.get("api_key_id") or NONE,
            row.get("user_id") or NONE,
            row.get("model") or NONE,
        )
        counts[key] = counts.get(key, 0) + 1
    return [
        {**dict(zip(DECISION_DIMENSIONS, key, strict=True)), "decisions": n}
        for key, n in sorted(counts.items())
    ]


def fold(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Usage rows summed per rollup key: the increments to add to ``usage_rollups``."""
    sums: dict[tuple[Any, ...], list[Any]] = {}
    for row in rows:
        bucket = sums.setdefault(rollup_key(row), [0, 0, 0, Decimal(0), 0, 0, Decimal(0), 0])
        bucket[0] += int(row["input_tokens"])
        bucket[1] += int(row["output_tokens"])
        bucket[2] += int(row.get("cached_input_tokens") or 0)
        cost = row.get("cost")
        if cost is None:
            bucket[5] += 1
        else:
            bucket[3] += Decimal(str(cost))
        bucket[4] += 1
        bucket[6] += Decimal(str(row.get("saved") or 0))
        if row.get("cost_type") == CACHE_COST:
            bucket[7] += 1
    return [
        {**dict(zip(DIMENSIONS, key, strict=True)), **dict(zip(MEASURES, v, strict=True))}
        for key, v in sorted(sums.items())
    ]


def fold_spend(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Priced usage rows summed per org, UTC month and budget scope: the increments to add to
    ``spend_totals``. Unpriced rows (cost unknown) and free ones (cache hits) add nothing."""
    sums: dict[tuple[str, str, str, date], Decimal] = {}
    for row in rows:
        cost = row.get("cost")
        if cost is None or not cost:
            continue
        amount = Decimal(str(cost))
        month = utc_day(row["timestamp"]).replace(day=1)
        org_id = row["org_id"]
        scopes = [("org", NONE)]
        if row.get("api_key_id"):
            scopes.append(("key", row["api_key_id"]))
        if row.get("user_id"):
            scopes.append(("user", row["user_id"]))
        for scope, scope_id in scopes:
            key = (org_id, scope, scope_id, month)
            sums[key] = sums.get(key, Decimal(0)) + amount
    return [
        {**dict(zip(SPEND_DIMENSIONS, key, strict=True)), "cost": cost}
        for key, cost in sorted(sums.items())
    ]


def _upsert(
    dialect: Dialect, table: Table, dimensions: tuple[str, ...], measures: tuple[str, ...]
) -> Any:
    if dialect.name == "postgresql":
        statement: Any = postgresql.insert(table)
    elif dialect.name == "sqlite":
        statement = sqlite.insert(table)
    else:
        raise RuntimeError(f"unsupported database dialect {dialect.name!r}")
    statement = statement.values({name: bindparam(name) for name in dimensions + measures})
    return statement.on_conflict_do_update(
        index_elements=list(dimensions),
        set_={name: table.c[name] + statement.excluded[name] for name in measures},
    )


@dataclass(frozen=True, slots=True)
class Rollup:
    """A table of sums kept from raw rows: its key columns, its summed columns, and how a
    batch of raw rows folds into increments of it."""

    table: Table
    dimensions: tuple[str, ...]
    measures: tuple[str, ...]
    fold: Fold


class RollupWriter:
    """Rows in, counted once in their rollups: built once per engine and table, at start-up."""

    def __init__(self, dialect: Dialect, raw: Table, rollups: Sequence[Rollup]) -> None:
        self._insert = BulkInsert(dialect, raw)
        # Compiled once: SQLAlchemy's cache has no key for these upserts, so executing a
        # statement compiled it again for every batch.
        self._rollups = [
            (
                PositionalStatement(
                    dialect, _upsert(dialect, r.table, r.dimensions, r.measures), r.table
                ),
                r.fold,
            )
            for r in rollups
        ]
        self._postgres = dialect.name == "postgresql"
        self._table = raw.name
        self._inserted_pg = text(
            f"SELECT id FROM {raw.name} WHERE id = ANY(:ids) AND xmin = pg_current_xact_id()::xid"
        )

    async def insert(self, connection: AsyncConnection, rows: list[dict[str, Any]]) -> int:
        """Insert ``rows`` and roll up the ones inserted now; return how many those were."""
        if not rows:
            return 0
        ids = [row["id"] for row in rows]
        if self._postgres:
            await self._insert.insert(connection, rows)
            found = await connection.execute(self._inserted_pg, {"ids": ids})
            inserted = set(found.scalars())
        else:
            # The driver's own SQL: SQLAlchemy's expanding IN costs more of the loop's CPU
            # (figures in bench/RESULTS.md).
            marks = ", ".join("?" * len(ids))
            found = await driver_sql(
                connection, f"SELECT id FROM {self._table} WHERE id IN ({marks})", tuple(ids)
            )
            existing = {row[0] for row in found}
            await self._insert.insert(connection, rows)
            inserted = set(ids) - existing
        # By id: a row queued twice in one batch was still inserted once.
        fresh = list({row["id"]: row for row in rows if row["id"] in inserted}.values())
        for upsert, fold_rows in self._rollups:
            increments = fold_rows(fresh)
            if increments:
                await upsert.execute_many(connection, increments)
        return len(fresh)


def usage_rollups(dialect: Dialect) -> RollupWriter:
    return RollupWriter(
        dialect,
        UsageRecord.__table__,  # type: ignore[arg-type]
        (
            Rollup(UsageRollup.__table__, DIMENSIONS, MEASURES, fold),  # type: ignore[arg-type]
            Rollup(SpendTotal.__table__, SPEND_DIMENSIONS, SPEND_MEASURES, fold_spend),  # type: ignore[arg-type]
        ),
    )


def decision_rollups(dialect: Dialect) -> RollupWriter:
    return RollupWriter(
        dialect,
        Decision.__table__,  # type: ignore[arg-type]
        (
            Rollup(
                DecisionRollup.__table__,  # type: ignore[arg-type]
                DECISION_DIMENSIONS,
                DECISION_MEASURES,
                fold_decisions,
            ),
        ),
    )


async def insert_usage(connection: AsyncConnection, rows: list[dict[str, Any]]) -> int:
    """Insert usage rows with their rollups outside the writer (CLI imports, tests, benches)."""
    return await usage_rollups(connection.dialect).insert(connection, rows)


async def insert_decisions(connection: AsyncConnection, rows: list[dict[str, Any]]) -> int:
    """Insert decision rows with their rollups outside the writer (tests, benches)."""
    return await decision_rollups(connection.dialect).insert(connection, rows)
