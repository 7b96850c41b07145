"""Who is calling ``/ws`` and ``/api/health``: an API key, or a user session through a hook.

Credentials, in order:

1. the session hook, when one is installed as ``app[SESSION_VIEWER]`` (the admin API does
   that once merged): it returns a ``Viewer`` for a valid session cookie or ``gas_`` token,
   None when the request carries no session, and raises ``AuthenticationError`` for a bad one;
2. an API key in ``Authorization: Bearer <key>``, or in the query as ``?key=<key>`` (browsers
   cannot set headers on a WebSocket), checked by the gateway's cached ``KeyStore``.

A ``Viewer`` lists the orgs the caller may see, each with the scopes it holds there; every org
check (``Viewer.org``) answers "not found" alike for an org that does not exist and one the
caller may not see, so nothing leaks about other orgs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from core.errors import (
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
)
from core.scopes import Scope
from gateway.auth import Principal, bearer_token
from gateway.services import GATEWAY

KEY_QUERY_PARAMETER = "key"


@dataclass(frozen=True, slots=True)
class OrgGrant:
    org_id: str
    slug: str
    scopes: frozenset[str]

    def allows(self, scope: Scope) -> bool:
        return scope in self.scopes or Scope.ADMIN in self.scopes


@dataclass(frozen=True, slots=True)
class Viewer:
    """An API key (exactly one org) or a user (each org the user belongs to)."""

    key_id: str | None
    user_id: str | None
    orgs: tuple[OrgGrant, ...]

    @classmethod
    def of_key(cls, principal: Principal) -> Viewer:
        grant = OrgGrant(principal.org_id, principal.org_slug, principal.scopes)
        return cls(key_id=principal.key_id, user_id=principal.user_id, orgs=(grant,))

    def org(self, ref: str | None, scope: Scope) -> OrgGrant:
        """The org ``ref`` names (id or slug; None: the caller's only org), if the caller holds
        ``scope`` there."""
        if ref is None:
            if len(self.orgs) != 1:
                raise InvalidRequestError(
                    "you belong to several orgs: name one with orgId", code="org_required"
                )
            grant = self.orgs[0]
        else:
            # An id wins over a slug (``core.ids.looks_like_id``).
            found = [g for g in self.orgs if g.org_id == ref] or [
                g for g in self.orgs if g.slug == ref
            ]
            if not found:
                raise NotFoundError(f"no org {ref!r} is visible to you", code="org_not_found")
            grant = found[0]
        if not grant.allows(scope):
            raise PermissionDeniedError(
                f"your access to this org lacks the scope {scope.value!r}",
                code="insufficient_scope",
            )
        return grant


SessionViewer = Callable[[web.Request], Awaitable[Viewer | None]]
"""The session hook's contract: the ``Viewer`` of the request's session (mapping the user's
role in each org to scopes), None when the request carries no session credential, and
``AuthenticationError`` when it carries an invalid or expired one."""

SESSION_VIEWER = web.AppKey("session_viewer", SessionViewer)


async def authenticate_viewer(request: web.Request, *accepted: Scope) -> Viewer:
    """The caller, who must hold at least one of ``accepted`` (an API key; a session's orgs are
    checked per use with ``Viewer.org``)."""
    session_viewer = request.app.get(SESSION_VIEWER)
    if session_viewer is not None:
        viewer = await session_viewer(request)
        if viewer is not None:
            return viewer
    secret = bearer_token(request.headers.get("Authorization")) or request.query.get(
        KEY_QUERY_PARAMETER
    )
    if not secret:
        raise AuthenticationError(
            "missing credentials: send 'Authorization: Bearer <key>' or '?key=<key>'",
            code="missing_api_key",
        )
    keys = request.app[GATEWAY].keys
    for scope in accepted[:-1]:
        try:
            return Viewer.of_key(await keys.authenticate(secret, scope))
        except PermissionDeniedError:
            continue  # the next scope's check hits the key cache
    try:
        return Viewer.of_key(await keys.authenticate(secret, accepted[-1]))
    except PermissionDeniedError:
        needed = " or ".join(repr(scope.value) for scope in accepted)
        raise PermissionDeniedError(
            f"this API key needs the scope {needed}", code="insufficient_scope"
        ) from None
