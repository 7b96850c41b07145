"""The access log names the path, never the query string (a ``/ws?key=`` secret)."""

from __future__ import annotations

import logging

import httpx
import pytest
from aiohttp import web

from gateway.access_log import ACCESS_LOGGER_NAME, AccessLogger, access_logger
from gateway.middleware import request_context


async def test_the_query_string_is_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    async def ok(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application(middlewares=[request_context])
    app.router.add_get("/ws", ok)
    runner = web.AppRunner(app, access_log=access_logger(), access_log_class=AccessLogger)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER_NAME):
            async with httpx.AsyncClient() as client:
                await client.get(
                    f"http://127.0.0.1:{runner.addresses[0][1]}/ws?key=gai_secret",
                    headers={"X-Request-ID": "abc"},
                )
    finally:
        await runner.cleanup()
    (record,) = [r for r in caplog.records if r.name == ACCESS_LOGGER_NAME]
    assert record.path == "/ws" and record.status == 200 and record.correlation_id == "abc"  # type: ignore[attr-defined]
    assert "gai_secret" not in str(record.__dict__)
