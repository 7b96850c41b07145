"""The session hook of ``gateway.live.viewer``: ``/ws`` and ``/api/health`` for signed-in users.

``authenticate_viewer`` asks ``app[SESSION_VIEWER]`` for the ``Viewer`` of a request's session
before it tries an API key; ``session_viewer`` answers from the admin API's sessions and
memberships. Where it looks for a session token (``gas_…``), in order:

1. ``Authorization: Bearer gas_…``;
2. ``?key=gas_…``: a browser cannot set headers on a WebSocket, and the login cookie's path is
   ``/api``, so it never reaches ``/ws``; the dashboard connects this way;
3. the ``governs_session`` cookie.

An API key in the header or in ``?key=`` gets None (the key is then checked as before); a
session token that is unknown, revoked or expired is 401 ``invalid_session``.

A user's role in an org becomes the scopes that grant nothing beyond the role (a scope is held
when every permission it grants is one the role has), so ``permissions.py`` stays the one table:
a VIEWER holds ``decisions:read`` and ``usage:read``, an ADMIN ``admin``. ``precheck:invoke``
grants no admin permission and is never held by a session.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from admin_api.permissions import SCOPE_PERMISSIONS, role_permissions
from admin_api.services import ADMIN
from admin_api.sessions import SESSION_COOKIE, SESSION_PREFIX, find_session
from core.errors import AuthenticationError, ServiceUnavailableError
from core.storage.account_models import Membership
from core.storage.models import Org, User
from gateway.auth import bearer_token
from gateway.live.viewer import KEY_QUERY_PARAMETER, OrgGrant, Viewer


def role_scopes(role: str) -> frozenset[str]:
    """The scopes whose permissions the role holds in full (none for an unknown role)."""
    held = role_permissions(role)
    return frozenset(
        scope.value for scope, grants in SCOPE_PERMISSIONS.items() if grants and grants <= held
    )


def session_token(request: web.Request) -> str | None:
    """The request's session token, or None when its credential is something else (a key)."""
    explicit = bearer_token(request.headers.get("Authorization")) or request.query.get(
        KEY_QUERY_PARAMETER
    )
    token = explicit or request.cookies.get(SESSION_COOKIE)
    return token if token and token.startswith(SESSION_PREFIX) else None


async def session_viewer(request: web.Request) -> Viewer | None:
    token = session_token(request)
    if token is None:
        return None
    try:
        async with request.app[ADMIN].sessions() as db:
            session = await find_session(db, token)
            if session is None:
                raise AuthenticationError(
                    "the session is invalid or has expired", code="invalid_session"
                )
            rows = (
                await db.execute(
                    select(Org.id, Org.slug, Membership.role)
                    .join(Membership, Membership.org_id == Org.id)
                    .join(User, User.id == Membership.user_id)
                    # An unverified email reaches no org here either (admin_api.caller).
                    .where(Membership.user_id == session.user_id, User.email_verified.is_not(None))
                    .order_by(Org.slug)
                )
            ).all()
    except AuthenticationError:
        raise
    except Exception as error:
        # The live feed keeps a connection's last access while the database is unreachable.
        raise ServiceUnavailableError(
            "cannot verify the session: the database is unreachable", code="auth_unavailable"
        ) from error
    grants = tuple(OrgGrant(org_id, slug, role_scopes(role)) for org_id, slug, role in rows)
    return Viewer(key_id=None, user_id=session.user_id, orgs=grants)
