"""BudgetGuard on a real database, with the in-process ledger and with Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from core.errors import PermissionDeniedError, ServiceUnavailableError
from core.settings import ModelConfig, Settings, settings_from_mapping
from core.storage.database import session_factory
from core.storage.models import Org
from gateway.auth import Principal
from gateway.budgets.alerts import BudgetAlerts
from gateway.budgets.directory import BudgetDirectory
from gateway.budgets.estimate import RequestSize
from gateway.budgets.guard import BudgetExceededError, BudgetGuard
from gateway.budgets.ledger import BudgetLedger
from gateway.budgets.memory_ledger import MemoryLedger
from gateway.budgets.redis_ledger import RedisLedger
from gateway.pricing import Pricing
from gateway.redis_client import connect_redis
from tests.gateway.budgets.helpers import (
    Account,
    Clock,
    add_budget,
    add_usage,
    make_account,
    utc,
)

# One token costs a tenth of a cent, so a 50 + 50 token request costs at most 0.10 USD.
PRICED = {"input_cost_per_mtok": "1000", "output_cost_per_mtok": "1000"}
RAW: dict[str, Any] = {
    "providers": [{"name": "p", "kind": "openai", "base_url": "http://127.0.0.1:9"}],
    "models": [
        {"name": "flat", "provider": "p", "upstream_model": "flat-test-model", **PRICED},
        {"name": "unpriced", "provider": "p", "upstream_model": "no-such-model"},
    ],
}
TEN_CENTS = RequestSize.fixed(50, 50)


def served(settings: Settings, name: str) -> ModelConfig:
    model = next(m for m in settings.models if m.name == name)
    return model.priced_for(model.served_by()[0])


@dataclass
class Built:
    guard: BudgetGuard
    directory: BudgetDirectory
    ledger: BudgetLedger
    settings: Settings
    clock: Clock

    @property
    def flat(self) -> ModelConfig:
        return served(self.settings, "flat")


@pytest.fixture(params=["memory", "redis"])
async def make_guard(
    request: pytest.FixtureRequest, engine: AsyncEngine, redis_prefix: str
) -> AsyncIterator[Callable[..., Any]]:
    closers = []

    async def make(budgets: dict[str, Any] | None = None, clock: Clock | None = None) -> Built:
        settings = settings_from_mapping({**RAW, "budgets": budgets or {}}, environ={})
        clock = clock or Clock(utc(2027, 3, 15, 12))
        ledger: BudgetLedger
        if request.param == "memory":
            ledger = MemoryLedger(settings.budgets.reservation_ttl_seconds)
        else:
            # A longer socket timeout than the gateway's 1 s: these tests measure what is
            # reserved, not how a whole suite's busy threads delay this one's event loop (the
            # 200-request burst failed exactly 64 requests, the pool's size, in CI once).
            redis = connect_redis(request.getfixturevalue("redis_url"), timeout=5.0)
            closers.append(redis.aclose)
            ledger = RedisLedger(redis, settings.budgets.reservation_ttl_seconds, redis_prefix)
        directory = BudgetDirectory(engine, 1.0, 60.0)
        await directory.refresh()
        alerts = BudgetAlerts(engine, settings.budgets.alerts, clock=clock)
        alerts.start()
        closers.append(alerts.aclose)
        guard = BudgetGuard(
            config=settings.budgets,
            pricing=Pricing(settings, None),
            directory=directory,
            ledger=ledger,
            alerts=alerts,
            engine=engine,
            clock=clock,
        )
        return Built(guard, directory, ledger, settings, clock)

    yield make
    for close in reversed(closers):
        await close()


async def outcomes(built: Built, principal: Principal, count: int) -> list[Any]:
    return await asyncio.gather(
        *(built.guard.reserve(principal, built.flat, TEN_CENTS) for _ in range(count)),
        return_exceptions=True,
    )


async def test_no_budget_means_no_reservation_and_no_counting(
    make_guard: Callable[..., Any], account: Account
) -> None:
    built = await make_guard()

    def never() -> int:
        raise AssertionError("a key without budgets must not pay for token counting")

    size = RequestSize(never, text="short", output_tokens=10)
    assert await built.guard.reserve(account.principal, built.flat, size) is None
    await built.guard.settle(None, Decimal(1))  # None is accepted everywhere
    built.guard.release_nowait(None)


async def test_200_concurrent_requests_10_fit_and_spend_stays_within(
    make_guard: Callable[..., Any], engine: AsyncEngine, account: Account
) -> None:
    await add_budget(engine, account.org_id, "1.00")
    built = await make_guard()
    results = await outcomes(built, account.principal, 200)
    reservations = [r for r in results if not isinstance(r, BaseException)]
    denied = [r for r in results if isinstance(r, BudgetExceededError)]
    assert len(reservations) == 10 and len(denied) == 190
    assert all(r.worst_case_cost == Decimal("0.1") for r in reservations)
    error = denied[0]
    assert error.http_status == 429 and error.code == "budget_exceeded"
    assert error.reasons == ["budget.exceeded"] and error.budget_id
    assert "cannot cover this request" in error.message
    # Each settles the worst case exactly: spend reaches the limit and never passes it.
    await asyncio.gather(*(built.guard.settle(r, Decimal("0.10")) for r in reservations))
    [spend] = await built.ledger.spend(reservations[0].buckets[:1])
    assert spend == (1_000_000_000, 0)
    assert isinstance((await outcomes(built, account.principal, 1))[0], BudgetExceededError)


async def test_settle_returns_the_unused_part(
    make_guard: Callable[..., Any], engine: AsyncEngine, account: Account
) -> None:
    await add_budget(engine, account.org_id, "1.00")
    built = await make_guard()
    first = [
        r for r in await outcomes(built, account.principal, 20) if not isinstance(r, Exception)
    ]
    assert len(first) == 10
    for reservation in first[:5]:
        built.guard.settle_nowait(reservation, Decimal("0.04"))  # 0.06 of each comes back
    for reservation in first[5:]:
        built.guard.release_nowait(reservation)  # never reached a provider: all comes back
    await built.guard.wait_idle()
    # 0.20 spent: 8 more fit.
    again = await outcomes(built, account.principal, 20)
    assert sum(not isinstance(r, Exception) for r in again) == 8


async def test_unknown_actual_cost_spends_the_worst_case(
    make_guard: Callable[..., Any], engine: AsyncEngine, account: Account
) -> None:
    await add_budget(engine, account.org_id, "0.15")
    built = await make_guard()
    reservation = await built.guard.reserve(account.principal, built.flat, TEN_CENTS)
    await built.guard.settle(reservation, None)
    await built.guard.settle(reservation, Decimal(0))  # a second settle does nothing
    assert reservation is not None
    assert await built.ledger.spend(reservation.buckets) == ((100_000_000, 0),)


async def test_a_restarted_instance_remembers_this_periods_spend(
    make_guard: Callable[..., Any], engine: AsyncEngine, account: Account
) -> None:
    await add_budget(engine, account.org_id, "1.00")
    await add_usage(engine, account, "0.85", utc(2027, 3, 2))
    await add_usage(engine, account, "5.00", utc(2027, 2, 27))  # last month: not counted
    built = await make_guard()
    assert await built.guard.reserve(account.principal, built.flat, TEN_CENTS) is not None
    with pytest.raises(BudgetExceededError):
        await built.guard.reserve(account.principal, built.flat, TEN_CENTS)


async def test_a_new_month_starts_at_zero_but_a_year_and_total_do_not(
    make_guard: Callable[..., Any], engine: AsyncEngine
) -> None:
    clock = Clock(utc(2027, 11, 30, 23, 59, 59))
    accounts = {period: await make_account(engine) for period in ("monthly", "yearly", "total")}
    for period, account in accounts.items():
        await add_budget(engine, account.org_id, "0.10", period=period)
    built = await make_guard(clock=clock)
    for account in accounts.values():
        reservation = await built.guard.reserve(account.principal, built.flat, TEN_CENTS)
        await built.guard.settle(reservation, Decimal("0.10"))
    clock.now = utc(2027, 12, 1)
    assert await built.guard.reserve(accounts["monthly"].principal, built.flat, TEN_CENTS)
    for period in ("yearly", "total"):
        with pytest.raises(BudgetExceededError):
            await built.guard.reserve(accounts[period].principal, built.flat, TEN_CENTS)
    clock.now = utc(2028, 1, 1)
    assert await built.guard.reserve(accounts["yearly"].principal, built.flat, TEN_CENTS)
    with pytest.raises(BudgetExceededError):
        await built.guard.reserve(accounts["total"].principal, built.flat, TEN_CENTS)


async def test_user_and_key_budgets_bind_only_their_own(
    make_guard: Callable[..., Any], engine: AsyncEngine, account: Account
) -> None:
    await add_budget(engine, account.org_id, "0.05", api_key_id=account.key_id)
    built = await make_guard()
    with pytest.raises(BudgetExceededError):
        await built.guard.reserve(account.principal, built.flat, TEN_CENTS)
    other_key = Principal("other-key", account.org_id, "t", account.user_id, frozenset())
    assert await built.guard.reserve(other_key, built.flat, TEN_CENTS) is None

    await add_budget(engine, account.org_id, "0.05", user_id=account.user_id)
    await built.directory.refresh()
    with pytest.raises(BudgetExceededError):
        await built.guard.reserve(other_key, built.flat, TEN_CENTS)  # same user
    other_user = Principal("k3", account.org_id, "t", "someone-else", frozenset())
    assert await built.guard.reserve(other_user, built.flat, TEN_CENTS) is None


async def test_an_org_with_budgets_switched_off_is_not_metered(
    make_guard: Callable[..., Any], engine: AsyncEngine, account: Account
) -> None:
    await add_budget(engine, account.org_id, "0.01")
    async with session_factory(engine).begin() as session:
        await session.execute(
            update(Org).where(Org.id == account.org_id).values(budget_enabled=False)
        )
    built = await make_guard()
    assert await built.guard.reserve(account.principal, built.flat, TEN_CENTS) is None


async def test_unpriced_model_is_refused_to_a_budget_bound_key_unless_allowed(
    make_guard: Callable[..., Any], engine: AsyncEngine, account: Account
) -> None:
    await add_budget(engine, account.org_id, "100")
    built = await make_guard()
    unpriced = served(built.settings, "unpriced")
    with pytest.raises(PermissionDeniedError) as refused:
        await built.guard.reserve(account.principal, unpriced, TEN_CENTS)
    assert refused.value.code == "model_not_priced" and refused.value.http_status == 403
    # One unpriced deployment among the candidates is enough to refuse.
    with pytest.raises(PermissionDeniedError):
        await built.guard.reserve(account.principal, [built.flat, unpriced], TEN_CENTS)

    allowing = await make_guard({"allow_unpriced_models": True})
    assert await allowing.guard.reserve(account.principal, unpriced, TEN_CENTS) is None


async def test_the_dearest_candidate_and_the_output_limit_are_reserved(
    make_guard: Callable[..., Any], engine: AsyncEngine, account: Account
) -> None:
    await add_budget(engine, account.org_id, "100")
    built = await make_guard({"default_max_output_tokens": 1000})
    cheap = built.flat.model_copy(update={"output_cost_per_mtok": Decimal(1)})
    no_max_tokens = RequestSize.fixed(100, None, choices=2)
    reservation = await built.guard.reserve(account.principal, [cheap, built.flat], no_max_tokens)
    assert reservation is not None
    # 100 prompt + 2 choices x 1000 default output tokens, on the dearer deployment.
    assert reservation.worst_case_cost == Decimal("2.1")


async def test_an_unreachable_ledger_fails_closed_by_default(
    engine: AsyncEngine, account: Account
) -> None:
    await add_budget(engine, account.org_id, "1")
    fail_open_account = await make_account(engine, fail_open=True)
    await add_budget(engine, fail_open_account.org_id, "1")
    dead = connect_redis("redis://127.0.0.1:9/0")
    directory = BudgetDirectory(engine, 1.0, 60.0)
    await directory.refresh()

    def guard(on_unavailable: str) -> BudgetGuard:
        settings = settings_from_mapping(
            {**RAW, "budgets": {"on_unavailable": on_unavailable}}, environ={}
        )
        return BudgetGuard(
            config=settings.budgets,
            pricing=Pricing(settings, None),
            directory=directory,
            ledger=RedisLedger(dead, 60),
            alerts=BudgetAlerts(engine, settings.budgets.alerts),
            engine=engine,
        )

    flat = served(settings_from_mapping(RAW, environ={}), "flat")
    try:
        with pytest.raises(ServiceUnavailableError) as down:
            await guard("block").reserve(account.principal, flat, TEN_CENTS)
        assert down.value.http_status == 503 and down.value.code == "budget_unavailable"
        assert await guard("allow").reserve(account.principal, flat, TEN_CENTS) is None
        # The org's own budget_on_error = allow serves it unmetered too.
        assert await guard("block").reserve(fail_open_account.principal, flat, TEN_CENTS) is None
    finally:
        await dead.aclose()


async def test_budgets_not_loaded_yet_fail_closed(engine: AsyncEngine, account: Account) -> None:
    settings = settings_from_mapping(RAW, environ={})
    guard = BudgetGuard(
        config=settings.budgets,
        pricing=Pricing(settings, None),
        directory=BudgetDirectory(engine, 1.0, 60.0),  # never refreshed
        ledger=MemoryLedger(60),
        alerts=BudgetAlerts(engine, settings.budgets.alerts),
        engine=engine,
    )
    with pytest.raises(ServiceUnavailableError):
        await guard.reserve(account.principal, served(settings, "flat"), TEN_CENTS)
