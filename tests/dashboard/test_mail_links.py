"""The screens the mails link to, in the browser: accepting an invitation (new account or
existing one), verifying an email address, resetting a password, and the first login of an
account made with ``governs users create``."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml
from playwright.sync_api import expect

from tests.admin_api.support import mail_to
from tests.dashboard.conftest import TEST_PASSWORD_HASH
from tests.dashboard.support import PASSWORD, Api, screenshot, sign_up
from tests.harness import RunningGateway

ROOT = Path(__file__).resolve().parents[2]
NEW_PASSWORD = "a brand new passphrase"


def mails(gateway: RunningGateway, address: str) -> list[str]:
    return mail_to(Path(gateway.settings.admin.mail.directory), address)


def link_in(body: str, path: str) -> str:
    """The path and query of the mail's link to ``path`` (the mail's host is the configured
    public URL; the test's gateway listens elsewhere)."""
    for word in body.split():
        if urlsplit(word).path == path:
            parts = urlsplit(word)
            return f"{parts.path}?{parts.query}"
    raise AssertionError(f"no link to {path} in {body!r}")


def invitation_token(link: str) -> str:
    return link.split("token=", 1)[1]


def expect_token_gone(page: Any) -> None:
    assert "token" not in page.url, page.url


def invite(owner_token: str, gateway: RunningGateway, org_id: str, email: str, role: str) -> str:
    Api(gateway, owner_token).call(
        "POST", f"/api/v1/orgs/{org_id}/invitations", 201, json={"email": email, "role": role}
    )
    return link_in(mails(gateway, email)[-1], "/invitations/accept")


