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

One row never holds up the others: every row is made storable when it is submitted
(``core.row_guard``), and when the database answers but still refuses a batch (a foreign key
gone, a value it rejects), the batch is split in halves until the row at fault stands alone; that
row is set aside with its reason (``gateway.dead_letters``) and the rest are written. The same
happens to a spooled batch at replay. Both tasks are supervised: one that fails is logged and
restarted, and ``problem`` tells health when records stop flowing or pile up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Numeric, Table, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from core.row_guard import RowGuard
from core.settings import WriterConfig
from core.storage.bulk_insert import BulkInsert
from core.storage.models import Base
from gateway.dead_letters import DeadLetters
from gateway.spool import Batch, Spool

log = logging.getLogger(__name__)

RECORD_TABLES = ("decisions", "usage_records", "audit_logs")
PING_TIMEOUT_SECONDS = 5.0
RESTART_DELAY_SECONDS = 0.5


class RecordWriter:
    def __init__(self, engine: AsyncEngine, config: WriterConfig, spool: Spool) -> None:
        self._engine = engine
        self._config = config
        self._spool = spool
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        tables: dict[str, Table] = {name: Base.metadata.tables[name] for name in RECORD_TABLES}
        self._inserts = {name: BulkInsert(engine.dialect, t) for name, t in tables.items()}
        self._decoders = {name: _row_decoder(t) for name, t in tables.items()}
        self._guards = {name: RowGuard(t) for name, t in tables.items()}
        self.dead_letters = DeadLetters(spool.directory)
        self._spooled_pending = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._wake_replay = asyncio.Event()
        self._in_flight: Batch = []
        self._active_at = time.monotonic()  # a batch last taken or finished
        self._replaying_since: float | None = None  # a spooled batch's insert under way
        self._restarting = False
        self.listeners: list[Callable[[str, dict[str, Any]], None]] = []
        self.written = 0
        self.spooled = 0
        self.dropped = 0
        self.set_aside = 0
        self.restarts = 0

    # -- the request path ------------------------------------------------------------------

    def submit(self, table: str, row: dict[str, Any]) -> None:
        """Queue one row; never blocks, never raises on a database problem."""
        self._guards[table].clean(row)
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
            asyncio.create_task(self._supervise(self._drain_queue), name="record-writer"),
            asyncio.create_task(self._supervise(self._replay_spool), name="spool-replay"),
        ]

    async def close(self) -> None:
        """Write (or spool) everything submitted so far, then stop.

        The database gets ``stall_seconds`` to take what is queued; whatever it has not taken
        by then (a batch stuck in an insert included) is spooled, for the next start."""
        drain = self._tasks[0]
        joined = asyncio.ensure_future(self._queue.join())
        done, _ = await asyncio.wait(
            {joined, drain},
            timeout=self._config.stall_seconds,
            return_when=asyncio.FIRST_COMPLETED,
        )
        joined.cancel()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        left = [*self._in_flight, *self._take_batch(self._queue.qsize())]
        self._in_flight = []
        if left:  # inserts are idempotent: an in-flight batch that did land is not doubled
            await self._spool_async(left)
        if self._spooled_pending and done:
            # Bounded too: a database that hangs would hold the shutdown for ever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._config.stall_seconds):
                    await self._replay_once()

    async def _supervise(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run ``work`` for as long as the writer runs: a failure is logged and restarted."""
        while True:
            try:
                await work()
            except Exception:
                self.restarts += 1
                self._restarting = True
                log.exception("record writer task %s failed; restarting it", work.__name__)
                await asyncio.sleep(RESTART_DELAY_SECONDS)
                self._restarting = False

    @property
    def problem(self) -> str | None:
        """Why records are not flowing, or None: ``stopped`` (a task is down), ``stalled`` (a
        batch has waited more than ``stall_seconds``), ``backlog`` (the queue is full)."""
        if self._restarting or any(task.done() for task in self._tasks):
            return "stopped"
        now, limit = time.monotonic(), self._config.stall_seconds
        waiting = bool(self._in_flight) or not self._queue.empty()
        if waiting and now - self._active_at > limit:
            return "stalled"
        if self._replaying_since is not None and now - self._replaying_since > limit:
            return "stalled"
        if self._queue.qsize() >= self._config.max_queue:
            return "backlog"
        return None

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
        if self._in_flight:  # restarted: the batch the failed run held goes first
            await self._finish(self._in_flight)
        while True:
            first = await self._queue.get()
            self._in_flight = [first]
            self._active_at = time.monotonic()
            if self._queue.qsize() < self._config.batch_size:
                await asyncio.sleep(self._config.flush_interval_seconds)
            self._in_flight += self._take_batch(self._config.batch_size - 1)
            await self._finish(self._in_flight)

    async def _finish(self, batch: Batch) -> None:
        await self._write_or_spool(batch)
        self._in_flight = []
        self._active_at = time.monotonic()
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
                if await self._refused_by_content(error):
                    await self._spool_async(await self._isolate(batch))
                    return
                if attempt < self._config.retry_attempts:
                    await asyncio.sleep(min(2.0, 0.1 * 2**attempt) * (0.5 + random.random()))
        await self._spool_async(batch)

    async def _refused_by_content(self, error: Exception) -> bool:
        """Did the database refuse what a batch holds (not fail to answer)? Errors of
        connections and locks never count, and the database must answer a ping."""
        if isinstance(error, OSError | TimeoutError | OperationalError):
            return False
        if getattr(error, "connection_invalidated", False):
            return False
        return await self.database_answers()

    async def database_answers(self) -> bool:
        try:
            async with asyncio.timeout(PING_TIMEOUT_SECONDS):
                async with self._engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def _isolate(self, batch: Batch) -> Batch:
        """Write the parts of a refused batch apart, halving them until each row at fault
        stands alone; set those rows aside. Return the rows left unwritten because the
        database stopped answering (to be spooled)."""
        # The whole batch was just refused: start from its halves.
        parts = [batch[: len(batch) // 2], batch[len(batch) // 2 :]] if len(batch) > 1 else [batch]
        while parts:
            part = parts.pop(0)
            if not part:
                continue
            try:
                await self._insert(part)
                continue
            except Exception as error:
                if not await self._refused_by_content(error):
                    return [row for rest in (part, *parts) for row in rest]
                if len(part) > 1:
                    parts[:0] = [part[: len(part) // 2], part[len(part) // 2 :]]
                    continue
                await self._set_aside(part[0], error)
        return []

    async def _set_aside(self, item: tuple[str, dict[str, Any]], error: BaseException) -> None:
        table, row = item
        reason = _reason(error)
        try:
            path = await asyncio.to_thread(self.dead_letters.add, table, row, reason)
        except OSError as failure:
            self.dropped += 1
            log.error("cannot set aside a %s row: %s", table, failure)
            return
        self.set_aside += 1
        log.error("set aside a %s row the database refused (%s): %s", table, reason, path)

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
        if not batch:
            return
        try:
            await asyncio.to_thread(self._spool.append, batch)
        except OSError as error:
            self.dropped += len(batch)
            log.error("cannot spool %d records: %s", len(batch), error)
            return
        except Exception as error:  # a row that does not encode (the guard let it through)
            for item in batch:
                await self._set_aside(item, error)
            return
        self._spooled_pending += 1
        self.spooled += len(batch)
        self._wake_replay.set()

    def _spool_now(self, batch: Batch) -> None:
        try:
            self._spool.append(batch)
        except Exception as error:  # the request path never fails on a record
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
            except Exception as error:  # it will never read better: set the file aside
                reason = f"unreadable spool batch: {_reason(error)}"
                await asyncio.to_thread(self.dead_letters.add_file, claimed, reason)
                self.set_aside += 1
                log.error("set aside %s: %s", claimed.name, reason)
                continue
            except BaseException:  # cancelled at shutdown
                self._spool.release(claimed)
                raise
            written = False
            try:
                written = await self._replay_batch(decoded)
            finally:  # a failure or a cancel at shutdown: leave the batch for next time
                if not written:
                    self._spool.release(claimed)
            if not written:
                return
            self._spool.remove(claimed)
            log.info("replayed %d spooled records", len(batch))
        self._spooled_pending = len(self._spool.pending())

    async def _replay_batch(self, batch: Batch) -> bool:
        """Write one spooled batch; True when every row is written or set aside."""
        self._replaying_since = time.monotonic()
        try:
            await self._insert(batch)
            return True
        except Exception as error:
            if await self._refused_by_content(error) and not await self._isolate(batch):
                return True
            log.info("spool replay waits for the database: %s", type(error).__name__)
            return False
        finally:
            self._replaying_since = None


def _reason(error: BaseException) -> str:
    """The error's class and first line: the driver's own message, not SQLAlchemy's copy of
    the statement and its parameters (the row is stored next to it)."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines() or [""]
    return f"{type(error).__name__}: {lines[0]}"[:500]


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
