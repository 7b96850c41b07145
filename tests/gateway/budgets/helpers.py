"""Test data for budgets: orgs with a user and a key, budgets, usage rows, a settable clock."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine

from core.storage.database import session_factory
from core.storage.models import ApiKey, Budget, Org, UsageRecord, User
from gateway.auth import Principal


@dataclass
class Account:
    """One org with one user and one key of that user."""

    org_id: str
    user_id: str
    key_id: str

    @property
    def principal(self) -> Principal:
        return Principal(
            key_id=self.key_id,
            org_id=self.org_id,
            org_slug="test",
            user_id=self.user_id,
            scopes=frozenset({"precheck:invoke"}),
        )


async def make_account(engine: AsyncEngine, *, fail_open: bool = False) -> Account:
    tag = uuid.uuid4().hex[:12]
    async with session_factory(engine).begin() as session:
        org = Org(slug=f"org-{tag}", name=f"org {tag}")
        org.budget_on_error = "allow" if fail_open else "block"
        user = User(email=f"{tag}@example.com")
        session.add_all([org, user])
        await session.flush()
        key = ApiKey(
            key_hash=uuid.uuid4().hex * 2,
            key_prefix="gai_test",
            name="test",
            org_id=org.id,
            user_id=user.id,
            scopes=["precheck:invoke"],
        )
        session.add(key)
        await session.flush()
        return Account(org_id=org.id, user_id=user.id, key_id=key.id)


async def add_budget(
    engine: AsyncEngine,
    org_id: str,
    amount: str,
    *,
    period: str = "monthly",
    user_id: str | None = None,
    api_key_id: str | None = None,
) -> str:
    async with session_factory(engine).begin() as session:
        budget = Budget(
            org_id=org_id,
            name=f"test {period}",
            amount=Decimal(amount),
            period=period,
            user_id=user_id,
            api_key_id=api_key_id,
        )
        session.add(budget)
        await session.flush()
        return budget.id


async def add_usage(engine: AsyncEngine, account: Account, cost: str, when: datetime) -> None:
    async with session_factory(engine).begin() as session:
        session.add(
            UsageRecord(
                org_id=account.org_id,
                user_id=account.user_id,
                api_key_id=account.key_id,
                provider="p",
                model="m",
                input_tokens=1,
                output_tokens=1,
                cost=Decimal(cost),
                timestamp=when,
            )
        )


class Clock:
    """A settable clock for periods and hold expiry."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)
