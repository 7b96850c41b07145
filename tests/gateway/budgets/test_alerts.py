"""Alerts fire once per threshold per period across instances, with a signed, retried webhook."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal

import aiohttp
import orjson
import pytest
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.settings import BudgetAlertsConfig
from core.storage.database import session_factory
from core.storage.models import AuditLog
from gateway.budgets.alerts import (
    ALERT_ACTION,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    BudgetAlerts,
    sign,
    verify,
)
from gateway.budgets.ledger import Bucket, to_nanos
from gateway.budgets.store import BudgetSpec
from tests.gateway.budgets.helpers import Account

SECRET = "whsec-test"


@dataclass
class Receiver:
    """A webhook receiver on a real port that fails ``failures`` times before answering 200."""

    url: str = ""
    failures: int = 0
    status_when_failing: int = 500
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver()

    async def hook(request: web.Request) -> web.Response:
        state.received.append((dict(request.headers), await request.read()))
        if len(state.received) <= state.failures:
            return web.Response(status=state.status_when_failing)
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield state
    await runner.cleanup()


def budget_of(
    account: Account, amount: str = "10", alert_thresholds: tuple[int, ...] | None = None
) -> tuple[BudgetSpec, Bucket]:
    spec = BudgetSpec(
        id=uuid.uuid4().hex[:26],
        org_id=account.org_id,
        user_id=None,
        api_key_id=None,
        name="team",
        amount=Decimal(amount),
        period="monthly",
        alert_thresholds=alert_thresholds,
    )
    bucket = Bucket(account.org_id, spec.id, "2027-03", to_nanos(spec.amount), None)
    return spec, bucket


def config(url: str | None = None, **extra: object) -> BudgetAlertsConfig:
    return BudgetAlertsConfig.model_validate(
        {
            "webhook_url": url,
            "webhook_secret": SECRET if url else None,
            "webhook_backoff_initial_seconds": 0.01,
            "webhook_backoff_max_seconds": 0.05,
            **extra,
        }
    )


async def audit_rows(engine: AsyncEngine, budget_id: str) -> list[AuditLog]:
    async with session_factory(engine)() as session:
        rows = await session.scalars(
            select(AuditLog).where(AuditLog.resource == f"budget:{budget_id}")
        )
        return list(rows)


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    body = b'{"a":1}'
    expected = (
        "sha256="
        + __import__("hmac").new(SECRET.encode(), b"1700000000." + body, "sha256").hexdigest()
    )
    assert sign(SECRET, "1700000000", body) == expected
    assert verify(SECRET, "1700000000", body, expected)
    assert not verify(SECRET, "1700000001", body, expected)


async def test_each_threshold_fires_once_across_two_instances(
    engine: AsyncEngine, account: Account, receiver: Receiver
) -> None:
    budget, bucket = budget_of(account)
    async with aiohttp.ClientSession() as http:
        instances = [BudgetAlerts(engine, config(receiver.url), http) for _ in range(2)]
        for alerts in instances:
            alerts.start()
        # Both instances see spend pass 50 % and then 80 %, more than once each.
        for spent in ("4.99", "5.00", "6", "8.5", "9"):
            for alerts in instances:
                alerts.spent_changed(budget, bucket, to_nanos(Decimal(spent)))
        for alerts in instances:
            await alerts.wait_idle()
            await alerts.aclose()

    rows = await audit_rows(engine, budget.id)
    assert sorted(r.details["thresholdPercent"] for r in rows) == [50, 80]
    assert {r.action for r in rows} == {ALERT_ACTION}
    assert sum(a.claimed for a in instances) == 2
    assert sorted(orjson.loads(body)["thresholdPercent"] for _, body in receiver.received) == [
        50,
        80,
    ]
    for headers, body in receiver.received:
        assert verify(SECRET, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
        sent = orjson.loads(body)
        assert sent["budget"]["id"] == budget.id and sent["spent"] in {"5", "8.5"}
        assert sent["budget"]["limit"] == "10"
        assert headers["X-Governs-Delivery"] == sent["id"]


async def test_a_budget_s_own_thresholds_replace_the_config_s(
    engine: AsyncEngine, account: Account
) -> None:
    own, own_bucket = budget_of(account, alert_thresholds=(30, 90))
    silent, silent_bucket = budget_of(account, alert_thresholds=())
    alerts = BudgetAlerts(engine, config(thresholds=[50, 80, 100]))
    alerts.start()
    for spent in ("2.99", "3", "8", "9.5", "10"):
        alerts.spent_changed(own, own_bucket, to_nanos(Decimal(spent)))
        alerts.spent_changed(silent, silent_bucket, to_nanos(Decimal(spent)))
    alerts.denied(silent, silent_bucket, to_nanos(Decimal("10")))
    await alerts.wait_idle()
    await alerts.aclose()
    own_rows = await audit_rows(engine, own.id)
    assert sorted(r.details["thresholdPercent"] for r in own_rows) == [30, 90]
    [denied] = await audit_rows(engine, silent.id)  # () silences thresholds, not denials
    assert denied.details["kind"] == "denied"


async def test_a_denial_alerts_once_per_period(engine: AsyncEngine, account: Account) -> None:
    budget, bucket = budget_of(account)
    alerts = BudgetAlerts(engine, config())
    alerts.start()
    for _ in range(3):
        alerts.denied(budget, bucket, to_nanos(Decimal("9.99")))
    await alerts.aclose()
    [row] = await audit_rows(engine, budget.id)
    assert row.details["kind"] == "denied" and row.details["thresholdPercent"] is None


async def test_webhook_is_retried_until_it_is_taken(
    engine: AsyncEngine, account: Account, receiver: Receiver
) -> None:
    receiver.failures = 2
    budget, bucket = budget_of(account)
    async with aiohttp.ClientSession() as http:
        alerts = BudgetAlerts(engine, config(receiver.url), http)
        alerts.start()
        alerts.spent_changed(budget, bucket, to_nanos(Decimal("10")))  # 50, 80 and 100 at once
        await alerts.wait_idle()
        await alerts.aclose()
    assert len(receiver.received) == 3 + 2
    assert alerts.delivered == 3
    deliveries = [headers["X-Governs-Delivery"] for headers, _ in receiver.received]
    assert len(set(deliveries)) == 3  # retries carry the same delivery id


async def test_a_refusing_receiver_is_not_retried(
    engine: AsyncEngine, account: Account, receiver: Receiver
) -> None:
    receiver.failures, receiver.status_when_failing = 100, 400
    budget, bucket = budget_of(account)
    async with aiohttp.ClientSession() as http:
        alerts = BudgetAlerts(engine, config(receiver.url, thresholds=[100]), http)
        alerts.start()
        alerts.spent_changed(budget, bucket, to_nanos(Decimal("10")))
        await alerts.wait_idle()
        await alerts.aclose()
    assert len(receiver.received) == 1 and alerts.delivered == 0


async def test_an_unreachable_receiver_is_given_up_after_max_attempts(
    engine: AsyncEngine, account: Account
) -> None:
    budget, bucket = budget_of(account)
    async with aiohttp.ClientSession() as http:
        alerts = BudgetAlerts(
            engine,
            config("http://127.0.0.1:9/hook", thresholds=[50], webhook_max_attempts=3),
            http,
        )
        alerts.start()
        alerts.spent_changed(budget, bucket, to_nanos(Decimal("6")))
        await alerts.wait_idle()
        await alerts.aclose()
    assert alerts.claimed == 1 and alerts.delivered == 0
    assert len(await audit_rows(engine, budget.id)) == 1  # the audit row stays


def test_a_webhook_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="webhook_secret"):
        BudgetAlertsConfig(webhook_url="http://example.invalid/hook")
