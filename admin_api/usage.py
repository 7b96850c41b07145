"""``GET /api/v1/usage``: tokens, cost and requests grouped by period and by one dimension.

``saved`` and ``cacheHits`` (JSON only) are what answers from the response cache would have cost
and how many there were; their ``cost`` is 0.

The database sums per UTC day and dimension value (so no more rows leave it than days times
values); days are then folded into ISO weeks (starting Monday) or calendar months here, where
date arithmetic is the same on every database. A row's ``period`` is its first day.
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
from sqlalchemy import case, func, select
from sqlalchemy.sql.elements import ColumnElement

from admin_api.endpoint import Call, Endpoint
from admin_api.permissions import Permission
from admin_api.types import MoneyOut
from admin_api.validation import Out, TimeRangeQuery
from admin_api.wire import as_utc, money, reply
from core.errors import InvalidRequestError
from core.storage.models import UsageRecord
from gateway.records import CACHE_COST

GroupBy = Literal["day", "week", "month"]
By = Literal["provider", "model", "user", "key"]
DIMENSIONS = {
    "provider": UsageRecord.provider,
    "model": UsageRecord.model,
    "user": UsageRecord.user_id,
    "key": UsageRecord.api_key_id,
}
CSV_COLUMNS = ("period", "key", "inputTokens", "outputTokens", "cost", "requests",
               "unpricedRequests")  # fmt: skip
DEFAULT_RANGE = timedelta(days=30)


class UsageQuery(TimeRangeQuery):
    org_id: str | None = Field(None, description="org id or slug; default: the caller's org")
    group_by: GroupBy = "day"
    by: By = "model"
    from_: datetime | None = Field(None, alias="from", description="default: `to` - 30 days")
    to: datetime | None = Field(None, description="default: now")
    provider: str | None = Field(None, max_length=100)
    model: str | None = Field(None, max_length=200)
    user_id: str | None = Field(None, max_length=32)
    api_key_id: str | None = Field(None, max_length=32)
    format: Literal["json", "csv"] = "json"


class UsageRow(Out):
    period: str = Field(description="first day of the period, YYYY-MM-DD (UTC)")
    key: str | None = Field(description="the provider, model, user id or key id")
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


def _day(column: Any, dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column)  # SQLite keeps UTC timestamps as text


def _row_order(item: tuple[tuple[str, str | None], Any]) -> tuple[str, str]:
    return item[0][0], item[0][1] or ""


def _period_start(day: str, group_by: str) -> str:
    first = date.fromisoformat(day)
    if group_by == "week":
        first -= timedelta(days=first.weekday())
    elif group_by == "month":
        first = first.replace(day=1)
    return first.isoformat()


async def usage_report(call: Call[UsageQuery, None]) -> Any:
    q = call.query
    access = await call.org(q.org_id)
    end = as_utc(q.to) if q.to else datetime.now(UTC)
    start = as_utc(q.from_) if q.from_ else end - DEFAULT_RANGE
    if start > end:
        raise InvalidRequestError("from must not be after to", code="invalid_range", param="from")
    day = _day(UsageRecord.timestamp, call.db.bind.dialect.name).label("day")
    dimension = DIMENSIONS[q.by].label("dimension")
    query = (
        select(
            day,
            dimension,
            func.coalesce(func.sum(UsageRecord.input_tokens), 0),
            func.coalesce(func.sum(UsageRecord.output_tokens), 0),
            func.sum(UsageRecord.cost),
            func.count(),
            func.sum(case((UsageRecord.cost.is_(None), 1), else_=0)),
            func.sum(UsageRecord.saved),
            func.sum(case((UsageRecord.cost_type == CACHE_COST, 1), else_=0)),
        )
        .where(
            UsageRecord.org_id == access.org.id,
            UsageRecord.timestamp >= start,
            UsageRecord.timestamp <= end,
        )
        .group_by(day, dimension)
    )
    for column, value in (
        (UsageRecord.provider, q.provider),
        (UsageRecord.model, q.model),
        (UsageRecord.user_id, q.user_id),
        (UsageRecord.api_key_id, q.api_key_id),
    ):
        if value is not None:
            query = query.where(column == value)

    sums: dict[tuple[str, str | None], list[Any]] = defaultdict(
        lambda: [0, 0, Decimal(0), 0, 0, Decimal(0), 0]
    )
    for day_text, key, input_tokens, output_tokens, cost, requests, unpriced, saved, hits in (
        await call.db.execute(query)
    ).all():
        bucket = sums[(_period_start(day_text, q.group_by), key)]
        bucket[0] += int(input_tokens)
        bucket[1] += int(output_tokens)
        bucket[2] += Decimal(str(cost or 0))
        bucket[3] += int(requests)
        bucket[4] += int(unpriced or 0)
        bucket[5] += Decimal(str(saved or 0))
        bucket[6] += int(hits or 0)

    rows = [
        UsageRow(
            period=period,
            key=key,
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
             row.requests, row.unpriced_requests]
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
