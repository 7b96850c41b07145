"""Helpers for the admin API tests: an HTTP client, and orgs, users and keys made directly in
the database (fast, and independent of the rate-limited sign-up) before the test drives the
running server."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from admin_api.passwords import PasswordHasher
from core.settings import PasswordHashConfig
from core.storage.account_models import Membership, UserCredential
from core.storage.database import create_engine, session_factory
from core.storage.keys import create_key, get_or_create_org
from core.storage.models import User
from tests.harness import RunningGateway

PASSWORD = "correct horse battery staple"
ROLES = ("OWNER", "ADMIN", "DEVELOPER", "VIEWER")
# Argon2 at its cheapest (well under a millisecond a hash instead of about 0.1 s), for tests
# only: the admin gateways of these tests hash with it, and so do the users made here (a hash
# carries its parameters, so the shared gateway verifies them as cheaply).
TEST_PASSWORD_HASH = {"time_cost": 1, "memory_cost_kib": 8, "parallelism": 1}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class Api:
    """A small client for ``/api``; ``token`` is an API key or a session token."""

    def __init__(
        self,
        gateway: RunningGateway,
        token: str | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.gateway = gateway
        self.token = token
        # One keep-alive connection pool for this Api and every ``as_`` copy of it.
        self.client = client or httpx.Client(base_url=gateway.base_url, timeout=30)

    def as_(self, token: str | None) -> Api:
        return Api(self.gateway, token, self.client)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if self.token is not None and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token}"
        response = self.client.request(method, path, headers=headers, **kwargs)
        self.client.cookies.clear()  # credentials are explicit: a cookie is sent only by hand
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "type", "param", "code"}
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


@dataclass
class OrgFixture:
    """One org with a user per role (logged in) and a one-scope key per scope."""

    id: str
    slug: str
    users: dict[str, str] = field(default_factory=dict)  # role → user id
    emails: dict[str, str] = field(default_factory=dict)  # role → email
    sessions: dict[str, str] = field(default_factory=dict)  # role → session token
    keys: dict[str, str] = field(default_factory=dict)  # scope → secret
    key_ids: dict[str, str] = field(default_factory=dict)  # scope → key id


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


async def _make_org(
    gateway: RunningGateway, roles: tuple[str, ...], scopes: tuple[str, ...]
) -> OrgFixture:
    hasher = PasswordHasher(
        gateway.settings.admin.password_pepper, PasswordHashConfig(**TEST_PASSWORD_HASH)
    )
    password_hash = await hasher.hash(PASSWORD)
    engine = create_engine(gateway.settings.database)
    try:
        async with session_factory(engine).begin() as session:
            slug = unique("org")
            org = await get_or_create_org(session, slug, slug.upper())
            fixture = OrgFixture(id=org.id, slug=slug)
            for role in roles:
                email = f"{unique(role.lower())}@example.com"
                # Verified: these stand for people who joined as the gateway lets them.
                user = User(email=email, name=role.title(), email_verified=datetime.now(UTC))
                session.add(user)
                await session.flush()
                session.add(UserCredential(user_id=user.id, password_hash=password_hash))
                session.add(Membership(org_id=org.id, user_id=user.id, role=role))
                fixture.users[role] = user.id
                fixture.emails[role] = email
            for scope in scopes:
                key, secret = await create_key(session, org, label=scope, scopes=(scope,))
                fixture.keys[scope] = secret
                fixture.key_ids[scope] = key.id
            return fixture
    finally:
        await engine.dispose()


def login(gateway: RunningGateway, email: str, password: str = PASSWORD, **extra: Any) -> str:
    response = Api(gateway).post(
        "/api/v1/auth/login", json={"email": email, "password": password, **extra}
    )
    assert response.status_code == 200, response.text
    return response.json()["token"]


def make_org(
    gateway: RunningGateway,
    roles: tuple[str, ...] = ROLES,
    scopes: tuple[str, ...] = (),
    *,
    log_in: bool = True,
) -> OrgFixture:
    fixture = run(_make_org(gateway, roles, scopes))
    if log_in:
        for role, email in fixture.emails.items():
            fixture.sessions[role] = login(gateway, email)
    return fixture


def mail_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.eml")) if directory.exists() else []


def mail_to(directory: Path, address: str) -> list[str]:
    """The bodies of the mails sent to ``address``, oldest first."""
    import email

    bodies = []
    for path in sorted(mail_files(directory), key=lambda p: p.stat().st_mtime_ns):
        message = email.message_from_bytes(path.read_bytes())
        if message["To"] == address:
            bodies.append(message.get_payload(decode=True).decode())
    return bodies


def token_in(body: str, prefix: str) -> str:
    for word in body.split():
        if word.startswith(prefix):
            return word
    raise AssertionError(f"no {prefix} token in {body!r}")
