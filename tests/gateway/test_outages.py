"""PostgreSQL away while requests run: no route answers an unhandled error.

A gateway whose database connection runs through a cuttable TCP proxy, with a key cache so
short that lookups miss during the outage: keys seen before keep working (their last known
state), a key never seen gets 503 ``auth_unavailable`` with ``Retry-After`` in its client's
error shape, the admin API answers 503 in its own, and a key revoked while the gateway could
not see the database stops working as soon as the database is back.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from core.settings import DatabaseConfig
from core.storage.database import create_engine, session_factory
from core.storage.keys import create_key, get_or_create_org
from core.storage.models import ApiKey, Budget
from tests.fakes.tcp_proxy import CuttableProxy
from tests.gateway.live.support import Key, new_key, small_gateway
from tests.harness import RunningGateway, ServiceThread

CONCURRENCY = 16


@pytest.fixture(scope="module")
def database_proxy(service_thread: ServiceThread) -> Iterator[CuttableProxy]:
    proxy = CuttableProxy("127.0.0.1", 5432)
    service_thread.run(proxy.start())
    yield proxy
    service_thread.run(proxy.close())


def _through(proxy: CuttableProxy, postgres_url: str) -> str:
    return postgres_url.replace(":5432/", f":{proxy.port}/")


@pytest.fixture(scope="module")
def running(
    service_thread: ServiceThread,
    postgres_url: str,
    database_proxy: CuttableProxy,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningGateway]:
    directory = tmp_path_factory.mktemp("outages")
    gateway = small_gateway(
        service_thread,
        directory,
        database={"url": _through(database_proxy, postgres_url)},
        writer={
            "flush_interval_seconds": 0.01,
            "spool_dir": str(directory / "spool"),
            "retry_attempts": 1,
            "replay_interval_seconds": 0.2,
        },
        # Lookups miss the cache all through the outage: the case that answered 500.
        auth={"key_cache_seconds": 0.05},
    )
    yield gateway
    gateway.stop()


@pytest.fixture
def outage(database_proxy: CuttableProxy, service_thread: ServiceThread) -> Iterator[CuttableProxy]:
    service_thread.run(database_proxy.cut())
    yield database_proxy
    service_thread.run(database_proxy.restore())


def _chat(base_url: str, key: str, path: str = "/v1/chat/completions") -> httpx.Response:
    body = {"model": "echo", "messages": [{"role": "user", "content": "hello"}]}
    if path == "/v1/messages":
        body["max_tokens"] = 16
    return httpx.post(
        f"{base_url}{path}",
        headers={"Authorization": f"Bearer {key}", "x-api-key": key},
        json=body,
        timeout=30,
    )


async def _key_made_elsewhere(postgres_url: str) -> str:
    """A key made by another process, straight in PostgreSQL: this gateway never saw it."""
    engine = create_engine(DatabaseConfig(url=postgres_url))
    try:
        async with session_factory(engine).begin() as session:
            org = await get_or_create_org(session, f"elsewhere-{uuid.uuid4().hex[:10]}")
            _, secret = await create_key(
                session, org, label="elsewhere", scopes=("precheck:invoke",)
            )
            return secret
    finally:
        await engine.dispose()


async def _revoke_elsewhere(postgres_url: str, key: Key) -> None:
    engine = create_engine(DatabaseConfig(url=postgres_url))
    try:
        async with session_factory(engine).begin() as session:
            await session.execute(
                update(ApiKey).where(ApiKey.id == key.key_id).values(is_active=False)
            )
    finally:
        await engine.dispose()


@pytest.mark.parametrize("fault", ["cut", "stall"])
async def test_a_database_outage_under_load_answers_no_request_with_an_unhandled_error(
    running: RunningGateway,
    database_proxy: CuttableProxy,
    service_thread: ServiceThread,
    fault: str,
) -> None:
    """Refused connections and a database that answers nothing (its reads only time out after
    3 s): neither makes each request wait on it in turn."""
    keys = [new_key(running, ("precheck:invoke",)) for _ in range(4)]
    for key in keys:  # seen once: the gateway knows them
        assert _chat(running.base_url, key.secret).status_code == 200
    statuses: Counter[int] = Counter()
    longest = 0.0  # seconds: a failure says how long the worst request was held
    stop = asyncio.Event()

    async def client(n: int) -> None:
        nonlocal longest
        async with httpx.AsyncClient(timeout=30) as http:
            while not stop.is_set():
                key = keys[n % len(keys)].secret
                started = time.monotonic()
                response = await http.post(
                    f"{running.base_url}/v1/chat/completions",
                    headers={"Authorization": f"Bearer {key}"},
                    json={"model": "echo", "messages": [{"role": "user", "content": "hi"}]},
                )
                statuses[response.status_code] += 1
                longest = max(longest, time.monotonic() - started)

    clients = [asyncio.create_task(client(n)) for n in range(CONCURRENCY)]
    await asyncio.sleep(0.3)
    await asyncio.to_thread(service_thread.run, getattr(database_proxy, fault)())
    before = sum(statuses.values())
    await asyncio.sleep(1.5)
    during = sum(statuses.values()) - before
    await asyncio.to_thread(service_thread.run, database_proxy.restore())
    await asyncio.sleep(0.5)
    stop.set()
    await asyncio.gather(*clients)
    assert set(statuses) == {200}, statuses
    # The outage did not stall the request path.
    assert during > 50, f"{during} answers in 1.5 s; the longest request took {longest:.2f} s"


def test_a_key_never_seen_gets_a_clean_503_in_its_clients_shape(
    running: RunningGateway, postgres_url: str, outage: CuttableProxy
) -> None:
    secret = running.thread.run(_key_made_elsewhere(postgres_url))
    openai = _chat(running.base_url, secret)
    assert openai.status_code == 503
    assert openai.headers["Retry-After"] == "5"
    assert openai.json()["error"]["code"] == "auth_unavailable"
    anthropic = _chat(running.base_url, secret, "/v1/messages")
    assert anthropic.status_code == 503
    assert anthropic.headers["Retry-After"] == "5"
    body = anthropic.json()
    assert body["type"] == "error" and body["error"]["type"] == "api_error", body


def test_every_route_answers_cleanly_while_the_database_is_away(
    running: RunningGateway, outage: CuttableProxy
) -> None:
    auth = {"Authorization": f"Bearer {running.api_key}"}
    calls = [
        ("GET", path)
        for path in (
            "/api/v1/orgs",
            "/api/v1/keys",
            "/api/decisions",
            "/api/v1/usage",
            "/api/v1/budgets",
            "/api/v1/policies",
            "/api/v1/audit",
        )
    ]
    calls += [("POST", "/api/v1/keys"), ("PATCH", "/api/v1/keys/no-such-key")]
    bodies = {"/api/v1/keys": {"name": "outage", "scopes": ["precheck:invoke"]}}
    for method, path in calls:
        response = httpx.request(
            method,
            f"{running.base_url}{path}",
            headers=auth,
            json=bodies.get(path, {"name": "renamed"}) if method != "GET" else None,
            timeout=30,
        )
        assert response.status_code == 503, (path, response.text)
        assert response.headers["Retry-After"] == "5"
        assert response.json()["error"]["code"] == "database_unavailable", response.text
    # Routes that need no database keep answering.
    assert httpx.get(f"{running.base_url}/v1/models", headers=auth).status_code == 200
    assert httpx.get(f"{running.base_url}/healthz").status_code == 200
    ready = httpx.get(f"{running.base_url}/readyz")
    assert ready.status_code == 503 and ready.json()["database"] == "unreachable"
    assert httpx.get(f"{running.base_url}/metrics").status_code == 200
    assert httpx.get(f"{running.base_url}/api/health", headers=auth).status_code in {200, 503}


def test_a_key_revoked_during_the_outage_stops_as_soon_as_the_database_is_back(
    running: RunningGateway,
    postgres_url: str,
    database_proxy: CuttableProxy,
    service_thread: ServiceThread,
) -> None:
    key = new_key(running, ("precheck:invoke",))
    assert _chat(running.base_url, key.secret).status_code == 200
    service_thread.run(database_proxy.cut())
    try:
        running.thread.run(_revoke_elsewhere(postgres_url, key))  # another instance revokes
        during = _chat(running.base_url, key.secret)
        assert during.status_code == 200, during.text  # last known: active
    finally:
        service_thread.run(database_proxy.restore())
    deadline = time.monotonic() + 3
    while (status := _chat(running.base_url, key.secret).status_code) == 200:
        assert time.monotonic() < deadline, "the revocation never applied"
        time.sleep(0.1)
    assert status == 401


def test_the_last_known_state_of_a_key_is_trusted_for_a_bounded_time(
    service_thread: ServiceThread,
    postgres_url: str,
    database_proxy: CuttableProxy,
    tmp_path: Path,
) -> None:
    gateway = small_gateway(
        service_thread,
        tmp_path,
        database={"url": _through(database_proxy, postgres_url)},
        writer={"spool_dir": str(tmp_path / "spool"), "retry_attempts": 0},
        auth={"key_cache_seconds": 0.05, "stale_key_seconds": 1},
    )
    try:
        assert _chat(gateway.base_url, gateway.api_key).status_code == 200
        service_thread.run(database_proxy.cut())
        try:
            assert _chat(gateway.base_url, gateway.api_key).status_code == 200
            time.sleep(1.2)
            late = _chat(gateway.base_url, gateway.api_key)
            assert late.status_code == 503, late.text
            assert late.json()["error"]["code"] == "auth_unavailable"
        finally:
            service_thread.run(database_proxy.restore())
        assert _chat(gateway.base_url, gateway.api_key).status_code == 200
    finally:
        gateway.stop()


def test_a_database_that_stops_answering_costs_a_known_key_half_a_second(
    running: RunningGateway,
    postgres_url: str,
    database_proxy: CuttableProxy,
    service_thread: ServiceThread,
) -> None:
    key = new_key(running, ("precheck:invoke",))
    assert _chat(running.base_url, key.secret).status_code == 200
    never_seen = running.thread.run(_key_made_elsewhere(postgres_url))
    service_thread.run(database_proxy.stall())  # connections stay open, nothing answers
    try:
        time.sleep(0.1)  # the key's cached state is stale: it must be read again
        started = time.monotonic()
        assert _chat(running.base_url, key.secret).status_code == 200
        assert time.monotonic() - started < 1.5
        started = time.monotonic()
        unknown = _chat(running.base_url, never_seen)
        assert unknown.status_code == 503
        assert unknown.json()["error"]["code"] == "auth_unavailable"
        assert time.monotonic() - started < 5
    finally:
        service_thread.run(database_proxy.restore())
    deadline = time.monotonic() + 5
    while _chat(running.base_url, never_seen).status_code != 200:  # known once it answers
        assert time.monotonic() < deadline
        time.sleep(0.2)


def test_a_budget_that_needs_the_silent_database_is_refused_not_held(
    running: RunningGateway, database_proxy: CuttableProxy, service_thread: ServiceThread
) -> None:
    key = new_key(running, ("precheck:invoke",))

    async def bind_a_budget() -> None:
        async with session_factory(running.gateway.engine).begin() as session:
            session.add(Budget(org_id=key.org_id, name="b", amount=Decimal(5), period="monthly"))
        await running.gateway.metering.directory.refresh()

    running.thread.run(bind_a_budget())
    models = httpx.get(  # the key is known now; its budget's spend has not been read yet
        f"{running.base_url}/v1/models", headers={"Authorization": f"Bearer {key.secret}"}
    )
    assert models.status_code == 200
    service_thread.run(database_proxy.stall())
    try:
        started = time.monotonic()
        refused = _chat(running.base_url, key.secret)
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"]["code"] == "budget_unavailable"
        assert time.monotonic() - started < 8  # the key's wait, the spend query's 3 s, cleanup
    finally:
        service_thread.run(database_proxy.restore())
    deadline = time.monotonic() + 5
    while _chat(running.base_url, key.secret).status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.2)