def test_the_mail_links_send_the_browser_to_the_console(dashboard_gateway: RunningGateway) -> None:
    for path in ("/invitations/accept", "/verify-email", "/reset-password"):
        response = httpx.get(f"{dashboard_gateway.base_url}{path}?token=gat_a+b/c")
        assert response.status_code == 303, response.text
        route = path.lstrip("/")
        assert response.headers["Location"] == f"/dashboard/#/{route}?token=gat_a%20b/c"
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_accepting_an_invitation_with_a_new_account(
    new_page: Any, dashboard_gateway: RunningGateway
) -> None:
    owner = sign_up(dashboard_gateway)
    email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    link = invite(owner.token, dashboard_gateway, owner.org_id, email, "DEVELOPER")

    page = new_page()
    page.goto(link)
    expect(page.get_by_role("heading", name=f"Join {owner.org_slug.upper()}")).to_be_visible()
    expect(page.get_by_text(f"as Developer. The invitation was sent to {email}.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(email)
    expect_token_gone(page)
    screenshot(page, "invitation-accept")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_role("button", name="Create account and join").click()
    expect(page.get_by_role("alert")).to_contain_text("at least 10 characters")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account and join").click()

    expect(page.get_by_role("heading", name="Decisions", level=1)).to_be_visible()
    expect(page.locator("#top")).to_contain_text(owner.org_slug.upper())
    expect(page.locator("#top")).to_contain_text(email)
    members = Api(dashboard_gateway, owner.token).call(
        "GET", f"/api/v1/orgs/{owner.org_id}/members"
    )["members"]
    assert {"email": email, "role": "DEVELOPER"} in [
        {"email": m["email"], "role": m["role"]} for m in members
    ]
    # The invitation mail proved the address.
    token = page.evaluate("sessionStorage.getItem('governs.token')")
    me = Api(dashboard_gateway, token).call("GET", "/api/v1/auth/me")
    assert me["user"]["emailVerified"] is not None

    # Used once: the same link again says so, and offers no form.
    page2 = new_page()
    page2.goto(link)
    expect(page2.get_by_role("alert")).to_contain_text("it was used, revoked or has expired")
    expect(page2.get_by_role("button", name="Create account and join")).to_have_count(0)


def test_an_owner_invites_an_owner_who_signs_in_to_accept(
    new_page: Any, dashboard_gateway: RunningGateway
) -> None:
    owner = sign_up(dashboard_gateway)
    other = sign_up(dashboard_gateway)  # an existing account, OWNER of an org of their own
    link = invite(owner.token, dashboard_gateway, owner.org_id, other.email, "OWNER")

    page = new_page()
    page.goto(link)
    page.get_by_role("link", name="Sign in to accept").click()
    expect(page.get_by_role("heading", name="Sign in to the console")).to_be_visible()
    page.get_by_label("Email").fill(other.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Back at the invitation, now signed in.
    expect(page.get_by_role("heading", name=f"Join {owner.org_slug.upper()}")).to_be_visible()
    expect(page.get_by_text("as Owner.")).to_be_visible()
    page.get_by_role("button", name="Accept and join").click()
    expect(page.get_by_role("heading", name="Decisions", level=1)).to_be_visible()
    picker = page.locator(".org-picker select")
    expect(picker).to_have_value(owner.org_id)
    expect(page.get_by_role("link", name="Members")).to_be_visible()  # an OWNER there
    members = Api(dashboard_gateway, owner.token).call(
        "GET", f"/api/v1/orgs/{owner.org_id}/members"
    )["members"]
    assert [m["role"] for m in members if m["email"] == other.email] == ["OWNER"]

    # A later sign-in goes to the console, not back to the used invitation.
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Email").fill(other.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Decisions", level=1)).to_be_visible()


def test_an_invitation_for_someone_else_is_refused_in_words(
    new_page: Any, dashboard_gateway: RunningGateway
) -> None:
    owner = sign_up(dashboard_gateway)
    bystander = sign_up(dashboard_gateway)
    link = invite(owner.token, dashboard_gateway, owner.org_id, "someone@example.com", "VIEWER")
    page = new_page()
    page.add_init_script(f"sessionStorage.setItem('governs.token', {bystander.token!r});")
    page.goto(link)
    expect(page.get_by_text(f"You are signed in as {bystander.email}: only")).to_be_visible()
    expect(page.get_by_role("button", name="Accept and join")).to_have_count(0)
    # The API refuses it too, whatever a page offers.
    refused = Api(dashboard_gateway, bystander.token).client.post(
        "/api/v1/invitations/accept", json={"token": invitation_token(link)}
    )
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "invitation_not_found"

    # Signing out to use the invited address keeps the invitation for the next sign-in.
    page.get_by_role("button", name="Sign out and use someone@example.com").click()
    expect(page.get_by_role("heading", name="Sign in to the console")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('governs.invitation')") is not None


def test_verifying_an_email_address(new_page: Any, dashboard_gateway: RunningGateway) -> None:
    account = sign_up(dashboard_gateway, verified=False)  # sign-up mails a verification link
    link = link_in(mails(dashboard_gateway, account.email)[-1], "/verify-email")
    api = Api(dashboard_gateway, account.token)
    assert api.call("GET", "/api/v1/auth/me")["user"]["emailVerified"] is None

    page = new_page()
    page.goto(link)
    expect(page.get_by_role("heading", name="Verify your email address")).to_be_visible()
    expect_token_gone(page)
    page.get_by_role("button", name="Verify my email").click()
    expect(page.get_by_text("Your email address is verified.")).to_be_visible()
    screenshot(page, "verify-email")
    assert api.call("GET", "/api/v1/auth/me")["user"]["emailVerified"] is not None

    again = new_page()
    again.goto(link)
    again.get_by_role("button", name="Verify my email").click()
    expect(again.get_by_role("alert")).to_contain_text("unknown, used or expired")


def test_resetting_a_forgotten_password(new_page: Any, dashboard_gateway: RunningGateway) -> None:
    account = sign_up(dashboard_gateway)
    page = new_page()
    page.goto("/dashboard/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    page.get_by_label("Email").fill(account.email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("status").filter(has_text="a link to reset")).to_be_visible()

    link = link_in(mails(dashboard_gateway, account.email)[-1], "/reset-password")
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    expect_token_gone(page)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat it").fill(NEW_PASSWORD + "!")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("alert")).to_contain_text("The two passwords differ.")
    page.get_by_label("Repeat it").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()

    expect(page.get_by_role("heading", name="Sign in to the console")).to_be_visible()
    expect(page.get_by_text("Your password is set: sign in with it.")).to_be_visible()
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Decisions", level=1)).to_be_visible()
    # The reset ended the sessions the account had.
    old = httpx.get(
        f"{dashboard_gateway.base_url}/api/v1/auth/me",
        headers={"Authorization": f"Bearer {account.token}"},
    )
    assert old.status_code == 401


def test_first_login_of_an_owner_made_on_the_command_line(
    new_page: Any, dashboard_gateway: RunningGateway, tmp_path: Path
) -> None:
    config = tmp_path / "governs.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "database": {"url": dashboard_gateway.settings.database.url},
                "admin": {"password_hash": TEST_PASSWORD_HASH},
            }
        )
    )
    email = f"first-{uuid.uuid4().hex[:8]}@example.com"
    made = subprocess.run(
        [sys.executable, "-m", "governs", "users", "create", "--config", str(config),
         "--org", "default", "--email", email, "--role", "OWNER"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    link = made.stdout.strip()
    assert link.startswith("http://127.0.0.1:8080/reset-password?token=gat_"), made.stdout
    assert "/dashboard/" in made.stderr

    page = new_page()
    page.goto(link_in(link, "/reset-password"))
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat it").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Decisions", level=1)).to_be_visible()
    expect(page.locator("#top")).to_contain_text("Default")
    expect(page.get_by_role("link", name="Members")).to_be_visible()
    screenshot(page, "first-login")

    # The link works once.
    again = new_page()
    again.goto(link_in(link, "/reset-password"))
    again.get_by_label("New password", exact=True).fill(PASSWORD)
    again.get_by_label("Repeat it").fill(PASSWORD)
    again.get_by_role("button", name="Set password").click()
    expect(again.get_by_role("alert")).to_contain_text("unknown, used or expired")
