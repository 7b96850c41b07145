"""The policy editor in the browser: the tool-by-PII-class matrix, saved and checked through the
API and on the proxy, and the active switch."""

from __future__ import annotations

import time
from typing import Any

import openai
import pytest
from playwright.sync_api import expect

from tests.dashboard.support import Api, open_console, screenshot, sign_up
from tests.harness import RunningGateway

SSN_TEXT = "Please update the file: my ssn is 536-22-1845."


def test_edit_the_matrix_and_switch_the_policy_off(
    new_page: Any, dashboard_gateway: RunningGateway
) -> None:
    account = sign_up(dashboard_gateway)
    api = Api(dashboard_gateway, account.token)
    key = api.create_proxy_key()
    page = new_page()
    open_console(page, account, "policies")
    expect(page.get_by_role("heading", name="New policy")).to_be_visible()  # none yet

    page.get_by_label("Name", exact=True).fill("pii-guard")
    page.get_by_label("Add a tool row").fill("support.reply")
    page.get_by_role("button", name="Add tool").click()
    expect(page.get_by_label("support.reply: email")).to_be_focused()
    page.get_by_label("support.reply: email").select_option("mask")
    page.get_by_label("support.reply: ssn").select_option("deny")
    page.get_by_label("default: other classes").select_option("tokenize")
    # A second row of the same tool is refused, and a row can be removed again.
    page.get_by_label("Add a tool row").fill("support.reply")
    page.get_by_role("button", name="Add tool").click()
    expect(page.get_by_role("alert")).to_contain_text("has a row for support.reply already")
    page.get_by_label("Add a tool row").fill("crm.lookup")
    page.get_by_role("button", name="Add tool").click()
    page.get_by_role("button", name="Remove tool crm.lookup").click()
    expect(page.get_by_label("crm.lookup: email")).to_have_count(0)
    page.get_by_role("button", name="Create policy").click()
    expect(page.get_by_role("heading", name="Edit “pii-guard”")).to_be_visible()

    (policy,) = api.call("GET", "/api/v1/policies")
    assert policy["name"] == "pii-guard"
    assert policy["isActive"] is True
    assert policy["toolAccessMatrix"] == {
        "support.reply": {"email": "mask", "ssn": "deny"},
        "default": {"default": "tokenize"},
    }
    # The policy applies on the proxy within its refresh (1 s): the SSN is refused there.
    denied_within(dashboard_gateway, key, expect_denied=True)

    # Change one cell, clear another, save: the API has exactly that.
    page.get_by_label("support.reply: email").select_option("remove")
    page.get_by_label("default: other classes").select_option("")
    expect(page.get_by_text("Unsaved changes")).to_be_visible()
    page.get_by_role("button", name="Save policy").click()
    expect(page.get_by_text("Unsaved changes")).to_have_count(0)
    stored = api.call("GET", f"/api/v1/policies/{policy['id']}")
    assert stored["toolAccessMatrix"] == {
        "support.reply": {"email": "remove", "ssn": "deny"},
        "default": {},
    }
    screenshot(page, "policies", readme=True)

    switch = page.get_by_role("switch", name="Applies now")
    expect(switch).to_have_attribute("aria-checked", "true")
    switch.click()
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(page.get_by_role("navigation", name="Policies of this org")).to_contain_text("inactive")
    assert api.call("GET", f"/api/v1/policies/{policy['id']}")["isActive"] is False
    denied_within(dashboard_gateway, key, expect_denied=False)


def test_an_invalid_policy_is_explained_and_not_saved(
    new_page: Any, dashboard_gateway: RunningGateway
) -> None:
    account = sign_up(dashboard_gateway)
    page = new_page()
    open_console(page, account, "policies")
    name = page.get_by_label("Name", exact=True)
    page.get_by_role("button", name="Create policy").click()
    expect(name).to_be_focused()  # the browser's own check: a name is required
    # Past what the browser checks, the API's answer is shown and the field it names focused.
    name.evaluate("el => el.removeAttribute('maxlength')")
    name.fill("x" * 201)
    page.get_by_role("button", name="Create policy").click()
    expect(page.get_by_role("alert")).to_contain_text("(name)")
    expect(name).to_be_focused()
    api = Api(dashboard_gateway, account.token)
    assert api.call("GET", "/api/v1/policies") == []


def denied_within(
    gateway: RunningGateway, key: str, *, expect_denied: bool, seconds: float = 5
) -> None:
    client = openai.OpenAI(base_url=gateway.openai_base_url, api_key=key, max_retries=0)
    deadline = time.monotonic() + seconds
    while True:
        try:
            client.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": SSN_TEXT}],
                extra_headers={"X-Governs-Tool": "support.reply"},
            )
            denied = False
        except openai.PermissionDeniedError as error:
            assert error.code == "policy_denied"
            denied = True
        if denied == expect_denied:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"the policy did not {'apply' if expect_denied else 'stop'} in time")
        time.sleep(0.2)


def test_a_second_active_policy_is_an_explicit_choice(
    new_page: Any, dashboard_gateway: RunningGateway
) -> None:
    account = sign_up(dashboard_gateway)
    api = Api(dashboard_gateway, account.token)
    first = api.call("POST", "/api/v1/policies", 201, json={"name": "working"})
    page = new_page()
    open_console(page, account, "policies")
    expect(page.get_by_role("heading", name="Edit “working”")).to_be_visible()

    # A new active policy next to it: the console asks; Cancel keeps both as they were.
    page.get_by_role("button", name="New policy").click()
    page.get_by_label("Name", exact=True).fill("stricter")
    page.get_by_role("button", name="Create policy").click()
    ask = page.get_by_role("dialog", name="Replace the active policy with “stricter”?")
    expect(ask).to_contain_text("'working'")
    ask.get_by_role("button", name="Cancel").click()
    listed = api.call("GET", "/api/v1/policies")
    assert [p["name"] for p in listed] == ["working"]

    # Replace: the new one applies, the old one is switched off.
    page.get_by_role("button", name="Create policy").click()
    ask.get_by_role("button", name="Replace").click()
    expect(page.get_by_role("heading", name="Edit “stricter”")).to_be_visible()
    assert api.call("GET", f"/api/v1/policies/{first['id']}")["isActive"] is False
    active = api.call("GET", "/api/v1/policies", params={"includeInactive": "false"})
    assert [p["name"] for p in active] == ["stricter"]
