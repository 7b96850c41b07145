"""The machine's PostgreSQL and Redis for tests.

On CI (``GOVERNS_TEST_REQUIRE_SERVICES=1``, set by ``.ci/run``) a missing service fails the run;
on a developer's machine without them, the tests that need them skip, naming what is missing.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Generator

import asyncpg
import pytest

POSTGRES_ADMIN_URL = os.environ.get(
    "GOVERNS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("GOVERNS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SERVICES_REQUIRED = os.environ.get("GOVERNS_TEST_REQUIRE_SERVICES") == "1"


def missing(what: str) -> None:
    if SERVICES_REQUIRED:
        pytest.fail(f"{what} (GOVERNS_TEST_REQUIRE_SERVICES=1: this run must not skip it)")
    pytest.skip(what)


async def _postgres_call(sql: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=3)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def postgres_database() -> Generator[str, None, None]:
    """A fresh, empty PostgreSQL database for this test session, dropped afterwards."""
    name = f"governs_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_postgres_call(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        missing(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({type(error).__name__}); "
            "set GOVERNS_TEST_POSTGRES_URL to run the PostgreSQL tests"
        )
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(_postgres_call(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
