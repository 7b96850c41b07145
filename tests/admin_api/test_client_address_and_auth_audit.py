"""Behind a trusted proxy the client's address comes from ``X-Forwarded-For`` (the rightmost
hop that is not a trusted proxy), so login limits are per client, not one global limit; from
anyone else the header is ignored. Every auth event leaves an audit row naming that client."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from aiohttp import web

from core.settings import ServerConfig
from gateway.access_log import ACCESS_LOGGER_NAME, AccessLogger, access_logger
from gateway.client_address import CLIENT_ADDRESSES, ClientAddresses
from gateway.middleware import request_context
from tests.admin_api.support import PASSWORD, TEST_PASSWORD_HASH, Api, assert_error, make_org
from tests.conftest import TEST_BOOTSTRAP_KEY
from tests.harness import RunningGateway, ServiceThread, gateway_settings, start_gateway

PER_IP = 3


@pytest.fixture(params=["behind-proxy", "direct"])
def login_gateway(
    request: pytest.FixtureRequest,
    service_thread: ServiceThread,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningGateway]:
    """A fresh gateway (fresh limits) whose login allows PER_IP attempts per client;
    "behind-proxy" trusts the test's own address (as the compose file trusts its nginx),
    "direct" trusts nobody."""
    directory = tmp_path_factory.mktemp(f"proxied-{request.param}")
    trusted = ["127.0.0.1/32", "10.0.0.0/8"] if request.param == "behind-proxy" else []
    raw: dict[str, Any] = {
        "database": {"url": f"sqlite+aiosqlite:///{directory / 'governs.db'}"},
        "writer": {"flush_interval_seconds": 0.01, "spool_dir": str(directory / "spool")},
        "server": {"trusted_proxies": trusted},
        "admin": {
            "cookie_secure": False,
            "password_hash": TEST_PASSWORD_HASH,
            "mail": {"kind": "file", "directory": str(directory / "mail")},
            "rate_limits": {
                name: {"per_ip": PER_IP, "per_account": 1000, "window_seconds": 600}
                for name in ("login", "signup", "password_reset")
            },
        },
    }
    running = start_gateway(service_thread, gateway_settings(raw, bootstrap_key=TEST_BOOTSTRAP_KEY))
    yield running
    running.stop()


def login(gateway: RunningGateway, email: str, password: str, forwarded: str) -> httpx.Response:
    return httpx.post(
        f"{gateway.base_url}/api/v1/auth/login",
        json={"email": email, "password": password},
        headers={"X-Forwarded-For": forwarded},
        timeout=30,
    )


def test_login_limits_are_per_forwarded_client_only_behind_a_trusted_proxy(
    login_gateway: RunningGateway,
) -> None:
    behind_proxy = bool(login_gateway.settings.server.trusted_proxies)
    statuses = [
        login(login_gateway, "nobody@example.com", "wrong", "198.51.100.7").status_code
        for _ in range(PER_IP + 2)
    ]
    assert statuses == [401] * PER_IP + [429, 429]
    # A client that writes its own X-Forwarded-For cannot pose as another one: the proxy
    # appends the address it saw, and only the rightmost untrusted hop counts.
    spoofed = login(login_gateway, "nobody@example.com", "wrong", "203.0.113.1, 198.51.100.7")
    assert_error(spoofed, 429, "too_many_attempts")
    # Another client: its own limit behind the proxy; the same (the peer's) without one.
    other = login(login_gateway, "nobody@example.com", "wrong", "198.51.100.8, 10.1.2.3")
    assert other.status_code == (401 if behind_proxy else 429)

    rows = login_gateway.rows("audit_logs", action="auth.rate_limited")
    assert len(rows) == 1  # four refusals from one client: one row in the window
    expected_client = "198.51.100.7" if behind_proxy else "127.0.0.1"
    assert rows[0]["details"]["client"] == expected_client
    assert rows[0]["details"]["attempt"] == "login"
    failed = login_gateway.rows("audit_logs", action="user.login_failed")
    assert "nobody@example.com" not in str(failed)  # an unknown address is kept as a hash
    assert {row["details"]["client"] for row in failed} == (
        {"198.51.100.7", "198.51.100.8"} if behind_proxy else {"127.0.0.1"}
    )


def test_auth_events_are_audited(login_gateway: RunningGateway) -> None:
    org = make_org(login_gateway, roles=("OWNER",), log_in=False)
    email, user_id = org.emails["OWNER"], org.users["OWNER"]
    forwarded = "192.0.2.44"
    wrong = login(login_gateway, email, "not the password", forwarded)
    assert_error(wrong, 401, "invalid_credentials")
    token = login(login_gateway, email, PASSWORD, forwarded).json()["token"]
    api = Api(login_gateway, token)
    assert api.post("/api/v1/auth/logout").status_code == 200
    forgot = httpx.post(
        f"{login_gateway.base_url}/api/v1/auth/password/forgot",
        json={"email": email},
        headers={"X-Forwarded-For": forwarded},
        timeout=30,
    )
    assert forgot.status_code == 202
    rows = sorted(login_gateway.rows("audit_logs", user_id=user_id), key=lambda r: r["created_at"])
    assert [row["action"] for row in rows] == [
        "user.login_failed",
        "user.login",
        "user.logout",
        "user.password_reset_request",
    ]
    client = forwarded if login_gateway.settings.server.trusted_proxies else "127.0.0.1"
    assert rows[0]["details"] == {"client": client, "reason": "invalid_credentials"}
    assert rows[1]["details"]["after"] == {"client": client}
    assert PASSWORD not in str(rows) and token not in str(rows)


@pytest.mark.parametrize(
    ("chain", "client"),
    [
        (["203.0.113.9"], "203.0.113.9"),
        (["203.0.113.9", "10.0.0.2"], "203.0.113.9"),  # a second trusted proxy in between
        (["1.1.1.1", "203.0.113.9", "10.0.0.2"], "203.0.113.9"),  # left of it: the client's
        (["10.0.0.3", "10.0.0.2"], "10.0.0.3"),  # every hop trusted: the leftmost
        (["garbage", "10.0.0.2"], "10.0.0.2"),  # unreadable: the last vouched-for address
        (["[2001:db8::1]:4711"], "2001:db8::1"),
        (["203.0.113.9:8080"], "203.0.113.9"),
        ([], "10.0.0.1"),
    ],
)
def test_the_rightmost_untrusted_hop(chain: list[str], client: str) -> None:
    addresses = ClientAddresses(ServerConfig(trusted_proxies=("10.0.0.0/8",)))
    assert addresses.rightmost_untrusted(chain, "10.0.0.1") == client


async def test_the_access_log_names_the_forwarded_client(caplog: pytest.LogCaptureFixture) -> None:
    async def ok(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application(middlewares=[request_context])
    app[CLIENT_ADDRESSES] = ClientAddresses(ServerConfig(trusted_proxies=("127.0.0.1/32",)))
    app.router.add_get("/", ok)
    runner = web.AppRunner(app, access_log=access_logger(), access_log_class=AccessLogger)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER_NAME):
            async with httpx.AsyncClient() as client:
                port = runner.addresses[0][1]
                await client.get(
                    f"http://127.0.0.1:{port}/",
                    headers={"Forwarded": 'for="[2001:db8::7]";proto=https'},
                )
    finally:
        await runner.cleanup()
    (record,) = [r for r in caplog.records if r.name == ACCESS_LOGGER_NAME]
    assert record.client == "2001:db8::7"  # type: ignore[attr-defined]
