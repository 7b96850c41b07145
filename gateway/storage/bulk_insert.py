"""Batch inserts of record rows without SQLAlchemy's per-row statement processing.

The record writer inserts three rows per request, thousands a second, on the event loop that also
serves requests. SQLAlchemy's executemany path builds and processes a parameter dict per row
through its generic machinery: about 43 µs of loop CPU per request at saturation
(``bench/pipeline_costs.py``). Here each table's ``INSERT ... ON CONFLICT (id) DO NOTHING`` is
prepared once at start-up, and a row becomes a tuple in column order, each value passed through
the dialect's own bind processor (JSON through orjson), so what reaches the database is what
SQLAlchemy would have sent. PostgreSQL takes the tuples in one executemany; SQLite in one
multi-row statement per batch.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import JSON, Table, bindparam
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.schema import Column

Encoder = Callable[[Any], Any]

_MISSING = object()
# Bound parameters one SQLite statement may hold (SQLITE_MAX_VARIABLE_NUMBER; 999 before 3.32).
_SQLITE_MAX_VARIABLES = 32_766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999


class BulkInsert:
    """One table's idempotent insert of many rows: ``await insert(connection, rows)``."""

    def __init__(self, dialect: Dialect, table: Table) -> None:
        self.table = table.name
        names = [column.name for column in table.columns]
        self._columns = tuple(_column_plan(column, dialect) for column in table.columns)
        if dialect.name == "postgresql":
            # asyncpg pipelines an executemany of one prepared statement.
            compiled = (
                postgresql.insert(table)
                .values({name: bindparam(name) for name in names})
                .on_conflict_do_nothing(index_elements=["id"])
                .compile(dialect=dialect)
            )
            if list(compiled.positiontup or ()) != names:
                raise RuntimeError(f"unexpected parameter order in {compiled}")
            self._executemany_sql = str(compiled)
        elif dialect.name == "sqlite":
            # One multi-row statement per batch, not executemany: sqlite3 releases and takes
            # back the GIL around every row it steps, which costs the event loop a thread
            # switch per row.
            quote = dialect.identifier_preparer.quote
            self._head = f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, names))}) VALUES "
            self._values = f"({', '.join('?' * len(names))})"
            self._tail = " ON CONFLICT (id) DO NOTHING"
            self.rows_per_statement = _SQLITE_MAX_VARIABLES // len(names)
            self._statements: dict[int, str] = {}
        else:
            raise RuntimeError(f"unsupported database dialect {dialect.name!r}")
        self._dialect = dialect.name

    async def insert(self, connection: AsyncConnection, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if self._dialect == "postgresql":
            await connection.exec_driver_sql(
                self._executemany_sql, [self.encode(row) for row in rows]
            )
            return
        step = self.rows_per_statement
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            parameters = tuple(value for row in chunk for value in self.encode(row))
            await connection.exec_driver_sql(self._statement(len(chunk)), parameters)

    def encode(self, row: dict[str, Any]) -> tuple[Any, ...]:
        """The row's parameters, in column order; absent columns take their default."""
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

    def _statement(self, rows: int) -> str:
        statement = self._statements.get(rows)
        if statement is None:  # at most rows_per_statement sizes, each built once
            statement = self._statements[rows] = (
                self._head + ", ".join([self._values] * rows) + self._tail
            )
        return statement


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
