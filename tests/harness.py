"""Running the real gateway for tests: on a real port, in a thread with its own event loop.

The gateway and the fake upstreams share one background loop, so tests can call them with
blocking clients (the sync ``openai`` SDK, ``requests``-style code) and async ones alike.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy import select

from core.settings import Settings, settings_from_mapping
from core.storage.database import create_engine
from core.storage.models import Base
from gateway.services import GATEWAY, Gateway
from governs.cli import prepare_database
from governs.server import build_app

T = TypeVar("T")


class ServiceThread:
    """An event loop running forever in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


@dataclass
class RunningGateway:
    settings: Settings
    api_key: str
    base_url: str
    runner: web.AppRunner
    thread: ServiceThread

    @property
    def gateway(self) -> Gateway:
        return self.runner.app[GATEWAY]

    @property
    def openai_base_url(self) -> str:
        return f"{self.base_url}/v1"

    def flush(self) -> None:
        """Wait until every record submitted so far is written."""
        self.thread.run(self.gateway.writer.wait_idle())

    def rows(self, table: str, **equals: Any) -> list[dict[str, Any]]:
        self.flush()
        return self.thread.run(_select_rows(self.settings, table, equals))

    def stop(self) -> None:
        self.thread.run(self.runner.cleanup())


async def _select_rows(
    settings: Settings, table: str, equals: dict[str, Any]
) -> list[dict[str, Any]]:
    engine = create_engine(settings.database)
    try:
        columns = Base.metadata.tables[table]
        query = select(columns)
        for name, value in equals.items():
            query = query.where(columns.c[name] == value)
        async with engine.connect() as connection:
            return [dict(row._mapping) for row in await connection.execute(query)]
    finally:
        await engine.dispose()


def gateway_settings(raw: dict[str, Any], *, bootstrap_key: str) -> Settings:
    return settings_from_mapping(
        raw, environ={"GOVERNS_BOOTSTRAP_KEY": bootstrap_key}, source="<tests>"
    )


async def _start(settings: Settings) -> tuple[web.AppRunner, int]:
    await prepare_database(settings)
    runner = web.AppRunner(build_app(settings), access_log=None, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, runner.addresses[0][1]


def start_gateway(thread: ServiceThread, settings: Settings) -> RunningGateway:
    assert settings.bootstrap_key, "tests run the gateway with a known bootstrap key"
    runner, port = thread.run(_start(settings))
    return RunningGateway(
        settings=settings,
        api_key=settings.bootstrap_key,
        base_url=f"http://127.0.0.1:{port}",
        runner=runner,
        thread=thread,
    )
