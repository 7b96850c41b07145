"""``/api/v1/auth``: sign-up, login and logout, the signed-in user, passwords and email.

Login answers a session token (for scripts: ``Authorization: Bearer gas_…``) and sets it as an
HTTP-only, SameSite=Strict cookie (``Secure`` unless ``admin.cookie_secure: false``). With TOTP
enabled, login also needs ``totpCode``. Login, sign-up and both password-reset steps are
rate-limited per client address (``gateway.client_address``: the forwarded one only behind
``server.trusted_proxies``) and per email address. Forgot-password always answers 202, so it
never tells whether an address has an account. Sign-up is off unless ``admin.allow_signup``;
a signed-up user verifies their email before any org access.

Every auth event is audited: logins, failed logins (through the background writer, since the
failing request's transaction rolls back; an unknown address is kept only as a hash), logouts,
refused attempts (once per attempt kind, client and window), reset requests and resets.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from aiohttp import web
from pydantic import Field, field_validator
from sqlalchemy import select, update

from admin_api.audit import record
from admin_api.caller import load_user
from admin_api.endpoint import Call, Endpoint
from admin_api.errors import ConflictError
from admin_api.mail import Mail, send_quietly
from admin_api.members import Email, join_with_invitation, normalise_email
from admin_api.mfa import totp_matches
from admin_api.orgs import check_slug_free
from admin_api.permissions import Role
from admin_api.ratelimit import check_attempt
from admin_api.sessions import (
    SESSION_COOKIE,
    create_session,
    hash_secret,
    new_secret,
    revoke_sessions,
)
from admin_api.types import Name, Slug, Timestamp
from admin_api.validation import Body, Out
from admin_api.wire import as_utc, reply
from core.errors import (
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
)
from core.settings import RateLimitRule
from core.storage.account_models import AccountToken, Membership, UserCredential, UserSession
from core.storage.models import Org, User
from gateway.audit_events import audit_row
from gateway.client_address import client_address

ACCOUNT_TOKEN_PREFIX = "gat_"
RESET = "password_reset"
VERIFY = "email_verification"
Password = Annotated[str, Field(min_length=1, max_length=1024)]
Token = Annotated[str, Field(min_length=1, max_length=200)]
Code = Annotated[str, Field(pattern=r"^\d{6}$")]


class SignupBody(Body):
    email: Email
    password: Password
    name: Name | None = None
    org_name: Name | None = Field(None, description="create this org, with you as its OWNER")
    org_slug: Slug | None = None
    invitation_token: Token | None = Field(None, description="join the org that invited you")

    _email = field_validator("email")(normalise_email)


class LoginBody(Body):
    email: Email
    password: Password
    totp_code: Code | None = None

    _email = field_validator("email")(normalise_email)


class PasswordChange(Body):
    current_password: Password
    new_password: Password


class ForgotBody(Body):
    email: Email

    _email = field_validator("email")(normalise_email)


class ResetBody(Body):
    token: Token
    password: Password


class TokenBody(Body):
    token: Token


class UserOut(Out):
    id: str
    email: str
    name: str | None
    email_verified: Timestamp | None
    mfa_enabled: bool
    created_at: Timestamp


class MembershipOut(Out):
    org_id: str
    org_slug: str
    org_name: str
    role: Role


class Me(Out):
    user: UserOut
    memberships: list[MembershipOut]
    host_org_id: str | None = Field(
        None, description="the org this host selects (admin.org_host_pattern), if any"
    )


class SessionOut(Out):
    token: str = Field(description="send as 'Authorization: Bearer <token>'; also set as cookie")
    expires_at: Timestamp
    user: UserOut


class Done(Out):
    ok: bool = True


def user_out(user: User, credential: UserCredential | None) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        email_verified=user.email_verified,
        mfa_enabled=bool(credential and credential.totp_enabled_at),
        created_at=user.created_at,
    )


def _client_ip(request: web.Request) -> str:
    return client_address(request)


def _audit_event(
    call: Call[Any, Any],
    action: str,
    resource: str,
    *,
    user_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """An auth event's audit row through the background writer: it is kept although the
    request fails and its transaction rolls back."""
    call.admin.gateway.writer.submit(
        "audit_logs",
        audit_row(action, resource, user_id=user_id,
                  details={"client": _client_ip(call.request), **(details or {})}),
    )  # fmt: skip


def _email_hash(email: str) -> str:
    # Enough to tie failed attempts on one unknown address together, without keeping it.
    return hashlib.sha256(email.encode()).hexdigest()[:16]


async def _attempt(
    call: Call[Any, Any], action: str, rule: RateLimitRule, email: str | None
) -> None:
    """Count an attempt (rate limits per client and per email); a refusal is audited once per
    attempt kind, client and window, so a flood cannot flood the audit trail."""
    client = _client_ip(call.request)
    try:
        await check_attempt(call.admin.limiter, action, rule, client, email)
    except RateLimitError:
        seen = call.admin.refusals_audited
        now = time.monotonic()
        bucket = f"{action}:{client}"
        if seen.get(bucket, 0.0) <= now:
            if len(seen) > 10_000:
                seen.clear()
            seen[bucket] = now + rule.window_seconds
            details = {"attempt": action, "emailHash": _email_hash(email) if email else None}
            _audit_event(call, "auth.rate_limited", f"auth:{action}", details=details)
        raise


def _check_password_strength(call: Call[Any, Any], password: str, param: str) -> None:
    minimum = call.admin.config.password_min_length
    if len(password) < minimum:
        raise InvalidRequestError(
            f"the password needs at least {minimum} characters", code="weak_password", param=param
        )


async def _start_session(call: Call[Any, Any], user: User, cred: UserCredential) -> web.Response:
    ttl = call.admin.config.session_ttl_seconds
    row, token = await create_session(call.db, user.id, ttl)
    response = reply(SessionOut(token=token, expires_at=row.expires_at, user=user_out(user, cred)))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(ttl),
        path="/api",
        httponly=True,
        secure=call.admin.config.cookie_secure,
        samesite="Strict",
    )
    return response


async def _mail_token(call: Call[Any, Any], user: User, purpose: str) -> None:
    config = call.admin.config
    ttl = (
        config.reset_token_ttl_seconds
        if purpose == RESET
        else config.verification_token_ttl_seconds
    )
    token = new_secret(ACCOUNT_TOKEN_PREFIX)
    call.db.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_secret(token),
            expires_at=datetime.now(UTC) + timedelta(seconds=ttl),
        )
    )
    await call.db.flush()
    base = config.public_url.rstrip("/")
    if purpose == RESET:
        subject, path, what = "Reset your GovernsAI password", "reset-password", "reset token"
        how = "POST it with a new password to /api/v1/auth/password/reset"
    else:
        subject, path, what = "Verify your email address", "verify-email", "verification token"
        how = "POST it to /api/v1/auth/email/verify"
    await send_quietly(
        call.admin.mail,
        Mail(
            to=user.email,
            subject=subject,
            text=(
                f"Your {what}: {token}\nOpen: {base}/{path}?token={token}\n\n"
                f"Or {how}. It expires in {int(ttl // 60)} minutes. If you did not ask for "
                "this, ignore this message.\n"
            ),
        ),
    )


async def _use_token(call: Call[Any, Any], token: str, purpose: str) -> AccountToken:
    row = await call.db.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == hash_secret(token), AccountToken.purpose == purpose
        )
    )
    if row is None or row.used_at is not None or as_utc(row.expires_at) <= datetime.now(UTC):
        raise NotFoundError("the token is unknown, used or expired", code="invalid_token")
    row.used_at = datetime.now(UTC)
    return row


async def signup(call: Call[None, SignupBody]) -> Any:
    body = call.body
    config = call.admin.config
    await _attempt(call, "signup", config.rate_limits.signup, body.email)
    if not config.allow_signup and body.invitation_token is None:
        raise AuthenticationError("sign-up needs an invitation here", code="signup_disabled")
    if body.org_name and body.invitation_token:
        raise InvalidRequestError(
            "give orgName or invitationToken, not both", code="invalid_request_body",
            param="orgName",
        )  # fmt: skip
    _check_password_strength(call, body.password, "password")
    if await call.db.scalar(select(User.id).where(User.email == body.email)):
        raise ConflictError("an account with this email exists already", code="email_taken")
    user = User(email=body.email, name=body.name)
    call.db.add(user)
    await call.db.flush()
    credential = UserCredential(
        user_id=user.id, password_hash=await call.admin.passwords.hash(body.password)
    )
    call.db.add(credential)
    await call.db.flush()
    await call.db.refresh(user)
    record(call.db, None, org_id=None, action="user.signup", resource=f"user:{user.id}",
           user_id=user.id, after=user_out(user, credential))  # fmt: skip
    if body.invitation_token:
        await join_with_invitation(call.db, None, user, body.invitation_token)
        # The invitation was mailed to this address: holding its token proves the address.
        user.email_verified = datetime.now(UTC)
    elif body.org_name:
        slug = body.org_slug or _slug_for(body.org_name, user.id)
        check_slug_free(call, slug, "orgSlug")
        # No model until a gateway operator grants some (admin_api.model_access).
        org = Org(name=body.org_name, slug=slug, allowed_models=[])
        call.db.add(org)
        await call.db.flush()
        call.db.add(Membership(org_id=org.id, user_id=user.id, role=Role.OWNER.value))
        record(call.db, None, org_id=org.id, action="org.create", resource=f"org:{org.id}",
               user_id=user.id, after={"name": org.name, "slug": org.slug})  # fmt: skip
    if user.email_verified is None:
        await _mail_token(call, user, VERIFY)
    response = await _start_session(call, user, credential)
    response.set_status(201)
    return response


def _slug_for(name: str, user_id: str) -> str:
    base = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")[:80] or "org"
    return f"{base}-{user_id[-6:].lower()}"


async def login(call: Call[None, LoginBody]) -> Any:
    body = call.body
    await _attempt(call, "login", call.admin.config.rate_limits.login, body.email)
    row = (
        await call.db.execute(
            select(User, UserCredential)
            .join(UserCredential, UserCredential.user_id == User.id)
            .where(User.email == body.email)
        )
    ).first()
    user, credential = (row[0], row[1]) if row else (None, None)
    valid = await call.admin.passwords.verify(
        credential.password_hash if credential else None, body.password
    )
    if not valid or user is None or credential is None:
        _login_failed(call, user, body.email, "invalid_credentials")
        raise AuthenticationError("wrong email or password", code="invalid_credentials")
    if credential.totp_enabled_at is not None:
        if body.totp_code is None:
            raise AuthenticationError(
                "this account uses two-factor authentication: send totpCode",
                code="mfa_required",
            )
        if not totp_matches(credential.totp_secret, body.totp_code):
            _login_failed(call, user, body.email, "invalid_mfa_code")
            raise AuthenticationError("wrong two-factor code", code="invalid_mfa_code")
    response = await _start_session(call, user, credential)
    record(call.db, None, org_id=None, action="user.login", resource=f"user:{user.id}",
           user_id=user.id, after={"client": _client_ip(call.request)})  # fmt: skip
    return response


def _login_failed(call: Call[Any, Any], user: User | None, email: str, reason: str) -> None:
    details: dict[str, Any] = {"reason": reason}
    if user is None:
        details["emailHash"] = _email_hash(email)
    resource = f"user:{user.id}" if user is not None else "user:unknown"
    _audit_event(call, "user.login_failed", resource,
                 user_id=user.id if user else None, details=details)  # fmt: skip


async def logout(call: Call[None, None]) -> Any:
    user_id = call.who.require_user()
    await call.db.execute(
        update(UserSession)
        .where(UserSession.id == call.who.session_id)
        .values(revoked_at=datetime.now(UTC))
    )
    call.sessions_ended()
    record(call.db, call.who, org_id=None, action="user.logout", resource=f"user:{user_id}",
           after={"sessionId": call.who.session_id})  # fmt: skip
    response = reply(Done())
    response.del_cookie(SESSION_COOKIE, path="/api")
    return response


async def me(call: Call[None, None]) -> Any:
    user = await load_user(call.db, call.who.require_user())
    host_org = await call.admin.org_host.org(call.db, call.request.host)
    credential = await call.db.get(UserCredential, user.id)
    rows = await call.db.execute(
        select(Org, Membership.role)
        .join(Membership, Membership.org_id == Org.id)
        .where(Membership.user_id == user.id)
        .order_by(Org.name)
    )
    return reply(
        Me(
            user=user_out(user, credential),
            memberships=[
                MembershipOut(org_id=org.id, org_slug=org.slug, org_name=org.name, role=Role(role))
                for org, role in rows.all()
            ],
            host_org_id=host_org.id if host_org else None,
        )
    )


async def change_password(call: Call[None, PasswordChange]) -> Any:
    user_id = call.who.require_user()
    credential = await call.db.get(UserCredential, user_id)
    passwords = call.admin.passwords
    if credential is None or not await passwords.verify(
        credential.password_hash, call.body.current_password
    ):
        raise AuthenticationError("the current password is wrong", code="invalid_credentials")
    _check_password_strength(call, call.body.new_password, "newPassword")
    credential.password_hash = await passwords.hash(call.body.new_password)
    await revoke_sessions(call.db, user_id, except_id=call.who.session_id)
    call.sessions_ended()
    record(call.db, call.who, org_id=None, action="user.password_change",
           resource=f"user:{user_id}")  # fmt: skip
    return reply(Done())


async def forgot_password(call: Call[None, ForgotBody]) -> Any:
    await _attempt(
        call, "password_reset", call.admin.config.rate_limits.password_reset, call.body.email
    )
    user = await call.db.scalar(select(User).where(User.email == call.body.email))
    if user is not None:
        await _mail_token(call, user, RESET)
        record(call.db, None, org_id=None, action="user.password_reset_request",
               resource=f"user:{user.id}", user_id=user.id,
               after={"client": _client_ip(call.request)})  # fmt: skip
    return reply(Done(), status=202)


async def reset_password(call: Call[None, ResetBody]) -> Any:
    await _attempt(call, "password_reset", call.admin.config.rate_limits.password_reset, None)
    _check_password_strength(call, call.body.password, "password")
    token = await _use_token(call, call.body.token, RESET)
    credential = await call.db.get(UserCredential, token.user_id)
    password_hash = await call.admin.passwords.hash(call.body.password)
    if credential is None:
        call.db.add(UserCredential(user_id=token.user_id, password_hash=password_hash))
    else:
        credential.password_hash = password_hash
    await revoke_sessions(call.db, token.user_id)
    call.sessions_ended()
    record(call.db, None, org_id=None, action="user.password_reset",
           resource=f"user:{token.user_id}", user_id=token.user_id)  # fmt: skip
    return reply(Done())


async def request_verification(call: Call[None, None]) -> Any:
    user = await load_user(call.db, call.who.require_user())
    if user.email_verified is None:
        await _mail_token(call, user, VERIFY)
    return reply(Done(), status=202)


async def verify_email(call: Call[None, TokenBody]) -> Any:
    token = await _use_token(call, call.body.token, VERIFY)
    user = await call.db.get(User, token.user_id)
    assert user is not None
    if user.email_verified is None:
        user.email_verified = datetime.now(UTC)
        record(call.db, None, org_id=None, action="user.email_verify",
               resource=f"user:{user.id}", user_id=user.id)  # fmt: skip
    return reply(Done())


_TAG = "accounts"
_A = "/api/v1/auth"
ENDPOINTS = [
    Endpoint("POST", f"{_A}/signup", signup, "Create an account (and an org, or join one)",
             _TAG, public=True, body=SignupBody, response=SessionOut, status=201),
    Endpoint("POST", f"{_A}/login", login, "Log in: a session token and cookie", _TAG,
             public=True, body=LoginBody, response=SessionOut),
    Endpoint("POST", f"{_A}/logout", logout, "End this session", _TAG, response=Done),
    Endpoint("GET", f"{_A}/me", me, "The signed-in user and their orgs", _TAG, response=Me),
    Endpoint("POST", f"{_A}/password", change_password, "Change the password", _TAG,
             body=PasswordChange, response=Done),
    Endpoint("POST", f"{_A}/password/forgot", forgot_password, "Mail a password reset token",
             _TAG, public=True, body=ForgotBody, response=Done, status=202),
    Endpoint("POST", f"{_A}/password/reset", reset_password,
             "Set a new password with a reset token", _TAG, public=True, body=ResetBody,
             response=Done),
    Endpoint("POST", f"{_A}/email/verify/request", request_verification,
             "Mail a new email verification token", _TAG, response=Done, status=202),
    Endpoint("POST", f"{_A}/email/verify", verify_email, "Verify the email address", _TAG,
             public=True, body=TokenBody, response=Done),
]  # fmt: skip
