"""Budgets and rate limits through the running gateway: concurrency on one instance and on two
processes sharing Redis and PostgreSQL, streams, Redis down, and OpenAI's rate-limit headers."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml
from sqlalchemy import func, select

from core.settings import DatabaseConfig
from core.storage import keys as key_queries
from core.storage.database import create_engine, migrate, session_factory
from core.storage.models import Budget, UsageRecord
from tests.fakes.openai_upstream import FAKE_OPENAI_KEY
from tests.fakes.server import FakeUpstream
from tests.governs.test_cli import free_port, wait_until_serving
from tests.harness import RunningGateway, ServiceThread, gateway_settings, start_gateway
from tests.services import REDIS_URL, postgres_database

LIMIT = Decimal("0.10")
# Each request may write 16,000 tokens at $0.60/M: $0.0096 held, so the limit affords 10.
MAX_TOKENS = 16_000
CONCURRENT = 200
PRICES = {"input_cost_per_mtok": "0.15", "output_cost_per_mtok": "0.60"}


async def _key_with_budget(
    database_url: str, limit: Decimal | None, alert_thresholds: list[int] | None = None
) -> tuple[str, str]:
    engine = create_engine(DatabaseConfig(url=database_url))
    try:
        await migrate(engine)
        async with session_factory(engine).begin() as session:
            org = await key_queries.get_or_create_org(session, f"budget-{uuid.uuid4().hex[:10]}")
            key, secret = await key_queries.create_key(
                session, org, label="metered", scopes=("precheck:invoke",)
            )
            if limit is not None:
                session.add(
                    Budget(
                        org_id=org.id,
                        api_key_id=key.id,
                        name="key budget",
                        amount=limit,
                        period="monthly",
                        alert_thresholds=alert_thresholds,
                    )
                )
            return secret, key.id
    finally:
        await engine.dispose()


async def _recorded(database_url: str, key_id: str) -> tuple[int, Decimal]:
    engine = create_engine(DatabaseConfig(url=database_url))
    try:
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    select(func.count(), func.coalesce(func.sum(UsageRecord.cost), 0)).where(
                        UsageRecord.api_key_id == key_id
                    )
                )
            ).one()
            return int(row[0]), Decimal(str(row[1]))
    finally:
        await engine.dispose()


async def _flood(urls: list[str], key: str, model: str) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=CONCURRENT, max_keepalive_connections=CONCURRENT)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def one(i: int) -> httpx.Response:
            return await client.post(
                f"{urls[i % len(urls)]}/v1/chat/completions",
                headers={"Authorization": f"Bearer {key}"},
                json={
                    "model": model,
                    "max_tokens": MAX_TOKENS,
                    "messages": [{"role": "user", "content": f"request {i}"}],
                },
            )

        return await asyncio.gather(*(one(i) for i in range(CONCURRENT)))


def _check_outcome(responses: list[httpx.Response], recorded: tuple[int, Decimal]) -> int:
    served = [r for r in responses if r.status_code == 200]
    denied = [r for r in responses if r.status_code == 429]
    assert len(served) + len(denied) == CONCURRENT, {r.status_code for r in responses}
    assert {r.json()["error"]["code"] for r in denied} == {"budget_exceeded"}
    count, spent = recorded
    assert count == len(served)
    assert spent <= LIMIT
    return len(served)


def _refresh_budgets(gateway: RunningGateway) -> None:
    gateway.thread.run(gateway.gateway.metering.directory.refresh())


def test_200_concurrent_requests_never_overspend_one_instance(gateway: RunningGateway) -> None:
    url = gateway.settings.database.url
    key, key_id = asyncio.run(_key_with_budget(url, LIMIT))
    _refresh_budgets(gateway)
    # A slow upstream keeps all 200 in flight at once: only the reservations decide.
    responses = asyncio.run(_flood([gateway.base_url], key, "gpt-4o-mini-slow"))
    gateway.flush()
    served = _check_outcome(responses, asyncio.run(_recorded(url, key_id)))
    # 10 holds fit at once; more only if some finished (and settled at their real, far lower
    # cost) before the last requests arrived, which a loaded machine can make happen.
    assert 10 <= served < CONCURRENT
    (denial,) = [
        d
        for d in gateway.rows("decisions", api_key_id=key_id, decision="deny")
        if d["direction"] == "precheck"
    ][:1]
    assert denial["reasons"] == ["budget.exceeded"]


def test_a_stream_settles_its_actual_cost(gateway: RunningGateway) -> None:
    url = gateway.settings.database.url
    key, key_id = asyncio.run(_key_with_budget(url, LIMIT))
    _refresh_budgets(gateway)
    sdk = openai.OpenAI(base_url=gateway.openai_base_url, api_key=key, max_retries=0)
    for _ in range(15):  # 15 x $0.0096 held would not fit; settled at the real cost, they do
        stream = sdk.chat.completions.create(
            model="gpt-4o-mini",
            max_tokens=MAX_TOKENS,
            messages=[{"role": "user", "content": "stream me"}],
            stream=True,
        )
        assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        gateway.thread.run(gateway.gateway.metering.budgets.wait_idle())
    gateway.flush()
    count, spent = asyncio.run(_recorded(url, key_id))
    assert count == 15 and Decimal(0) < spent < LIMIT


def test_a_budget_alerts_at_its_own_thresholds(gateway: RunningGateway) -> None:
    """A budget with alert thresholds of its own fires at those, not at the config's 50/80/100:
    ten small requests (about $0.0000036 each) pass 1 % and 2 % of a $0.001 budget, far from
    50 %."""
    url = gateway.settings.database.url
    key, key_id = asyncio.run(_key_with_budget(url, Decimal("0.001"), alert_thresholds=[2, 1]))
    _refresh_budgets(gateway)
    sdk = openai.OpenAI(base_url=gateway.openai_base_url, api_key=key, max_retries=0)
    for _ in range(10):
        sdk.chat.completions.create(
            model="gpt-4o-mini", max_tokens=20, messages=[{"role": "user", "content": "hi there"}]
        )
    metering = gateway.gateway.metering
    gateway.thread.run(metering.budgets.wait_idle())
    gateway.thread.run(metering.alerts.wait_idle())
    gateway.flush()
    count, spent = asyncio.run(_recorded(url, key_id))
    assert count == 10 and Decimal("0.00002") <= spent < Decimal("0.0005")  # 2 % to < 50 %
    [budget] = asyncio.run(_budgets_of(url, key_id))
    alerts = gateway.rows("audit_logs", action="budget.alert", resource=f"budget:{budget}")
    assert sorted(a["details"]["thresholdPercent"] for a in alerts) == [1, 2]


async def _budgets_of(database_url: str, key_id: str) -> list[str]:
    engine = create_engine(DatabaseConfig(url=database_url))
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(select(Budget.id).where(Budget.api_key_id == key_id))
            return [row[0] for row in rows]
    finally:
        await engine.dispose()


def _serve(config: dict[str, Any], tmp_path: Path, name: str) -> tuple[subprocess.Popen[str], str]:
    (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(config))
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "governs", "serve", "--config", f"{name}.yaml", "--port", str(port)],
        cwd=tmp_path,
        env={**os.environ, "GOVERNS_BOOTSTRAP_KEY": ""},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_serving(url, process)
    return process, url


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    yield from postgres_database()


def test_two_processes_sharing_redis_and_postgres_never_overspend(
    fake_openai: FakeUpstream, fresh_postgres: str, tmp_path: Path
) -> None:
    config = {
        "database": {"url": fresh_postgres},
        "redis": {"url": REDIS_URL},
        "writer": {"spool_dir": str(tmp_path / "spool")},
        "pricing": {"builtin_table": False},
        "providers": [
            {
                "name": "up",
                "kind": "openai",
                "base_url": fake_openai.base_url,
                "api_key": FAKE_OPENAI_KEY,
            }
        ],
        "models": [
            {"name": "slow", "provider": "up", "upstream_model": "gpt-4o-mini-slow", **PRICES}
        ],
    }
    asyncio.run(_key_with_budget(fresh_postgres, None))  # schema and orgs before both start
    key, key_id = asyncio.run(_key_with_budget(fresh_postgres, LIMIT))
    first, first_url = _serve(config, tmp_path, "first")
    second, second_url = _serve(config, tmp_path, "second")
    try:
        responses = asyncio.run(_flood([first_url, second_url], key, "slow"))
    finally:
        for process in (first, second):
            process.send_signal(signal.SIGTERM)
        for process in (first, second):
            assert process.wait(30) == 0
    served = _check_outcome(responses, asyncio.run(_recorded(fresh_postgres, key_id)))
    assert 10 <= served < CONCURRENT
    assert {r.headers["x-request-id"] is not None for r in responses} == {True}


def test_redis_down_fails_closed_or_open_as_configured(
    service_thread: ServiceThread, fake_openai: FakeUpstream, tmp_path: Path
) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"
    key, _ = asyncio.run(_key_with_budget(database, LIMIT))
    base = {
        "database": {"url": database},
        "redis": {"url": f"redis://127.0.0.1:{free_port()}/0"},  # nothing listens there
        "writer": {"spool_dir": str(tmp_path / "spool")},
        "providers": [
            {
                "name": "up",
                "kind": "openai",
                "base_url": fake_openai.base_url,
                "api_key": FAKE_OPENAI_KEY,
            }
        ],
        "models": [{"name": "m", "provider": "up", "upstream_model": "gpt-4o-mini", **PRICES}],
    }
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    for on_unavailable, expected in (("block", 503), ("allow", 200)):
        config = {**base, "budgets": {"on_unavailable": on_unavailable}}
        running = start_gateway(service_thread, gateway_settings(config, bootstrap_key="gai_r"))
        try:
            response = httpx.post(
                f"{running.openai_base_url}/chat/completions",
                headers={"Authorization": f"Bearer {key}"},
                json=body,
                timeout=30,
            )
            assert response.status_code == expected, response.text
            if expected == 503:
                assert response.json()["error"]["code"] == "budget_unavailable"
        finally:
            running.stop()


def test_rate_limits_answer_429_with_openai_headers(
    service_thread: ServiceThread, fake_openai: FakeUpstream, tmp_path: Path
) -> None:
    config = {
        "database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"},
        "writer": {"spool_dir": str(tmp_path / "spool")},
        "rate_limits": {"per_key": {"requests_per_minute": 2}},
        "providers": [{"name": "echo", "kind": "echo"}],
        "models": [{"name": "echo", "provider": "echo"}],
    }
    running = start_gateway(service_thread, gateway_settings(config, bootstrap_key="gai_rl"))
    try:
        sdk = openai.OpenAI(base_url=running.openai_base_url, api_key="gai_rl", max_retries=0)
        messages = [{"role": "user", "content": "hi"}]
        first = sdk.chat.completions.with_raw_response.create(model="echo", messages=messages)
        assert first.headers["x-ratelimit-limit-requests"] == "2"
        assert first.headers["x-ratelimit-remaining-requests"] == "1"
        sdk.chat.completions.create(model="echo", messages=messages)
        with pytest.raises(openai.RateLimitError) as caught:
            sdk.chat.completions.create(model="echo", messages=messages)
        response = caught.value.response
        assert response.json()["error"]["code"] == "rate_limit_exceeded"
        assert int(response.headers["retry-after"]) >= 1
        assert response.headers["x-ratelimit-remaining-requests"] == "0"
    finally:
        running.stop()
