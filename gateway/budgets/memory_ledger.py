"""The in-process budget ledger: exact, and atomic because no method awaits between its check
and its update (asyncio runs one of them at a time). It is this process's alone: several
instances without Redis each enforce the budget on their own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from gateway.budgets.ledger import Bucket, ReserveResult
from gateway.budgets.periods import COUNTER_GRACE


@dataclass(slots=True)
class _Counter:
    spent: int
    expires_at: int | None
    held: int = 0
    # reservation id -> (amount, deadline); in insertion order, which is deadline order
    # because every hold lives the same ttl.
    holds: dict[str, tuple[int, float]] = field(default_factory=dict)

    def drop_expired(self, now: float) -> None:
        for rid, (amount, deadline) in list(self.holds.items()):
            if deadline > now:
                break
            del self.holds[rid]
            self.held -= amount

    def drop(self, rid: str) -> None:
        hold = self.holds.pop(rid, None)
        if hold is not None:
            self.held -= hold[0]


def _key(bucket: Bucket) -> tuple[str, str]:
    return bucket.budget_id, bucket.period_key


class MemoryLedger:
    """``BudgetLedger`` in this process's memory."""

    def __init__(self, ttl_seconds: float) -> None:
        self._ttl = ttl_seconds
        self._counters: dict[tuple[str, str], _Counter] = {}
        self._swept_to = 0

    async def reserve(
        self, rid: str, buckets: Sequence[Bucket], amount: int, now: float
    ) -> ReserveResult:
        unseeded = tuple(b for b in buckets if _key(b) not in self._counters)
        if unseeded:
            return ReserveResult(unseeded=unseeded)
        counters = [self._counters[_key(b)] for b in buckets]
        headroom: int | None = None
        for bucket, counter in zip(buckets, counters, strict=True):
            counter.drop_expired(now)
            if counter.spent + counter.held + amount > bucket.limit:
                return ReserveResult(refused=bucket, spent=counter.spent, held=counter.held)
            room = bucket.limit - counter.spent - counter.held
            headroom = room if headroom is None else min(headroom, room)
        deadline = now + self._ttl
        for counter in counters:
            counter.holds[rid] = (amount, deadline)
            counter.held += amount
        return ReserveResult(headroom=headroom)

    async def settle(
        self, rid: str, buckets: Sequence[Bucket], actual: int, now: float
    ) -> tuple[int | None, ...]:
        spent: list[int | None] = []
        for bucket in buckets:
            counter = self._counters.get(_key(bucket))
            if counter is None:
                spent.append(None)
                continue
            counter.drop(rid)
            counter.spent += actual
            spent.append(counter.spent)
        return tuple(spent)

    async def release(self, rid: str, buckets: Sequence[Bucket]) -> None:
        for bucket in buckets:
            counter = self._counters.get(_key(bucket))
            if counter is not None:
                counter.drop(rid)

    async def seed(self, bucket: Bucket, spent: int) -> None:
        if _key(bucket) in self._counters:
            return
        self._forget_finished(bucket.expires_at)
        self._counters[_key(bucket)] = _Counter(spent=spent, expires_at=bucket.expires_at)

    async def spend(self, buckets: Sequence[Bucket]) -> tuple[tuple[int, int] | None, ...]:
        found = (self._counters.get(_key(b)) for b in buckets)
        return tuple(None if c is None else (c.spent, c.held) for c in found)

    async def aclose(self) -> None:
        self._counters.clear()

    def _forget_finished(self, new_expiry: int | None) -> None:
        # A new bucket's expiry is at most a year and a grace ahead of now, and a counter of a
        # current period expires at least the grace after now: anything expiring more than
        # that span before the new bucket's expiry is finished.
        if new_expiry is None:
            return
        horizon = new_expiry - (366 * 24 * 3600 + int(COUNTER_GRACE.total_seconds()))
        if horizon < self._swept_to + 24 * 3600:
            return  # sweep at most once a day
        self._swept_to = horizon
        self._counters = {
            k: c
            for k, c in self._counters.items()
            if c.expires_at is None or c.expires_at > horizon
        }
