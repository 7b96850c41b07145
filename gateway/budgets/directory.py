"""Every org's active budgets, in memory, kept fresh from the database.

``applicable(principal)`` is a few dict lookups on the request path. A background task polls a
fingerprint every ``budgets.refresh_seconds`` (row counts and latest ``updated_at`` of budgets
and orgs: one cheap query) and reloads everything when it changed, so a budget created,
changed or deleted by any process (CLI, admin API, another instance) applies within
``refresh_seconds`` plus one query. Everything is reloaded every ``full_reload_seconds`` anyway:
an update stamped by a host whose clock lags behind could leave the fingerprint unchanged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from core.storage.database import session_factory
from gateway.auth import Principal
from gateway.budgets.ledger import LedgerUnavailable
from gateway.budgets.store import BudgetSpec, OrgFlags, fingerprint, load_active

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _OrgBudgets:
    flags: OrgFlags
    org_wide: tuple[BudgetSpec, ...] = ()
    by_user: dict[str, tuple[BudgetSpec, ...]] = field(default_factory=dict)
    by_key: dict[str, tuple[BudgetSpec, ...]] = field(default_factory=dict)


class BudgetDirectory:
    def __init__(
        self, engine: AsyncEngine, refresh_seconds: float, full_reload_seconds: float
    ) -> None:
        self._sessions = session_factory(engine)
        self._refresh_seconds = refresh_seconds
        self._full_reload_seconds = full_reload_seconds
        self._orgs: dict[str, _OrgBudgets] = {}
        self._fingerprint: tuple[Any, ...] | None = None
        self._next_full_reload = 0.0
        self.ready = False  # loaded at least once
        self.reloads = 0

    def applicable(self, principal: Principal) -> tuple[BudgetSpec, ...]:
        """The active budgets that bind this key: its org's, its user's and its own, unless
        the org has budgets switched off. Raises ``LedgerUnavailable`` before the first load."""
        if not self.ready:
            raise LedgerUnavailable("budgets have not been loaded from the database yet")
        org = self._orgs.get(principal.org_id)
        if org is None or not org.flags.enabled:
            return ()
        found = org.org_wide
        if principal.user_id is not None:
            found += org.by_user.get(principal.user_id, ())
        return found + org.by_key.get(principal.key_id, ())

    def fails_open(self, org_id: str) -> bool:
        """The org chose to be served unmetered while the ledger is down."""
        org = self._orgs.get(org_id)
        return org is not None and org.flags.fail_open

    async def refresh(self) -> bool:
        """Reload if anything changed (or a full reload is due); True if it reloaded."""
        async with self._sessions() as session:
            current = await fingerprint(session)
            due = time.monotonic() >= self._next_full_reload
            if self.ready and current == self._fingerprint and not due:
                return False
            budgets, flags = await load_active(session)
        self._install(budgets, flags)
        self._fingerprint = current
        self._next_full_reload = time.monotonic() + self._full_reload_seconds
        self.ready = True
        self.reloads += 1
        return True

    async def run(self) -> None:
        """Poll forever (a background task, cancelled at shutdown)."""
        while True:
            await asyncio.sleep(self._refresh_seconds)
            try:
                await self.refresh()
            except Exception as error:  # keep the last budgets; try again next time
                log.warning("reloading budgets failed: %s", type(error).__name__)

    def _install(self, budgets: Iterable[BudgetSpec], flags: dict[str, OrgFlags]) -> None:
        orgs: dict[str, _OrgBudgets] = {}
        for budget in budgets:
            org = orgs.get(budget.org_id)
            if org is None:
                org_flags = flags.get(budget.org_id, OrgFlags(enabled=True, fail_open=False))
                org = orgs[budget.org_id] = _OrgBudgets(flags=org_flags)
            if budget.api_key_id:
                org.by_key[budget.api_key_id] = (*org.by_key.get(budget.api_key_id, ()), budget)
            elif budget.user_id:
                org.by_user[budget.user_id] = (*org.by_user.get(budget.user_id, ()), budget)
            else:
                org.org_wide += (budget,)
        self._orgs = orgs  # one assignment: a request sees the old set or the new one
