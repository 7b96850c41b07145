"""``/api/v1/budgets``: spending limits with their current spend.

A budget covers the whole org, one user (``userId``) or one API key (``apiKeyId``), over a
calendar period in UTC: ``monthly``, ``yearly`` or ``total`` (all time). Its current spend is
the sum of ``usage_records.cost`` in the current period for that scope (unpriced usage adds
nothing). Amounts are Decimal strings in USD.

``alertThresholds`` are the percentages of the limit at which the budget alerts (an audit row
and the webhook, ``gateway/budgets/alerts.py``): null (the default) uses the config's
``budgets.alerts.thresholds``, ``[]`` switches threshold alerts off for this budget (a refused
request still alerts).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from admin_api.audit import record
from admin_api.caller import not_found
from admin_api.endpoint import Call, Endpoint
from admin_api.permissions import Permission
from admin_api.types import AmountIn, Id, MoneyOut, Name, Timestamp
from admin_api.validation import Body, Deleted, Out, Query
from admin_api.wire import money, reply
from core.errors import InvalidRequestError, NotFoundError
from core.storage.account_models import Membership
from core.storage.models import ApiKey, Budget
from gateway.budgets.periods import period_bounds
from gateway.budgets.store import budget_spec, spend_in_period

Period = Literal["monthly", "yearly", "total"]
MAX_ALERT_THRESHOLDS = 10
AlertThresholds = Annotated[
    list[Annotated[int, Field(ge=1, le=1000)]],
    Field(max_length=MAX_ALERT_THRESHOLDS, description="percent of the limit, 1-1000"),
]


def _thresholds(value: list[int] | None) -> list[int] | None:
    return None if value is None else sorted(set(value))


class BudgetListQuery(Query):
    org_id: str | None = Field(None, description="org id or slug; default: the caller's org")


class BudgetCreate(Body):
    org_id: str | None = None
    name: Name
    amount: AmountIn
    period: Period = "monthly"
    user_id: Id | None = None
    api_key_id: Id | None = None
    is_active: bool = True
    alert_thresholds: AlertThresholds | None = None

    _sorted = field_validator("alert_thresholds")(_thresholds)

    @model_validator(mode="after")
    def _one_scope(self) -> BudgetCreate:
        if self.user_id and self.api_key_id:
            raise ValueError("a budget covers the org, one user or one key: not both")
        return self


class BudgetUpdate(Body):
    name: Name | None = None
    amount: AmountIn | None = None
    period: Period | None = None
    is_active: bool | None = None
    alert_thresholds: AlertThresholds | None = None  # null: back to the config's defaults

    _sorted = field_validator("alert_thresholds")(_thresholds)


class BudgetOut(Out):
    id: str
    org_id: str
    name: str
    amount: MoneyOut
    period: str
    scope: Literal["org", "user", "key"]
    user_id: str | None
    api_key_id: str | None
    is_active: bool
    alert_thresholds: list[int] | None
    current_spend: MoneyOut
    remaining: MoneyOut
    period_start: Timestamp | None
    period_end: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp


class BudgetList(Out):
    budgets: list[BudgetOut]


async def budget_out(db: AsyncSession, budget: Budget) -> BudgetOut:
    now = datetime.now(UTC)
    spend = await spend_in_period(db, budget_spec(budget), now)
    start, end = period_bounds(budget.period, now)
    amount = Decimal(str(budget.amount))
    scope = "user" if budget.user_id else "key" if budget.api_key_id else "org"
    return BudgetOut(
        id=budget.id,
        org_id=budget.org_id,
        name=budget.name,
        amount=money(amount),
        period=budget.period,
        scope=scope,
        user_id=budget.user_id,
        api_key_id=budget.api_key_id,
        is_active=budget.is_active,
        alert_thresholds=budget.alert_thresholds,
        current_spend=money(spend),
        remaining=money(max(amount - spend, Decimal(0))),
        period_start=start,
        period_end=end,
        created_at=budget.created_at,
        updated_at=budget.updated_at,
    )


async def _check_subject(db: AsyncSession, org_id: str, body: BudgetCreate) -> None:
    if body.user_id:
        member = await db.scalar(
            select(Membership.id).where(
                Membership.org_id == org_id, Membership.user_id == body.user_id
            )
        )
        if member is None:
            raise InvalidRequestError(
                "userId is not a member of this org", code="unknown_user", param="userId"
            )
    if body.api_key_id:
        key = await db.get(ApiKey, body.api_key_id)
        if key is None or key.org_id != org_id or key.deleted_at is not None:
            raise InvalidRequestError(
                "apiKeyId is not a key of this org", code="unknown_api_key", param="apiKeyId"
            )


async def _load(call: Call[Any, Any]) -> Budget:
    budget = await call.db.get(Budget, call.path("id"))
    if budget is None:
        raise not_found("budget")
    try:
        await call.org(budget.org_id)
    except NotFoundError:
        raise not_found("budget") from None
    return budget


async def list_budgets(call: Call[BudgetListQuery, None]) -> Any:
    access = await call.org(call.query.org_id)
    budgets = await call.db.scalars(
        select(Budget).where(Budget.org_id == access.org.id).order_by(Budget.created_at, Budget.id)
    )
    return reply(BudgetList(budgets=[await budget_out(call.db, b) for b in budgets]))


async def get_budget(call: Call[None, None]) -> Any:
    return reply(await budget_out(call.db, await _load(call)))


async def create_budget(call: Call[None, BudgetCreate]) -> Any:
    body = call.body
    access = await call.org(body.org_id)
    await _check_subject(call.db, access.org.id, body)
    budget = Budget(
        org_id=access.org.id,
        name=body.name,
        amount=body.amount,
        period=body.period,
        user_id=body.user_id,
        api_key_id=body.api_key_id,
        is_active=body.is_active,
        alert_thresholds=body.alert_thresholds,
    )
    call.db.add(budget)
    await call.db.flush()
    await call.db.refresh(budget)
    out = await budget_out(call.db, budget)
    record(call.db, call.who, org_id=budget.org_id, action="budget.create",
           resource=f"budget:{budget.id}", after=out)  # fmt: skip
    return reply(out, status=201)


async def update_budget(call: Call[None, BudgetUpdate]) -> Any:
    budget = await _load(call)
    before = await budget_out(call.db, budget)
    for name, value in call.body.model_dump(exclude_unset=True).items():
        # A null clears only the thresholds (back to the defaults); elsewhere it changes nothing.
        if value is not None or name == "alert_thresholds":
            setattr(budget, name, value)
    budget.updated_at = datetime.now(UTC)
    await call.db.flush()
    await call.db.refresh(budget)
    after = await budget_out(call.db, budget)
    record(call.db, call.who, org_id=budget.org_id, action="budget.update",
           resource=f"budget:{budget.id}", before=before, after=after)  # fmt: skip
    return reply(after)


async def delete_budget(call: Call[None, None]) -> Any:
    budget = await _load(call)
    before = await budget_out(call.db, budget)
    await call.db.delete(budget)
    record(call.db, call.who, org_id=budget.org_id, action="budget.delete",
           resource=f"budget:{budget.id}", before=before)  # fmt: skip
    return reply(Deleted(id=budget.id))


_TAG = "budgets"
_R = Permission.BUDGETS_READ
_W = Permission.BUDGETS_MANAGE
ENDPOINTS = [
    Endpoint("GET", "/api/v1/budgets", list_budgets, "The org's budgets with current spend",
             _TAG, _R, query=BudgetListQuery, response=BudgetList),
    Endpoint("POST", "/api/v1/budgets", create_budget, "Create a budget", _TAG, _W,
             body=BudgetCreate, response=BudgetOut, status=201),
    Endpoint("GET", "/api/v1/budgets/{id}", get_budget, "One budget with current spend", _TAG,
             _R, response=BudgetOut),
    Endpoint("PATCH", "/api/v1/budgets/{id}", update_budget, "Change a budget", _TAG, _W,
             body=BudgetUpdate, response=BudgetOut),
    Endpoint("DELETE", "/api/v1/budgets/{id}", delete_budget, "Delete a budget", _TAG, _W,
             response=Deleted),
]  # fmt: skip
