"""``GET /api/decisions``: an org's decisions, filtered, paged, with counts.

Rows are shown by ``gateway.live.wire.decision_to_api``, the one translation of a ``decisions``
row into its API shape, shared with the live feed.

``stats`` (with ``includeStats``) is the spec's ``{total, byDecision, byDirection, byTool}``,
with the earlier flat counts ``allowed``, ``transformed`` and ``denied`` beside it.

Paging: ``limit`` (default 50, the spec's) with ``offset``, or with ``cursor`` (the
``nextCursor`` of the previous page; stable while new rows arrive). Newest first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field
from sqlalchemy import Select, and_, func, or_, select

from admin_api.endpoint import Call, Endpoint
from admin_api.permissions import Permission
from admin_api.types import Timestamp
from admin_api.validation import Out, TimeRangeQuery
from admin_api.wire import as_utc, decode_cursor, encode_cursor, iso, reply
from core.storage.models import Decision
from gateway.live.wire import decision_to_api

Direction = Literal["precheck", "postcheck"]
Verdict = Literal["allow", "transform", "deny", "error"]


class DecisionsQuery(TimeRangeQuery):
    org_id: str | None = Field(None, description="org id or slug; default: the caller's org")
    direction: Direction | None = None
    decision: Verdict | None = None
    tool: str | None = Field(None, max_length=200)
    correlation_id: str | None = Field(None, max_length=128)
    limit: Annotated[int, Field(ge=1, le=1000)] = 50
    offset: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    cursor: str | None = Field(None, max_length=200)
    include_stats: bool = False


class DecisionOut(Out):
    id: str
    org_id: str
    direction: str
    decision: str
    tool: str | None
    scope: str | None
    detector_summary: dict[str, Any]
    payload_hash: str
    reasons: list[str]
    policy_id: str | None
    latency_ms: int | None
    correlation_id: str | None
    tags: list[str]
    ts: Timestamp


class DecisionCounts(Out):
    allow: int
    transform: int
    deny: int
    error: int = Field(description="calls the provider failed (beside the spec's three)")


class DirectionCounts(Out):
    precheck: int
    postcheck: int


class DecisionStats(Out):
    total: int
    by_decision: DecisionCounts
    by_direction: DirectionCounts
    by_tool: dict[str, int] = Field(description="decisions per tool (those without one: none)")
    allowed: int = Field(description="the same as `byDecision.allow`")
    transformed: int = Field(description="the same as `byDecision.transform`")
    denied: int = Field(description="the same as `byDecision.deny`")


class Pagination(Out):
    limit: int
    offset: int
    has_more: bool
    next_cursor: str | None


class DecisionPage(Out):
    decisions: list[DecisionOut]
    stats: DecisionStats | None
    last_ingest_time: Timestamp | None
    pagination: Pagination


def _filtered(query: Select[Any], org_id: str, q: DecisionsQuery) -> Select[Any]:
    query = query.where(Decision.org_id == org_id)
    for column, value in (
        (Decision.direction, q.direction),
        (Decision.decision, q.decision),
        (Decision.tool, q.tool),
        (Decision.correlation_id, q.correlation_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if q.from_ is not None:
        query = query.where(Decision.ts >= as_utc(q.from_))
    if q.to is not None:
        query = query.where(Decision.ts <= as_utc(q.to))
    return query


async def _stats(call: Call[DecisionsQuery, None], org_id: str) -> dict[str, Any]:
    """The spec's counts over the page's filters, from one grouped query."""
    grouped = _filtered(
        select(Decision.decision, Decision.direction, Decision.tool, func.count()),
        org_id,
        call.query,
    ).group_by(Decision.decision, Decision.direction, Decision.tool)
    by_decision = dict.fromkeys(("allow", "transform", "deny", "error"), 0)
    by_direction = dict.fromkeys(("precheck", "postcheck"), 0)
    by_tool: dict[str, int] = {}
    total = 0
    for decision, direction, tool, count in await call.db.execute(grouped):
        total += count
        if decision in by_decision:
            by_decision[decision] += count
        if direction in by_direction:
            by_direction[direction] += count
        if tool is not None:
            by_tool[tool] = by_tool.get(tool, 0) + count
    return {
        "total": total,
        "byDecision": by_decision,
        "byDirection": by_direction,
        "byTool": by_tool,
        "allowed": by_decision["allow"],
        "transformed": by_decision["transform"],
        "denied": by_decision["deny"],
    }


async def list_decisions(call: Call[DecisionsQuery, None]) -> Any:
    q = call.query
    access = await call.org(q.org_id)
    org_id = access.org.id
    page = _filtered(select(Decision.__table__), org_id, q)
    if q.cursor:
        when, row_id = decode_cursor(q.cursor, 2)
        at = as_utc(datetime.fromisoformat(when))
        page = page.where(or_(Decision.ts < at, and_(Decision.ts == at, Decision.id < row_id)))
    else:
        page = page.offset(q.offset)
    rows = [
        row._mapping
        for row in await call.db.execute(
            page.order_by(Decision.ts.desc(), Decision.id.desc()).limit(q.limit + 1)
        )
    ]
    has_more = len(rows) > q.limit
    rows = rows[: q.limit]
    next_cursor = (
        encode_cursor(as_utc(rows[-1]["ts"]).isoformat(), rows[-1]["id"]) if has_more else None
    )
    stats = await _stats(call, org_id) if q.include_stats else None
    newest = await call.db.scalar(select(func.max(Decision.ts)).where(Decision.org_id == org_id))
    return reply(
        {
            "decisions": [decision_to_api(row) for row in rows],
            "stats": stats,
            "lastIngestTime": iso(newest),
            "pagination": {
                "limit": q.limit,
                "offset": 0 if q.cursor else q.offset,
                "hasMore": has_more,
                "nextCursor": next_cursor,
            },
        }
    )


ENDPOINTS = [
    Endpoint(
        "GET",
        "/api/decisions",
        list_decisions,
        "Decisions of an org, newest first, with optional counts",
        "decisions",
        Permission.DECISIONS_READ,
        query=DecisionsQuery,
        response=DecisionPage,
        description=(
            "`lastIngestTime` is the ts of the org's newest decision (whatever the filters). "
            "`includeStats=true` adds counts over the same filters. `startTime` and `endTime` "
            "are accepted as other names for `from` and `to`."
        ),
    ),
]
