"""Every org's active policy, in memory, fresh within a second or two of any change.

No request reads the database for its policy. A refresh task checks a cheap fingerprint of the
``policies`` table (row count and newest ``updated_at``) every ``refresh_seconds`` and reloads
the active policies when it changed, so a change made by the CLI or the admin API, from any
process, is live in every instance within ``refresh_seconds`` plus one query. If the database
is unreachable the last policies loaded stay in force.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.storage.models import Policy
from detectors.custom import CustomRule
from policies.engine import DEFAULT_OUTPUT_TOOL, CompiledPolicy
from policies.matrix import Action, validate_matrix

log = logging.getLogger(__name__)


def compile_policy(row: Any) -> CompiledPolicy:
    matrix = validate_matrix(row.tool_access_matrix or {})
    defaults: Mapping[str, Any] = row.defaults or {}
    return CompiledPolicy(
        id=row.id,
        org_id=row.org_id,
        name=row.name,
        matrix={tool: {c: Action(a) for c, a in r.items()} for tool, r in matrix.items()},
        fail_open=(row.on_error == "pass"),
        output_tool=str(defaults.get("outputTool") or DEFAULT_OUTPUT_TOOL),
        custom_rules=tuple(
            CustomRule(
                pii_class=str(rule["class"]),
                pattern=str(rule["pattern"]),
                score=float(rule.get("score", 0.9)),
                ignore_case=bool(rule.get("ignoreCase", False)),
            )
            for rule in defaults.get("customRules") or ()
        ),
    )


class PolicyStore:
    def __init__(
        self,
        engine: AsyncEngine,
        refresh_seconds: float = 1.0,
        on_load: Callable[[Iterable[CompiledPolicy]], None] | None = None,
    ) -> None:
        self._engine = engine
        self._on_load = on_load
        self._refresh_seconds = refresh_seconds
        self._by_org: dict[str, CompiledPolicy] = {}
        self._fingerprint: tuple[Any, ...] | None = None
        self._task: asyncio.Task[None] | None = None

    def for_org(self, org_id: str) -> CompiledPolicy | None:
        return self._by_org.get(org_id)

    async def start(self) -> None:
        try:
            await self.refresh()
        except Exception as error:
            log.warning("policies could not be loaded yet: %s", type(error).__name__)
        self._task = asyncio.create_task(self._refresh_forever(), name="policy-refresh")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def refresh(self) -> None:
        async with self._engine.connect() as connection:
            fingerprint = tuple(
                (
                    await connection.execute(
                        select(func.count(), func.max(Policy.updated_at)).select_from(Policy)
                    )
                ).one()
            )
            if fingerprint == self._fingerprint:
                return
            rows = (
                await connection.execute(
                    select(Policy)
                    .where(Policy.is_active.is_(True), Policy.deleted_at.is_(None))
                    .order_by(Policy.priority, Policy.updated_at)
                )
            ).all()
        by_org: dict[str, CompiledPolicy] = {}
        for row in rows:  # ascending priority: the highest (then newest) wins
            try:
                by_org[row.org_id] = compile_policy(row)
            except ValueError as error:
                log.error("policy %s of org %s is invalid: %s", row.id, row.org_id, error)
        self._by_org = by_org
        self._fingerprint = fingerprint
        if self._on_load is not None:
            self._on_load(by_org.values())
        log.info("loaded %d active policies", len(by_org))

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(self._refresh_seconds)
            try:
                await self.refresh()
            except Exception as error:
                log.warning("policy refresh failed, keeping the last: %s", type(error).__name__)
