"""Single sign-on in Chromium, through a real OpenID Connect provider (oidc-provider): the
console's "Sign in with …" button, the provider's sign-in form, and back into the console in
the right org with the right role; and every refusal the issue names, shown on the console's
sign-in page and audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.harness import RunningGateway
from tests.services import missing
from tests.sso.conftest import PROVIDER_NAME, Idp, Owner

CHROMIUM = Path("/usr/bin/chromium")
CALLBACK = "/api/v1/auth/sso/callback"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-sync"]  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium for this module (as tests/dashboard does it)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is missing: the SSO browser tests drive Chromium")
    if not CHROMIUM.exists():
        missing("/usr/bin/chromium is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_page(
    browser: Any, sso_gateway: RunningGateway, acme_owner: Owner, idp: Idp
) -> Iterator[Any]:
    """A fresh browser (own cookies at the provider too) on the gateway; fails the test if a
    gateway page logged an error other than an API's 4xx answer."""
    from tests.dashboard.support import PageProblems

    class GatewayProblems(PageProblems):
        def _console(self, message: Any) -> None:
            # The provider's development form asks the internet for a web font.
            if not message.page or not message.page.url.startswith(idp.issuer):
                super()._console(message)

    contexts: list[Any] = []
    problems = GatewayProblems()

    def make() -> Any:
        context = browser.new_context(base_url=sso_gateway.base_url, locale="en-GB")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        problems.watch(page)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not problems.messages, f"the page logged errors: {problems.messages}"


def sign_in_at_provider(page: Any, login: str) -> None:
    """From the console's sign-in page: the button, then the provider's own form."""
    from playwright.sync_api import expect

    page.goto("/dashboard/")
    button = page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}")
    expect(button).to_be_visible()
    button.click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password: the provider's dev form")
    page.get_by_role("button", name="Sign-in").click()


def membership(gateway: RunningGateway, email: str) -> dict[str, Any] | None:
    users = gateway.rows("users", email=email)
    if not users:
        return None
    rows = gateway.rows("memberships", user_id=users[0]["id"])
    return rows[0] if rows else None


def audit(gateway: RunningGateway, action: str) -> list[dict[str, Any]]:
    return gateway.rows("audit_logs", action=action)


