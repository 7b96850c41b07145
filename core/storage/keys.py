"""Orgs and API keys: the queries the CLI, bootstrap and authentication need."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.ids import looks_like_id
from core.scopes import ALL_SCOPES
from core.storage.database import session_factory
from core.storage.models import ApiKey, AuditLog, Org, User

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
    org_models: tuple[str, ...] | None = None  # None: every configured model
    key_models: tuple[str, ...] | None = None  # None: the org's
    requests_per_minute: int | None = None  # None: the config's rate_limits.per_key
    tokens_per_minute: int | None = None
    cache_ttl_seconds: int | None = None  # None: the response cache only when a request asks
    revoked: bool = False  # deleted: kept only so a use of it can be audited
    user_email: str | None = None  # the owner's, named in decisions (as of loading the key)

    @property
    def models(self) -> frozenset[str] | None:
        """The models this key may use: the org's, narrowed by the key's; None: every one."""
        if self.org_models is None:
            return None if self.key_models is None else frozenset(self.key_models)
        if self.key_models is None:
            return frozenset(self.org_models)
        return frozenset(self.org_models) & frozenset(self.key_models)


def validate_slug(slug: str) -> str:
    if not _SLUG.match(slug):
        raise ValueError(
            f"invalid org slug {slug!r}: use lowercase letters, digits and '-', at most 100"
        )
    if looks_like_id(slug):
        raise ValueError(
            f"invalid org slug {slug!r}: it has the shape of an id (26 letters and digits); "
            "add a '-' or change its length"
        )
    return slug


async def get_or_create_org(session: AsyncSession, slug: str, name: str | None = None) -> Org:
    org = await session.scalar(select(Org).where(Org.slug == slug))
    if org is None:
        org = Org(slug=validate_slug(slug), name=name or slug)
        session.add(org)
        await session.flush()
    return org


def org_named(org_ref: str) -> ColumnElement[bool]:
    """The condition "this org is ``org_ref``", by id or by slug."""
    return (Org.id == org_ref) | (Org.slug == org_ref)


def id_first(org_ref: str) -> ColumnElement[int]:
    """Sort key putting the org whose id is ``org_ref`` before one whose slug is (a slug made
    before slugs of an id's shape were refused may equal another org's id)."""
    return case((Org.id == org_ref, 0), else_=1)


async def find_org(session: AsyncSession, org_ref: str) -> Org | None:
    """An org by id or by slug (wherever the API takes an orgId, the slug works too); the id
    wins."""
    return await session.scalar(
        select(Org).where(org_named(org_ref)).order_by(id_first(org_ref)).limit(1)
    )


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


def _record(
    key: ApiKey,
    org_slug: str,
    org_models: list[str] | None = None,
    user_email: str | None = None,
) -> KeyRecord:
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
        org_models=None if org_models is None else tuple(org_models),
        key_models=None if key.allowed_models is None else tuple(key.allowed_models),
        requests_per_minute=key.requests_per_minute,
        tokens_per_minute=key.tokens_per_minute,
        cache_ttl_seconds=key.cache_ttl_seconds,
        revoked=key.deleted_at is not None,
        user_email=user_email,
    )


async def find_key_by_hash(session: AsyncSession, key_hash: str) -> KeyRecord | None:
    """The key with this hash, revoked (deleted) ones included (``KeyRecord.revoked``)."""
    row = (
        await session.execute(
            select(ApiKey, Org.slug, Org.allowed_models, User.email)
            .join(Org, Org.id == ApiKey.org_id)
            .outerjoin(User, User.id == ApiKey.user_id)
            .where(ApiKey.key_hash == key_hash)
        )
    ).first()
    return None if row is None else _record(row[0], row[1], row[2], row[3])


async def all_live_keys(session: AsyncSession) -> list[tuple[str, KeyRecord]]:
    """Every key not deleted, with its hash: what the key store holds from start-up."""
    rows = await session.execute(
        select(ApiKey, Org.slug, Org.allowed_models, User.email)
        .join(Org, Org.id == ApiKey.org_id)
        .outerjoin(User, User.id == ApiKey.user_id)
        .where(ApiKey.deleted_at.is_(None))
    )
    # With the org's models, as find_key_by_hash reads them: a key loaded at start-up must not
    # reach models its org was never granted.
    return [(key.key_hash, _record(key, slug, models, email)) for key, slug, models, email in rows]


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
        org = await session.scalar(select(Org).where(Org.slug == "default"))
        if org is None:
            org = await get_or_create_org(session, "default", "Default")
            made = {"name": org.name, "slug": org.slug, "allowedModels": None}
            _audit_bootstrap(session, org.id, "org.create", f"org:{org.id}", made)
        key, secret = await create_key(
            session, org, label="bootstrap", scopes=ALL_SCOPES, secret=bootstrap_secret
        )
        made = {"name": key.name, "keyPrefix": key.key_prefix, "scopes": list(ALL_SCOPES)}
        _audit_bootstrap(session, org.id, "key.create", f"api_key:{key.id}", made)
        return secret


def _audit_bootstrap(
    session: AsyncSession, org_id: str, action: str, resource: str, after: dict[str, Any]
) -> None:
    # What the first start made is audited like any other change (the actor: the start-up).
    session.add(
        AuditLog(
            org_id=org_id,
            action=action,
            resource=resource,
            details={"before": None, "after": after, "via": "bootstrap"},
        )
    )
