"""The background writer of decision, usage and audit rows.

The request path only calls ``submit``, which appends to an in-memory queue and never waits.
One task drains the queue in batches (``writer.batch_size`` rows or ``flush_interval_seconds``,
whichever comes first) and inserts each batch in one transaction, with statements compiled once
at start-up (``storage/bulk_insert.py``). Inserts ignore rows whose id already exists, so a batch
may be written twice without duplicates.

Nothing is lost: a batch the database refuses ``retry_attempts`` times goes to the on-disk spool,
and while the spool holds anything, new batches go there too, so replay keeps their order. A
replay task drains the spool oldest first once the database answers again. ``close`` (on
shutdown) writes or spools everything still queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Numeric, Table
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.settings import WriterConfig
from gateway.spool import Batch, Spool
from gateway.storage.bulk_insert import BulkInsert
from gateway.storage.models import Base

log = logging.getLogger(__name__)

RECORD_TABLES = ("decisions", "usage_records", "audit_logs")


class RecordWriter:
    def __init__(self, engine: AsyncEngine, config: WriterConfig, spool: Spool) -> None:
        self._engine = engine
        self._config = config
        self._spool = spool
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        tables: dict[str, Table] = {name: Base.metadata.tables[name] for name in RECORD_TABLES}
        self._inserts = {name: BulkInsert(engine.dialect, t) for name, t in tables.items()}
        self._decoders = {name: _row_decoder(t) for name, t in tables.items()}
        self._spooled_pending = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._wake_replay = asyncio.Event()
        self.listeners: list[Callable[[str, dict[str, Any]], None]] = []
        self.written = 0
        self.spooled = 0
        self.dropped = 0

    # -- the request path ------------------------------------------------------------------

    def submit(self, table: str, row: dict[str, Any]) -> None:
        """Queue one row; never blocks, never raises on a database problem."""
        if self._queue.qsize() >= self._config.max_queue:
            # Back-pressure without blocking requests: this batch goes straight to disk.
            self._spool_now([(table, row)])
        else:
            self._queue.put_nowait((table, row))
        for listener in self.listeners:
            listener(table, row)

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        self._spool.prepare()
        self._spooled_pending = len(self._spool.pending())
        self._tasks = [
            asyncio.create_task(self._drain_queue(), name="record-writer"),
            asyncio.create_task(self._replay_spool(), name="spool-replay"),
        ]

    async def close(self) -> None:
        """Write (or spool) everything submitted so far, then stop."""
        drain = self._tasks[0]
        joined = asyncio.ensure_future(self._queue.join())
        await asyncio.wait({joined, drain}, return_when=asyncio.FIRST_COMPLETED)
        joined.cancel()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        while not self._queue.empty():  # only if the drain task died unexpectedly
            batch = self._take_batch()
            await self._write_or_spool(batch)
            for _ in batch:
                self._queue.task_done()
        if self._spooled_pending:
            await self._replay_once()

    @property
    def queued(self) -> int:
        return self._queue.qsize()

    @property
    def spool_depth(self) -> int:
        return self._spooled_pending

    async def wait_idle(self) -> None:
        """Return once every row submitted so far is written or spooled."""
        await self._queue.join()

    # -- batching --------------------------------------------------------------------------

    async def _drain_queue(self) -> None:
        while True:
            first = await self._queue.get()
            if self._queue.qsize() < self._config.batch_size:
                await asyncio.sleep(self._config.flush_interval_seconds)
            batch = [first, *self._take_batch(self._config.batch_size - 1)]
            try:
                await self._write_or_spool(batch)
            finally:
                for _ in batch:
                    self._queue.task_done()

    def _take_batch(self, limit: int | None = None) -> Batch:
        limit = self._config.batch_size if limit is None else limit
        batch: Batch = []
        while len(batch) < limit and not self._queue.empty():
            batch.append(self._queue.get_nowait())
        return batch

    async def _write_or_spool(self, batch: Batch) -> None:
        if not batch:
            return
        if self._spooled_pending:
            await self._spool_async(batch)
            return
        for attempt in range(self._config.retry_attempts + 1):
            try:
                await self._insert(batch)
                return
            except Exception as error:
                log.warning(
                    "writing %d records failed (attempt %d): %s",
                    len(batch),
                    attempt + 1,
                    type(error).__name__,
                )
                if attempt < self._config.retry_attempts:
                    await asyncio.sleep(min(2.0, 0.1 * 2**attempt) * (0.5 + random.random()))
        await self._spool_async(batch)

    async def _insert(self, batch: Batch) -> None:
        by_table: dict[str, list[dict[str, Any]]] = {}
        for table, row in batch:
            by_table.setdefault(table, []).append(row)
        async with self._engine.begin() as connection:
            # Orgs are referenced by every record, so write in a fixed order.
            for table in RECORD_TABLES:
                rows = by_table.get(table)
                if rows:
                    await self._inserts[table].insert(connection, rows)
        self.written += len(batch)

    # -- spool -----------------------------------------------------------------------------

    async def _spool_async(self, batch: Batch) -> None:
        try:
            await asyncio.to_thread(self._spool.append, batch)
        except OSError as error:
            self.dropped += len(batch)
            log.error("cannot spool %d records: %s", len(batch), error)
            return
        self._spooled_pending += 1
        self.spooled += len(batch)
        self._wake_replay.set()

    def _spool_now(self, batch: Batch) -> None:
        try:
            self._spool.append(batch)
        except OSError as error:
            self.dropped += len(batch)
            log.error("cannot spool %d records: %s", len(batch), error)
            return
        self._spooled_pending += 1
        self.spooled += len(batch)

    async def _replay_spool(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._config.replay_interval_seconds):
                    await self._wake_replay.wait()
            self._wake_replay.clear()
            if self._spooled_pending:
                await self._replay_once()

    async def _replay_once(self) -> None:
        """Replay spooled batches oldest first; stop at the first one the database refuses."""
        # Renames and listings are quick and done inline, so a cancel can never land between
        # claiming a file and the try-block that releases it.
        for path in self._spool.pending():
            claimed = self._spool.claim(path)
            if claimed is None:
                continue
            try:
                batch = await asyncio.to_thread(self._spool.read, claimed)
                decoded = [(table, self._decoders[table](row)) for table, row in batch]
                await self._insert(decoded)
            except Exception as error:
                self._spool.release(claimed)
                log.info("spool replay waits for the database: %s", type(error).__name__)
                return
            except BaseException:  # cancelled at shutdown: leave the batch for next time
                self._spool.release(claimed)
                raise
            self._spool.remove(claimed)
            log.info("replayed %d spooled records", len(batch))
        self._spooled_pending = len(self._spool.pending())


def _row_decoder(table: Table) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Turn a row read back from the spool's JSON into the column types again."""
    datetimes = {c.name for c in table.columns if isinstance(c.type, DateTime)}
    decimals = {c.name for c in table.columns if isinstance(c.type, Numeric)}

    def decode(row: dict[str, Any]) -> dict[str, Any]:
        out = dict(row)
        for name in datetimes:
            if isinstance(out.get(name), str):
                out[name] = datetime.fromisoformat(out[name])
        for name in decimals:
            if out.get(name) is not None:
                out[name] = Decimal(str(out[name]))
        return out

    return decode
