"""Signing in (with the two-factor step), signing up and signing out, in the browser."""

from __future__ import annotations

from typing import Any

import httpx
import pyotp
from playwright.sync_api import expect

from tests.dashboard.support import PASSWORD, screenshot, sign_up
from tests.harness import RunningGateway


def test_login_with_the_mfa_step(new_page: Any, dashboard_gateway: RunningGateway) -> None:
    account = sign_up(dashboard_gateway, mfa=True)
    page = new_page()
    page.goto("/dashboard")  # redirected to /dashboard/, and to the login page
    expect(page.get_by_role("heading", name="Sign in to the console")).to_be_visible()
    screenshot(page, "login", readme=True)

    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong email or password")
    expect(page.get_by_label("Password")).to_be_focused()

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    code = page.get_by_label("Six-digit code")
    expect(code).to_be_focused()
    screenshot(page, "login-mfa")

    wrong = "000000" if account.totp() != "000000" else "111111"
    code.fill(wrong)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong two-factor code")

    code.fill(pyotp.TOTP(account.totp_secret).now())
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Decisions", level=1)).to_be_visible()
    expect(page.locator("#top")).to_contain_text(account.email)
    token = page.evaluate("sessionStorage.getItem('governs.token')")
    assert token.startswith("gas_")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to the console")).to_be_visible()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('governs.token')") is None
    refused = httpx.get(
        f"{dashboard_gateway.base_url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert refused.status_code == 401


def test_sign_up_makes_an_org_and_signs_in(
    new_page: Any, dashboard_gateway: RunningGateway
) -> None:
    page = new_page()
    page.goto("/dashboard/")
    page.get_by_role("button", name="Create one").click()
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    page.get_by_label("Email").fill("newcomer@example.com")
    page.get_by_label("Password").fill("short")
    page.get_by_label("Organisation name").fill("Newcomer Labs")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("at least 10 characters")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Decisions", level=1)).to_be_visible()
    expect(page.locator("#top")).to_contain_text("Newcomer Labs")
    expect(page.get_by_role("link", name="Policies")).to_be_visible()  # an OWNER sees every page
