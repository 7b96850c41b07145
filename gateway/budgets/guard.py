"""The one thing the request path calls for budgets: reserve, then settle or release.

    reservation = await guard.reserve(principal, candidates, size)   # precheck
    ...
    guard.settle_nowait(reservation, cost)    # postcheck: the actual cost (None: unknown)
    guard.release_nowait(reservation)         # the call never reached a provider

``reserve`` holds the request's worst-case cost (prompt tokens x the dearest input price +
allowed output tokens x output price, on the dearest deployment that may serve it) against
every active budget binding the key (its org's, its user's, its own), atomically; it raises
``BudgetExceededError`` (429 ``budget_exceeded``) when any would go over. It returns None when
no budget binds the key: nothing to settle then (``settle``/``release`` accept None).

When the ledger (Redis) or the database it seeds from cannot be reached, it raises
``ServiceUnavailableError`` (503 ``budget_unavailable``) unless ``budgets.on_unavailable`` is
``allow`` or the org's ``budget_on_error`` is ``allow``: then the request is served unmetered.
With ``budgets.on_redis_error: local`` a Redis outage is met first with reservations in this
process against the last known spend (``gateway.budgets.fallback``). Settles and releases Redis
does not take are applied, in order, as soon as it answers again.
A model without a price is refused (403 ``model_not_priced``) to a budget-bound key unless
``budgets.allow_unpriced_models``.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from core.errors import PermissionDeniedError, RateLimitError, ServiceUnavailableError
from core.ids import new_id
from core.settings import BudgetsConfig, ModelConfig
from core.storage.database import session_factory
from gateway.auth import Principal
from gateway.budgets.alerts import BudgetAlerts
from gateway.budgets.directory import BudgetDirectory
from gateway.budgets.estimate import RequestSize
from gateway.budgets.fallback import LocalReservations, Owed, OwedLedger
from gateway.budgets.ledger import (
    Bucket,
    BudgetLedger,
    LedgerUnavailable,
    ReserveResult,
    from_nanos,
    plain_usd,
    to_nanos,
)
from gateway.budgets.periods import counter_expiry, period_key
from gateway.budgets.store import BudgetSpec, spend_in_period
from gateway.pricing import Pricing

log = logging.getLogger(__name__)

SEED_ROUNDS = 3  # reserve -> seed -> reserve: a second seed only after a flush in between
# A database that does not answer a spend query within this long counts as unreachable: the
# request is refused (503 budget_unavailable) rather than held for as long as it stays silent.
SPEND_QUERY_TIMEOUT_SECONDS = 3.0


class BudgetExceededError(RateLimitError):
    """429 ``budget_exceeded``: a budget binding the key cannot cover the request's worst
    case. ``budget_id`` names it; ``reasons`` are the deny decision's reason codes."""

    default_code = "budget_exceeded"
    should_retry = False  # only money (a raised limit, a new period) makes it pass

    def __init__(self, message: str, *, budget_id: str) -> None:
        super().__init__(message)
        self.budget_id = budget_id
        self.reasons = ["budget.exceeded"]


@dataclass(slots=True, eq=False)
class Reservation:
    """Money held for one request until it is settled or released (or its hold expires)."""

    id: str
    org_id: str
    amount: int  # nano-dollars held in every bucket
    budgets: tuple[BudgetSpec, ...]
    buckets: tuple[Bucket, ...]
    finished: bool = False
    local: bool = False  # held in this process only (Redis was away: budgets.on_redis_error)
    headroom: int | None = None  # nano-dollars the tightest budget had left before this hold

    def remaining_after(self, cost: Decimal | None) -> Decimal | None:
        """What the tightest budget has left once this request spends ``cost`` (None: its
        worst case), not counting other requests still in flight."""
        if self.headroom is None:
            return None
        return from_nanos(self.headroom - (self.amount if cost is None else to_nanos(cost)))

    @property
    def worst_case_cost(self) -> Decimal:
        return from_nanos(self.amount)


