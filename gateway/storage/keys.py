"""Orgs and API keys: the queries the CLI, bootstrap and authentication need."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from gateway.scopes import ALL_SCOPES
from gateway.storage.database import session_factory
from gateway.storage.models import ApiKey, Org

KEY_PREFIX = "gai_"
VISIBLE_PREFIX_LENGTH = 12
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(secret: str) -> str:
    # Keys carry 256 random bits, so a fast hash is safe; a slow one would cost every request.
    return hashlib.sha256(secret.encode()).hexdigest()


def visible_prefix(secret: str) -> str:
    return secret[:VISIBLE_PREFIX_LENGTH]


@dataclass(frozen=True, slots=True)
class KeyRecord:
    id: str
    org_id: str
    org_slug: str
    user_id: str | None
    name: str
    key_prefix: str
    scopes: tuple[str, ...]
    is_active: bool
    expires_at: datetime | None
    last_used: datetime | None
    created_at: datetime


def validate_slug(slug: str) -> str:
    if not _SLUG.match(slug):
        raise ValueError(
            f"invalid org slug {slug!r}: use lowercase letters, digits and '-', at most 100"
        )
    return slug


async def get_or_create_org(session: AsyncSession, slug: str, name: str | None = None) -> Org:
    org = await session.scalar(select(Org).where(Org.slug == slug))
    if org is None:
        org = Org(slug=validate_slug(slug), name=name or slug)
        session.add(org)
        await session.flush()
    return org


async def find_org(session: AsyncSession, org_ref: str) -> Org | None:
    """An org by id or by slug (wherever the API takes an orgId, the slug works too)."""
    return await session.scalar(select(Org).where((Org.id == org_ref) | (Org.slug == org_ref)))


async def create_key(
    session: AsyncSession,
    org: Org,
    *,
    label: str,
    scopes: tuple[str, ...],
    secret: str | None = None,
    user_id: str | None = None,
) -> tuple[ApiKey, str]:
    secret = secret or generate_key()
    key = ApiKey(
        key_hash=hash_key(secret),
        key_prefix=visible_prefix(secret),
        name=label,
        org_id=org.id,
        user_id=user_id,
        scopes=list(scopes),
    )
    session.add(key)
    await session.flush()
    return key, secret


def _record(key: ApiKey, org_slug: str) -> KeyRecord:
    return KeyRecord(
        id=key.id,
        org_id=key.org_id,
        org_slug=org_slug,
        user_id=key.user_id,
        name=key.name,
        key_prefix=key.key_prefix,
        scopes=tuple(key.scopes or ()),
        is_active=key.is_active,
        expires_at=key.expires_at,
        last_used=key.last_used,
        created_at=key.created_at,
    )


async def find_key_by_hash(session: AsyncSession, key_hash: str) -> KeyRecord | None:
    row = (
        await session.execute(
            select(ApiKey, Org.slug)
            .join(Org, Org.id == ApiKey.org_id)
            .where(ApiKey.key_hash == key_hash, ApiKey.deleted_at.is_(None))
        )
    ).first()
    return None if row is None else _record(row[0], row[1])


async def all_live_keys(session: AsyncSession) -> list[tuple[str, KeyRecord]]:
    """Every key not deleted, with its hash: what the key store holds from start-up."""
    rows = await session.execute(
        select(ApiKey, Org.slug)
        .join(Org, Org.id == ApiKey.org_id)
        .where(ApiKey.deleted_at.is_(None))
    )
    return [(key.key_hash, _record(key, slug)) for key, slug in rows]


async def list_keys(session: AsyncSession, org: Org) -> list[KeyRecord]:
    keys = await session.scalars(
        select(ApiKey)
        .where(ApiKey.org_id == org.id, ApiKey.deleted_at.is_(None))
        .order_by(ApiKey.created_at)
    )
    return [_record(key, org.slug) for key in keys]


async def bootstrap(engine: AsyncEngine, bootstrap_secret: str | None) -> str | None:
    """On an empty database create the ``default`` org and one key with every scope.

    Returns the new key's secret (to print once), or None when nothing was created. A key given
    in ``GOVERNS_BOOTSTRAP_KEY`` is used as the secret, and is added to the ``default`` org
    (created if need be) on a later start too if it is not there yet, so a container's fixed key
    keeps working.
    """
    async with session_factory(engine).begin() as session:
        org_count = await session.scalar(select(func.count()).select_from(Org))
        if org_count:
            if bootstrap_secret is None:
                return None
            known = await session.scalar(
                select(ApiKey.id).where(ApiKey.key_hash == hash_key(bootstrap_secret))
            )
            if known is not None:
                return None
        org = await get_or_create_org(session, "default", "Default")
        _, secret = await create_key(
            session, org, label="bootstrap", scopes=ALL_SCOPES, secret=bootstrap_secret
        )
        return secret
