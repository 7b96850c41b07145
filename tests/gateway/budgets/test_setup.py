"""start_metering builds everything from settings, in memory or in Redis, and stops cleanly."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.settings import settings_from_mapping
from gateway.budgets.setup import start_metering
from gateway.redis_client import connect_redis

RAW = {
    "providers": [
        {"name": "p", "kind": "openai", "base_url": "http://127.0.0.1:9"},
        {"name": "echo", "kind": "echo"},
    ],
    "models": [
        {"name": "mini", "provider": "p", "upstream_model": "gpt-4o-mini-2024-07-18"},
        {"name": "local", "provider": "p", "upstream_model": "my-finetune"},
        {"name": "echo", "provider": "echo"},
    ],
}


async def test_in_memory_by_default_and_unpriced_models_are_named(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_from_mapping(RAW, environ={})
    with caplog.at_level(logging.WARNING, logger="gateway.budgets.setup"):
        metering = await start_metering(settings, engine)
    try:
        warnings = [r.getMessage() for r in caplog.records]
        assert len(warnings) == 1 and "local (p/my-finetune) has no price" in warnings[0]
        assert not metering.shared
        assert metering.directory.ready
        assert not metering.rate_limits.enabled
    finally:
        await metering.aclose()


async def test_redis_when_configured(engine: AsyncEngine, redis_url: str) -> None:
    settings = settings_from_mapping(
        {**RAW, "redis": {"url": redis_url}, "budgets": {"alerts": {
            "webhook_url": "http://127.0.0.1:9/hook", "webhook_secret": "s"}}},
        environ={},
    )  # fmt: skip
    metering = await start_metering(settings, engine)
    try:
        assert metering.shared
    finally:
        await metering.aclose()


async def test_budgets_switched_off_load_nothing(engine: AsyncEngine) -> None:
    settings = settings_from_mapping({**RAW, "budgets": {"enabled": False}}, environ={})
    metering = await start_metering(settings, engine)
    try:
        assert not metering.directory.ready
    finally:
        await metering.aclose()


async def test_a_client_made_elsewhere_is_used_and_left_open(
    engine: AsyncEngine, redis_url: str
) -> None:
    settings = settings_from_mapping({**RAW, "redis": {"url": redis_url}}, environ={})
    client = connect_redis(redis_url)
    try:
        metering = await start_metering(settings, engine, redis=client)
        assert metering.shared
        await metering.aclose()
        assert await client.ping()  # still open: its owner closes it
    finally:
        await client.aclose()
