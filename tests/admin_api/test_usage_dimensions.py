"""``/api/v1/usage`` by tool and by the request's own ``user`` field (``by=endUser``), with key
names and user emails beside the ids (JSON and CSV), and exact over part-days: whole days come
from the rollups, the edges from the raw rows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import anthropic
import openai
from sqlalchemy import delete

from core.storage.database import create_engine
from core.storage.models import UsageRecord
from tests.admin_api.support import Api, make_org, run
from tests.admin_api.test_budgets_usage import add_usage, usage
from tests.harness import RunningGateway


def by(reader: Api, dimension: str, **params: str) -> dict[str | None, dict]:
    response = reader.get("/api/v1/usage", params={"by": dimension, "groupBy": "month", **params})
    assert response.status_code == 200, response.text
    return {row["key"]: row for row in response.json()["rows"]}


def test_spend_by_tool_and_end_user_from_real_requests(gateway: RunningGateway, api: Api) -> None:
    org = make_org(gateway, roles=("OWNER",), scopes=("usage:read", "precheck:invoke"))
    key = org.keys["precheck:invoke"]
    sdk = openai.OpenAI(base_url=gateway.openai_base_url, api_key=key, max_retries=0)
    for _ in range(2):
        sdk.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "hi"}],
            user="alice@customer",
            extra_headers={"X-Governs-Tool": "crm.lookup"},
        )
    sdk.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}])
    claude = anthropic.Anthropic(base_url=gateway.base_url, api_key=key, max_retries=0)
    claude.messages.create(
        model="claude",
        max_tokens=20,
        messages=[{"role": "user", "content": "hello"}],
        metadata={"user_id": "bob"},
    )
    gateway.flush()
    reader = api.as_(org.keys["usage:read"])

    end_users = by(reader, "endUser")
    assert {name: row["requests"] for name, row in end_users.items()} == {
        None: 1, "alice@customer": 2, "bob": 1,
    }  # fmt: skip
    assert end_users["alice@customer"]["cost"] != "0.0"
    tools = by(reader, "tool")
    assert {name: row["requests"] for name, row in tools.items()} == {
        "crm.lookup": 2, "ai.generate": 2,
    }  # fmt: skip
    only_alice = by(reader, "tool", endUser="alice@customer")
    assert list(only_alice) == ["crm.lookup"]
    assert by(reader, "model", tool="crm.lookup")["gpt-4o-mini"]["requests"] == 2

    keys = by(reader, "key")
    assert keys[org.key_ids["precheck:invoke"]]["name"] == "precheck:invoke"
    response = reader.get(
        "/api/v1/usage", params={"by": "key", "groupBy": "month", "format": "csv"}
    )
    exported = list(csv.DictReader(io.StringIO(response.text)))
    assert [(row["key"], row["name"], row["requests"]) for row in exported] == [
        (org.key_ids["precheck:invoke"], "precheck:invoke", "4")
    ]
    assert by(reader, "tool")["crm.lookup"]["name"] is None  # names are for keys and users


def test_by_user_names_the_user_s_email(gateway: RunningGateway, api: Api) -> None:
    org = make_org(gateway, roles=("OWNER",), scopes=("usage:read",))
    now = datetime.now(UTC) - timedelta(hours=1)
    add_usage(gateway, [usage(org, now, "1", user_id=org.users["OWNER"]), usage(org, now, "2")])
    users = by(api.as_(org.keys["usage:read"]), "user")
    assert users[org.users["OWNER"]]["name"] == org.emails["OWNER"]
    assert users[None]["name"] is None and users[None]["cost"] == "2.0"


def _drop_raw_rows(gateway: RunningGateway, start: datetime, end: datetime) -> None:
    async def drop() -> None:
        engine = create_engine(gateway.settings.database)
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    delete(UsageRecord).where(
                        UsageRecord.timestamp >= start, UsageRecord.timestamp < end
                    )
                )
        finally:
            await engine.dispose()

    run(drop())


def test_whole_days_come_from_rollups_and_edges_from_raw_rows(
    gateway: RunningGateway, api: Api
) -> None:
    org = make_org(gateway, roles=(), scopes=("usage:read",), log_in=False)
    day = datetime(2026, 3, 2, tzinfo=UTC)
    add_usage(
        gateway,
        [
            usage(org, day - timedelta(minutes=30), "1"),  # 03-01 23:30
            usage(org, day + timedelta(minutes=30), "2"),  # 03-02 00:30
            usage(org, day + timedelta(days=1, hours=12), "4"),  # 03-03 12:00
            usage(org, day + timedelta(days=2, hours=1), "8"),  # 03-04 01:00
        ],
    )
    reader = api.as_(org.keys["usage:read"])

    def total(start: str, end: str) -> str:
        response = reader.get("/api/v1/usage", params={"from": start, "to": end})
        assert response.status_code == 200, response.text
        return response.json()["totals"]["cost"]

    assert total("2026-03-01T23:45:00Z", "2026-03-04T00:59:59Z") == "6.0"
    assert total("2026-03-01T23:00:00Z", "2026-03-04T01:00:00Z") == "15.0"
    assert total("2026-03-02T00:30:00.000001Z", "2026-03-02T23:59:59Z") == "0.0"
    assert total("2026-03-01T00:00:00Z", "2026-03-03T23:59:59.999999Z") == "7.0"

    # The raw rows of a whole day are not read: gone (retention), the day still counts.
    _drop_raw_rows(gateway, day, day + timedelta(days=2))
    assert total("2026-03-01T23:45:00Z", "2026-03-04T00:59:59Z") == "6.0"
    assert total("2026-03-02T00:00:00Z", "2026-03-02T12:00:00Z") == "0.0"  # a part-day: raw


def test_a_range_up_to_now_reads_today_from_the_rollups(gateway: RunningGateway, api: Api) -> None:
    org = make_org(gateway, roles=(), scopes=("usage:read",), log_in=False)
    now = datetime.now(UTC)
    add_usage(gateway, [usage(org, now - timedelta(seconds=1), "3")])
    reader = api.as_(org.keys["usage:read"])
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    _drop_raw_rows(gateway, day, now + timedelta(seconds=1))
    # Default range (to: now; from: the midnight 30 days before): all from the rollups.
    report = reader.get("/api/v1/usage").json()
    assert report["totals"]["cost"] == "3.0"
    assert report["from"] == (day - timedelta(days=30)).isoformat().replace("+00:00", "Z")
    future = (now + timedelta(hours=1)).isoformat()
    assert reader.get("/api/v1/usage", params={"to": future}).json()["totals"]["cost"] == "3.0"
    # A `to` in the past still cuts today at `to`: from the raw rows, gone here.
    past = (now - timedelta(seconds=1)).isoformat()
    assert reader.get("/api/v1/usage", params={"to": past}).json()["totals"]["cost"] == "0.0"
