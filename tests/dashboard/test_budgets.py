"""Budgets in the browser: an OWNER creates, changes and deletes them on the usage page (for the
whole org, for one member, for one API key); a budget made there is enforced by the proxy; a
VIEWER sees the budgets but no way to change them."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import openai
import pytest
from playwright.sync_api import Page, expect

from tests.dashboard.support import (
    Account,
    Api,
    contrast_failures,
    join_as,
    open_console,
    screenshot,
    sign_up,
)
from tests.harness import RunningGateway

BUDGET_PROPAGATION_SECONDS = 5.0  # the bound is 2 s; leave room on a loaded machine


def budgets(api: Api) -> dict[str, dict[str, Any]]:
    return {b["name"]: b for b in api.call("GET", "/api/v1/budgets")["budgets"]}


def fill_budget(page: Page, *, name: str, limit: str, period: str | None = None) -> Any:
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("Limit (USD)").fill(limit)
    if period is not None:
        dialog.get_by_label("Period").select_option(period)
    return dialog


def test_an_owner_creates_changes_and_deletes_budgets(
    new_page: Any, dashboard_gateway: RunningGateway
) -> None:
    account = sign_up(dashboard_gateway)
    api = Api(dashboard_gateway, account.token)
    key_secret = api.create_proxy_key("billing-service")
    key_id = api.call("GET", "/api/v1/keys")[0]["id"]
    page = new_page()
    open_console(page, account, "usage")
    expect(page.get_by_text("No budgets yet. Create one with “New budget”")).to_be_visible()

    # The whole org, monthly.
    page.get_by_role("button", name="New budget").click()
    dialog = fill_budget(page, name="Team monthly", limit="25")
    expect(dialog.get_by_label("Member")).to_be_hidden()
    dialog.get_by_label("Alert at (% of the limit)").fill("lots")
    dialog.get_by_role("button", name="Create budget").click()
    expect(dialog.get_by_role("alert")).to_contain_text("whole percents between 1 and 1000")
    dialog.get_by_label("Alert at (% of the limit)").fill("80, 50%")
    dialog.get_by_role("button", name="Create budget").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_role("progressbar", name="Team monthly")).to_have_attribute(
        "aria-valuetext", "$0.00 of $25.00 (0%)"
    )
    created = budgets(api)["Team monthly"]
    assert (Decimal(created["amount"]), created["period"], created["scope"]) == (
        Decimal(25),
        "monthly",
        "org",
    )
    assert created["isActive"] is True
    assert created["alertThresholds"] == [50, 80]
    expect(page.locator(".budget", has_text="Team monthly")).to_contain_text(
        "monthly, whole org, alerts at 50, 80 %"
    )
    expect(page.get_by_role("button", name="New budget")).to_be_focused()

    # A bad limit is refused in the dialog, which stays open with what was typed.
    page.get_by_role("button", name="New budget").click()
    dialog = fill_budget(page, name="Broken", limit="twenty")
    dialog.get_by_role("button", name="Create budget").click()
    expect(dialog.get_by_role("alert")).to_have_text(
        "The limit is an amount in USD, such as 250 or 99.50."
    )
    expect(dialog.get_by_label("Limit (USD)")).to_be_focused()
    dialog.get_by_role("button", name="Cancel").click()
    assert "Broken" not in budgets(api)

    # One API key, with nothing to spend: the proxy refuses that key's next request.
    page.get_by_role("button", name="New budget").click()
    dialog = fill_budget(page, name="Billing key cap", limit="0", period="total")
    dialog.get_by_label("Applies to").select_option(label="One API key")
    dialog.get_by_label("API key").select_option(label=f"billing-service ({key_secret[:12]}…)")
    screenshot(page, "budget-dialog")
    assert contrast_failures(page) == []
    dialog.get_by_role("button", name="Create budget").click()
    expect(page.get_by_role("progressbar", name="Billing key cap")).to_be_visible()
    assert budgets(api)["Billing key cap"]["apiKeyId"] == key_id
    expect(page.locator(".budget", has_text="Billing key cap")).to_contain_text(
        "total, key billing-service"
    )
    client = openai.OpenAI(
        base_url=dashboard_gateway.openai_base_url, api_key=key_secret, max_retries=0
    )
    deadline = time.monotonic() + BUDGET_PROPAGATION_SECONDS
    while True:
        try:
            client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}]
            )
        except openai.RateLimitError as error:
            assert error.code == "budget_exceeded"
            break
        assert time.monotonic() < deadline, "the budget made in the console is not enforced"
        time.sleep(0.2)

    # One member: the owner themself, by email.
    page.get_by_role("button", name="New budget").click()
    dialog = fill_budget(page, name="My own cap", limit="12.5", period="yearly")
    dialog.get_by_label("Applies to").select_option(label="One member")
    dialog.get_by_label("Member").select_option(label=account.email)
    dialog.get_by_role("button", name="Create budget").click()
    expect(page.locator(".budget", has_text="My own cap")).to_contain_text(
        f"yearly, member {account.email}"
    )
    own = budgets(api)["My own cap"]
    assert own["scope"] == "user" and own["period"] == "yearly"
    assert Decimal(own["amount"]) == Decimal("12.5")

    # Change one: a new limit and period, switched off. Its scope stays.
    page.get_by_role("button", name="Edit budget Team monthly").click()
    dialog = page.get_by_role("dialog", name="Budget “Team monthly”")
    expect(dialog.get_by_label("Limit (USD)")).to_have_value("25")
    expect(dialog.get_by_label("Alert at (% of the limit)")).to_have_value("50, 80")
    dialog.get_by_label("Alert at (% of the limit)").fill("")  # back to the defaults
    expect(dialog).to_contain_text("Covers the whole org.")
    dialog.get_by_label("Limit (USD)").fill("40")
    dialog.get_by_label("Period").select_option("yearly")
    dialog.get_by_label("Active: enforce this budget").uncheck()
    dialog.get_by_role("button", name="Save budget").click()
    expect(page.locator(".budget", has_text="Team monthly")).to_contain_text(
        "yearly, whole org, inactive"
    )
    changed = budgets(api)["Team monthly"]
    assert (Decimal(changed["amount"]), changed["period"], changed["isActive"]) == (
        Decimal(40),
        "yearly",
        False,
    )
    assert changed["alertThresholds"] is None
    screenshot(page, "budgets", full_page=True, readme=True)
    assert contrast_failures(page) == []

    # Delete one, after a confirmation; the audit trail keeps what it was.
    page.get_by_role("button", name="Delete budget Team monthly").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete budget").click()
    expect(page.get_by_role("progressbar", name="Team monthly")).to_have_count(0)
    assert set(budgets(api)) == {"Billing key cap", "My own cap"}
    actions = [row["action"] for row in dashboard_gateway.rows("audit_logs", org_id=account.org_id)]
    assert actions.count("budget.create") == 3
    assert actions.count("budget.update") == 1
    assert actions.count("budget.delete") == 1


@pytest.mark.parametrize("role", ["VIEWER", "DEVELOPER"])
def test_other_roles_see_budgets_but_cannot_change_them(
    new_page: Any, dashboard_gateway: RunningGateway, role: str
) -> None:
    owner = sign_up(dashboard_gateway)
    api = Api(dashboard_gateway, owner.token)
    client = openai.OpenAI(
        base_url=dashboard_gateway.openai_base_url,
        api_key=api.create_proxy_key(),
        max_retries=0,
    )
    client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}]
    )
    dashboard_gateway.flush()
    api.call("POST", "/api/v1/budgets", 201, json={"name": "Org cap", "amount": "100"})
    api.call("POST", "/api/v1/budgets", 201, json={"name": "Spent already", "amount": "0"})
    member: Account = join_as(dashboard_gateway, owner, role)
    page = new_page()
    open_console(page, member, "usage")
    expect(page.get_by_role("progressbar", name="Org cap")).to_be_visible()
    # Usage before a limit of 0: over budget, not "0 %".
    expect(page.get_by_role("progressbar", name="Spent already")).to_have_attribute(
        "aria-valuenow", "100"
    )
    expect(page.locator(".budget", has_text="Spent already")).to_contain_text("over budget")
    expect(page.get_by_role("button", name="New budget")).to_have_count(0)
    expect(page.get_by_role("button", name="Edit budget Org cap")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete budget Org cap")).to_have_count(0)
