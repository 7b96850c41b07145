"""Your account in the browser: setting up two-factor authentication from the QR code's setup
key, signing in with it, switching it off; and changing the password."""

from __future__ import annotations

from typing import Any

import httpx
import pyotp
from playwright.sync_api import Page, expect

from tests.dashboard.support import (
    PASSWORD,
    Api,
    contrast_failures,
    open_console,
    screenshot,
    sign_up,
)
from tests.harness import RunningGateway


def a_wrong_code(secret: str) -> str:
    """A code the server refuses: not the current one, nor the ones a step before and after."""
    totp = pyotp.TOTP(secret)
    return next(
        c for c in ("000000", "111111", "222222", "333333") if not totp.verify(c, valid_window=1)
    )


def login(gateway: RunningGateway, email: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{gateway.base_url}/api/v1/auth/login",
        json={"email": email, "password": password},
        timeout=30,
    )


def sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_two_factor_set_up_used_and_switched_off(
    new_page: Any, dashboard_gateway: RunningGateway
) -> None:
    account = sign_up(dashboard_gateway)
    # A session of its own: the page's ends when it signs out below.
    api = Api(dashboard_gateway, login(dashboard_gateway, account.email, PASSWORD).json()["token"])
    page = new_page()
    open_console(page, account, "decisions")
    page.get_by_role("link", name=account.email).click()
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=account.email)).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("navigation", name="Main")).not_to_contain_text("Your account")
    mfa = page.locator("section", has=page.get_by_role("heading", name="Two-factor authentication"))
    expect(mfa).to_contain_text("Off.")

    mfa.get_by_role("button", name="Set up two-factor authentication").click()
    qr = mfa.get_by_role("img", name="QR code of your two-factor setup key")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth") > 100  # decoded, not blocked
    secret = (mfa.locator("code.setup-key").text_content() or "").replace(" ", "")
    assert len(secret) == 32
    mfa.get_by_role("button", name="Copy key").click()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    screenshot(page, "account-mfa-setup", readme=True)
    assert contrast_failures(page) == []

    code = mfa.get_by_label("Six-digit code from the app")
    code.fill("12345")
    mfa.get_by_role("button", name="Turn on").click()
    expect(mfa.get_by_role("alert")).to_have_text("Enter the six-digit code your app shows.")
    code.fill(a_wrong_code(secret))
    mfa.get_by_role("button", name="Turn on").click()
    expect(mfa.get_by_role("alert")).to_contain_text("wrong code")
    expect(code).to_be_focused()
    code.fill(pyotp.TOTP(secret).now())
    mfa.get_by_role("button", name="Turn on").click()
    expect(mfa.locator(".status-line")).to_contain_text("On.")
    expect(mfa.locator(".status-line")).to_be_focused()
    assert api.call("GET", "/api/v1/auth/mfa/totp") == {"enabled": True}
    audit = dashboard_gateway.rows("audit_logs", action="user.mfa_enable")
    assert any(
        row["resource"].endswith(api.call("GET", "/api/v1/auth/me")["user"]["id"]) for row in audit
    )

    # Signing in again now takes a code from the app.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, account.email, PASSWORD)
    page.get_by_label("Six-digit code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Decisions", level=1)).to_be_visible()

    # Switching it off needs a code too.
    page.get_by_role("link", name=account.email).click()
    mfa = page.locator("section", has=page.get_by_role("heading", name="Two-factor authentication"))
    code = mfa.get_by_label("Code from your app")
    code.fill(a_wrong_code(secret))
    mfa.get_by_role("button", name="Turn off").click()
    expect(mfa.get_by_role("alert")).to_contain_text("wrong code")
    code.fill(pyotp.TOTP(secret).now())
    mfa.get_by_role("button", name="Turn off").click()
    expect(mfa.locator(".status-line")).to_contain_text("Off.")
    assert api.call("GET", "/api/v1/auth/mfa/totp") == {"enabled": False}
    assert login(dashboard_gateway, account.email, PASSWORD).status_code == 200  # no code now


def test_changing_the_password(new_page: Any, dashboard_gateway: RunningGateway) -> None:
    account = sign_up(dashboard_gateway)
    other_session = login(dashboard_gateway, account.email, PASSWORD).json()["token"]
    page = new_page()
    open_console(page, account, "account")
    form = page.locator("section", has=page.get_by_role("heading", name="Password"))
    new_password = "a brand new passphrase"

    form.get_by_label("Current password").fill("not my password")
    form.get_by_label("New password", exact=True).fill(new_password)
    form.get_by_label("New password, again").fill(new_password)
    form.get_by_role("button", name="Change password").click()
    expect(form.get_by_role("alert")).to_contain_text("the current password is wrong")
    expect(form.get_by_label("Current password")).to_be_focused()

    form.get_by_label("Current password").fill(PASSWORD)
    form.get_by_label("New password, again").fill(new_password + "!")
    form.get_by_role("button", name="Change password").click()
    expect(form.get_by_role("alert")).to_have_text("The two new passwords differ.")

    form.get_by_label("New password", exact=True).fill("short")
    form.get_by_label("New password, again").fill("short")
    form.get_by_role("button", name="Change password").click()
    expect(form.get_by_role("alert")).to_contain_text("at least 10 characters")
    expect(form.get_by_label("New password", exact=True)).to_be_focused()

    form.get_by_label("New password", exact=True).fill(new_password)
    form.get_by_label("New password, again").fill(new_password)
    form.get_by_role("button", name="Change password").click()
    expect(form.get_by_role("status")).to_have_text(
        "Password changed. Your other sessions were signed out."
    )
    expect(form.get_by_label("Current password")).to_have_value("")

    def status(password: str) -> int:
        return login(dashboard_gateway, account.email, password).status_code

    assert (status(PASSWORD), status(new_password)) == (401, 200)
    other = httpx.get(
        f"{dashboard_gateway.base_url}/api/v1/auth/me",
        headers={"Authorization": f"Bearer {other_session}"},
        timeout=30,
    )
    assert other.status_code == 401  # the other session ended; this tab's did not
    expect(page.get_by_role("link", name=account.email)).to_be_visible()
    Api(dashboard_gateway, account.token).call("GET", "/api/v1/auth/me")