class BudgetGuard:
    def __init__(
        self,
        *,
        config: BudgetsConfig,
        pricing: Pricing,
        directory: BudgetDirectory,
        ledger: BudgetLedger,
        alerts: BudgetAlerts,
        engine: AsyncEngine,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._config = config
        self._pricing = pricing
        self._directory = directory
        self._ledger = ledger
        self._alerts = alerts
        self._sessions = session_factory(engine)
        self._clock = clock
        self._seeding: dict[tuple[str, str], asyncio.Future[None]] = {}
        self._owed = OwedLedger(ledger, lambda: self._clock().timestamp(), self._settled)
        self._local = (
            LocalReservations(config.reservation_ttl_seconds)
            if config.on_redis_error == "local"
            else None
        )
        self._background: set[asyncio.Task[None]] = set()

    # -- precheck -------------------------------------------------------------------------------

    async def reserve(
        self,
        principal: Principal,
        models: ModelConfig | Sequence[ModelConfig],
        size: RequestSize,
    ) -> Reservation | None:
        """Hold the worst-case cost of a request that ``models`` (the deployments that may
        serve it: ``Router.candidate_models(name)``) may serve. See the module docstring."""
        if not self._config.enabled:
            return None
        try:
            budgets = self._directory.applicable(principal)
        except LedgerUnavailable as error:
            return self._unavailable(principal, error)
        if not budgets:
            return None
        candidates = (models,) if isinstance(models, ModelConfig) else tuple(models)
        prompt = await size.prompt_tokens()
        if size.approximate:
            prompt = math.ceil(prompt * (1 + self._config.approximate_prompt_margin))
        cost = self._pricing.worst_case_cost(
            candidates,
            prompt,
            size.output_tokens,
            choices=size.choices,
            default_output_tokens=self._config.default_max_output_tokens,
        )
        if cost is None:
            if self._config.allow_unpriced_models:
                return None
            names = ", ".join(sorted({m.upstream_name for m in candidates}))
            raise PermissionDeniedError(
                f"the model ({names}) has no price, and this API key is bound by a budget; "
                "give the model prices in the gateway's config, or set "
                "budgets.allow_unpriced_models",
                code="model_not_priced",
            )
        now = self._clock()
        buckets = tuple(self._bucket(b, now) for b in budgets)
        reservation = Reservation(new_id(), principal.org_id, to_nanos(cost), budgets, buckets)
        try:
            result = await self._reserve_shared(reservation, now)
        except LedgerUnavailable as error:
            if self._local is None:
                return self._unavailable(principal, error)
            self._local.shared_failed()
            try:
                result = await self._local.reserve(
                    reservation.id,
                    buckets,
                    reservation.amount,
                    now.timestamp(),
                    partial(self._recorded_spend, {b.id: b for b in budgets}, now),
                )
            except LedgerUnavailable as local_error:
                return self._unavailable(principal, local_error)
            reservation.local = True
        except (SQLAlchemyError, OSError, TimeoutError) as error:
            return self._unavailable(principal, error)
        if result.refused is not None:
            budget = budgets[buckets.index(result.refused)]
            self._alerts.denied(budget, result.refused, result.spent)
            raise _exceeded(budget, result.refused, result.spent, result.held, cost)
        reservation.headroom = result.headroom
        return reservation

    async def _reserve_shared(self, reservation: Reservation, now: datetime) -> ReserveResult:
        if self._local is not None and self._local.shared_down:
            raise LedgerUnavailable("the budget ledger failed a moment ago")
        for _ in range(SEED_ROUNDS):
            result = await self._ledger.reserve(
                reservation.id, reservation.buckets, reservation.amount, now.timestamp()
            )
            if not result.unseeded:
                break
            await self._seed(result.unseeded, reservation.budgets, now)
        else:
            raise LedgerUnavailable("budget counters vanish as soon as they are seeded")
        if self._local is not None:
            self._local.shared_answered()
            if result.refused is not None:
                self._local.note(result.refused, result.spent)
        return result

    async def _recorded_spend(
        self, budgets: dict[str, BudgetSpec], now: datetime, bucket: Bucket
    ) -> int | None:
        """A bucket's spend in ``usage_records``; None when the database cannot say."""
        try:
            async with asyncio.timeout(SPEND_QUERY_TIMEOUT_SECONDS), self._sessions() as session:
                return to_nanos(await spend_in_period(session, budgets[bucket.budget_id], now))
        except (SQLAlchemyError, OSError, TimeoutError) as error:
            log.warning("budget spend unknown: %s", type(error).__name__)
            return None

    def _bucket(self, budget: BudgetSpec, now: datetime) -> Bucket:
        return Bucket(
            org_id=budget.org_id,
            budget_id=budget.id,
            period_key=period_key(budget.period, now),
            limit=to_nanos(budget.amount),
            expires_at=counter_expiry(budget.period, now),
        )

    async def _seed(
        self, buckets: Sequence[Bucket], budgets: Sequence[BudgetSpec], now: datetime
    ) -> None:
        """Seed each bucket's spend from usage_records; one query per bucket per instance
        however many requests wait for it."""
        by_id = {b.id: b for b in budgets}
        waits = []
        for bucket in buckets:
            key = (bucket.budget_id, bucket.period_key)
            pending = self._seeding.get(key)
            if pending is None:
                pending = asyncio.ensure_future(
                    self._seed_one(by_id[bucket.budget_id], bucket, now)
                )
                self._seeding[key] = pending
                pending.add_done_callback(lambda _, key=key: self._seeding.pop(key, None))
            waits.append(asyncio.shield(pending))
        await asyncio.gather(*waits)

    async def _seed_one(self, budget: BudgetSpec, bucket: Bucket, now: datetime) -> None:
        async with asyncio.timeout(SPEND_QUERY_TIMEOUT_SECONDS), self._sessions() as session:
            spent = await spend_in_period(session, budget, now)
        await self._ledger.seed(bucket, to_nanos(spent))

    def _unavailable(self, principal: Principal, error: Exception) -> None:
        if self._config.on_unavailable == "allow" or self._directory.fails_open(principal.org_id):
            log.warning("budgets unavailable, serving unmetered: %s", type(error).__name__)
            return None
        raise ServiceUnavailableError(
            "budgets cannot be checked right now: the budget store is unreachable",
            code="budget_unavailable",
        ) from error

    # -- postcheck ------------------------------------------------------------------------------

    async def settle(self, reservation: Reservation | None, actual_cost: Decimal | None) -> None:
        """Spend ``actual_cost`` (None: unknown, so the whole worst case is spent) and drop the
        hold. Never raises: what the ledger does not take now is applied when it answers
        again (``OwedLedger``)."""
        if reservation is None or reservation.finished:
            return
        reservation.finished = True
        actual = reservation.amount if actual_cost is None else to_nanos(actual_cost)
        owed = Owed(reservation.id, reservation.budgets, reservation.buckets, actual)
        if reservation.local and self._local is not None:
            await self._local.ledger.settle(
                reservation.id, reservation.buckets, actual, self._clock().timestamp()
            )
            self._owed.add(owed)  # the shared ledger learns of this spend when it returns
            return
        if not await self._owed.apply(owed):
            log.warning("budget reservation %s not settled yet: the ledger is away", owed.rid)
            self._owed.add(owed)

    async def release(self, reservation: Reservation | None) -> None:
        """Drop the hold without spending (the call never reached a provider). Never raises:
        a release the ledger does not take now is applied when it answers again."""
        if reservation is None or reservation.finished:
            return
        reservation.finished = True
        if reservation.local and self._local is not None:
            await self._local.ledger.release(reservation.id, reservation.buckets)
            return
        owed = Owed(reservation.id, reservation.budgets, reservation.buckets, None)
        if not await self._owed.apply(owed):
            self._owed.add(owed)

    def _settled(self, owed: Owed, spent: tuple[int | None, ...]) -> None:
        for budget, bucket, now_spent in zip(owed.budgets, owed.buckets, spent, strict=True):
            if self._local is not None:
                self._local.note(bucket, now_spent)
            if now_spent is not None:
                self._alerts.spent_changed(budget, bucket, now_spent)

    @property
    def owed(self) -> int:
        """Settles and releases waiting for the ledger to answer again."""
        return len(self._owed)

    def settle_nowait(self, reservation: Reservation | None, actual_cost: Decimal | None) -> None:
        """``settle`` in the background: for synchronous code and ``finally`` blocks."""
        if reservation is not None and not reservation.finished:
            self._spawn(self.settle(reservation, actual_cost))

    def release_nowait(self, reservation: Reservation | None) -> None:
        if reservation is not None and not reservation.finished:
            self._spawn(self.release(reservation))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def wait_idle(self) -> None:
        """Until every background settle and release is done."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def aclose(self) -> None:
        await self.wait_idle()
        await self._owed.aclose()


def _exceeded(
    budget: BudgetSpec, bucket: Bucket, spent: int, held: int, cost: Decimal
) -> BudgetExceededError:
    in_flight = f" and {plain_usd(from_nanos(held))} USD held by requests in flight" if held else ""
    return BudgetExceededError(
        f"budget {budget.name!r} ({budget.scope}, {budget.period}, {plain_usd(budget.amount)} "
        f"USD) cannot cover this request: {plain_usd(from_nanos(spent))} USD spent{in_flight}, "
        f"and this request may cost up to {plain_usd(cost.quantize(Decimal('0.000001')))} USD",
        budget_id=budget.id,
    )