def test_first_sign_in_creates_the_user_in_the_org_with_the_mapped_role(
    new_page: Any, sso_gateway: RunningGateway, acme_owner: Owner
) -> None:
    from playwright.sync_api import expect

    page = new_page()
    sign_in_at_provider(page, "alice")
    expect(page.get_by_role("heading", name="Decisions", level=1)).to_be_visible()
    expect(page.locator("#top")).to_contain_text("alice@acme.test")
    expect(page.locator("#top")).to_contain_text("Acme")
    # gateway-admins maps to ADMIN: the Members and Audit pages are in the menu.
    expect(page.get_by_role("link", name="Members")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('governs.token')").startswith("gas_")
    assert "token=" not in page.url  # the one-time token left the address bar

    member = membership(sso_gateway, "alice@acme.test")
    assert member is not None and member["org_id"] == acme_owner.org_id
    assert member["role"] == "ADMIN"
    user = sso_gateway.rows("users", email="alice@acme.test")[0]
    assert user["email_verified"] is not None and user["name"] == "Alice"
    assert sso_gateway.rows("user_credentials", user_id=user["id"]) == []  # no password
    identity = sso_gateway.rows("sso_identities", user_id=user["id"])
    assert [(i["subject"], i["provider"]) for i in identity] == [("alice", PROVIDER_NAME)]
    logins = [r for r in audit(sso_gateway, "user.sso_login") if r["user_id"] == user["id"]]
    assert logins and logins[0]["org_id"] == acme_owner.org_id
    assert logins[0]["details"]["after"]["created"] is True
    assert any(r["user_id"] == user["id"] for r in audit(sso_gateway, "user.sso_create"))
    assert any(r["user_id"] == user["id"] for r in audit(sso_gateway, "member.sso_join"))


def test_the_role_claim_is_applied_again_at_each_sign_in(
    new_page: Any, sso_gateway: RunningGateway, idp: Idp
) -> None:
    from playwright.sync_api import expect

    page = new_page()
    sign_in_at_provider(page, "erin")  # gateway-devs: DEVELOPER
    expect(page.get_by_role("heading", name="Decisions", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="API keys")).to_be_visible()
    expect(page.get_by_role("link", name="Members")).to_have_count(0)
    assert membership(sso_gateway, "erin@acme.test")["role"] == "DEVELOPER"  # type: ignore[index]

    idp.set_claims("erin", groups=["staff"])  # out of every mapped group: default_role
    page = new_page()
    sign_in_at_provider(page, "erin")
    expect(page.get_by_role("heading", name="Decisions", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="API keys")).to_have_count(0)  # a VIEWER's menu
    assert membership(sso_gateway, "erin@acme.test")["role"] == "VIEWER"  # type: ignore[index]
    user_id = sso_gateway.rows("users", email="erin@acme.test")[0]["id"]
    changes = [r for r in audit(sso_gateway, "member.role_change") if r["user_id"] == user_id]
    assert [(c["details"]["before"]["role"], c["details"]["after"]["role"]) for c in changes] == [
        ("DEVELOPER", "VIEWER")
    ]
    assert changes[0]["details"]["after"]["via"] == "sso"


def test_a_domain_that_is_not_allowed_is_refused(
    new_page: Any, sso_gateway: RunningGateway
) -> None:
    from playwright.sync_api import expect

    page = new_page()
    sign_in_at_provider(page, "bob")  # bob@other.test
    expect(page.get_by_role("heading", name="Sign in to the console")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("domain may not sign in here")
    assert "ssoError" not in page.url
    assert sso_gateway.rows("users", email="bob@other.test") == []
    refused = [r for r in audit(sso_gateway, "user.sso_refused")
               if r["details"]["reason"] == "domain_not_allowed"]  # fmt: skip
    assert refused and refused[0]["org_id"] is not None


def test_an_email_the_provider_has_not_verified_is_refused(
    new_page: Any, sso_gateway: RunningGateway
) -> None:
    from playwright.sync_api import expect

    page = new_page()
    sign_in_at_provider(page, "carol")
    expect(page.get_by_role("alert")).to_contain_text("has not verified your email address")
    assert sso_gateway.rows("users", email="carol@acme.test") == []


def test_a_tampered_id_token_is_refused(
    new_page: Any, sso_gateway: RunningGateway, idp: Idp
) -> None:
    from playwright.sync_api import expect

    idp.proxy.tamper = True
    try:
        page = new_page()
        sign_in_at_provider(page, "mallory")
        expect(page.get_by_role("alert")).to_contain_text("failed the gateway's checks")
    finally:
        idp.proxy.tamper = False
    assert idp.proxy.tampered >= 1
    for email in ("mallory@acme.test", "ceo@acme.test"):
        assert sso_gateway.rows("users", email=email) == []
    refused = [r for r in audit(sso_gateway, "user.sso_refused")
               if r["details"]["reason"] == "id_token_invalid"]  # fmt: skip
    assert refused and "signature" in refused[-1]["details"]["message"].lower()


def test_a_replayed_state_is_refused(new_page: Any, sso_gateway: RunningGateway) -> None:
    from playwright.sync_api import expect

    page = new_page()
    callbacks: list[str] = []
    page.on(
        "request", lambda r: callbacks.append(r.url) if urlsplit(r.url).path == CALLBACK else None
    )
    sign_in_at_provider(page, "trent")
    expect(page.get_by_role("heading", name="Decisions", level=1)).to_be_visible()
    assert len(callbacks) == 1 and "state=" in callbacks[0]

    page.evaluate("sessionStorage.clear()")
    page.goto(callbacks[0])  # the provider's answer, sent again
    expect(page.get_by_role("heading", name="Sign in to the console")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("was used already")
    replays = [r for r in audit(sso_gateway, "user.sso_refused")
               if r["details"]["reason"] == "state_replayed"]  # fmt: skip
    assert replays and replays[-1]["details"]["provider"] == PROVIDER_NAME


def test_the_sign_in_page_offers_each_provider(new_page: Any) -> None:
    from playwright.sync_api import expect

    from tests.dashboard.support import contrast_failures, screenshot

    page = new_page()
    page.goto("/dashboard/")
    expect(page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}")).to_be_visible()
    down = page.get_by_role("link", name="Sign in with Down")
    expect(down).to_be_visible()
    down.click()  # its issuer does not answer: back to the sign-in page, told so
    expect(page.get_by_role("alert")).to_contain_text("cannot be reached right now")
    assert contrast_failures(page) == []
    screenshot(page, "login-sso")


def test_an_owner_requires_sso_from_the_members_page(
    new_page: Any, sso_gateway: RunningGateway, acme_owner: Owner
) -> None:
    from playwright.sync_api import expect

    page = new_page()
    page.add_init_script(f"sessionStorage.setItem('governs.token', {acme_owner.token!r})")
    page.goto("/dashboard/#/members")
    switch = page.get_by_role("switch", name="Require single sign-on")
    expect(switch).to_have_attribute("aria-checked", "false")
    try:
        switch.click()
        expect(switch).to_have_attribute("aria-checked", "true")
        expect(switch).to_contain_text("Required")
        org = httpx.get(f"{sso_gateway.base_url}/api/v1/orgs/{acme_owner.org_id}",
                        headers={"Authorization": f"Bearer {acme_owner.token}"}).json()  # fmt: skip
        assert org["requireSso"] is True
        page.reload()
        expect(page.get_by_role("switch", name="Require single sign-on")).to_have_attribute(
            "aria-checked", "true"
        )
    finally:
        httpx.patch(f"{sso_gateway.base_url}/api/v1/orgs/{acme_owner.org_id}",
                    json={"requireSso": False},
                    headers={"Authorization": f"Bearer {acme_owner.token}"})  # fmt: skip
