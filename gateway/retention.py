"""``records.retention_days``: raw decision and usage rows older than N days are deleted in the
background; ``usage_rollups`` keep their totals, so usage reports and budget spend are unchanged.

A sweep runs at start-up and every ``retention_interval_seconds``; it deletes in statements of
``retention_batch_size`` rows, each its own short transaction, so the record writer is never
held up behind one long delete. A failed sweep (the database away) is logged and tried again at
the next interval. Audit logs are not touched: they are the compliance record.

A spooled usage row replayed after retention deleted its day would be counted again: keep
``retention_days`` well above how long the spool may hold rows (``writer.spool_dir``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from functools import partial

from aiohttp import web
from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.settings import RecordsConfig
from core.storage.models import Decision, UsageRecord
from gateway.services import GATEWAY

log = logging.getLogger(__name__)


def _batch_delete(table: Table, timestamp: str) -> object:
    """Delete up to ``:n`` rows older than ``:cutoff``: a bounded statement, on any database."""
    oldest = (
        select(table.c.id).where(table.c[timestamp] < bindparam("cutoff")).limit(bindparam("n"))
    )
    return delete(table).where(table.c.id.in_(oldest.scalar_subquery()))


class RetentionSweeper:
    """Deletes the raw rows ``config.retention_days`` old; ``sweep`` once, or ``run`` for ever."""

    def __init__(self, engine: AsyncEngine, config: RecordsConfig) -> None:
        self._engine = engine
        self._config = config
        self._deletes = [
            _batch_delete(UsageRecord.__table__, "timestamp"),  # type: ignore[arg-type]
            _batch_delete(Decision.__table__, "ts"),  # type: ignore[arg-type]
        ]
        self.deleted = 0

    async def sweep(self, now: datetime | None = None) -> int:
        """Delete every raw row older than the cutoff; return how many."""
        assert self._config.retention_days is not None
        cutoff = (now or datetime.now(UTC)) - timedelta(days=self._config.retention_days)
        n = self._config.retention_batch_size
        total = 0
        for statement in self._deletes:
            while True:
                async with self._engine.begin() as connection:
                    result = await connection.execute(statement, {"cutoff": cutoff, "n": n})
                total += result.rowcount
                if result.rowcount < n:
                    break
        self.deleted += total
        return total

    async def run(self) -> None:
        while True:
            try:
                deleted = await self.sweep()
                if deleted:
                    log.info("retention deleted %d raw record rows", deleted)
            except Exception as error:  # the database away: the next interval tries again
                log.warning("retention sweep failed: %s", type(error).__name__)
            await asyncio.sleep(self._config.retention_interval_seconds)


RETENTION = web.AppKey("retention", RetentionSweeper)


def mount_retention(app: web.Application, config: RecordsConfig) -> None:
    """Sweep in the background when ``records.retention_days`` is set (after the services)."""
    if config.retention_days is not None:
        app.cleanup_ctx.append(partial(_retention_context, config=config))


async def _retention_context(app: web.Application, config: RecordsConfig) -> AsyncIterator[None]:
    sweeper = RetentionSweeper(app[GATEWAY].engine, config)
    app[RETENTION] = sweeper
    task = asyncio.create_task(sweeper.run(), name="retention")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
