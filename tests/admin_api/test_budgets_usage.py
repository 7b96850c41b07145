"""``/api/v1/budgets`` (CRUD with current spend) and ``/api/v1/usage`` (grouped reports)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from core.ids import new_id
from core.storage.database import create_engine
from core.storage.rollups import insert_usage
from tests.admin_api.support import Api, OrgFixture, assert_error, make_org, run
from tests.harness import RunningGateway


def add_usage(gateway: RunningGateway, rows: list[dict]) -> None:
    async def insert() -> None:
        engine = create_engine(gateway.settings.database)
        try:
            async with engine.begin() as connection:
                await insert_usage(connection, rows)
        finally:
            await engine.dispose()

    run(insert())


def usage(
    org: OrgFixture, when: datetime, cost: str | None, *, model: str = "gpt", **extra: object
) -> dict:
    return {
        "id": new_id(),
        "org_id": org.id,
        "user_id": extra.get("user_id"),
        "api_key_id": extra.get("api_key_id"),
        "provider": extra.get("provider", "openai"),
        "model": model,
        "input_tokens": 10,
        "output_tokens": 5,
        "cached_input_tokens": 0,
        "cost": None if cost is None else Decimal(cost),
        "cost_type": "external" if cost is not None else "unknown",
        "tool": "ai.generate",
        "correlation_id": None,
        "metadata": {},
        "timestamp": when,
    }


def test_budgets_with_current_spend(gateway: RunningGateway, api: Api) -> None:
    org = make_org(gateway, roles=("OWNER", "VIEWER"), scopes=("budgets:manage",))
    now = datetime.now(UTC)
    this_month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last_month = this_month - timedelta(days=1)
    key_id = org.key_ids["budgets:manage"]
    add_usage(
        gateway,
        [
            usage(org, this_month + timedelta(minutes=1), "1.25"),
            usage(org, this_month + timedelta(minutes=2), "0.0000001", api_key_id=key_id),
            usage(org, this_month + timedelta(minutes=3), None),  # unpriced: adds nothing
            usage(org, last_month, "100", user_id=org.users["VIEWER"]),
        ],
    )
    manager = api.as_(org.keys["budgets:manage"])
    monthly = manager.post("/api/v1/budgets", json={"name": "m", "amount": "10.50"})
    assert monthly.status_code == 201, monthly.text
    body = monthly.json()
    assert body["amount"] == "10.5" and body["period"] == "monthly" and body["scope"] == "org"
    assert body["currentSpend"] == "1.2500001" and body["remaining"] == "9.2499999"
    assert body["periodStart"] == this_month.isoformat().replace("+00:00", "Z")

    total = manager.post(
        "/api/v1/budgets",
        json={"name": "t", "amount": "50", "period": "total", "userId": org.users["VIEWER"]},
    ).json()
    assert total["scope"] == "user" and total["currentSpend"] == "100.0"
    assert total["remaining"] == "0.0" and total["periodStart"] is None
    per_key = manager.post(
        "/api/v1/budgets",
        json={"name": "k", "amount": "1", "period": "yearly", "apiKeyId": key_id},
    ).json()
    assert per_key["scope"] == "key" and per_key["currentSpend"] == "0.0000001"

    viewer = api.as_(org.sessions["VIEWER"])
    listed = viewer.get("/api/v1/budgets", params={"orgId": org.id}).json()["budgets"]
    assert [b["name"] for b in listed] == ["m", "t", "k"]
    changed = manager.patch(f"/api/v1/budgets/{body['id']}", json={"amount": 2, "isActive": False})
    assert changed.json()["amount"] == "2.0" and changed.json()["isActive"] is False
    assert manager.delete(f"/api/v1/budgets/{body['id']}").json()["deleted"] is True
    assert_error(manager.get(f"/api/v1/budgets/{body['id']}"), 404, "budget_not_found")

    for bad, param in [
        ({"name": "x", "amount": "-1"}, "amount"),
        ({"name": "x", "amount": "1", "period": "weekly"}, "period"),
        ({"name": "x", "amount": "1", "userId": "nobody"}, "userId"),
        ({"name": "x", "amount": "1", "apiKeyId": "nokey"}, "apiKeyId"),
    ]:
        assert assert_error(manager.post("/api/v1/budgets", json=bad), 400)["param"] == param


def test_usage_report(gateway: RunningGateway, api: Api) -> None:
    org = make_org(gateway, roles=(), scopes=("usage:read",), log_in=False)
    monday = datetime(2026, 2, 2, 12, tzinfo=UTC)  # a Monday
    add_usage(
        gateway,
        [
            usage(org, monday, "0.5", model="a", provider="openai", user_id="u1"),
            usage(org, monday + timedelta(hours=1), "0.25", model="b", provider="anthropic"),
            usage(org, monday + timedelta(days=1), "1", model="a", provider="openai"),
            usage(org, monday + timedelta(days=7), None, model="a", provider="openai"),
            usage(org, monday + timedelta(days=30), "2", model="a", provider="openai"),
        ],
    )
    reader = api.as_(org.keys["usage:read"])
    span = {"from": "2026-02-01T00:00:00Z", "to": "2026-03-31T00:00:00Z"}

    def report(**params: str) -> dict:
        response = reader.get("/api/v1/usage", params={**span, **params})
        assert response.status_code == 200, response.text
        return response.json()

    by_day = report(groupBy="day", by="model")
    assert [(r["period"], r["key"], r["cost"], r["requests"]) for r in by_day["rows"]] == [
        ("2026-02-02", "a", "0.5", 1),
        ("2026-02-02", "b", "0.25", 1),
        ("2026-02-03", "a", "1.0", 1),
        ("2026-02-09", "a", "0.0", 1),
        ("2026-03-04", "a", "2.0", 1),
    ]
    assert by_day["totals"] == {
        "inputTokens": 50, "outputTokens": 25, "cost": "3.75", "requests": 5,
        "unpricedRequests": 1, "saved": "0.0", "cacheHits": 0,
    }  # fmt: skip
    by_week = report(groupBy="week", by="provider")
    assert [(r["period"], r["key"], r["cost"], r["requests"]) for r in by_week["rows"]] == [
        ("2026-02-02", "anthropic", "0.25", 1),
        ("2026-02-02", "openai", "1.5", 2),
        ("2026-02-09", "openai", "0.0", 1),
        ("2026-03-02", "openai", "2.0", 1),
    ]
    by_month = report(groupBy="month", by="user")
    assert [(r["period"], r["key"], r["requests"]) for r in by_month["rows"]] == [
        ("2026-02-01", None, 3),
        ("2026-02-01", "u1", 1),
        ("2026-03-01", None, 1),
    ]
    filtered = report(groupBy="month", by="model", provider="anthropic")
    assert [(r["key"], r["cost"]) for r in filtered["rows"]] == [("b", "0.25")]
    assert report(by="model", userId="u1")["totals"]["requests"] == 1

    response = reader.get(
        "/api/v1/usage", params={**span, "groupBy": "month", "by": "model", "format": "csv"}
    )
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows[0] == {
        "period": "2026-02-01", "key": "a", "inputTokens": "30", "outputTokens": "15",
        "cost": "1.5", "requests": "3", "unpricedRequests": "1", "name": "",
    }  # fmt: skip
    assert len(rows) == 3

    error = assert_error(reader.get("/api/v1/usage", params={"groupBy": "year"}), 400)
    assert error["param"] == "groupBy"
    backwards = {"from": "2026-03-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"}
    assert_error(reader.get("/api/v1/usage", params=backwards), 400, "invalid_range")

    # startTime and endTime are the original spec's names for from and to.
    aliased = reader.get(
        "/api/v1/usage",
        params={"startTime": "2026-02-03T00:00:00Z", "endTime": "2026-02-28T00:00:00Z"},
    ).json()
    assert (aliased["from"], aliased["to"]) == ("2026-02-03T00:00:00Z", "2026-02-28T00:00:00Z")
    assert aliased["totals"]["requests"] == 2


def test_a_budget_s_alert_thresholds(gateway: RunningGateway, api: Api) -> None:
    org = make_org(gateway, roles=("OWNER",), scopes=("budgets:manage",))
    manager = api.as_(org.keys["budgets:manage"])
    default = manager.post("/api/v1/budgets", json={"name": "d", "amount": "5"}).json()
    assert default["alertThresholds"] is None  # the config's budgets.alerts.thresholds
    own = manager.post(
        "/api/v1/budgets", json={"name": "o", "amount": "5", "alertThresholds": [90, 25, 90]}
    )
    assert own.status_code == 201, own.text
    assert own.json()["alertThresholds"] == [25, 90]
    budget = own.json()["id"]

    silenced = manager.patch(f"/api/v1/budgets/{budget}", json={"alertThresholds": []})
    assert silenced.json()["alertThresholds"] == []
    renamed = manager.patch(f"/api/v1/budgets/{budget}", json={"name": "renamed"})
    assert renamed.json()["alertThresholds"] == []  # left alone when not named
    reset = manager.patch(f"/api/v1/budgets/{budget}", json={"alertThresholds": None})
    assert reset.json()["alertThresholds"] is None
    assert manager.get(f"/api/v1/budgets/{budget}").json()["alertThresholds"] is None

    for bad in ([0], [1001], list(range(1, 12)), ["half"]):
        refused = manager.post(
            "/api/v1/budgets", json={"name": "x", "amount": "1", "alertThresholds": bad}
        )
        assert assert_error(refused, 400)["param"].startswith("alertThresholds"), bad
    update = [row for row in gateway.rows("audit_logs", resource=f"budget:{budget}")]
    changes = [
        (row["details"]["before"]["alertThresholds"], row["details"]["after"]["alertThresholds"])
        for row in update
        if row["action"] == "budget.update"
    ]
    assert sorted(changes, key=str) == sorted([([25, 90], []), ([], []), ([], None)], key=str)
