"""Helpers for tests of the live feed, health and metrics: keys in fresh orgs, a feed client."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from core.storage.database import session_factory
from core.storage.keys import create_key, get_or_create_org
from core.storage.models import User
from tests.harness import RunningGateway, ServiceThread, gateway_settings, start_gateway

TEST_KEY = "gai_live-tests-bootstrap-key-0123456789abcdef"


@dataclass(frozen=True)
class Key:
    secret: str
    key_id: str
    org_id: str
    slug: str
    user_id: str | None


def new_key(
    running: RunningGateway,
    scopes: tuple[str, ...],
    *,
    slug: str | None = None,
    with_user: bool = False,
) -> Key:
    """A key in the org ``slug`` (a fresh org by default), made in the gateway's database."""
    slug = slug or f"org-{uuid.uuid4().hex[:10]}"

    async def make() -> Key:
        async with session_factory(running.gateway.engine).begin() as session:
            org = await get_or_create_org(session, slug)
            user_id = None
            if with_user:
                user = User(email=f"{uuid.uuid4().hex[:10]}@example.test")
                session.add(user)
                await session.flush()
                user_id = user.id
            key, secret = await create_key(
                session, org, label="test", scopes=scopes, user_id=user_id
            )
            return Key(secret, key.id, org.id, slug, user_id)

    return running.thread.run(make())


def chat(running: RunningGateway, key: str, request_id: str, model: str = "echo") -> int:
    response = httpx.post(
        f"{running.base_url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {key}", "X-Request-ID": request_id},
        json={"model": model, "messages": [{"role": "user", "content": "hello"}]},
        timeout=30,
    )
    return response.status_code


def small_gateway(thread: ServiceThread, directory: Path, **sections: Any) -> RunningGateway:
    """A gateway of its own on SQLite with the echo model; ``sections`` override config."""
    config: dict[str, Any] = {
        "database": {"url": f"sqlite+aiosqlite:///{directory / 'governs.db'}"},
        "writer": {"flush_interval_seconds": 0.01, "spool_dir": str(directory / "spool")},
        "health": {"cache_seconds": 0},
        **sections,
    }
    return start_gateway(thread, gateway_settings(config, bootstrap_key=TEST_KEY))


class Feed:
    """A ``/ws`` client: send messages, read answers, gather pushes."""

    def __init__(self, session: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse):
        self._session = session
        self.ws = ws
        self.pushed: list[dict[str, Any]] = []  # DECISION messages, in arrival order

    @classmethod
    async def open(cls, base_url: str, key: str | None = None, **kwargs: Any) -> Feed:
        session = aiohttp.ClientSession()
        url = f"{base_url}/ws" + (f"?key={key}" if key else "")
        try:
            ws = await session.ws_connect(url, **kwargs)
        except BaseException:
            await session.close()
            raise
        return cls(session, ws)

    async def close(self) -> None:
        await self.ws.close()
        await self._session.close()

    async def __aenter__(self) -> Feed:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def ask(self, body: dict[str, Any], timeout: float = 5) -> dict[str, Any]:
        """Send one message and return its answer (DECISION pushes meanwhile are kept)."""
        await self.ws.send_json(body)
        return await self.next_answer(timeout)

    async def next_answer(self, timeout: float = 5) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                received = await self.receive()
                if received["type"] != "DECISION":
                    return received

    async def subscribe(self, channel: str) -> None:
        answer = await self.ask({"type": "SUBSCRIBE", "channel": channel})
        assert answer == {"type": "ACK", "for": "SUBSCRIBE", "channel": channel}, answer

    async def receive(self) -> dict[str, Any]:
        message = await self.ws.receive()
        if message.type != aiohttp.WSMsgType.TEXT:
            raise ConnectionError(f"the feed sent {message.type!r} ({message.data!r})")
        body = message.json()
        if body["type"] == "DECISION":
            self.pushed.append(body)
        return body

    async def gather(
        self, done: Callable[[list[dict[str, Any]]], bool], timeout: float = 5
    ) -> list[dict[str, Any]]:
        """Read pushes until ``done(pushed)`` is true; fail after ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            while not done(self.pushed):
                await self.receive()
        return self.pushed

    async def quiet(self, seconds: float) -> None:
        """Read whatever arrives for ``seconds`` (to show that nothing more does)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                async with asyncio.timeout(left):
                    await self.receive()
            except TimeoutError:
                return


def of_request(pushed: list[dict[str, Any]], request_id: str) -> list[dict[str, Any]]:
    return [p for p in pushed if p["data"]["correlationId"] == request_id]
