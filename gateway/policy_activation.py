"""Activating a policy where the org already has an active one is an explicit choice.

An org's active policy of highest priority is the one applied (the newest on a tie), so a
second active policy silently shadows the first, or is silently shadowed. The admin API and
``governs policies apply`` therefore refuse to activate a policy next to another active one
unless the caller either replaces it (``?replace=true`` / ``--replace``: the others are
deactivated, each change audited) or ranks the two with a ``priority`` of its own that differs
from theirs.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.storage.models import Policy


class ActivationConflict(Exception):
    """Another active policy of the org, and no explicit choice; the message says both ways."""


async def active_policies(
    session: AsyncSession, org_id: str, *, besides: str | None = None
) -> list[Policy]:
    """The org's active policies, in force first (highest priority, then newest)."""
    query = select(Policy).where(
        Policy.org_id == org_id, Policy.is_active.is_(True), Policy.deleted_at.is_(None)
    )
    if besides is not None:
        query = query.where(Policy.id != besides)
    rows = await session.scalars(
        query.order_by(Policy.priority.desc(), Policy.updated_at.desc(), Policy.id.desc())
    )
    return list(rows)


async def policy_in_force(session: AsyncSession, org_id: str) -> Policy | None:
    """The policy the gateway applies to the org (as ``PolicyStore`` picks it), or None."""
    active = await active_policies(session, org_id)
    return active[0] if active else None


def to_deactivate(
    others: list[Policy], priority: int, *, priority_given: bool, replace: bool
) -> list[Policy]:
    """The other active policies to switch off for a policy of ``priority`` to be activated;
    ``ActivationConflict`` when the caller made no explicit choice."""
    if not others or replace:
        return others
    if priority_given and all(other.priority != priority for other in others):
        return []
    named = ", ".join(f"{p.name!r} ({p.id}, priority {p.priority})" for p in others)
    raise ActivationConflict(
        f"the org already has an active policy: {named}. Choose explicitly: replace it "
        "(--replace, or ?replace=true in the API, deactivates it), or give this policy a "
        "priority other than "
        + ", ".join(sorted({str(p.priority) for p in others}))
        + " (the active policy of highest priority is the one applied)"
    )
