"""The audit trail: one row per change, written in the change's own transaction, and
``GET /api/v1/audit`` to read an org's rows.

A row names the actor (user id or API key id), the org, the action (``key.create``), the
resource (``api_key:<id>``) and ``details = {before, after}`` in the API's own representation,
which never holds a secret.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from admin_api.caller import Caller
from admin_api.endpoint import Call, Endpoint
from admin_api.permissions import Permission
from admin_api.types import Timestamp
from admin_api.validation import Out, TimeRangeQuery
from admin_api.wire import as_utc, decode_cursor, encode_cursor, reply
from core.storage.models import AuditLog


def snapshot(model: BaseModel | None) -> dict[str, Any] | None:
    return None if model is None else model.model_dump(mode="json", by_alias=True)


def record(
    db: AsyncSession,
    caller: Caller | None,
    *,
    org_id: str | None,
    action: str,
    resource: str,
    before: BaseModel | dict[str, Any] | None = None,
    after: BaseModel | dict[str, Any] | None = None,
    user_id: str | None = None,
) -> None:
    """Add the audit row of a change to the change's transaction."""
    details = {
        "before": before if not isinstance(before, BaseModel) else snapshot(before),
        "after": after if not isinstance(after, BaseModel) else snapshot(after),
    }
    db.add(
        AuditLog(
            user_id=caller.user_id if caller and caller.user_id else user_id,
            api_key_id=caller.key_id if caller else None,
            org_id=org_id,
            action=action,
            resource=resource,
            details=details,
        )
    )


class AuditQuery(TimeRangeQuery):
    org_id: str | None = Field(None, description="org id or slug; default: the caller's org")
    action: str | None = Field(None, max_length=100)
    resource: str | None = Field(None, max_length=200)
    actor_user_id: str | None = Field(None, max_length=32)
    actor_api_key_id: str | None = Field(None, max_length=32)
    from_: datetime | None = Field(None, alias="from", description="createdAt >= from")
    to: datetime | None = Field(None, description="createdAt <= to")
    limit: Annotated[int, Field(ge=1, le=500)] = 100
    cursor: str | None = Field(None, max_length=200)


class AuditEntry(Out):
    id: str
    org_id: str | None
    actor_user_id: str | None
    actor_api_key_id: str | None
    action: str
    resource: str
    details: dict[str, Any] | None
    created_at: Timestamp


class AuditPage(Out):
    entries: list[AuditEntry]
    next_cursor: str | None


async def list_audit(call: Call[AuditQuery, None]) -> Any:
    q = call.query
    access = await call.org(q.org_id)
    query = select(AuditLog).where(AuditLog.org_id == access.org.id)
    if q.action:
        query = query.where(AuditLog.action == q.action)
    if q.resource:
        query = query.where(AuditLog.resource == q.resource)
    if q.actor_user_id:
        query = query.where(AuditLog.user_id == q.actor_user_id)
    if q.actor_api_key_id:
        query = query.where(AuditLog.api_key_id == q.actor_api_key_id)
    if q.from_:
        query = query.where(AuditLog.created_at >= as_utc(q.from_))
    if q.to:
        query = query.where(AuditLog.created_at <= as_utc(q.to))
    if q.cursor:
        when, row_id = decode_cursor(q.cursor, 2)
        at = as_utc(datetime.fromisoformat(when))
        query = query.where(
            or_(AuditLog.created_at < at, and_(AuditLog.created_at == at, AuditLog.id < row_id))
        )
    rows = list(
        await call.db.scalars(
            query.order_by(AuditLog.created_at.desc(), AuditLog.id.desc()).limit(q.limit + 1)
        )
    )
    more = len(rows) > q.limit
    rows = rows[: q.limit]
    cursor = encode_cursor(as_utc(rows[-1].created_at).isoformat(), rows[-1].id) if more else None
    return reply(
        AuditPage(
            entries=[
                AuditEntry(
                    id=row.id,
                    org_id=row.org_id,
                    actor_user_id=row.user_id,
                    actor_api_key_id=row.api_key_id,
                    action=row.action,
                    resource=row.resource,
                    details=row.details,
                    created_at=row.created_at,
                )
                for row in rows
            ],
            next_cursor=cursor,
        )
    )


ENDPOINTS = [
    Endpoint(
        "GET",
        "/api/v1/audit",
        list_audit,
        "The org's audit trail, newest first",
        "audit",
        Permission.AUDIT_READ,
        query=AuditQuery,
        response=AuditPage,
    ),
]
