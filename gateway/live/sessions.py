"""Who is connected to ``/ws``, and what they did: the spec's WebSocket session tracking.

Every ``/ws`` connection is a ``LiveSession`` (its ``sessionId``, its caller, its channels, when
it was opened and last heard from, and whether it is still open). The tracker also keeps an
activity log per org: a ``connection``, ``disconnection``, ``message`` (each client message, by
its type) or ``error`` (each ERROR answer) entry per event. ``/api/websockets/connections`` and
``/api/websockets/activity`` read both.

It is memory of this instance only, and bounded: the last ``CLOSED_KEPT`` closed sessions and
the last ``ACTIVITY_KEPT`` entries of each org. Recording is an append to a deque, done for
client messages and (dis)connections, never per pushed decision, so the feed stays as cheap.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from core.ids import new_id

CLOSED_KEPT = 200
ACTIVITY_KEPT = 500

ActivityType = Literal["connection", "disconnection", "message", "error"]


@dataclass(slots=True)
class LiveSession:
    session_id: str
    org_ids: tuple[str, ...]  # the orgs the caller may see: the session is listed in each
    user_id: str | None
    api_key_id: str | None
    created_at: datetime
    last_seen: datetime
    channels: tuple[str, ...] = ()  # canonical names (``org:<orgId>:...``)
    closed_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        return self.closed_at is None

    def channels_of(self, org_id: str) -> list[str]:
        prefix = f"org:{org_id}:"
        return [name for name in self.channels if name.startswith(prefix)]


@dataclass(frozen=True, slots=True)
class Activity:
    id: int
    org_id: str
    session_id: str
    activity_type: ActivityType
    data: dict[str, Any]
    timestamp: datetime


@dataclass(slots=True)
class SessionTracker:
    open: dict[str, LiveSession] = field(default_factory=dict)
    closed: deque[LiveSession] = field(default_factory=lambda: deque(maxlen=CLOSED_KEPT))
    _activity: dict[str, deque[Activity]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def opened(
        self, org_ids: Iterable[str], user_id: str | None, api_key_id: str | None
    ) -> LiveSession:
        now = datetime.now(UTC)
        session = LiveSession(new_id(), tuple(org_ids), user_id, api_key_id, now, now)
        self.open[session.session_id] = session
        self.record(session, "connection")
        return session

    def closed_now(self, session: LiveSession) -> None:
        if self.open.pop(session.session_id, None) is None:
            return
        session.closed_at = session.last_seen = datetime.now(UTC)
        self.closed.append(session)
        self.record(session, "disconnection")

    def record(
        self,
        session: LiveSession,
        activity_type: ActivityType,
        data: dict[str, Any] | None = None,
        *,
        org_ids: Iterable[str] | None = None,
        at: datetime | None = None,
    ) -> None:
        """Log one event of ``session`` in each of its orgs (or in ``org_ids`` only), as of
        ``at`` (default: now)."""
        now = datetime.now(UTC)
        if activity_type == "message":
            session.last_seen = now
        for org_id in org_ids if org_ids is not None else session.org_ids:
            log = self._activity.get(org_id)
            if log is None:
                log = self._activity[org_id] = deque(maxlen=ACTIVITY_KEPT)
            entry = Activity(
                next(self._ids), org_id, session.session_id, activity_type, data or {}, at or now
            )
            log.append(entry)

    def find(self, session_id: str) -> LiveSession | None:
        found = self.open.get(session_id)
        if found is not None:
            return found
        return next((s for s in self.closed if s.session_id == session_id), None)

    def sessions(self, org_id: str) -> list[LiveSession]:
        """The org's sessions, open and recently closed, last heard from first."""
        mine = [s for s in (*self.open.values(), *self.closed) if org_id in s.org_ids]
        return sorted(mine, key=lambda s: s.last_seen, reverse=True)

    def activity(self, org_id: str) -> list[Activity]:
        """The org's logged events, newest first."""
        return list(reversed(self._activity.get(org_id, ())))
