"""Revocation across instances: two gateways sharing PostgreSQL and Redis, each caching keys for
a minute, so that only the announcement over Redis (``gateway.revocation``) can end a key on
the other instance within 2 seconds. Also: the login limiter's Redis keys hold hashes only."""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import openai
import pytest
from redis import Redis as SyncRedis
from redis.exceptions import RedisError
from sqlalchemy import update

from core.storage.database import create_engine
from core.storage.keys import hash_key
from core.storage.models import ApiKey
from gateway.redis_client import create_redis
from gateway.revocation import publish_key_changes
from tests.admin_api.support import TEST_PASSWORD_HASH, Api, assert_error, make_org
from tests.conftest import TEST_BOOTSTRAP_KEY
from tests.harness import RunningGateway, ServiceThread, gateway_settings, start_gateway
from tests.services import REDIS_URL, missing, postgres_database

KEY_CACHE_SECONDS = 60.0  # far longer than the 2 s the announcement must beat
WITHIN_SECONDS = 2.0


@dataclass
class Pair:
    one: RunningGateway
    two: RunningGateway


@pytest.fixture(scope="module")
def pair(service_thread: ServiceThread, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    try:
        SyncRedis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except (RedisError, OSError) as error:
        missing(f"Redis is not reachable at {REDIS_URL} ({type(error).__name__})")
    databases = postgres_database()
    url = next(databases)
    running = []
    try:
        for name in ("one", "two"):
            directory = tmp_path_factory.mktemp(f"revocation-{name}")
            raw: dict[str, Any] = {
                "database": {"url": url},
                "redis": {"url": REDIS_URL},
                "writer": {"flush_interval_seconds": 0.01, "spool_dir": str(directory / "spool")},
                "auth": {"key_cache_seconds": KEY_CACHE_SECONDS},
                "admin": {
                    "cookie_secure": False,
                    "password_hash": TEST_PASSWORD_HASH,
                    "mail": {"kind": "file", "directory": str(directory / "mail")},
                },
            }
            settings = gateway_settings(raw, bootstrap_key=TEST_BOOTSTRAP_KEY)
            running.append(start_gateway(service_thread, settings))
        for gateway in running:  # start-up does not wait for the subscription: the tests do
            seconds_until(gateway.gateway.revocations.subscribed.is_set)
        yield Pair(*running)
    finally:
        for gateway in running:
            gateway.stop()
        databases.close()


def chat(gateway: RunningGateway, key: str) -> int:
    """The status of one chat completion through ``gateway``, with the openai SDK."""
    client = openai.OpenAI(base_url=gateway.openai_base_url, api_key=key, max_retries=0)
    try:
        client.chat.completions.create(
            model="echo", messages=[{"role": "user", "content": "hello"}]
        )
    except openai.APIStatusError as error:
        return error.status_code
    finally:
        client.close()
    return 200


def seconds_until(condition: Callable[[], bool], limit: float = 5.0) -> float:
    """How long until ``condition()`` holds (polled every 20 ms); fails after ``limit``."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > limit:
            raise AssertionError(f"still not so after {limit} s")
        time.sleep(0.02)
    return time.monotonic() - start


def test_a_disabled_enabled_or_revoked_key_changes_on_the_other_instance(pair: Pair) -> None:
    admin_one = Api(pair.one, TEST_BOOTSTRAP_KEY)
    made = admin_one.post("/api/v1/keys", json={"name": "app", "scopes": ["precheck:invoke"]})
    assert made.status_code == 201, made.text
    key, key_id = made.json()["key"], made.json()["id"]
    assert chat(pair.two, key) == 200  # now in instance two's cache, for a minute

    assert admin_one.patch(f"/api/v1/keys/{key_id}", json={"isActive": False}).status_code == 200
    assert seconds_until(lambda: chat(pair.two, key) == 401) < WITHIN_SECONDS
    assert chat(pair.one, key) == 401

    assert admin_one.patch(f"/api/v1/keys/{key_id}", json={"isActive": True}).status_code == 200
    assert seconds_until(lambda: chat(pair.two, key) == 200) < WITHIN_SECONDS

    assert admin_one.delete(f"/api/v1/keys/{key_id}").status_code == 200
    assert seconds_until(lambda: chat(pair.two, key) == 401) < WITHIN_SECONDS


def test_a_removed_admins_key_and_session_end_on_the_other_instance(pair: Pair) -> None:
    org = make_org(pair.one, roles=("OWNER", "ADMIN"))
    made = Api(pair.one, org.sessions["ADMIN"]).post(
        "/api/v1/keys", json={"name": "admin's", "scopes": ["admin"]}
    )
    assert made.status_code == 201, made.text
    key_on_two = Api(pair.two, made.json()["key"])
    members = f"/api/v1/orgs/{org.id}/members"
    assert key_on_two.get(members).status_code == 200  # cached on instance two

    removed = Api(pair.one, org.sessions["OWNER"]).delete(f"{members}/{org.users['ADMIN']}")
    assert removed.status_code == 200, removed.text
    assert seconds_until(lambda: key_on_two.get(members).status_code == 401) < WITHIN_SECONDS
    assert_error(Api(pair.two, org.sessions["ADMIN"]).get("/api/v1/auth/me"), 401)


def test_a_logged_out_session_is_refused_by_the_other_instance(pair: Pair) -> None:
    org = make_org(pair.one, roles=("VIEWER",))
    token = org.sessions["VIEWER"]
    on_two = Api(pair.two, token)
    assert on_two.get("/api/v1/auth/me").status_code == 200
    assert Api(pair.one, token).post("/api/v1/auth/logout").status_code == 200
    # Sessions are read from the shared database on every call: refused at once.
    assert_error(on_two.get("/api/v1/auth/me"), 401, "invalid_session")


def test_the_login_limiter_keeps_hashes_in_redis_never_emails(pair: Pair) -> None:
    email = f"limited-{uuid.uuid4().hex[:10]}@example.com"
    refused = Api(pair.one).post(
        "/api/v1/auth/login", json={"email": email, "password": "not the password"}
    )
    assert refused.status_code == 401
    redis = SyncRedis.from_url(REDIS_URL)
    try:
        names = [name.decode() for name in redis.scan_iter(match="governs:ratelimit:*")]
    finally:
        redis.close()
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    assert f"governs:ratelimit:login:account:{digest}" in names
    local_part = email.split("@")[0]
    assert not [name for name in names if local_part in name or "@" in name]
    assert not [name for name in names if "127.0.0.1" in name]


async def _closed_within(ws: aiohttp.ClientWebSocketResponse, seconds: float) -> Any:
    async with asyncio.timeout(seconds):
        while True:
            message = await ws.receive()
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                return message


async def test_open_live_sockets_close_on_the_other_instance(pair: Pair) -> None:
    """``/ws`` checks its key or session every ``live.reauth_seconds`` (60); a change announced
    by another instance has it check at once."""
    org = await asyncio.to_thread(make_org, pair.one, ("OWNER",), ("decisions:read",))
    owner_on_one = Api(pair.one, org.sessions["OWNER"])
    key_id = org.key_ids["decisions:read"]
    async with aiohttp.ClientSession() as http:
        by_key = await http.ws_connect(f"{pair.two.base_url}/ws?key={org.keys['decisions:read']}")
        by_session = await http.ws_connect(f"{pair.two.base_url}/ws?key={org.sessions['OWNER']}")
        for ws in (by_key, by_session):
            await ws.send_json({"type": "PING"})
            assert (await ws.receive_json(timeout=5)) == {"type": "PONG"}

        disabled = await asyncio.to_thread(
            owner_on_one.patch, f"/api/v1/keys/{key_id}", json={"isActive": False}
        )
        assert disabled.status_code == 200
        closed = await _closed_within(by_key, WITHIN_SECONDS)
        assert closed.data == aiohttp.WSCloseCode.POLICY_VIOLATION
        assert not by_session.closed

        logged_out = await asyncio.to_thread(owner_on_one.post, "/api/v1/auth/logout")
        assert logged_out.status_code == 200
        closed = await _closed_within(by_session, WITHIN_SECONDS)
        assert closed.data == aiohttp.WSCloseCode.POLICY_VIOLATION


def test_a_key_changed_outside_the_gateway_is_announced_with_publish_key_changes(
    pair: Pair,
) -> None:
    """What a command-line tool does after disabling a key in the database itself."""
    made = Api(pair.one, TEST_BOOTSTRAP_KEY).post(
        "/api/v1/keys", json={"name": "cli", "scopes": ["precheck:invoke"]}
    )
    key, key_id = made.json()["key"], made.json()["id"]
    assert chat(pair.one, key) == 200 and chat(pair.two, key) == 200

    async def disable_and_announce() -> None:
        engine = create_engine(pair.one.settings.database)
        redis = create_redis(pair.one.settings.redis)
        assert redis is not None
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    update(ApiKey).where(ApiKey.id == key_id).values(is_active=False)
                )
            await publish_key_changes(redis, [hash_key(key)])
        finally:
            await redis.aclose()
            await engine.dispose()

    asyncio.run(disable_and_announce())
    for gateway in (pair.one, pair.two):
        assert seconds_until(lambda g=gateway: chat(g, key) == 401) < WITHIN_SECONDS
