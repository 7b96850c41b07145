"""The loader: budgets changed by another process apply within two seconds."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from core.settings import DatabaseConfig
from core.storage.database import create_engine, migrate, session_factory
from core.storage.models import Budget
from gateway.budgets.directory import BudgetDirectory
from tests.gateway.budgets.helpers import Account, add_budget, make_account

REFRESH_SECONDS = 0.2  # what the poller is given here; production polls every second
DEADLINE_SECONDS = 2.0


def governs(*args: str, database_url: str, cwd: Path) -> str:
    config = cwd / "governs.yaml"
    config.write_text(f"database: {{url: '{database_url}'}}\n")
    done = subprocess.run(
        [sys.executable, "-m", "governs", *args, "--config", str(config)],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


async def until(condition, timeout: float = DEADLINE_SECONDS) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, "not seen within the deadline"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def test_a_budget_created_by_another_process_applies_within_two_seconds(
    engine: AsyncEngine, database_url: str, account: Account, tmp_path: Path
) -> None:
    directory = BudgetDirectory(engine, REFRESH_SECONDS, 60.0)
    await directory.refresh()
    poller = asyncio.create_task(directory.run())
    try:
        assert directory.applicable(account.principal) == ()
        # `governs budgets create` runs in its own process; the clock starts when it is done.
        budget_id = await asyncio.to_thread(
            governs,
            "budgets", "create", "--org", account.org_id, "--key", account.key_id,
            "--limit", "12.5", "--period", "yearly",
            database_url=database_url, cwd=tmp_path,
        )  # fmt: skip
        await until(lambda: directory.applicable(account.principal))
        [budget] = directory.applicable(account.principal)
        assert (budget.id, budget.amount, budget.period, budget.scope) == (
            budget_id, 12.5, "yearly", "key",
        )  # fmt: skip
    finally:
        poller.cancel()


async def test_changes_and_deletions_are_picked_up(engine: AsyncEngine, account: Account) -> None:
    budget_id = await add_budget(engine, account.org_id, "5")
    directory = BudgetDirectory(engine, REFRESH_SECONDS, 60.0)
    await directory.refresh()
    poller = asyncio.create_task(directory.run())
    try:
        async with session_factory(engine).begin() as session:
            budget = await session.get(Budget, budget_id)
            assert budget is not None
            budget.amount = 7  # the ORM stamps updated_at, as the admin API does
        await until(lambda: directory.applicable(account.principal)[0].amount == 7)

        async with session_factory(engine).begin() as session:
            await session.execute(delete(Budget).where(Budget.id == budget_id))
        await until(lambda: directory.applicable(account.principal) == ())  # by the count
    finally:
        poller.cancel()


async def test_a_failed_refresh_keeps_the_last_budgets(tmp_path: Path) -> None:
    path = tmp_path / "vanishing.db"
    engine = create_engine(DatabaseConfig(url=f"sqlite+aiosqlite:///{path}"))
    try:
        await migrate(engine)
        account = await make_account(engine)
        await add_budget(engine, account.org_id, "3")
        directory = BudgetDirectory(engine, 0.05, 0.05)
        await directory.refresh()
        await engine.dispose()
        for name in ("vanishing.db", "vanishing.db-wal", "vanishing.db-shm"):
            (tmp_path / name).unlink(missing_ok=True)  # reads now fail: no such table
        poller = asyncio.create_task(directory.run())
        await asyncio.sleep(0.3)
        assert not poller.done()  # it keeps polling
        poller.cancel()
        assert len(directory.applicable(account.principal)) == 1
    finally:
        await engine.dispose()
