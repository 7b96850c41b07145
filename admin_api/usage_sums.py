"""Usage summed per UTC day and one dimension, from rollups and (at the edges) raw rows.

A report's range ``[from, to]`` may start and end off midnight. Its whole UTC days are read
from ``usage_rollups`` (a few index pages per day, however many requests the day held); the
part-days at either end are summed from ``usage_records`` over exactly ``[from, to]``, so the
answer is exact. A ``to`` at or after now counts its day whole (no row is stamped in the
future), so the default range and the console's whole days never read raw rows. An edge day
older than the retention cutoff (``records.retention_days``: its raw rows are gone) is counted
whole from the rollups instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from core.storage.models import CACHE_COST, NONE, UsageRecord, UsageRollup

# The report's dimensions: name on the wire → (rollup column, raw column).
DIMENSIONS: dict[str, tuple[Any, Any]] = {
    "provider": (UsageRollup.provider, UsageRecord.provider),
    "model": (UsageRollup.model, UsageRecord.model),
    "user": (UsageRollup.user_id, UsageRecord.user_id),
    "key": (UsageRollup.api_key_id, UsageRecord.api_key_id),
    "tool": (UsageRollup.tool, UsageRecord.tool),
    "endUser": (UsageRollup.end_user, UsageRecord.end_user),
}
# Sums per (day, dimension value): input, output, cost, requests, unpriced requests, saved by
# the response cache, cache hits.
Sums = dict[tuple[date, str | None], list[Any]]


@dataclass(frozen=True, slots=True)
class UsageFilter:
    org_id: str
    start: datetime
    end: datetime  # inclusive
    by: str
    equal: dict[str, str]  # dimension name → value (``user``: a user id, ``key``: a key id)
    kept_since: datetime | None = None  # raw rows older than this are gone (retention)
    now: datetime | None = None  # an ``end`` at or after it: no row is stamped later


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def day_range(column: Any, days: Days) -> list[ColumnElement[bool]]:
    """The conditions keeping ``column`` (a rollup's day) within ``days``."""
    first, last = days
    return [
        *([column >= first] if first is not None else []),
        *([column <= last] if last is not None else []),
    ]


def _raw_day(dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", UsageRecord.timestamp), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", UsageRecord.timestamp)  # SQLite keeps UTC text


def _add(sums: Sums, day: date, key: str | None, values: tuple[Any, ...]) -> None:
    bucket = sums.setdefault((day, key), [0, 0, Decimal(0), 0, 0, Decimal(0), 0])
    inputs, outputs, cost, requests, unpriced, saved, hits = values
    bucket[0] += int(inputs or 0)
    bucket[1] += int(outputs or 0)
    bucket[2] += Decimal(str(cost or 0))
    bucket[3] += int(requests or 0)
    bucket[4] += int(unpriced or 0)
    bucket[5] += Decimal(str(saved or 0))
    bucket[6] += int(hits or 0)


Days = tuple[date | None, date | None]  # first and last day read from rollups; None: no bound
Span = tuple[datetime | None, datetime | None]  # an inclusive timestamp span of raw rows


def split_days(
    start: datetime | None,
    end: datetime | None,
    *,
    now: datetime,
    kept_since: datetime | None = None,
) -> tuple[Days | None, list[Span]]:
    """Split ``[start, end]`` (None: unbounded) into the days read from rollups (the whole days
    inside it, and edge days whose raw rows retention has deleted) and the raw spans left at
    the edges. No days: the whole range is one raw span."""
    first: date | None = None
    last: date | None = None
    if start is not None:
        first = start.date()
        if start != _midnight(first) and not (kept_since is not None and start < kept_since):
            first += timedelta(1)
    if end is not None and end < now:
        last = end.date()
        whole = end == _midnight(last + timedelta(1)) - timedelta(microseconds=1)
        if not whole and not (kept_since is not None and end < kept_since):
            last -= timedelta(1)  # the end's own day holds rows after ``to``
    # An end at or after now (or none): no row is stamped later, its day counts whole.
    if first is not None and last is not None and first > last:
        return None, [(start, end)]
    spans: list[Span] = []
    if start is not None and first is not None:
        before = _midnight(first) - timedelta(microseconds=1)
        if start <= before:
            spans.append((start, before))
    if end is not None and last is not None:
        after = _midnight(last + timedelta(1))
        if after <= end:
            spans.append((after, end))
    return (first, last), spans


async def usage_sums(session: AsyncSession, f: UsageFilter) -> Sums:
    sums: Sums = {}
    days, spans = split_days(f.start, f.end, now=f.now or f.end, kept_since=f.kept_since)
    rolled_column, raw_column = DIMENSIONS[f.by]
    if days is not None:
        query: Select[Any] = select(
            UsageRollup.day,
            rolled_column,
            func.sum(UsageRollup.input_tokens),
            func.sum(UsageRollup.output_tokens),
            func.sum(UsageRollup.cost),
            func.sum(UsageRollup.requests),
            func.sum(UsageRollup.unpriced_requests),
            func.sum(UsageRollup.saved),
            func.sum(UsageRollup.cache_hits),
        ).where(UsageRollup.org_id == f.org_id, *day_range(UsageRollup.day, days))
        for name, value in f.equal.items():
            query = query.where(DIMENSIONS[name][0] == value)
        query = query.group_by(UsageRollup.day, rolled_column)
        for day, key, *values in await session.execute(query):
            _add(sums, day, key if key != NONE else None, tuple(values))
    for lower, upper in spans:
        day_text = _raw_day(session.bind.dialect.name).label("day")
        raw = select(
            day_text,
            raw_column,
            func.sum(UsageRecord.input_tokens),
            func.sum(UsageRecord.output_tokens),
            func.sum(UsageRecord.cost),
            func.count(),
            func.sum(case((UsageRecord.cost.is_(None), 1), else_=0)),
            func.sum(UsageRecord.saved),
            func.sum(case((UsageRecord.cost_type == CACHE_COST, 1), else_=0)),
        ).where(
            UsageRecord.org_id == f.org_id,
            UsageRecord.timestamp >= lower,
            UsageRecord.timestamp <= upper,
        )
        for name, value in f.equal.items():
            raw = raw.where(DIMENSIONS[name][1] == value)
        for day, key, *values in await session.execute(raw.group_by(day_text, raw_column)):
            _add(sums, date.fromisoformat(day), key or None, tuple(values))
    return sums
