"""Usage and budgets in the browser: charts from real proxied requests (and two weeks of earlier
usage written to the database), budgets' progress, and the CSV export compared with the API's
own CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openai
from playwright.sync_api import expect

from core.ids import new_id
from core.storage.rollups import insert_usage
from tests.dashboard.support import (
    AFTER_HELD_ANSWER_MS,
    Account,
    Api,
    hold_first_answer,
    open_console,
    screenshot,
    sign_up,
)
from tests.harness import RunningGateway

CSV_HEADER = [
    "period",
    "key",
    "inputTokens",
    "outputTokens",
    "cost",
    "requests",
    "unpricedRequests",
    "name",  # the key's name (by key) or the user's email (by user)
]


def add_history(gateway: RunningGateway, account: Account, days: int = 14) -> None:
    """Earlier usage, one Claude and one GPT record a day, as the writer would have stored it."""
    now = datetime.now(UTC)
    rows = [
        {
            "id": new_id(),
            "org_id": account.org_id,
            "provider": provider,
            "model": model,
            "input_tokens": 1200,
            "output_tokens": 400,
            "cached_input_tokens": 0,
            "cost": Decimal(cost) * (1 + day % 5) / 10,
            "cost_type": "estimated",
            "tool": "ai.generate",
            "metadata": {},
            "timestamp": now - timedelta(days=day, hours=1),
        }
        for day in range(1, days + 1)
        for provider, model, cost in (
            ("anthropic", "claude-sonnet", "0.21"),
            ("fake-openai", "gpt-4o-mini", "0.08"),
        )
    ]

    async def insert() -> None:
        async with gateway.gateway.engine.begin() as connection:
            await insert_usage(connection, rows)

    gateway.thread.run(insert())


def test_charts_budgets_and_the_csv_export(
    new_page: Any, dashboard_gateway: RunningGateway
) -> None:
    account = sign_up(dashboard_gateway)
    api = Api(dashboard_gateway, account.token)
    key = api.create_proxy_key()
    client = openai.OpenAI(base_url=dashboard_gateway.openai_base_url, api_key=key, max_retries=0)
    for model, times in (("gpt-4o-mini", 3), ("gpt-4.1", 1), ("echo", 1), ("in-house-llm", 1)):
        for _ in range(times):
            client.chat.completions.create(
                model=model,
                messages=[{"role": "user", "content": "summarise the quarterly figures " * 20}],
            )
    dashboard_gateway.flush()
    add_history(dashboard_gateway, account)
    api.call(
        "POST",
        "/api/v1/budgets",
        201,
        json={"name": "Org monthly", "amount": "2", "period": "monthly"},
    )
    api.call(
        "POST",
        "/api/v1/budgets",
        201,
        json={"name": "Org yearly", "amount": "5", "period": "yearly"},
    )

    page = new_page()
    open_console(page, account, "usage")
    expect(page.get_by_role("heading", name="Usage and budgets", level=1)).to_be_visible()
    by_model = page.locator("figure").filter(has_text="Spend by model")
    expect(by_model.locator("svg rect.bar")).to_have_count(3)  # echo is free, one unpriced
    chart = by_model.get_by_role("img")
    expect(chart).to_have_accessible_name("Spend by model")
    expect(chart).to_have_accessible_description(
        re.compile(r"^3 entries, total \$1\.\d+; largest: claude-sonnet, \$0\.92\.$")
    )
    per_day = page.locator("figure").filter(has_text="Spend per day")
    expect(per_day.locator("svg rect.bar")).to_have_count(30)  # every day of the range
    assert (
        per_day.locator("svg rect.bar").evaluate_all(
            "bars => bars.filter((b) => Number(b.getAttribute('height')) > 0).length"
        )
        == 15
    )  # today and the 14 days before
    by_provider = page.locator("figure").filter(has_text="Spend by provider")
    expect(by_provider.locator("svg rect.bar")).to_have_count(2)
    by_user = page.locator("figure").filter(has_text="Spend by user")
    expect(by_user.get_by_role("img")).to_have_accessible_description(
        re.compile(r"^2 entries, total \$1\.\d+; largest: keys without a user, \$1\.\d+\.$")
    )
    expect(by_user.locator("table")).to_contain_text(account.email)  # members by email
    expect(page.get_by_text("1 request used a model without a price")).to_be_visible()
    for name, amount in (("Org monthly", "2.00"), ("Org yearly", "5.00")):
        budget = page.get_by_role("progressbar", name=name)
        assert float(budget.get_attribute("aria-valuenow") or 0) > 0
        expect(budget).to_have_attribute(
            "aria-valuetext", re.compile(rf"^\$\d+\.\d+ of \${amount} \(\d+(\.\d)?%\)$")
        )
    screenshot(page, "usage", full_page=True, readme=True)

    page.get_by_label("Rows by").select_option("model")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith("-by-model.csv")
    text = Path(download.path()).read_text()
    expect(page.get_by_text("CSV downloaded.")).to_be_visible()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == CSV_HEADER
    today = datetime.now(UTC).date().isoformat()
    by_key = {row[1]: row for row in rows[1:] if row[0] == today}
    assert set(by_key) == {"gpt-4o-mini", "gpt-4.1", "echo", "in-house-llm"}
    assert sum(row[1] == "claude-sonnet" for row in rows) == 14
    assert by_key["gpt-4o-mini"][5] == "3"
    assert by_key["echo"][4] == "0.0"
    assert by_key["in-house-llm"][6] == "1"  # unpriced
    assert float(by_key["gpt-4o-mini"][4]) > 0
    # The same report as the API's CSV for the range the page asked for.
    start = page.get_by_label("From", exact=True).input_value()
    end = page.get_by_label("To", exact=True).input_value()
    same = api.client.get(
        "/api/v1/usage",
        params={
            "from": f"{start}T00:00:00Z",
            "to": f"{end}T23:59:59Z",
            "by": "model",
            "groupBy": "day",
            "format": "csv",
        },
    )
    assert same.status_code == 200
    assert same.text == text


def test_answers_from_the_response_cache_show_what_they_saved(
    new_page: Any, dashboard_gateway: RunningGateway
) -> None:
    account = sign_up(dashboard_gateway)
    api = Api(dashboard_gateway, account.token)
    client = openai.OpenAI(
        base_url=dashboard_gateway.openai_base_url,
        api_key=api.create_proxy_key(),
        max_retries=0,
    )
    ask = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "summarise the annual report " * 200}],
        "extra_headers": {"x-governs-cache-ttl": "600"},
    }
    first = client.chat.completions.with_raw_response.create(**ask)
    second = client.chat.completions.with_raw_response.create(**ask)
    assert second.headers["x-governs-cache"] == "hit"
    dashboard_gateway.flush()
    totals = api.call("GET", "/api/v1/usage")["totals"]
    assert totals["cacheHits"] == 1 and totals["requests"] == 2
    assert Decimal(totals["saved"]) == Decimal(first.headers["x-governs-cost"])
    assert Decimal(totals["cost"]) == Decimal(first.headers["x-governs-cost"])  # the hit: 0

    page = new_page()
    open_console(page, account, "usage")
    saved = page.locator(".stat").filter(has_text="Saved by the cache")
    assert Decimal(totals["saved"]) >= Decimal("0.01")  # shown in cents
    expect(saved.locator(".stat-value")).to_have_text(f"${Decimal(totals['saved']):.2f}")
    expect(
        page.get_by_text(re.compile(r"^1 request was answered from the response cache, saving"))
    ).to_be_visible()


def test_a_slow_first_report_never_overwrites_the_grouping_asked_for_after_it(
    new_page: Any, dashboard_gateway: RunningGateway
) -> None:
    account = sign_up(dashboard_gateway)
    add_history(dashboard_gateway, account)
    page = new_page()
    hold_first_answer(page, "/api/v1/usage?")
    open_console(page, account, "usage")
    page.get_by_label("Group by").select_option("week")
    page.get_by_role("button", name="Show").click()
    bars = page.locator("figure").filter(has_text="Spend per week").locator("svg rect.bar")
    expect(bars).not_to_have_count(0)
    weeks = bars.count()
    page.wait_for_timeout(AFTER_HELD_ANSWER_MS)
    expect(bars).to_have_count(weeks)
    assert weeks <= 6  # a 30-day range holds five or six weeks, never a bar per day
