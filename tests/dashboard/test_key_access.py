"""A key's models and rate limits in the browser: set when the key is made, shown in the list,
changed in its "Access" dialog (a typo'd model is refused naming the nearest), and the proxy
follows; the org's own models, granted by the operator, are shown above the list."""

from __future__ import annotations

import time
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.dashboard.support import Api, contrast_failures, open_console, sign_up
from tests.harness import RunningGateway


def status(gateway: RunningGateway, key: str, model: str) -> int:
    return httpx.post(
        f"{gateway.openai_base_url}/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json={"model": model, "messages": [{"role": "user", "content": "hi"}]},
        timeout=30,
    ).status_code


def test_a_keys_models_and_limits_set_shown_and_changed(
    new_page: Any, dashboard_gateway: RunningGateway
) -> None:
    account = sign_up(dashboard_gateway)
    api = Api(dashboard_gateway, account.token)
    page = new_page()
    open_console(page, account, "keys")
    expect(page.locator("#org-models")).to_have_text("This org may use every model of the gateway.")

    page.get_by_role("button", name="New key").click()
    dialog = page.get_by_role("dialog", name="New API key")
    dialog.get_by_label("Name").fill("narrow")
    dialog.get_by_label("Models (optional)").fill("gpt-4o-mini")
    dialog.get_by_label("Requests per minute (optional)").fill("2")
    dialog.get_by_role("button", name="Create key").click()
    shown = page.get_by_role("dialog", name="Key “narrow” created")
    secret = shown.get_by_label("Secret key").input_value()
    page.keyboard.press("Escape")

    row = page.get_by_role("row").filter(has_text="narrow")
    expect(row.locator(".key-access")).to_contain_text("gpt-4o-mini")
    expect(row.locator(".key-access")).to_contain_text("2 requests/min")
    (stored,) = api.call("GET", "/api/v1/keys")
    assert stored["allowedModels"] == ["gpt-4o-mini"] and stored["requestsPerMinute"] == 2

    # The proxy holds the key to them: another model is refused, a third request waits.
    assert status(dashboard_gateway, secret, "echo") == 403
    assert [status(dashboard_gateway, secret, "gpt-4o-mini") for _ in range(3)] == [200, 200, 429]

    # A typo is refused naming the nearest model; then the key is opened up again.
    access = row.get_by_role("button", name="Access of key narrow")
    access.click()
    edit = page.get_by_role("dialog", name="Access of “narrow”")
    expect(edit.get_by_label("Models (optional)")).to_be_focused()
    edit.get_by_label("Models (optional)").fill("gpt-4o-mni")
    edit.get_by_role("button", name="Save access").click()
    expect(edit.get_by_role("alert")).to_contain_text("did you mean 'gpt-4o-mini'")
    assert contrast_failures(page) == []
    edit.get_by_label("Models (optional)").fill("")
    edit.get_by_label("Requests per minute (optional)").fill("")
    edit.get_by_role("button", name="Save access").click()
    expect(edit).to_be_hidden()
    expect(access).to_be_focused()
    expect(row.locator(".key-access")).to_contain_text("the org's models")
    expect(row.locator(".key-access")).to_contain_text("the gateway's limits")
    stored = api.call("GET", f"/api/v1/keys/{stored['id']}")
    assert stored["allowedModels"] is None and stored["requestsPerMinute"] is None
    deadline = time.monotonic() + 6  # the proxy's key cache (2 s) catches up
    while status(dashboard_gateway, secret, "echo") != 200:
        assert time.monotonic() < deadline, "the key is still narrowed"
        time.sleep(0.2)


def test_an_org_without_models_says_so(new_page: Any, dashboard_gateway: RunningGateway) -> None:
    account = sign_up(dashboard_gateway)
    operator = Api(dashboard_gateway, dashboard_gateway.api_key)
    operator.call("PUT", f"/api/v1/orgs/{account.org_slug}/models", json={"allowedModels": []})
    page = new_page()
    open_console(page, account, "keys")
    expect(page.locator("#org-models")).to_have_text(
        "This org has not been granted any model yet: ask the gateway's operator."
    )
    operator.call(
        "PUT", f"/api/v1/orgs/{account.org_slug}/models", json={"allowedModels": ["echo"]}
    )
    page.reload()
    expect(page.locator("#org-models")).to_have_text("This org may use: echo.")
