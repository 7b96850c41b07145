"""Batch inserts of record rows without SQLAlchemy's per-row statement processing.

The record writer inserts three rows per request, thousands a second, on the event loop that also
serves requests. SQLAlchemy's executemany path builds and processes a parameter dict per row
through its generic machinery, at more than twice the event-loop CPU per request of this
module (``bench/pipeline_costs.py``, figures in bench/RESULTS.md). Here each table's
``INSERT ... ON CONFLICT (id) DO NOTHING`` is compiled once at start-up, and a row becomes a
tuple in the statement's parameter order, each value passed through the dialect's own bind
processor (JSON through orjson), so what reaches the database is what SQLAlchemy would have
sent. The driver's executemany takes the tuples as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import JSON, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.schema import Column

Encoder = Callable[[Any], Any]

_MISSING = object()


class BulkInsert:
    """One table's idempotent insert of many rows: ``await insert(connection, rows)``."""

    def __init__(self, dialect: Dialect, table: Table) -> None:
        if dialect.name == "postgresql":
            insert = postgresql.insert(table)
        elif dialect.name == "sqlite":
            insert = sqlite.insert(table)
        else:
            raise RuntimeError(f"unsupported database dialect {dialect.name!r}")
        statement = insert.values(
            {column.name: bindparam(column.name) for column in table.columns}
        ).on_conflict_do_nothing(index_elements=["id"])
        compiled = statement.compile(dialect=dialect)
        if not dialect.positional or compiled.positiontup is None:
            raise RuntimeError(f"{dialect.name} does not take positional parameters")
        self.sql = str(compiled)
        self._columns = tuple(
            _column_plan(table.columns[name], dialect) for name in compiled.positiontup
        )

    async def insert(self, connection: AsyncConnection, rows: list[dict[str, Any]]) -> None:
        """All rows in one executemany: asyncpg pipelines it; sqlite3 steps one prepared
        statement per row (cheaper in SQLite's CPU than a multi-row VALUES statement; figures
        in bench/RESULTS.md)."""
        if rows:
            await connection.exec_driver_sql(self.sql, [self.encode(row) for row in rows])

    def encode(self, row: dict[str, Any]) -> tuple[Any, ...]:
        """The row's parameters, in statement order; absent columns take their default."""
        values = []
        for name, default, process in self._columns:
            value = row.get(name, _MISSING)
            if value is _MISSING:
                if default is None:
                    values.append(None)  # SQL NULL, even for JSON (None given is JSON null)
                    continue
                value = default()
            values.append(value if process is None else process(value))
        return tuple(values)


def _column_plan(
    column: Column[Any], dialect: Dialect
) -> tuple[str, Callable[[], Any] | None, Encoder | None]:
    return column.name, _default_of(column), _bind_processor(column, dialect)


def _default_of(column: Column[Any]) -> Callable[[], Any] | None:
    default = column.default
    if default is None:
        return None
    if default.is_scalar:
        value = default.arg  # type: ignore[attr-defined]
        return lambda: value
    if default.is_callable:
        # SQLAlchemy wraps a zero-argument default into one that takes the execution context.
        function = default.arg  # type: ignore[attr-defined]
        return lambda: function(None)
    raise RuntimeError(f"column {column.name!r} has a default the bulk insert cannot evaluate")


def _bind_processor(column: Column[Any], dialect: Dialect) -> Encoder | None:
    implementation = column.type.dialect_impl(dialect)
    if isinstance(implementation, JSON):
        # SQLAlchemy's JSON type persists Python None as JSON null (none_as_null is off), and
        # every dialect here binds JSON as text; orjson is ~5x faster than json.dumps.
        return _json_text
    return implementation.bind_processor(dialect)


def _json_text(value: Any) -> str:
    return orjson.dumps(value, default=_json_default).decode()


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot store a {type(value).__name__} as JSON")
