"""Two gateways sharing PostgreSQL and Redis: a subscriber on one sees the decisions made on the
other within a second, and its own instance's decisions exactly once."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from tests.fakes.tcp_proxy import CuttableProxy
from tests.gateway.live.support import Feed, chat, new_key, of_request, small_gateway
from tests.harness import RunningGateway, ServiceThread
from tests.services import REDIS_URL, missing


async def _ping(url: str) -> None:
    client = Redis.from_url(url, socket_connect_timeout=2)
    try:
        await client.ping()
    finally:
        await client.aclose()


@pytest.fixture(scope="module")
def redis_url() -> str:
    try:
        asyncio.run(_ping(REDIS_URL))
    except Exception as error:
        missing(f"Redis is not reachable at {REDIS_URL} ({type(error).__name__})")
    return REDIS_URL


@pytest.fixture(scope="module")
def pair(
    service_thread: ServiceThread,
    postgres_url: str,
    redis_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[RunningGateway, RunningGateway]]:
    # A channel of this run's own, so test runs sharing the Redis server never cross.
    shared = {
        "database": {"url": postgres_url},
        "redis": {"url": redis_url},
        "live": {"redis_channel": f"governs:test:{uuid.uuid4().hex}"},
    }
    first = small_gateway(service_thread, tmp_path_factory.mktemp("first"), **shared)
    second = small_gateway(service_thread, tmp_path_factory.mktemp("second"), **shared)
    yield first, second
    first.stop()
    second.stop()


async def test_a_decision_made_on_one_instance_reaches_a_subscriber_of_the_other(
    pair: tuple[RunningGateway, RunningGateway],
) -> None:
    first, second = pair
    key = new_key(first, ("decisions:read", "precheck:invoke", "ingest:write"))
    async with await Feed.open(first.base_url, key.secret) as feed:
        await feed.subscribe(f"org:{key.slug}:decisions")
        rid = f"cross-{uuid.uuid4().hex}"
        assert chat(second, key.secret, rid) == 200
        answered = time.monotonic()
        await feed.gather(lambda p: len(of_request(p, rid)) == 2, timeout=1.0)
        assert time.monotonic() - answered < 1.0

        async with await Feed.open(second.base_url, key.secret) as ingesting:
            ingested = f"ingest-{uuid.uuid4().hex}"
            answer = await ingesting.ask(
                {
                    "type": "INGEST",
                    "data": {
                        "direction": "postcheck",
                        "decision": "transform",
                        "payloadHash": "b" * 64,
                        "correlationId": ingested,
                        "idempotencyKey": ingested,
                    },
                }
            )
            assert answer["type"] == "ACK"
        await feed.gather(lambda p: len(of_request(p, ingested)) == 1, timeout=1.0)


async def test_each_decision_arrives_once_wherever_it_was_made(
    pair: tuple[RunningGateway, RunningGateway],
) -> None:
    first, second = pair
    key = new_key(first, ("decisions:read", "precheck:invoke"))
    async with (
        await Feed.open(first.base_url, key.secret) as on_first,
        await Feed.open(second.base_url, key.secret) as on_second,
    ):
        for feed in (on_first, on_second):
            await feed.subscribe(f"org:{key.org_id}:decisions")
        ids = [f"once-{n}-{uuid.uuid4().hex}" for n in range(6)]
        for n, rid in enumerate(ids):
            assert chat((first, second)[n % 2], key.secret, rid) == 200
        for feed in (on_first, on_second):
            await feed.gather(lambda p: len(p) >= 2 * len(ids))
            await feed.quiet(0.5)  # an instance's own decision coming back through Redis
            seen = Counter(p["data"]["id"] for p in feed.pushed)
            assert len(seen) == 2 * len(ids) and set(seen.values()) == {1}
            assert Counter(p["data"]["correlationId"] for p in feed.pushed) == dict.fromkeys(ids, 2)


async def _until_delivered(
    feed: Feed, send: Callable[[str], int], prefix: str, timeout: float = 15
) -> None:
    """Send requests until one of them reaches ``feed`` (relays reconnect with a backoff)."""
    deadline = time.monotonic() + timeout
    while True:
        rid = f"{prefix}-{uuid.uuid4().hex}"
        assert send(rid) == 200
        try:
            await feed.gather(lambda p, rid=rid: bool(of_request(p, rid)), timeout=0.5)
            return
        except TimeoutError:
            assert time.monotonic() < deadline, f"nothing relayed within {timeout} s"


async def test_a_redis_outage_does_not_stop_the_proxy_and_the_relay_comes_back(
    service_thread: ServiceThread,
    postgres_url: str,
    redis_url: str,
    tmp_path: Path,
) -> None:
    host, port = redis_url.removeprefix("redis://").split("/")[0].split(":")
    proxy = CuttableProxy(host, int(port))
    service_thread.run(proxy.start())
    channel = {"redis_channel": f"governs:test:{uuid.uuid4().hex}"}
    direct = small_gateway(
        service_thread,
        tmp_path / "direct",
        database={"url": postgres_url},
        redis={"url": redis_url},
        live=channel,
    )
    cut_off = small_gateway(
        service_thread,
        tmp_path / "cut-off",
        database={"url": postgres_url},
        redis={"url": f"redis://127.0.0.1:{proxy.port}/0"},
        live=channel,
    )
    try:
        key = new_key(direct, ("decisions:read", "precheck:invoke"))
        async with (
            await Feed.open(direct.base_url, key.secret) as on_direct,
            await Feed.open(cut_off.base_url, key.secret) as on_cut_off,
        ):
            for feed in (on_direct, on_cut_off):
                await feed.subscribe(f"org:{key.slug}:decisions")
            service_thread.run(proxy.cut())
            for n in range(5):  # the instance without Redis serves, and its own feed works
                rid = f"no-redis-{n}-{uuid.uuid4().hex}"
                assert chat(cut_off, key.secret, rid) == 200
                await on_cut_off.gather(lambda p, rid=rid: len(of_request(p, rid)) == 2)
            service_thread.run(proxy.restore())
            await _until_delivered(on_direct, lambda rid: chat(cut_off, key.secret, rid), "up")
            await _until_delivered(on_cut_off, lambda rid: chat(direct, key.secret, rid), "down")
    finally:
        direct.stop()
        cut_off.stop()
        service_thread.run(proxy.close())
