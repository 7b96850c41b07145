"""Budgets while the shared ledger (Redis) is away: what is owed to it, and local reservations.

``OwedLedger`` keeps, in order, every settle and release the shared ledger did not take (and
the spend of local reservations), and applies them as soon as it answers again, so a hold does
not wait for its TTL and no spend is forgotten. It holds at most ``MAX_OWED`` entries; beyond,
the oldest are dropped (their holds expire after ``budgets.reservation_ttl_seconds``).

``LocalReservations`` (``budgets.on_redis_error: local``) reserves in this process's memory
against the last spend it knows of each budget (the larger of what Redis last reported and
what ``usage_records`` holds), so requests keep being served within the budget as this
instance sees it. Each instance does so on its own: with N instances a budget may be
overspent by up to (N - 1) times what remained of it when Redis went away. Its counters are
forgotten once Redis answers again (the spend made meanwhile reaches Redis through
``OwedLedger``), so a later outage starts again from fresh figures.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from gateway.budgets.ledger import Bucket, BudgetLedger, LedgerUnavailable, ReserveResult
from gateway.budgets.memory_ledger import MemoryLedger
from gateway.budgets.store import BudgetSpec

log = logging.getLogger(__name__)

MAX_OWED = 100_000
RETRY_SECONDS = 0.5  # how often what is owed is offered to the shared ledger
# After the shared ledger failed, requests go straight to local reservations for this long
# instead of each waiting on a dead Redis.
DOWN_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Owed:
    """A settle (``actual`` nano-dollars) or release (``actual`` None) not applied yet."""

    rid: str
    budgets: tuple[BudgetSpec, ...]
    buckets: tuple[Bucket, ...]
    actual: int | None


class OwedLedger:
    """Settles and releases waiting for the shared ledger; see the module docstring."""

    def __init__(
        self,
        ledger: BudgetLedger,
        clock: Callable[[], float],
        on_settled: Callable[[Owed, tuple[int | None, ...]], None],
    ) -> None:
        self._ledger = ledger
        self._clock = clock
        self._on_settled = on_settled
        self._owed: deque[Owed] = deque()
        self._draining = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self._owed)

    async def apply(self, owed: Owed) -> bool:
        """Apply ``owed`` now; False (and nothing applied) when the ledger is away."""
        try:
            if owed.actual is None:
                await self._ledger.release(owed.rid, owed.buckets)
            else:
                spent = await self._ledger.settle(
                    owed.rid, owed.buckets, owed.actual, self._clock()
                )
                self._on_settled(owed, spent)
        except LedgerUnavailable:
            return False
        return True

    def add(self, owed: Owed) -> None:
        if len(self._owed) >= MAX_OWED:
            dropped = self._owed.popleft()
            log.error("budget reservation %s dropped unsettled; its hold expires", dropped.rid)
        self._owed.append(owed)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._retry_until_empty(), name="budget-owed"
            )

    async def drain(self) -> None:
        """Apply what is owed, oldest first, until done or the ledger fails again."""
        async with self._draining:  # one at a time: an entry must be applied once
            while self._owed:
                entry = self._owed[0]
                if not await self.apply(entry):
                    return
                if self._owed and self._owed[0] is entry:  # ``add`` may have dropped it
                    self._owed.popleft()

    async def _retry_until_empty(self) -> None:
        while self._owed:
            await asyncio.sleep(RETRY_SECONDS)
            await self.drain()
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                # A cancel that the Redis client turned into a timeout (a failed apply) must
                # still stop this loop, or shutdown waits for it for ever.
                raise asyncio.CancelledError
        log.info("every budget settlement owed to the shared ledger is applied")

    async def aclose(self) -> None:
        await self.drain()
        if self._owed:
            log.error("%d budget settlements not applied at shutdown", len(self._owed))
        if self._task is not None:
            self._task.cancel()
            # Bounded: the Redis client may swallow the cancel; shutdown must not wait on it.
            await asyncio.wait({self._task}, timeout=2.0)


class LocalReservations:
    """Per-instance reservations while the shared ledger is away; see the module docstring."""

    def __init__(self, ttl_seconds: float) -> None:
        self._ttl = ttl_seconds
        self.ledger = MemoryLedger(ttl_seconds)
        self._last_spent: dict[tuple[str, str], int] = {}
        self._down_until = 0.0
        self.used = False

    @property
    def shared_down(self) -> bool:
        return time.monotonic() < self._down_until

    def shared_failed(self) -> None:
        self._down_until = time.monotonic() + DOWN_SECONDS

    def shared_answered(self) -> None:
        """Redis is back: local counters are stale from now on."""
        self._down_until = 0.0
        if self.used:
            self.used = False
            self.ledger = MemoryLedger(self._ttl)

    def note(self, bucket: Bucket, spent: int | None) -> None:
        """The shared ledger reported ``spent`` for ``bucket``."""
        if spent is not None:
            self._last_spent[(bucket.budget_id, bucket.period_key)] = spent

    async def reserve(
        self,
        rid: str,
        buckets: Sequence[Bucket],
        amount: int,
        now: float,
        recorded_spend: Callable[[Bucket], Awaitable[int | None]],
    ) -> ReserveResult:
        """Hold ``amount`` locally; ``recorded_spend`` gives a bucket's spend from the
        database (None when it cannot). Raises ``LedgerUnavailable`` for a bucket whose
        spend is known from nowhere."""
        self.used = True
        result = await self.ledger.reserve(rid, buckets, amount, now)
        for bucket in result.unseeded:
            known = self._last_spent.get((bucket.budget_id, bucket.period_key))
            recorded = await recorded_spend(bucket)
            if known is None and recorded is None:
                raise LedgerUnavailable("no known spend for a budget while Redis is away")
            await self.ledger.seed(bucket, max(known or 0, recorded or 0))
        if result.unseeded:
            result = await self.ledger.reserve(rid, buckets, amount, now)
        return result
