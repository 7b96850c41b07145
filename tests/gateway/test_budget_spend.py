"""A budget created after its scope has spent starts from that spend (``spend_totals``, kept by
the record writer): the request it cannot cover is refused, through the running gateway, on
SQLite and PostgreSQL, and across two instances sharing Redis and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import openai
import pytest

from core.settings import DatabaseConfig
from core.storage import keys as key_queries
from core.storage.database import create_engine, session_factory
from core.storage.models import Budget
from gateway.budgets.ledger import from_nanos, plain_usd, to_nanos
from tests.conftest import TEST_BOOTSTRAP_KEY, proxy_config
from tests.fakes.server import FakeUpstream
from tests.harness import RunningGateway, ServiceThread, gateway_settings, start_gateway
from tests.services import REDIS_URL, postgres_database


async def _new_key(database_url: str) -> tuple[str, str, str]:
    """A fresh org and a key of it: (secret, key id, org id)."""
    engine = create_engine(DatabaseConfig(url=database_url))
    try:
        async with session_factory(engine).begin() as session:
            org = await key_queries.get_or_create_org(session, f"spend-{uuid.uuid4().hex[:10]}")
            key, secret = await key_queries.create_key(
                session, org, label="spender", scopes=("precheck:invoke",)
            )
            return secret, key.id, org.id
    finally:
        await engine.dispose()


async def _add_budget(
    database_url: str, org_id: str, key_id: str | None, amount: Decimal, period: str
) -> None:
    engine = create_engine(DatabaseConfig(url=database_url))
    try:
        async with session_factory(engine).begin() as session:
            session.add(
                Budget(
                    org_id=org_id,
                    api_key_id=key_id,
                    name="late budget",
                    amount=amount,
                    period=period,
                )
            )
    finally:
        await engine.dispose()


def _spend(gateway: RunningGateway, secret: str, key_id: str, calls: int) -> Decimal:
    """Make ``calls`` priced calls; return what the usage rows recorded for the key."""
    client = openai.OpenAI(base_url=gateway.openai_base_url, api_key=secret, max_retries=0)
    for n in range(calls):
        client.chat.completions.create(
            model="gpt-4o-mini",
            max_tokens=50,
            messages=[{"role": "user", "content": f"spend a little, call {n}"}],
        )
    rows = gateway.rows("usage_records", api_key_id=key_id)  # flushes the writer first
    assert len(rows) == calls
    return sum((Decimal(str(r["cost"])) for r in rows), Decimal(0))


def _refused(gateway: RunningGateway, secret: str, spent: Decimal) -> None:
    gateway.thread.run(gateway.gateway.metering.directory.refresh())
    client = openai.OpenAI(base_url=gateway.openai_base_url, api_key=secret, max_retries=0)
    with pytest.raises(openai.RateLimitError) as refused:
        client.chat.completions.create(
            model="gpt-4o-mini", max_tokens=50, messages=[{"role": "user", "content": "more"}]
        )
    error = refused.value.response.json()["error"]
    assert error["code"] == "budget_exceeded"
    # The spend it starts from is what the earlier calls recorded, to the nano-dollar.
    assert f": {plain_usd(from_nanos(to_nanos(spent)))} USD spent" in error["message"]
    assert refused.value.response.headers["x-should-retry"] == "false"


@pytest.mark.parametrize(("scope", "period"), [("key", "monthly"), ("org", "yearly")])
def test_a_budget_exhausted_by_earlier_usage_refuses_the_next_request(
    gateway: RunningGateway, scope: str, period: str
) -> None:
    url = gateway.settings.database.url
    secret, key_id, org_id = asyncio.run(_new_key(url))
    spent = _spend(gateway, secret, key_id, 3)
    assert spent > 0
    # Created now, below what was spent: the ledger has never seen this budget, so the spend
    # it holds comes from the database alone.
    limit = (spent / 2).quantize(Decimal("0.0000000001"))
    asyncio.run(_add_budget(url, org_id, key_id if scope == "key" else None, limit, period))
    _refused(gateway, secret, spent)


@pytest.fixture
def two_instances(
    service_thread: ServiceThread,
    fake_openai: FakeUpstream,
    fake_anthropic: FakeUpstream,
    fake_gemini: FakeUpstream,
    tmp_path: Path,
) -> Iterator[tuple[RunningGateway, RunningGateway]]:
    """Two gateways sharing Redis (budget counters) and one PostgreSQL database."""
    for database_url in postgres_database():
        raw = proxy_config(
            {"openai": fake_openai, "anthropic": fake_anthropic, "gemini": fake_gemini},
            database_url,
            tmp_path / "spool",
        )
        raw["redis"] = {"url": REDIS_URL}
        instances = []
        try:
            for name in ("first", "second"):
                raw["writer"] = {"flush_interval_seconds": 0.01, "spool_dir": str(tmp_path / name)}
                settings = gateway_settings(raw, bootstrap_key=TEST_BOOTSTRAP_KEY)
                instances.append(start_gateway(service_thread, settings))
            yield instances[0], instances[1]
        finally:
            for instance in instances:
                instance.stop()


def test_across_instances_sharing_redis_the_budget_starts_from_recorded_spend(
    two_instances: tuple[RunningGateway, RunningGateway],
) -> None:
    first, second = two_instances
    url = first.settings.database.url
    secret, key_id, org_id = asyncio.run(_new_key(url))
    spent = _spend(first, secret, key_id, 3)
    asyncio.run(_add_budget(url, org_id, key_id, spent - Decimal("0.000001"), "monthly"))
    # The second instance seeds the shared counter from the database; the first, which wrote
    # the rows, then finds the counter Redis holds.
    _refused(second, secret, spent)
    _refused(first, secret, spent)
