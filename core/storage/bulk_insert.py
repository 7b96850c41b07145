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

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import JSON, DateTime, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
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
        self._statement = PositionalStatement(dialect, statement, table)
        self.sql = self._statement.sql
        self.encode = self._statement.encode

    async def insert(self, connection: AsyncConnection, rows: list[dict[str, Any]]) -> None:
        """All rows in one executemany: asyncpg pipelines it; sqlite3 steps one prepared
        statement per row (cheaper in SQLite's CPU than a multi-row VALUES statement; figures
        in bench/RESULTS.md)."""
        await self._statement.execute_many(connection, rows)


class PositionalStatement:
    """A statement compiled once whose bind parameters are named after columns of ``table``;
    ``execute_many`` sends rows (dicts by column name) as tuples in the statement's order.

    A row's tuple is built by one function generated at start-up for the statement (as
    ``dataclasses`` generates ``__init__``): a loop over the columns, with a lookup, a default
    test and a call per column, cost more per row (``bench/pipeline_costs.py``, figures in
    bench/RESULTS.md). A value, or an absent column's default, passes through the
    dialect's bind processor; an absent column without a default is SQL NULL.
    """

    def __init__(self, dialect: Dialect, statement: Any, table: Table) -> None:
        compiled = statement.compile(dialect=dialect)
        if not dialect.positional or compiled.positiontup is None:
            raise RuntimeError(f"{dialect.name} does not take positional parameters")
        self.sql = str(compiled)
        self.encode = _row_encoder(
            [_column_plan(table.columns[name], dialect) for name in compiled.positiontup]
        )

    async def execute_many(self, connection: AsyncConnection, rows: list[dict[str, Any]]) -> None:
        if rows:
            encode = self.encode
            await driver_sql(connection, self.sql, [encode(row) for row in rows], many=True)


def _row_encoder(
    columns: list[tuple[str, Callable[[], Any] | None, Encoder | None]],
) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """``row -> tuple`` for these (name, default, processor) columns, in their order."""
    namespace: dict[str, Any] = {"_MISSING": _MISSING}
    values = []
    for number, (name, default, process) in enumerate(columns):
        if default is None and process is None:
            values.append(f"get({name!r})")
            continue
        value, absent = f"_v{number}", f"_d{number}()" if default is not None else "None"
        if process is not None:
            # A default is processed too; an absent column without one is SQL NULL.
            value = f"_p{number}({value})"
            absent = f"_p{number}({absent})" if default is not None else absent
        values.append(
            f"({value} if (_v{number} := get({name!r}, _MISSING)) is not _MISSING else {absent})"
        )
        namespace[f"_p{number}"] = process
        namespace[f"_d{number}"] = default
    listed = "".join(f"{value}, " for value in values)
    # Built above from the table's own column names (quoted by repr) and numbered names only.
    exec(f"def encode(row):\n    get = row.get\n    return ({listed})\n", namespace)
    encode: Callable[[dict[str, Any]], tuple[Any, ...]] = namespace["encode"]
    return encode


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
    process = implementation.bind_processor(dialect)
    if process is not None and dialect.name == "sqlite" and isinstance(implementation, DateTime):
        return _sqlite_datetime(process)
    return process


# Values whose text the fast SQLite DATETIME encoder must write exactly as SQLAlchemy does.
_DATETIME_SAMPLES = (
    datetime(2026, 1, 2, 3, 4, 5, 678901),
    datetime(2026, 11, 26, 23, 59, 59, tzinfo=UTC),
    datetime(999, 12, 31, 0, 0, 0, 1, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
)


def _sqlite_datetime(original: Encoder) -> Encoder:
    """SQLite DATETIME text as SQLAlchemy's processor writes it (``YYYY-MM-DD HH:MM:SS.ffffff``,
    an aware value's offset left out), by ``isoformat`` in C: one per record row, cheaper than
    SQLAlchemy's ``%`` formatting of a dict (figures in bench/RESULTS.md). Anything but a plain
    ``datetime`` goes to SQLAlchemy's own, and so does every value if that one writes another
    format (checked here, once)."""

    def process(value: Any) -> Any:
        if value.__class__ is datetime:
            return value.isoformat(" ", "microseconds")[:26]
        return original(value)

    if all(process(sample) == original(sample) for sample in _DATETIME_SAMPLES):
        return process
    return original


def _json_text(value: Any) -> str:
    return orjson.dumps(value, default=_json_default).decode()


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot store a {type(value).__name__} as JSON")


async def driver_sql(
    connection: AsyncConnection,
    sql: str,
    parameters: Any,
    *,
    many: bool = False,
) -> list[tuple[Any, ...]]:
    """Run ``sql`` (in the driver's paramstyle) in ``connection``'s transaction; a query's rows.

    On SQLite the statement goes to aiosqlite itself: one hop to its thread, where SQLAlchemy's
    adapted cursor takes three or four (open, execute, fetch, close) and its execution
    machinery costs loop CPU on top, six statements a batch (``bench/pipeline_costs.py``,
    figures in bench/RESULTS.md). A driver error is raised as SQLAlchemy would raise it
    (``DBAPIError`` of the driver's class, a closed database invalidating the connection), so
    the writer tells a refused row from a database that is not answering just as before.
    With ``database.echo`` on, statements go through SQLAlchemy, to be logged.
    """
    if connection.dialect.name != "sqlite" or connection.engine.echo:
        result = await connection.exec_driver_sql(sql, parameters)
        return [] if many else [tuple(row) for row in result.all()]
    driver = (await connection.get_raw_connection()).driver_connection
    try:
        if many:
            await driver.executemany(sql, parameters)
            return []
        return [tuple(row) for row in await driver.execute_fetchall(sql, parameters)]
    except sqlite3.Error as error:
        dialect = connection.dialect
        gone = dialect.is_disconnect(error, None, None)  # type: ignore[arg-type]
        if gone:
            await connection.invalidate()
        raise DBAPIError.instance(
            sql, parameters, error, sqlite3.Error, connection_invalidated=gone, dialect=dialect
        ) from error
