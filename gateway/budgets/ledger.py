"""The contract of a budget ledger, and the unit it counts in.

A ledger keeps, for each budget and period (a ``Bucket``), the spend settled so far and the
holds of requests still running. Money is counted in integer nano-dollars (10^-9 USD): exact,
never a float, fine enough that a gpt-5-nano call of a few tokens is not rounded to zero, and
far from overflowing Redis's 64-bit integers. Costs are rounded up to the next nano-dollar, so
the ledger never counts less than was spent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Protocol

NANOS_PER_USD = 10**9


def to_nanos(usd: Decimal) -> int:
    """USD to nano-dollars, rounded up."""
    return int((usd * NANOS_PER_USD).to_integral_value(rounding=ROUND_CEILING))


def from_nanos(nanos: int) -> Decimal:
    return Decimal(nanos).scaleb(-9)


CENTS = Decimal("0.01")


def plain_usd(amount: Decimal) -> str:
    """An amount as people write it: ``0.00``, ``12.50``, ``0.000135`` (never ``0E-9``)."""
    exact = amount.normalize()
    exponent = exact.as_tuple().exponent  # a str only for NaN and infinity
    if isinstance(exponent, int) and exponent >= -2:
        exact = exact.quantize(CENTS)
    return f"{exact:f}"


@dataclass(frozen=True, slots=True)
class Bucket:
    """The counter of one budget in one period (``period_key`` as in ``periods.period_key``).

    ``limit`` is the budget's amount in nano-dollars, as this instance last loaded it: a ledger
    shared by several instances stores spend, never limits. ``expires_at`` (unix seconds) is
    when the counter may be dropped; None keeps it (a ``total`` budget).
    """

    org_id: str
    budget_id: str
    period_key: str
    limit: int
    expires_at: int | None


@dataclass(frozen=True, slots=True)
class ReserveResult:
    """What ``reserve`` did.

    ``unseeded`` non-empty: nothing was held, because the ledger does not know those buckets'
    spend yet; seed them (``BudgetLedger.seed``) and call ``reserve`` again. Else ``refused``
    None: every bucket now holds the amount; ``refused`` set: none does, and ``spent`` and
    ``held`` are that bucket's figures at the time. ``headroom`` (held): the least any bucket
    had left before this hold (limit - spent - other holds), for ``x-governs-budget-remaining``.
    """

    unseeded: tuple[Bucket, ...] = ()
    refused: Bucket | None = None
    spent: int = 0
    held: int = 0
    headroom: int | None = None

    @property
    def ok(self) -> bool:
        return not self.unseeded and self.refused is None


class BudgetLedger(Protocol):
    """Atomic check-and-hold of money against several budgets at once.

    * ``reserve(rid, buckets, amount, now)`` holds ``amount`` in every bucket for reservation
      ``rid`` if, in each, settled spend + live holds + ``amount`` stays within its ``limit``;
      otherwise it holds nothing. All or nothing, atomic against every other call on any
      instance sharing the ledger. Holds expire ``ttl`` seconds after ``now`` (expired holds
      are dropped before the check), so a crashed instance's holds do not block forever.
    * ``settle(rid, buckets, actual, now)`` drops the reservation's holds (if they have not
      expired) and adds ``actual`` to each bucket's spend, whether or not the hold was still
      there: the money was spent. Returns each bucket's spend afterwards (None for a bucket
      the ledger does not know: its spend will come from the database when it is seeded).
    * ``release(rid, buckets)`` drops the holds without spending anything.
    * ``seed(bucket, spent)`` sets a bucket's spend if the ledger does not know it yet (first
      use in a period, a restarted in-process ledger, a flushed Redis); a known spend is kept.
    * ``spend(buckets)`` gives each bucket's (spent, held), or None when unknown.

    ``now`` is unix time in seconds. Amounts are nano-dollars. Errors of the store itself
    (Redis unreachable) propagate as ``LedgerUnavailable``.
    """

    async def reserve(
        self, rid: str, buckets: Sequence[Bucket], amount: int, now: float
    ) -> ReserveResult: ...

    async def settle(
        self, rid: str, buckets: Sequence[Bucket], actual: int, now: float
    ) -> tuple[int | None, ...]: ...

    async def release(self, rid: str, buckets: Sequence[Bucket]) -> None: ...

    async def seed(self, bucket: Bucket, spent: int) -> None: ...

    async def spend(self, buckets: Sequence[Bucket]) -> tuple[tuple[int, int] | None, ...]: ...

    async def aclose(self) -> None: ...


class LedgerUnavailable(Exception):
    """The ledger's store cannot be reached; the guard turns it into a 503 or lets it pass."""
