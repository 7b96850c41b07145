"""Fixtures of the admin API tests.

Most tests use the shared ``gateway`` (SQLite and PostgreSQL). Tests that send mail, or that
need tight rate limits, use ``mail_gateway``: a second gateway per backend with its own
database, mail written to a temporary directory, cookies without ``Secure`` (plain HTTP), the
cheapest Argon2 parameters (``TEST_PASSWORD_HASH``, for tests only), a short key cache (so
tests of revoked keys wait little) and ``admin.org_host_pattern`` set to ``ORG_HOST_PATTERN``
(the tests' own requests, to 127.0.0.1, match it only when they say so in ``Host``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.scopes import ALL_SCOPES
from tests.admin_api.support import TEST_PASSWORD_HASH, Api, OrgFixture, make_org
from tests.conftest import TEST_BOOTSTRAP_KEY
from tests.harness import RunningGateway, ServiceThread, gateway_settings, start_gateway
from tests.services import postgres_database

LOGIN_PER_ACCOUNT = 5
ORG_HOST_PATTERN = "{org}.app.example.test"
KEY_CACHE_SECONDS = 0.3


@pytest.fixture(scope="session")
def org_a(gateway: RunningGateway) -> OrgFixture:
    """An org with every role logged in and a key per scope (read-mostly: don't delete it)."""
    return make_org(gateway, scopes=ALL_SCOPES)


@pytest.fixture(scope="session")
def org_b(gateway: RunningGateway) -> OrgFixture:
    """A stranger org: its owner and admin key must never reach ``org_a``."""
    return make_org(gateway, roles=("OWNER",), scopes=("admin",))


@pytest.fixture
def api(gateway: RunningGateway) -> Api:
    return Api(gateway)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def mail_gateway(
    request: pytest.FixtureRequest,
    service_thread: ServiceThread,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningGateway]:
    directory = tmp_path_factory.mktemp(f"admin-{request.param}")
    databases = None
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{directory / 'governs.db'}"
    else:
        databases = postgres_database()
        url = next(databases)
    # No providers: the offline echo model is enough for the admin API.
    raw: dict[str, Any] = {
        "database": {"url": url},
        "writer": {"flush_interval_seconds": 0.01, "spool_dir": str(directory / "spool")},
        "auth": {"key_cache_seconds": KEY_CACHE_SECONDS},
    }
    raw["admin"] = {
        "allow_signup": True,  # the sign-up tests; off by default
        "cookie_secure": False,
        "password_hash": TEST_PASSWORD_HASH,
        "mail": {"kind": "file", "directory": str(directory / "mail")},
        "org_host_pattern": ORG_HOST_PATTERN,
        "rate_limits": {
            "login": {"per_ip": 100_000, "per_account": LOGIN_PER_ACCOUNT, "window_seconds": 600},
            "signup": {"per_ip": 100_000, "per_account": 3, "window_seconds": 600},
            "password_reset": {"per_ip": 100_000, "per_account": 3, "window_seconds": 600},
        },
    }
    running = start_gateway(service_thread, gateway_settings(raw, bootstrap_key=TEST_BOOTSTRAP_KEY))
    try:
        yield running
    finally:
        running.stop()
        if databases is not None:
            databases.close()


@pytest.fixture
def mail_dir(mail_gateway: RunningGateway) -> Path:
    return Path(mail_gateway.settings.admin.mail.directory)
