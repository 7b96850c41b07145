"""The database side of budgets: the queries the loader, the guard, alerts and the CLI need."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from core.storage.models import NONE, AuditLog, Budget, Org, SpendTotal
from gateway.budgets.periods import period_bounds

ON_ERROR_ALLOW = "allow"  # orgs.budget_on_error: serve unmetered when the ledger is down


@dataclass(frozen=True, slots=True)
class BudgetSpec:
    """A budget: a limit in USD on the whole org, one user or one API key, over a period."""

    id: str
    org_id: str
    user_id: str | None
    api_key_id: str | None
    name: str
    amount: Decimal
    period: str
    is_active: bool = True
    # Percent of the limit, ascending; None: the config's budgets.alerts.thresholds.
    alert_thresholds: tuple[int, ...] | None = None

    @property
    def scope(self) -> str:
        if self.api_key_id:
            return "key"
        return "user" if self.user_id else "org"


@dataclass(frozen=True, slots=True)
class OrgFlags:
    """An org's own switches: ``orgs.budget_enabled`` and ``orgs.budget_on_error``."""

    enabled: bool
    fail_open: bool


def budget_spec(budget: Budget) -> BudgetSpec:
    """A budget row as the ledger and the directory use it."""
    return BudgetSpec(
        id=budget.id,
        org_id=budget.org_id,
        user_id=budget.user_id,
        api_key_id=budget.api_key_id,
        name=budget.name,
        amount=Decimal(str(budget.amount)),
        period=budget.period,
        is_active=bool(budget.is_active),
        alert_thresholds=(
            tuple(sorted(set(budget.alert_thresholds)))
            if budget.alert_thresholds is not None
            else None
        ),
    )


async def load_active(session: AsyncSession) -> tuple[list[BudgetSpec], dict[str, OrgFlags]]:
    """Every active budget, and the flags of every org that has one."""
    rows = await session.scalars(select(Budget).where(Budget.is_active))
    budgets = [budget_spec(b) for b in rows]
    org_ids = {b.org_id for b in budgets}
    flags: dict[str, OrgFlags] = {}
    if org_ids:
        rows = await session.execute(
            select(Org.id, Org.budget_enabled, Org.budget_on_error).where(Org.id.in_(org_ids))
        )
        for org_id, enabled, on_error in rows:
            flags[org_id] = OrgFlags(enabled=bool(enabled), fail_open=on_error == ON_ERROR_ALLOW)
    return budgets, flags


async def fingerprint(session: AsyncSession) -> tuple[Any, ...]:
    """Changes whenever a budget or an org is created, changed or deleted (by the ORM, the
    admin API or the CLI, which all stamp ``updated_at``); one cheap round trip."""
    row = (
        await session.execute(
            select(
                select(func.count()).select_from(Budget).scalar_subquery(),
                select(func.max(Budget.updated_at)).scalar_subquery(),
                select(func.count()).select_from(Org).scalar_subquery(),
                select(func.max(Org.updated_at)).scalar_subquery(),
            )
        )
    ).one()
    return tuple(row)


async def spend_in_period(session: AsyncSession, budget: BudgetSpec, now: datetime) -> Decimal:
    """Recorded spend in ``budget``'s scope in the period holding ``now`` (unpriced usage adds
    nothing: its cost is unknown).

    Read from ``spend_totals``: periods are whole UTC months, so a monthly budget reads one row
    (its scope's month), a yearly one twelve, a ``total`` one a row per month of use, however
    many usage rows and rollup combinations those months hold (primary-key index only)."""
    start, end = period_bounds(budget.period, now)
    if budget.api_key_id:
        scope, scope_id = "key", budget.api_key_id
    elif budget.user_id:
        scope, scope_id = "user", budget.user_id
    else:
        scope, scope_id = "org", NONE
    query = select(func.sum(SpendTotal.cost)).where(
        SpendTotal.org_id == budget.org_id,
        SpendTotal.scope == scope,
        SpendTotal.scope_id == scope_id,
    )
    if start is not None and end is not None:
        query = query.where(SpendTotal.month >= start.date(), SpendTotal.month < end.date())
    return Decimal(str(await session.scalar(query) or 0))


async def create_budget(
    session: AsyncSession,
    org: Org,
    *,
    name: str,
    amount: Decimal,
    period: str,
    user_id: str | None = None,
    api_key_id: str | None = None,
    alert_thresholds: list[int] | None = None,
) -> Budget:
    budget = Budget(
        org_id=org.id,
        name=name,
        amount=amount,
        period=period,
        user_id=user_id,
        api_key_id=api_key_id,
        is_active=True,
        alert_thresholds=alert_thresholds,
    )
    session.add(budget)
    await session.flush()
    return budget


async def org_budgets(session: AsyncSession, org: Org) -> list[BudgetSpec]:
    """An org's budgets, active or not, oldest first."""
    rows = await session.scalars(
        select(Budget).where(Budget.org_id == org.id).order_by(Budget.created_at, Budget.id)
    )
    return [budget_spec(b) for b in rows]


async def insert_audit_once(connection: AsyncConnection, row: dict[str, Any]) -> bool:
    """Insert an audit row unless one with its id exists; True if this call inserted it.

    With a deterministic id this is a cross-process "fire once": whoever inserts, fires.
    """
    table = AuditLog.__table__
    dialect = connection.dialect.name
    if dialect == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing(index_elements=["id"])
    elif dialect == "sqlite":
        statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=["id"])
    else:
        raise RuntimeError(f"unsupported database dialect {dialect!r}")
    result = await connection.execute(statement, [row])
    return result.rowcount == 1
