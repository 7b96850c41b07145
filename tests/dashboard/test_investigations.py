"""Investigations in the browser: the Decisions page shows who (key and user), the model and the
reason of each decision, links a decision to its key and to its usage; the keys page shows each
key's spend this month and its budget."""

from __future__ import annotations

import re
import uuid
from typing import Any

import openai
from playwright.sync_api import expect

from tests.dashboard.support import Api, open_console, sign_up
from tests.harness import RunningGateway


def test_who_model_reason_and_the_links_to_key_and_usage(
    new_page: Any, dashboard_gateway: RunningGateway
) -> None:
    account = sign_up(dashboard_gateway)
    api = Api(dashboard_gateway, account.token)
    secret = api.create_proxy_key("ci-bot")
    (key,) = api.call("GET", "/api/v1/keys", params={"orgId": account.org_slug})
    client = openai.OpenAI(
        base_url=dashboard_gateway.openai_base_url, api_key=secret, max_retries=0
    )
    served = f"inv-{uuid.uuid4().hex[:8]}"
    client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "hello"}],
        extra_headers={"X-Request-ID": served},
    )
    # A budget on the key far below one worst-case reservation: the next call is refused.
    api.call(
        "POST",
        "/api/v1/budgets",
        201,
        json={"orgId": account.org_id, "name": "ci", "amount": "0.001", "apiKeyId": key["id"]},
    )
    dashboard_gateway.thread.run(dashboard_gateway.gateway.metering.directory.refresh())
    refused = f"inv-{uuid.uuid4().hex[:8]}"
    try:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "and again"}],
            extra_headers={"X-Request-ID": refused},
        )
        raise AssertionError("the budget should have refused the call")
    except openai.APIStatusError as error:
        assert error.status_code == 402 or error.status_code == 429, error
    dashboard_gateway.flush()

    page = new_page()
    open_console(page, account, "decisions")
    header = page.locator("thead tr").first
    for column in ("Who", "Model", "Reason"):
        expect(header.get_by_role("columnheader", name=column, exact=True)).to_be_visible()
    denied = page.locator(f'tbody tr[data-correlation-id="{refused}"]')
    expect(denied).to_have_count(1)
    expect(denied.locator("td.decision-who")).to_contain_text("ci-bot")
    expect(denied.locator("td.decision-who")).to_contain_text(account.email)
    expect(denied).to_contain_text("gpt-4o-mini")
    expect(denied.locator("td.reasons")).to_have_text("budget.exceeded")
    postcheck = page.locator(f'tbody tr[data-correlation-id="{served}"]').filter(
        has_text="postcheck"
    )
    expect(postcheck).to_contain_text("fake-openai")

    # The decision's usage: its row in the drawer, linked to the usage of the key.
    postcheck.get_by_role("button", name="Details", exact=False).click()
    drawer = page.get_by_role("dialog")
    (usage_row,) = dashboard_gateway.rows("usage_records", correlation_id=served)
    link = drawer.locator("a.usage-link")
    expect(link).to_contain_text(usage_row["id"])
    link.click()
    expect(page.get_by_role("heading", name="Usage and budgets", level=1)).to_be_visible()
    expect(page.locator("#usage-key-filter")).to_contain_text(key["id"])
    requests = page.locator(".stat").filter(has_text="Requests").locator(".stat-value")
    expect(requests).to_have_text("1")

    # From a decision to its key: the keys page marks the key, with its spend and budget.
    page.goto("/dashboard/#/decisions")
    page.locator(f'tbody tr[data-correlation-id="{refused}"] a.key-link').click()
    expect(page.get_by_role("heading", name="API keys", level=1)).to_be_visible()
    row = page.locator(f'tbody tr[data-key-id="{key["id"]}"]')
    expect(row).to_have_class(re.compile("row-linked"))
    expect(row.locator("td.key-spend")).to_have_text(re.compile(r"^\$0\.0\d*[1-9]"))
    expect(row.locator("td.key-budget")).to_contain_text("of $0.0010 (monthly)")
