"""User sessions and the other one-time secrets mailed or shown to people.

A session token is ``gas_`` + 256 random bits; API keys start with ``gai_``, so one
``Authorization: Bearer`` header carries either and the prefix tells them apart. Browsers get the
same token in an HTTP-only, SameSite=Strict cookie. Only SHA-256 hashes are stored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from admin_api.wire import as_utc
from core.storage.account_models import UserSession

SESSION_PREFIX = "gas_"
SESSION_COOKIE = "governs_session"
TOKEN_PREFIXES = {"session": SESSION_PREFIX, "invitation": "gai-inv_", "account": "gat_"}


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_session(
    session: AsyncSession, user_id: str, ttl_seconds: float
) -> tuple[UserSession, str]:
    token = new_secret(SESSION_PREFIX)
    row = UserSession(
        user_id=user_id,
        token_hash=hash_secret(token),
        expires_at=datetime.now(UTC) + timedelta(seconds=ttl_seconds),
    )
    session.add(row)
    await session.flush()
    return row, token


async def find_session(session: AsyncSession, token: str) -> UserSession | None:
    row = await session.scalar(
        select(UserSession).where(UserSession.token_hash == hash_secret(token))
    )
    if row is None or row.revoked_at is not None:
        return None
    if as_utc(row.expires_at) <= datetime.now(UTC):
        return None
    return row


async def revoke_sessions(
    session: AsyncSession, user_id: str, *, except_id: str | None = None
) -> None:
    query = update(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
    )
    if except_id is not None:
        query = query.where(UserSession.id != except_id)
    await session.execute(query.values(revoked_at=datetime.now(UTC)))
