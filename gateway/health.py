"""Health: ``/readyz`` (can this instance do its work?) and ``/api/health`` (the dashboard's
health pill for one org). ``/healthz`` (alive) stays in ``governs.server``.

``/readyz`` pings the database and Redis (when configured) with ``health.check_timeout_seconds``
each and asks the record writer whether records flow (``records``: ``ok``, or ``stalled`` when
rows have waited over ``writer.stall_seconds``, ``backlog`` when its queue is full, ``stopped``
while a writer task restarts): 200 when all is well and at least one provider is configured,
else 503 naming what failed. The proxy itself keeps serving through a database outage (records
spool to disk), so a load balancer that should keep such an instance in rotation checks
``/healthz`` instead.

``/api/health`` (an API key with ``decisions:read``, or a session; ``?orgId=`` for a user in
several orgs) answers ``{status, lastIngestTime, dlqCount, totalDecisions, errorRate}``:

- ``totalDecisions``: the org's stored decisions; ``lastIngestTime``: the newest decision ``ts``
  (stored, or submitted to this instance's writer and not yet stored); ``errorRate``: the share
  of the org's postcheck decisions of the last 5 minutes whose decision is ``error`` (the
  provider failed). These come from two indexed queries on ``(org_id, ts)``, cached per org
  for ``health.cache_seconds``, so polling never counts a big table on every call.
- ``dlqCount``: records waiting in the spool directory (the dead-letter queue) plus rows set
  aside there because the database refused them (``gateway.dead_letters``), all orgs.
- ``status``: ``error`` when the database is unreachable, records do not flow (as in
  ``/readyz``) or errorRate > 0.5, ``warning`` when dlqCount > 0 or errorRate > 0.05, else
  ``healthy``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy import case, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.scopes import Scope
from core.settings import HealthConfig
from core.storage.models import Decision
from gateway.dead_letters import DeadLetters
from gateway.live.viewer import authenticate_viewer
from gateway.live.wire import iso_utc
from gateway.redis_client import REDIS
from gateway.services import GATEWAY
from gateway.spool import _CLAIM, _SUFFIX
from gateway.writer import RecordWriter

ERROR_WINDOW = timedelta(minutes=5)
DEAD_LETTER_REFRESH_SECONDS = 1.0


class DlqCount:
    """Records waiting in the spool directory, and rows set aside in its dead letters, counted
    across every process sharing it.

    A batch file never changes once written, so each is read once and remembered by name
    (claimed files keep their name before the claim suffix); ``refresh`` lists the directory
    and reads only new files. Blocking: call it from a worker thread."""

    def __init__(self, directory: str | Path) -> None:
        self._directory = Path(directory)
        self._dead_letters = DeadLetters(directory)
        self._sizes: dict[str, int] = {}
        self.records = 0
        self.batches = 0
        self.set_aside = 0

    def refresh(self) -> int:
        """Spooled records plus rows set aside."""
        for _ in range(3):  # a file renamed (claimed, released) while listed: list again
            if self._count_once():
                break
        self.batches = len(self._sizes)
        self.records = sum(self._sizes.values())
        self.set_aside = self._dead_letters.count()
        return self.records + self.set_aside

    def _count_once(self) -> bool:
        present: dict[str, Path] = {}
        if self._directory.exists():
            for path in self._directory.glob(f"*{_SUFFIX}*"):
                if not path.name.startswith("."):  # a batch still being written
                    present[path.name.split(_CLAIM, 1)[0]] = path
        for gone in self._sizes.keys() - present.keys():
            del self._sizes[gone]
        complete = True
        for name, path in present.items():
            if name not in self._sizes:
                try:
                    self._sizes[name] = _batch_size(path)
                except FileNotFoundError:
                    complete = False
        return complete


def _batch_size(path: Path) -> int:
    try:
        batch = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError:
        return 1  # unreadable, but a record is waiting there all the same
    return len(batch) if isinstance(batch, list) else 1


@dataclass(frozen=True, slots=True)
class OrgFigures:
    database_ok: bool
    total: int | None
    newest: datetime | None
    error_rate: float | None
    read_at: float  # monotonic


class HealthService:
    def __init__(
        self,
        engine: AsyncEngine,
        redis: Redis | None,
        config: HealthConfig,
        dead_letters: DlqCount,
        providers: int,
        writer: RecordWriter,
    ) -> None:
        self._engine = engine
        self._redis = redis
        self._config = config
        self._writer = writer
        self.dead_letters = dead_letters
        self._providers = providers
        self._figures: dict[str, OrgFigures] = {}
        self._newest_submitted: dict[str, datetime] = {}
        self._query_lock = asyncio.Lock()
        self._count_lock = asyncio.Lock()

    def observe(self, table: str, row: dict[str, Any]) -> None:
        """Writer listener (runs inside ``submit``, must not raise): the newest decision ``ts``
        per org, stored or not yet."""
        ts, org_id = row.get("ts"), row.get("org_id")
        if table != "decisions" or not isinstance(ts, datetime) or not isinstance(org_id, str):
            return
        ts = _utc(ts)
        newest = self._newest_submitted.get(org_id)
        if newest is None or ts > newest:
            self._newest_submitted[org_id] = ts

    async def count_dead_letters(self) -> int:
        async with self._count_lock:  # one thread at a time owns the file-size memory
            return await asyncio.to_thread(self.dead_letters.refresh)

    async def keep_dead_letters_counted(self) -> None:
        while True:
            await self.count_dead_letters()
            await asyncio.sleep(DEAD_LETTER_REFRESH_SECONDS)

    # -- /readyz ---------------------------------------------------------------------------

    async def readiness(self) -> tuple[bool, dict[str, Any]]:
        database = "ok" if await self._answers(self._ping_database()) else "unreachable"
        if self._redis is None:
            redis = "not configured"
        else:
            redis = "ok" if await self._answers(self._redis.ping()) else "unreachable"
        records = self._writer.problem or "ok"
        ready = (
            database == "ok" and redis != "unreachable" and records == "ok" and self._providers > 0
        )
        return ready, {
            "status": "ready" if ready else "not ready",
            "database": database,
            "redis": redis,
            "records": records,
            "providers": self._providers,
        }

    async def _ping_database(self) -> None:
        async with self._engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def _answers(self, call: Any) -> bool:
        try:
            async with asyncio.timeout(self._config.check_timeout_seconds):
                await call
        except Exception:
            return False
        return True

    # -- /api/health -----------------------------------------------------------------------

    async def pill(self, org_id: str) -> dict[str, Any]:
        figures = await self._org_figures(org_id)
        dlq = await self.count_dead_letters()
        newest = _latest(figures.newest, self._newest_submitted.get(org_id))
        error_rate = figures.error_rate or 0.0
        if not figures.database_ok or self._writer.problem or error_rate > 0.5:
            status = "error"
        elif dlq > 0 or error_rate > 0.05:
            status = "warning"
        else:
            status = "healthy"
        return {
            "status": status,
            "lastIngestTime": iso_utc(newest) if newest else None,
            "dlqCount": dlq,
            "totalDecisions": figures.total,
            "errorRate": round(error_rate, 4),
        }

    async def _org_figures(self, org_id: str) -> OrgFigures:
        async with self._query_lock:  # concurrent polls share one query (or one failure)
            cached = self._figures.get(org_id)
            if (
                cached is not None
                and time.monotonic() - cached.read_at < self._config.cache_seconds
            ):
                return cached
            try:
                async with asyncio.timeout(self._config.check_timeout_seconds):
                    figures = await self._query(org_id)
            except Exception:
                # Keep the last figures read; the status says the database is unreachable.
                figures = OrgFigures(
                    False,
                    cached.total if cached else None,
                    cached.newest if cached else None,
                    cached.error_rate if cached else None,
                    time.monotonic(),
                )
            self._figures[org_id] = figures
            return figures

    async def _query(self, org_id: str) -> OrgFigures:
        since = datetime.now(UTC) - ERROR_WINDOW
        totals = select(func.count(), func.max(Decision.ts)).where(Decision.org_id == org_id)
        recent = select(
            func.count(),
            func.coalesce(func.sum(case((Decision.decision == "error", 1), else_=0)), 0),
        ).where(Decision.org_id == org_id, Decision.ts >= since, Decision.direction == "postcheck")
        async with self._engine.connect() as connection:
            total, newest = (await connection.execute(totals)).one()
            postchecks, errors = (await connection.execute(recent)).one()
        return OrgFigures(
            True,
            int(total),
            _utc(newest) if newest is not None else None,
            int(errors) / int(postchecks) if postchecks else 0.0,
            time.monotonic(),
        )


HEALTH = web.AppKey("health", HealthService)


def mount_health(app: web.Application, config: HealthConfig) -> None:
    app.cleanup_ctx.append(partial(_health_context, config=config))
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/api/health", api_health)


async def _health_context(app: web.Application, config: HealthConfig) -> AsyncIterator[None]:
    gateway = app[GATEWAY]
    service = HealthService(
        gateway.engine,
        app.get(REDIS),
        config,
        DlqCount(gateway.settings.writer.spool_dir),
        providers=len(gateway.settings.providers),
        writer=gateway.writer,
    )
    gateway.writer.listeners.append(service.observe)
    counter = asyncio.create_task(service.keep_dead_letters_counted(), name="dead-letter-count")
    app[HEALTH] = service
    try:
        yield
    finally:
        counter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await counter
        with contextlib.suppress(ValueError):
            gateway.writer.listeners.remove(service.observe)


async def readyz(request: web.Request) -> web.Response:
    ready, body = await request.app[HEALTH].readiness()
    return web.json_response(body, status=200 if ready else 503)


async def api_health(request: web.Request) -> web.Response:
    viewer = await authenticate_viewer(request, Scope.DECISIONS_READ)
    grant = viewer.org(request.query.get("orgId"), Scope.DECISIONS_READ)
    return web.json_response(await request.app[HEALTH].pill(grant.org_id))


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _latest(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None
