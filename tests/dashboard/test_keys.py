"""API keys in the browser: create one with scopes, copy its secret once and use it on the
proxy, disable it, delete it after a confirmation."""

from __future__ import annotations

import time
from typing import Any

import openai
import pytest
from playwright.sync_api import expect

from tests.dashboard.support import Api, focused, open_console, screenshot, sign_up
from tests.harness import RunningGateway


def chat(gateway: RunningGateway, key: str, text: str = "hello from the console") -> str:
    client = openai.OpenAI(base_url=gateway.openai_base_url, api_key=key, max_retries=0)
    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
    )
    return reply.choices[0].message.content or ""


def test_create_copy_use_disable_and_delete_a_key(
    new_page: Any, dashboard_gateway: RunningGateway
) -> None:
    account = sign_up(dashboard_gateway)
    api = Api(dashboard_gateway, account.token)
    page = new_page()
    open_console(page, account, "keys")
    expect(page.get_by_role("heading", name="API keys", level=1)).to_be_visible()

    new_key = page.get_by_role("button", name="New key")
    new_key.click()
    dialog = page.get_by_role("dialog", name="New API key")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Name")).to_be_focused()
    dialog.get_by_label("Name").fill("billing-service")
    expect(dialog.get_by_label("precheck:invoke")).to_be_checked()
    dialog.get_by_label("decisions:read").check()
    dialog.get_by_role("button", name="Create key").click()

    shown = page.get_by_role("dialog", name="Key “billing-service” created")
    expect(shown).to_be_visible()
    secret = shown.get_by_label("Secret key").input_value()
    assert secret.startswith("gai_")
    shown.get_by_role("button", name="Copy secret").click()
    expect(shown.get_by_role("status")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    screenshot(page, "keys-secret", readme=True)
    page.keyboard.press("Escape")
    expect(shown).to_be_hidden()
    assert focused(page) == "New key"  # focus is back where the dialogs started
    assert secret not in page.content()  # shown once: gone from the page

    # The copied secret works on the proxy, with exactly the scopes chosen.
    assert chat(dashboard_gateway, secret) == "echo: hello from the console"
    (stored,) = api.call("GET", "/api/v1/keys", params={"orgId": account.org_slug})
    assert stored["name"] == "billing-service"
    assert sorted(stored["scopes"]) == ["decisions:read", "precheck:invoke"]
    assert secret.startswith(stored["keyPrefix"])

    row = page.get_by_role("row").filter(has_text="billing-service")
    switch = row.get_by_role("switch", name="Active: billing-service")
    expect(switch).to_have_attribute("aria-checked", "true")
    screenshot(page, "keys", readme=True)
    switch.click()
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(switch).to_contain_text("Disabled")
    assert api.call("GET", f"/api/v1/keys/{stored['id']}")["isActive"] is False
    refused_within(dashboard_gateway, secret, code="inactive_api_key")

    # Delete asks first; Cancel keeps the key and gives the focus back.
    delete = row.get_by_role("button", name="Delete key billing-service")
    delete.click()
    confirm = page.get_by_role("dialog", name="Delete the key “billing-service”?")
    expect(confirm.get_by_role("button", name="Cancel")).to_be_focused()
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_be_hidden()
    expect(delete).to_be_focused()
    delete.click()
    confirm.get_by_role("button", name="Delete key").click()
    expect(page.get_by_role("row").filter(has_text="billing-service")).to_have_count(0)
    assert api.call("GET", "/api/v1/keys", params={"orgId": account.org_slug}) == []


def refused_within(gateway: RunningGateway, secret: str, code: str, seconds: float = 5) -> None:
    """The proxy refuses ``secret`` once its key cache (2 s) has caught up."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            chat(gateway, secret)
        except openai.AuthenticationError as error:
            assert error.code == code
            return
        if time.monotonic() > deadline:
            pytest.fail(f"the key still works after {seconds} s")
        time.sleep(0.2)
