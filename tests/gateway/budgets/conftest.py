"""Budgets on real databases (SQLite, PostgreSQL) and a real Redis.

Without a reachable PostgreSQL or Redis the tests needing them skip, naming what is missing;
with ``GOVERNS_TEST_REQUIRE_SERVICES=1`` (CI) they fail instead.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncEngine

from core.settings import DatabaseConfig
from core.storage.database import create_engine, migrate
from gateway.redis_client import connect_redis
from tests.gateway.budgets.helpers import Account, make_account
from tests.services import REDIS_URL, missing, postgres_database


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The test Redis's URL, once it answered a ping (sync: usable from any fixture)."""
    client = SyncRedis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except (RedisError, OSError) as error:
        missing(
            f"Redis is not reachable at {REDIS_URL} ({type(error).__name__}); "
            "set GOVERNS_TEST_REDIS_URL to run the Redis tests"
        )
    finally:
        client.close()
    return REDIS_URL


TEST_REDIS_TIMEOUT_SECONDS = 5.0


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Redis]:
    # The gateway counts a Redis silent for a second as down; a test opening a hundred
    # connections at once on a loaded machine may wait longer without Redis being down, for
    # Redis and for one of the pool's connections (a hundred requests share 64).
    client = connect_redis(
        redis_url, timeout=TEST_REDIS_TIMEOUT_SECONDS, pool_wait=TEST_REDIS_TIMEOUT_SECONDS
    )
    yield client
    await client.aclose()


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix of this test's own, so tests sharing one Redis never meet."""
    return f"governs-test-{uuid.uuid4().hex[:12]}"


def _migrated(url: str) -> str:
    async def run() -> None:
        engine = create_engine(DatabaseConfig(url=url))
        try:
            await migrate(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())  # sync fixtures run outside the tests' event loop
    return url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("budgets") / "governs.db"
    return _migrated(f"sqlite+aiosqlite:///{path}")


@pytest.fixture(scope="session")
def migrated_postgres_url() -> Iterator[str]:
    """A PostgreSQL database of the budget tests' own: the shared ``postgres_url`` one must
    stay empty until the ``gateway`` fixture bootstraps its key there."""
    for url in postgres_database():
        yield _migrated(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("migrated_postgres_url")


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(DatabaseConfig(url=database_url))
    yield engine
    await engine.dispose()


@pytest.fixture
async def account(engine: AsyncEngine) -> Account:
    return await make_account(engine)
