"""``/api/websockets/connections`` and ``/api/websockets/activity``: the spec's monitoring of the
live feed, read from this instance's ``SessionTracker`` (``gateway.live.sessions``).

Both are per org (``orgId``, or the spec's ``orgSlug``) and need ``decisions:read``: whoever
may watch the org's decisions may see who else watches. Emails and names of the users behind
sessions are shown only to callers who may read the org's members. ``POST
/api/websockets/activity`` is the spec's way for a sender (``ingest:write``) to log an event of
one of the org's sessions.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

import orjson
from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import select

from admin_api.endpoint import Call, Endpoint
from admin_api.permissions import Permission
from admin_api.types import Timestamp
from admin_api.validation import Body, Out, Query
from admin_api.wire import reply
from core.errors import InvalidRequestError, NotFoundError
from core.storage.models import ApiKey, User
from gateway.live import LIVE
from gateway.live.sessions import Activity, LiveSession, SessionTracker

MAX_DATA_BYTES = 4096


class OrgQuery(Query):
    org_id: str | None = Field(None, description="org id or slug; default: the caller's org")
    org_slug: str | None = Field(None, description="the spec's name for `orgId`")

    @model_validator(mode="after")
    def _one_org(self) -> Self:
        if self.org_id and self.org_slug and self.org_id != self.org_slug:
            raise InvalidRequestError(
                "orgSlug is another name for orgId: send one of them",
                code="invalid_query_parameter",
                param="orgSlug",
            )
        self.org_id = self.org_id or self.org_slug
        return self


class ActivityQuery(OrgQuery):
    limit: Annotated[int, Field(ge=1, le=500)] = 50


class ConnectionOut(Out):
    id: str = Field(description="the same as `sessionId`")
    session_id: str
    org_id: str
    user_id: str | None
    api_key_id: str | None
    api_key_name: str | None
    user_email: str | None = Field(description="null unless you may read the org's members")
    user_name: str | None
    channels: list[str] = Field(description="the session's channels in this org")
    is_active: bool
    last_seen: Timestamp
    created_at: Timestamp
    closed_at: Timestamp | None


class ConnectionStats(Out):
    total: int
    active: int
    inactive: int


class Connections(Out):
    success: bool = True
    connections: list[ConnectionOut]
    stats: ConnectionStats


class ActivityOut(Out):
    id: int
    session_id: str
    activity_type: str
    data: dict[str, Any]
    timestamp: Timestamp


class ActivityLog(Out):
    success: bool = True
    activity: list[ActivityOut]


class ActivityIn(Body):
    session_id: str = Field(min_length=1, max_length=64)
    activity_type: Literal["connection", "disconnection", "message", "error"]
    data: dict[str, Any] | None = Field(None, description=f"at most {MAX_DATA_BYTES} bytes of JSON")
    timestamp: Timestamp | None = None

    @field_validator("data")
    @classmethod
    def _small(cls, data: dict[str, Any] | None) -> dict[str, Any] | None:
        # The log lives in memory: an entry stays small whatever the body limit is.
        if data is not None and len(orjson.dumps(data)) > MAX_DATA_BYTES:
            raise PydanticCustomError("too_large", f"at most {MAX_DATA_BYTES} bytes of JSON")
        return data


class Logged(Out):
    success: bool = True


def _tracker(call: Call[Any, Any]) -> SessionTracker:
    return call.request.app[LIVE].sessions


async def list_connections(call: Call[OrgQuery, None]) -> Any:
    access = await call.org(call.query.org_id)
    org_id = access.org.id
    sessions = _tracker(call).sessions(org_id)
    key_ids = {s.api_key_id for s in sessions if s.api_key_id}
    user_ids = {s.user_id for s in sessions if s.user_id}
    key_names: dict[str, str] = {}
    if key_ids:
        rows = await call.db.execute(select(ApiKey.id, ApiKey.name).where(ApiKey.id.in_(key_ids)))
        key_names = {key_id: name for key_id, name in rows}
    people: dict[str, tuple[str, str | None]] = {}
    if user_ids and access.can(Permission.MEMBERS_READ):
        rows = await call.db.execute(
            select(User.id, User.email, User.name).where(User.id.in_(user_ids))
        )
        people = {user_id: (email, name) for user_id, email, name in rows}
    active = sum(1 for s in sessions if s.is_active)
    stats = ConnectionStats(total=len(sessions), active=active, inactive=len(sessions) - active)
    listed = [_connection(s, org_id, key_names, people) for s in sessions]
    return reply(Connections(connections=listed, stats=stats))


def _connection(
    session: LiveSession,
    org_id: str,
    key_names: dict[str, str],
    people: dict[str, tuple[str, str | None]],
) -> ConnectionOut:
    email, name = people.get(session.user_id or "", (None, None))
    return ConnectionOut(
        id=session.session_id,
        session_id=session.session_id,
        org_id=org_id,
        user_id=session.user_id,
        api_key_id=session.api_key_id,
        api_key_name=key_names.get(session.api_key_id or ""),
        user_email=email,
        user_name=name,
        channels=session.channels_of(org_id),
        is_active=session.is_active,
        last_seen=session.last_seen,
        created_at=session.created_at,
        closed_at=session.closed_at,
    )


def _activity(entry: Activity) -> ActivityOut:
    return ActivityOut(
        id=entry.id,
        session_id=entry.session_id,
        activity_type=entry.activity_type,
        data=entry.data,
        timestamp=entry.timestamp,
    )


async def list_activity(call: Call[ActivityQuery, None]) -> Any:
    access = await call.org(call.query.org_id)
    entries = _tracker(call).activity(access.org.id)[: call.query.limit]
    return reply(ActivityLog(activity=[_activity(entry) for entry in entries]))


async def log_activity(call: Call[OrgQuery, ActivityIn]) -> Any:
    access = await call.org(call.query.org_id)
    tracker = _tracker(call)
    session = tracker.find(call.body.session_id)
    if session is None or access.org.id not in session.org_ids:
        raise NotFoundError("no such session", code="session_not_found", param="sessionId")
    body = call.body
    tracker.record(
        session, body.activity_type, body.data, org_ids=(access.org.id,), at=body.timestamp
    )
    return reply(Logged(), status=201)


_TAG = "websockets"
ENDPOINTS = [
    Endpoint("GET", "/api/websockets/connections", list_connections,
             "The org's /ws sessions on this instance, open and recently closed", _TAG,
             Permission.DECISIONS_READ, query=OrgQuery, response=Connections),
    Endpoint("GET", "/api/websockets/activity", list_activity,
             "The org's /ws activity log on this instance, newest first", _TAG,
             Permission.DECISIONS_READ, query=ActivityQuery, response=ActivityLog),
    Endpoint("POST", "/api/websockets/activity", log_activity,
             "Log an event of one of the org's /ws sessions", _TAG, Permission.INGEST_WRITE,
             query=OrgQuery, body=ActivityIn, response=Logged, status=201),
]  # fmt: skip
