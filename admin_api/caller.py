"""Who is calling the admin API, and what they may do in the org a request is about.

Credentials, in order: ``Authorization: Bearer <token>`` (an API key ``gai_…`` or a session
token ``gas_…``), else the session cookie. Keys go through the proxy's ``KeyStore``: the same
cache (no database read per call), so a revoked or re-scoped key takes effect here, as on the
proxy, within ``auth.key_cache_seconds``. Sessions are read from the database on every call.

``org_access`` is the one place a request's org is decided: a key is confined to its own org
and any other ``orgId`` is 404, exactly like an org that does not exist; a user must be a member
(else 404) with a verified email address (else 403 ``email_unverified``) whose role grants the
permission (else 403).
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from admin_api.permissions import Permission, role_permissions, scope_permissions
from admin_api.sessions import SESSION_COOKIE, SESSION_PREFIX, find_session
from core.errors import (
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
)
from core.storage.account_models import Membership
from core.storage.keys import find_org, id_first, org_named
from core.storage.models import Org, User
from gateway.auth import KeyStore, Principal, bearer_token


@dataclass(frozen=True, slots=True)
class Caller:
    """A user (through a session) or an API key."""

    user_id: str | None
    key: Principal | None = None
    session_id: str | None = None

    @property
    def key_id(self) -> str | None:
        return self.key.key_id if self.key else None

    def require_user(self) -> str:
        if self.user_id is None or self.key is not None:
            raise PermissionDeniedError(
                "this endpoint needs a user session, not an API key", code="session_required"
            )
        return self.user_id


@dataclass(frozen=True, slots=True)
class OrgAccess:
    org: Org
    caller: Caller
    permissions: frozenset[Permission]
    role: str | None  # the user's role; None for an API key

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, permission: Permission) -> None:
        if permission in self.permissions:
            return
        if self.caller.key is not None:
            raise PermissionDeniedError(
                f"this API key's scopes do not allow {permission.value}",
                code="insufficient_scope",
            )
        raise PermissionDeniedError(
            f"the role {self.role} does not allow {permission.value}", code="insufficient_role"
        )


def credential(request: web.Request) -> str | None:
    return bearer_token(request.headers.get("Authorization")) or request.cookies.get(SESSION_COOKIE)


async def authenticate(session: AsyncSession, request: web.Request, keys: KeyStore) -> Caller:
    token = credential(request)
    if not token:
        raise AuthenticationError(
            "missing credentials: send 'Authorization: Bearer <API key or session token>' "
            "or log in for a session cookie",
            code="missing_api_key",
        )
    if token.startswith(SESSION_PREFIX):
        row = await find_session(session, token)
        if row is None:
            raise AuthenticationError(
                "the session is invalid or has expired", code="invalid_session"
            )
        return Caller(user_id=row.user_id, session_id=row.id)
    return Caller(user_id=None, key=await keys.principal(token))


def not_found(what: str = "org") -> NotFoundError:
    return NotFoundError(f"no such {what}", code=f"{what.replace(' ', '_')}_not_found")


async def org_access(
    session: AsyncSession, caller: Caller, org_ref: str | None, permission: Permission
) -> OrgAccess:
    """The org ``org_ref`` (id or slug; default: the caller's only org) and the caller's
    permissions there; 404 when the caller may not see it, 403 when it lacks ``permission``."""
    if caller.key is not None:
        org = await find_org(session, org_ref or caller.key.org_id)
        if org is None or org.id != caller.key.org_id:
            raise not_found()
        access = OrgAccess(org, caller, scope_permissions(caller.key.scopes), None)
    else:
        assert caller.user_id is not None
        org, role = await _membership(session, caller.user_id, org_ref)
        access = OrgAccess(org, caller, role_permissions(role), role)
    access.require(permission)
    return access


async def _membership(session: AsyncSession, user_id: str, org_ref: str | None) -> tuple[Org, str]:
    query = (
        select(Org, Membership.role, User.email_verified)
        .join(Membership, Membership.org_id == Org.id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.user_id == user_id)
    )
    if org_ref is not None:
        query = query.where(org_named(org_ref)).order_by(id_first(org_ref))
        rows = (await session.execute(query.limit(1))).all()
    else:
        rows = (await session.execute(query.limit(2))).all()
    if not rows:
        raise not_found()
    if rows[0][2] is None:
        raise unverified()
    if len(rows) > 1:
        raise InvalidRequestError(
            "you belong to several orgs: name one with orgId", code="org_required", param="orgId"
        )
    return rows[0][0], rows[0][1]


def unverified() -> PermissionDeniedError:
    return PermissionDeniedError(
        "verify your email address first: open the link mailed to you, or ask for a new one "
        "with POST /api/v1/auth/email/verify/request",
        code="email_unverified",
    )


async def require_verified(session: AsyncSession, user_id: str) -> None:
    """403 ``email_unverified`` unless the user has verified their email address."""
    if await session.scalar(select(User.email_verified).where(User.id == user_id)) is None:
        raise unverified()


async def load_user(session: AsyncSession, user_id: str) -> User:
    user = await session.get(User, user_id)
    if user is None:  # deleted while the session lived
        raise AuthenticationError("the session is invalid or has expired", code="invalid_session")
    return user
