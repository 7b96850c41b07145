"""One org's memberships change one transaction at a time.

``lock_org`` is taken by every change that depends on who is a member with which role: role
changes and removals (an org keeps its last OWNER), and keys made by a member (a member removed
or demoted meanwhile gets no new key past the ones being disabled). The caller reads what it
depends on again after taking it.
"""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.storage.models import Org


async def lock_org(db: AsyncSession, org_id: str) -> None:
    """Serialise the changes to the org's memberships until this transaction ends.

    PostgreSQL: a row lock on the org (``SELECT ... FOR UPDATE``); a second change waits, then
    reads what the first committed. SQLite: a write as the transaction's first statement takes
    the database's write lock (the driver runs the reads before it outside the transaction), so
    the same holds there. Without it, two OWNERs demoting each other at once both saw two
    OWNERs and both succeeded.
    """
    if db.bind.dialect.name == "postgresql":
        await db.execute(select(Org.id).where(Org.id == org_id).with_for_update())
    else:
        await db.execute(text("UPDATE orgs SET id = id WHERE id = :id"), {"id": org_id})
