"""Single sign-on through OpenID Connect providers (``admin.sso``).

The browser's path, one provider button to a console session::

    GET  /api/v1/auth/sso/providers         the buttons: [{name, startUrl}]
    GET  /api/v1/auth/sso/{name}/start      302 to the provider: state, nonce, PKCE (S256)
    GET  /api/v1/auth/sso/callback          the provider's answer: 303 to the console
    POST /api/v1/auth/sso/exchange          the console trades its one-time token for a session

``start`` keeps the sign-in (state hashed, nonce, PKCE verifier) in ``sso_logins`` and binds it
to the browser with a SameSite=Lax cookie holding the state. ``callback`` takes that row once
(a replayed state is refused), checks the cookie, trades the code (with the verifier), checks
the ID token (``admin_api.oidc``), admits the user (``admin_api.sso_accounts``), then sends the
browser to ``/dashboard/#/sso?token=gat_…``: a one-time token in the fragment, which no server
or access log sees, that the console exchanges for a session like a password login's. A refusal
sends it to ``/dashboard/#/login?ssoError=<reason>`` and is audited (``user.sso_refused``).

The provider is called outside any database transaction, so a slow provider never holds one.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import aiohttp
from aiohttp import web
from pydantic import Field
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from admin_api.accounts import SessionOut, TokenBody, start_session, use_token
from admin_api.audit import record
from admin_api.endpoint import Call, Endpoint
from admin_api.oidc import OidcError, OidcProvider, Pkce
from admin_api.ratelimit import check_attempt
from admin_api.services import ADMIN, AdminServices
from admin_api.sessions import hash_secret, new_secret
from admin_api.sso_accounts import SsoRefused, admit
from admin_api.validation import Out
from admin_api.wire import as_utc, reply
from core.errors import RateLimitError
from core.settings import AdminConfig
from core.storage.account_models import AccountToken, SsoLogin
from core.storage.models import User
from gateway.audit_events import audit_row
from gateway.client_address import client_address
from gateway.outages import database_work

SSO_COOKIE = "governs_sso"
SSO_PATH = "/api/v1/auth/sso"
CALLBACK_PATH = f"{SSO_PATH}/callback"
HANDOFF = "sso_handoff"  # AccountToken.purpose of the console's one-time token
HANDOFF_TTL_SECONDS = 120.0
CONSOLE_LOGIN = "/dashboard/#/login"
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=10, connect=5)
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

SSO_PROVIDERS = web.AppKey("sso_providers", dict[str, OidcProvider])


class ProviderOut(Out):
    name: str
    start_url: str = Field(description="open this in the browser to sign in")


class ProviderList(Out):
    providers: list[ProviderOut]


def setup_sso(app: web.Application, config: AdminConfig) -> None:
    """The HTTP session the providers share, and the browser's two routes (redirects, not JSON:
    they stay out of the OpenAPI document)."""

    async def providers(app: web.Application) -> AsyncIterator[None]:
        http = aiohttp.ClientSession(timeout=HTTP_TIMEOUT) if config.sso else None
        app[SSO_PROVIDERS] = {p.name: OidcProvider(p, http) for p in config.sso} if http else {}
        try:
            yield
        finally:
            if http is not None:
                await http.close()

    app.cleanup_ctx.append(providers)
    app.router.add_get(SSO_PATH + "/{name}/start", start)
    app.router.add_get(CALLBACK_PATH, callback)


def _redirect_uri(admin: AdminServices) -> str:
    return admin.config.public_url.rstrip("/") + CALLBACK_PATH


def _to_login(reason: str) -> web.HTTPSeeOther:
    response = web.HTTPSeeOther(f"{CONSOLE_LOGIN}?ssoError={quote(reason)}", headers=NO_STORE)
    response.del_cookie(SSO_COOKIE, path=SSO_PATH)
    return response


async def start(request: web.Request) -> web.StreamResponse:
    admin = request.app[ADMIN]
    provider: OidcProvider | None = request.app[SSO_PROVIDERS].get(request.match_info["name"])
    if provider is None:
        raise _to_login("provider_unknown")
    try:
        # Each start keeps a row: counted like password sign-ins, per client address.
        rule = admin.config.rate_limits.login
        await check_attempt(admin.limiter, "sso_start", rule, client_address(request), None)
    except RateLimitError:
        raise _to_login("rate_limited") from None
    state, nonce, pkce = secrets.token_urlsafe(32), secrets.token_urlsafe(32), Pkce.new()
    try:
        url = await provider.authorization_url(
            state=state, nonce=nonce, challenge=pkce.challenge, redirect_uri=_redirect_uri(admin)
        )
    except OidcError as error:
        _audit_refusal(admin, request, provider.config.name, error.reason, str(error))
        raise _to_login(error.reason) from None
    now = datetime.now(UTC)
    async with database_work(), admin.sessions.begin() as db:
        await db.execute(delete(SsoLogin).where(SsoLogin.expires_at < now))
        db.add(SsoLogin(
            state_hash=hash_secret(state), provider=provider.config.name, nonce=nonce,
            code_verifier=pkce.verifier,
            expires_at=now + timedelta(seconds=admin.config.sso_login_ttl_seconds),
        ))  # fmt: skip
    response = web.HTTPFound(url, headers=NO_STORE)
    # Lax, not Strict: the provider's redirect back is a cross-site navigation.
    response.set_cookie(SSO_COOKIE, state, max_age=int(admin.config.sso_login_ttl_seconds),
                        path=SSO_PATH, httponly=True, secure=admin.config.cookie_secure,
                        samesite="Lax")  # fmt: skip
    raise response


async def callback(request: web.Request) -> web.StreamResponse:
    admin = request.app[ADMIN]
    state = request.query.get("state", "")[:200]
    provider_name: str | None = None
    try:
        login = await _take_login(admin, state)
        provider_name = login.provider
        cookie = request.cookies.get(SSO_COOKIE, "")
        if not hmac.compare_digest(cookie.encode(), state.encode()):
            # Another browser's sign-in (login CSRF), or cookies refused.
            raise SsoRefused("state_mismatch", "the sign-in was started in another browser")
        provider: OidcProvider | None = request.app[SSO_PROVIDERS].get(login.provider)
        if provider is None:
            raise SsoRefused("provider_unknown", f"{login.provider} is no longer configured")
        issuer = request.query.get("iss")
        if issuer is not None and issuer != provider.config.issuer:
            # RFC 9207: the answer comes from another provider than the one asked (mix-up).
            raise SsoRefused("issuer_mismatch", f"the answer names issuer {issuer[:200]!r}")
        if "error" in request.query:
            error = request.query["error"][:100]
            raise SsoRefused("provider_refused", f"the provider answered {error!r}")
        code = request.query.get("code", "")
        if not code or len(code) > 2000:
            raise SsoRefused("code_missing", "the provider's answer has no authorization code")
        try:
            id_token = await provider.exchange(code, login.code_verifier, _redirect_uri(admin))
            claims = await provider.validate(id_token, login.nonce)
        except OidcError as error:
            raise SsoRefused(error.reason, str(error)) from None
        try:
            token = await _admit(admin, request, provider, claims)
        except IntegrityError:
            # The same person's first sign-in, twice at once: the other one created them.
            raise SsoRefused("conflict", "another sign-in of this account ran at the same time",
                             provider=provider.config.name) from None  # fmt: skip
    except SsoRefused as refusal:
        provider_name = refusal.provider or provider_name
        _audit_refusal(admin, request, provider_name, refusal.reason, str(refusal),
                       org_id=refusal.org_id, user_id=refusal.user_id)  # fmt: skip
        raise _to_login(refusal.reason) from None
    response = web.HTTPSeeOther(f"/dashboard/#/sso?token={token}", headers=NO_STORE)
    response.del_cookie(SSO_COOKIE, path=SSO_PATH)
    raise response


async def _admit(
    admin: AdminServices, request: web.Request, provider: OidcProvider, claims: dict[str, Any]
) -> str:
    """Let the user in (``sso_accounts.admit``) and audit their sign-in; answers the console's
    one-time token for it."""
    async with database_work(), admin.sessions.begin() as db:
        admitted = await admit(db, provider.config, provider.config.issuer, claims)
        token = new_secret("gat_")
        db.add(AccountToken(
            user_id=admitted.user.id, purpose=HANDOFF, token_hash=hash_secret(token),
            expires_at=datetime.now(UTC) + timedelta(seconds=HANDOFF_TTL_SECONDS),
        ))  # fmt: skip
        after = {"provider": provider.config.name, "role": admitted.role.value,
                 "created": admitted.created, "client": client_address(request)}  # fmt: skip
        record(db, None, org_id=admitted.org.id, action="user.sso_login",
               resource=f"user:{admitted.user.id}", user_id=admitted.user.id,
               after=after)  # fmt: skip
    return token


async def _take_login(admin: AdminServices, state: str) -> SsoLogin:
    """The pending sign-in of ``state``, marked used in the same statement that checks it was
    not: of two callbacks with one state, one wins."""
    now = datetime.now(UTC)
    async with database_work(), admin.sessions.begin() as db:
        login = await db.scalar(select(SsoLogin).where(SsoLogin.state_hash == hash_secret(state)))
        if login is None or as_utc(login.expires_at) < now:
            raise SsoRefused("state_invalid", "the sign-in is unknown or has expired")
        taken = await db.execute(
            update(SsoLogin)
            .where(SsoLogin.id == login.id, SsoLogin.used_at.is_(None))
            .values(used_at=now)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise SsoRefused(
                "state_replayed", "this sign-in was used already", provider=login.provider
            )
        return login


def _audit_refusal(
    admin: AdminServices,
    request: web.Request,
    provider: str | None,
    reason: str,
    message: str,
    *,
    org_id: str | None = None,
    user_id: str | None = None,
) -> None:
    """Through the background writer: a refusal has no transaction of its own to ride in."""
    details = {"provider": provider, "reason": reason, "message": message,
               "client": client_address(request)}  # fmt: skip
    admin.gateway.writer.submit(
        "audit_logs",
        audit_row("user.sso_refused", f"sso:{provider or 'unknown'}", org_id=org_id,
                  user_id=user_id, details=details),
    )  # fmt: skip


async def list_providers(call: Call[None, None]) -> Any:
    names = call.request.app[SSO_PROVIDERS]
    return reply(ProviderList(providers=[
        ProviderOut(name=name, start_url=f"{SSO_PATH}/{quote(name)}/start") for name in names
    ]))  # fmt: skip


async def exchange(call: Call[None, TokenBody]) -> Any:
    row = await use_token(call, call.body.token, HANDOFF)
    user = await call.db.get(User, row.user_id)
    assert user is not None  # the token's row goes with its user (ON DELETE CASCADE)
    return await start_session(call, user, None)


_TAG = "accounts"
ENDPOINTS = [
    Endpoint("GET", f"{SSO_PATH}/providers", list_providers,
             "The single sign-on providers (the console's 'Sign in with …' buttons)", _TAG,
             public=True, response=ProviderList),
    Endpoint("POST", f"{SSO_PATH}/exchange", exchange,
             "Trade the one-time token of a single sign-on for a session", _TAG, public=True,
             body=TokenBody, response=SessionOut),
]  # fmt: skip
