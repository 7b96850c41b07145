"""A connection's life: access checked again while it is open, and closed at shutdown without
holding the shutdown up."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
from sqlalchemy import update

from core.storage.models import ApiKey
from tests.gateway.live.support import Feed, new_key, small_gateway
from tests.harness import RunningGateway, ServiceThread

QUICK_RECHECK = {"live": {"reauth_seconds": 0.2}, "auth": {"key_cache_seconds": 0.1}}


def change_key(running: RunningGateway, key_id: str, **values: object) -> None:
    async def run() -> None:
        async with running.gateway.engine.begin() as connection:
            await connection.execute(update(ApiKey).where(ApiKey.id == key_id).values(**values))

    running.thread.run(run())


async def test_a_revoked_key_is_disconnected_and_a_narrowed_one_loses_its_channels(
    service_thread: ServiceThread, tmp_path: Path
) -> None:
    running = small_gateway(service_thread, tmp_path, **QUICK_RECHECK)
    try:
        narrowed = new_key(running, ("decisions:read", "ingest:write"))
        revoked = new_key(running, ("decisions:read",), slug=narrowed.slug)
        async with (
            await Feed.open(running.base_url, narrowed.secret) as keeps,
            await Feed.open(running.base_url, revoked.secret) as loses,
        ):
            await keeps.subscribe(f"org:{narrowed.slug}:decisions")
            await loses.subscribe(f"org:{narrowed.slug}:decisions")
            change_key(running, narrowed.key_id, scopes=["ingest:write"])
            change_key(running, revoked.key_id, is_active=False)

            notice = await keeps.next_answer(timeout=3)
            assert notice == {
                "type": "ERROR",
                "code": "subscription_revoked",
                "message": f"your access to org:{narrowed.slug}:decisions was withdrawn",
            }
            assert await keeps.ask({"type": "PING"}) == {"type": "PONG"}

            async with asyncio.timeout(3):
                closing = await loses.ws.receive()
            assert closing.type == aiohttp.WSMsgType.CLOSE
            assert closing.data == aiohttp.WSCloseCode.POLICY_VIOLATION
            assert closing.extra == "this API key is disabled"
    finally:
        running.stop()


async def test_shutdown_closes_open_feeds_at_once(
    service_thread: ServiceThread, tmp_path: Path
) -> None:
    running = small_gateway(service_thread, tmp_path)
    key = new_key(running, ("decisions:read",))
    async with await Feed.open(running.base_url, key.secret) as feed:
        await feed.subscribe(f"org:{key.slug}:decisions")
        started = time.monotonic()
        stopping = asyncio.create_task(asyncio.to_thread(running.stop))
        async with asyncio.timeout(5):
            closing = await feed.ws.receive()
        assert closing.type == aiohttp.WSMsgType.CLOSE
        assert closing.data == aiohttp.WSCloseCode.GOING_AWAY
        await stopping
    assert time.monotonic() - started < 5  # not the shutdown timeout of an open handler
