"""``GET /api/v1/usage``: tokens, cost and requests grouped by period and by one dimension.

Sums per UTC day and dimension value come from ``admin_api.usage_sums`` (rollups for whole
days, raw rows for the part-days at the edges: exact); days are then folded into ISO weeks
(starting Monday) or calendar months here. A row's ``period`` is its first day. Rows grouped
by key or user carry a ``name`` (the key's name, the user's email), in JSON and in the CSV.
``saved`` and ``cacheHits`` (JSON only) are what answers from the response cache would have
cost and how many there were; their ``cost`` is 0.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from aiohttp import web
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from admin_api.endpoint import Call, Endpoint
from admin_api.permissions import Permission
from admin_api.types import MoneyOut
from admin_api.usage_sums import UsageFilter, usage_sums
from admin_api.validation import Out, TimeRangeQuery
from admin_api.wire import as_utc, money, reply
from core.errors import InvalidRequestError
from core.storage.models import ApiKey, User
from gateway.services import GATEWAY

GroupBy = Literal["day", "week", "month"]
By = Literal["provider", "model", "user", "key", "tool", "endUser"]
CSV_COLUMNS = ("period", "key", "inputTokens", "outputTokens", "cost", "requests",
               "unpricedRequests", "name")  # fmt: skip
DEFAULT_RANGE = timedelta(days=30)


class UsageQuery(TimeRangeQuery):
    org_id: str | None = Field(None, description="org id or slug; default: the caller's org")
    group_by: GroupBy = "day"
    by: By = "model"
    from_: datetime | None = Field(
        None, alias="from", description="default: the UTC midnight 30 days before `to`"
    )
    to: datetime | None = Field(None, description="default: now")
    provider: str | None = Field(None, max_length=100)
    model: str | None = Field(None, max_length=200)
    user_id: str | None = Field(None, max_length=32)
    api_key_id: str | None = Field(None, max_length=32)
    tool: str | None = Field(None, max_length=200)
    end_user: str | None = Field(None, max_length=200, description="the request's `user` field")
    format: Literal["json", "csv"] = "json"


class UsageRow(Out):
    period: str = Field(description="first day of the period, YYYY-MM-DD (UTC)")
    key: str | None = Field(
        description="the provider, model, user id, key id, tool or end user (`user` field)"
    )
    name: str | None = Field(None, description="by key: the key's name; by user: the email")
    input_tokens: int
    output_tokens: int
    cost: MoneyOut
    requests: int
    unpriced_requests: int = Field(description="requests whose model has no price")
    saved: MoneyOut = Field(description="what the response cache's answers would have cost")
    cache_hits: int = Field(description="requests answered from the response cache")


class UsageTotals(Out):
    input_tokens: int
    output_tokens: int
    cost: MoneyOut
    requests: int
    unpriced_requests: int
    saved: MoneyOut
    cache_hits: int


class UsageReport(Out):
    org_id: str
    group_by: str
    by: str
    from_: str = Field(alias="from")
    to: str
    rows: list[UsageRow]
    totals: UsageTotals


def _midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _row_order(item: tuple[tuple[str, str | None], Any]) -> tuple[str, str]:
    return item[0][0], item[0][1] or ""


def _period_start(first: date, group_by: str) -> str:
    if group_by == "week":
        first -= timedelta(days=first.weekday())
    elif group_by == "month":
        first = first.replace(day=1)
    return first.isoformat()


async def _names(db: AsyncSession, by: str, ids: set[str]) -> dict[str, str]:
    """Key names or user emails of the ids a report shows (one query, only for those ids)."""
    if not ids or by not in ("key", "user"):
        return {}
    if by == "key":
        query = select(ApiKey.id, ApiKey.name).where(ApiKey.id.in_(ids))
    else:
        query = select(User.id, User.email).where(User.id.in_(ids))
    return {row_id: name for row_id, name in await db.execute(query)}


async def usage_report(call: Call[UsageQuery, None]) -> Any:
    q = call.query
    access = await call.org(q.org_id)
    now = datetime.now(UTC)
    end = as_utc(q.to) if q.to else now
    # Default: from the UTC midnight 30 days before `to`, so the first day is whole too.
    start = as_utc(q.from_) if q.from_ else _midnight(end - DEFAULT_RANGE)
    if start > end:
        raise InvalidRequestError("from must not be after to", code="invalid_range", param="from")
    equal = {
        name: value
        for name, value in (
            ("provider", q.provider),
            ("model", q.model),
            ("user", q.user_id),
            ("key", q.api_key_id),
            ("tool", q.tool),
            ("endUser", q.end_user),
        )
        if value is not None
    }
    retention = call.request.app[GATEWAY].settings.records.retention_days
    kept_since = None if retention is None else now - timedelta(days=retention)
    by_day = await usage_sums(
        call.db, UsageFilter(access.org.id, start, end, q.by, equal, kept_since, now)
    )
    sums: dict[tuple[str, str | None], list[Any]] = defaultdict(
        lambda: [0, 0, Decimal(0), 0, 0, Decimal(0), 0]
    )
    for (day, key), values in by_day.items():
        bucket = sums[(_period_start(day, q.group_by), key)]
        for i, value in enumerate(values):
            bucket[i] += value
    names = await _names(call.db, q.by, {key for _, key in sums if key is not None})

    rows = [
        UsageRow(
            period=period,
            key=key,
            name=names.get(key) if key is not None else None,
            input_tokens=v[0],
            output_tokens=v[1],
            cost=money(v[2]),
            requests=v[3],
            unpriced_requests=v[4],
            saved=money(v[5]),
            cache_hits=v[6],
        )
        for (period, key), v in sorted(sums.items(), key=_row_order)
    ]
    totals = [sum(v[i] for v in sums.values()) for i in range(7)]
    report = UsageReport(
        org_id=access.org.id,
        group_by=q.group_by,
        by=q.by,
        from_=start.isoformat().replace("+00:00", "Z"),
        to=end.isoformat().replace("+00:00", "Z"),
        rows=rows,
        totals=UsageTotals(
            input_tokens=totals[0],
            output_tokens=totals[1],
            cost=money(totals[2]),
            requests=totals[3],
            unpriced_requests=totals[4],
            saved=money(totals[5]),
            cache_hits=totals[6],
        ),
    )
    if q.format == "csv":
        return _csv(report)
    return reply(report)


def _csv(report: UsageReport) -> web.Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        writer.writerow(
            [row.period, row.key or "", row.input_tokens, row.output_tokens, row.cost,
             row.requests, row.unpriced_requests, row.name or ""]
        )  # fmt: skip
    return web.Response(
        text=out.getvalue(),
        content_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="usage.csv"'},
    )


ENDPOINTS = [
    Endpoint(
        "GET",
        "/api/v1/usage",
        usage_report,
        "Usage report: tokens, cost and requests by period and dimension (JSON or CSV)",
        "usage",
        Permission.USAGE_READ,
        query=UsageQuery,
        response=UsageReport,
        content_types=("application/json", "text/csv"),
    ),
]
