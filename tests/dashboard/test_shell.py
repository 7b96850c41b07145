"""What every page shares: the health pill, the layout at tablet width, contrast, keyboard
focus, and how the gateway serves the console's files."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from admin_api.dashboard import STATIC_DIR
from tests.dashboard.support import (
    Account,
    Api,
    contrast_failures,
    open_console,
    screenshot,
    sign_up,
)
from tests.harness import RunningGateway

PAGES = {
    "decisions": "Decisions",
    "keys": "API keys",
    "policies": "Policies",
    "usage": "Usage and budgets",
    "members": "Members",
    "audit": "Audit trail",
}
# Every page, with the one the header's email leads to (not in the menu).
ALL_PAGES = {**PAGES, "account": "Your account"}
TABLET = {"width": 768, "height": 1024}


def furnished_account(gateway: RunningGateway) -> Account:
    """An org with something on every page: decisions of each kind, a key, a policy, a budget."""
    account = sign_up(gateway)
    api = Api(gateway, account.token)
    for index, verdict in enumerate(("allow", "transform", "deny", "allow")):
        api.call(
            "POST",
            "/api/v1/ingest/decision",
            202,
            json={
                "direction": "precheck" if index % 2 else "postcheck",
                "decision": verdict,
                "tool": "support.reply",
                "payloadHash": f"{index:016x}",
                "correlationId": f"shell-{index}",
                "latencyMs": 12 + index,
                "ts": datetime.now(UTC).isoformat(),
            },
        )
    api.call("POST", "/api/v1/keys", 201, json={"name": "billing", "scopes": ["precheck:invoke"]})
    api.call(
        "POST",
        "/api/v1/policies",
        201,
        json={
            "name": "pii",
            "toolAccessMatrix": {"support.reply": {"email": "mask"}, "default": {"ssn": "deny"}},
        },
    )
    api.call("POST", "/api/v1/budgets", 201, json={"name": "Monthly", "amount": "10"})
    gateway.flush()
    return account


def test_the_health_pill_is_on_every_page_and_refreshes(
    new_page: Any, dashboard_gateway: RunningGateway
) -> None:
    account = sign_up(dashboard_gateway)
    page = new_page()
    page.clock.install()
    checks: list[str] = []
    page.on("request", lambda r: checks.append(r.url) if "/api/health" in r.url else None)
    open_console(page, account, "decisions")
    pill = page.locator(".health-pill")
    for route, title in [*list(PAGES.items())[1:], ("decisions", "Decisions")]:
        page.get_by_role("navigation", name="Main").get_by_role("link", name=title).click()
        expect(page).to_have_url(re.compile(f"#/{route}$"))
        expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
        expect(pill).to_have_attribute("data-status", "healthy")
        expect(pill.locator("summary")).to_have_text("Gateway health: Healthy")
    assert len(checks) == 1  # one poller for the whole console, not one per page
    assert f"orgId={account.org_id}" in checks[0]

    with page.expect_request("**/api/health?*"):
        page.clock.run_for(30_000)
    assert len(checks) == 2
    pill.locator("summary").click()
    expect(pill.get_by_text("Decisions stored")).to_be_visible()
    expect(pill.get_by_text("Error rate (5 min)")).to_be_visible()


def test_pages_fit_a_tablet(new_page: Any, dashboard_gateway: RunningGateway) -> None:
    account = furnished_account(dashboard_gateway)
    page = new_page(viewport=TABLET)
    open_console(page, account, "decisions")
    for route, title in ALL_PAGES.items():
        page.goto(f"/dashboard/#/{route}")
        expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{route} scrolls sideways by {overflow} px at 768 px"
        # "Your account" stays reachable on a tablet: the email in the header leads there.
        expect(page.get_by_role("link", name=account.email)).to_be_visible()
        if route in ("decisions", "policies"):
            screenshot(page, f"tablet-{route}", readme=route == "policies")


def test_text_contrast_on_every_page(new_page: Any, dashboard_gateway: RunningGateway) -> None:
    account = furnished_account(dashboard_gateway)
    login = new_page()
    login.goto("/dashboard/")
    expect(login.get_by_role("heading", name="Sign in to the console")).to_be_visible()
    assert contrast_failures(login) == [], "login"
    page = new_page()
    open_console(page, account, "decisions")
    for route, title in ALL_PAGES.items():
        page.goto(f"/dashboard/#/{route}")
        expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
        page.wait_for_load_state("networkidle")
        page.locator("main table, main figure, main .policy-editor, main .panel").first.wait_for()
        assert contrast_failures(page) == [], route
    page.goto("/dashboard/#/keys")
    page.get_by_role("button", name="New key").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    assert contrast_failures(page) == [], "the new key dialog"


def test_keyboard_focus_is_always_visible(new_page: Any, dashboard_gateway: RunningGateway) -> None:
    account = furnished_account(dashboard_gateway)
    page = new_page()
    open_console(page, account, "policies")
    expect(page.get_by_role("heading", name="Edit “pii”")).to_be_visible()  # loaded
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    seen = set()
    for _ in range(60):
        page.keyboard.press("Tab")
        tag, label, outline = page.evaluate(
            """() => {
              const el = document.activeElement;
              const style = getComputedStyle(el);
              const width = style.outlineStyle === "none" ? 0 : parseFloat(style.outlineWidth);
              return [el.tagName, el.getAttribute("aria-label") || el.id || el.textContent, width];
            }"""
        )
        if tag == "BODY":
            break  # past the last control of the page
        seen.add(tag)
        assert outline >= 2, f"no visible focus on {tag} {label!r}"
    assert {"BUTTON", "INPUT", "SELECT"} <= seen


def test_the_console_is_served_as_static_files(dashboard_gateway: RunningGateway) -> None:
    base = dashboard_gateway.base_url
    with httpx.Client(base_url=base) as client:
        moved = client.get("/dashboard")
        assert moved.status_code == 308
        assert moved.headers["Location"] == "/dashboard/"
        index = client.get("/dashboard/")
        assert index.status_code == 200
        assert index.headers["Content-Type"].startswith("text/html")
        policy = index.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy
        script = client.get("/dashboard/static/js/main.js")
        assert script.status_code == 200
        assert "javascript" in script.headers["Content-Type"]
        assert script.headers["Cache-Control"] == "no-cache"
        assert client.get("/dashboard/static/js/nothing.js").status_code == 404
        escape = client.get("/dashboard/static/%2e%2e/__init__.py")
        assert escape.status_code == 404


def test_nothing_is_loaded_from_elsewhere() -> None:
    """No CDN, no web font, no build output: every file is source, every URL is this origin."""
    for path in STATIC_DIR.rglob("*"):
        if path.is_dir():
            continue
        assert path.suffix in {".html", ".css", ".js"}, path
        text = path.read_text()
        urls = set(re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text))
        assert urls <= {"http://www.w3.org"}, (path.relative_to(STATIC_DIR), urls)
    assert not (Path(STATIC_DIR).parent / "node_modules").exists()


def test_the_host_selects_the_org(new_page: Any, dashboard_gateway: RunningGateway) -> None:
    # dashboard_gateway's admin.org_host_pattern is "{org}.localhost".
    account = sign_up(dashboard_gateway)
    api = Api(dashboard_gateway, account.token)
    second = api.call(
        "POST", "/api/v1/orgs", 201, json={"name": "Second Org", "slug": f"two-{account.org_slug}"}
    )
    api.call(
        "POST",
        "/api/v1/keys",
        201,
        json={"orgId": second["id"], "label": "second-key", "scopes": ["admin"]},
    )
    stranger = sign_up(dashboard_gateway)
    port = dashboard_gateway.base_url.rsplit(":", 1)[1]

    def console_at(slug: str, route: str = "keys") -> Any:
        page = new_page()
        page.add_init_script(f"sessionStorage.setItem('governs.token', {account.token!r});")
        page.goto(f"http://{slug}.localhost:{port}/dashboard/#/{route}")
        return page

    # At 127.0.0.1 a member of two orgs picks one; at an org's host, that org is the console's.
    page = new_page()
    open_console(page, account, "keys")
    expect(page.get_by_label("Organisation")).to_be_visible()
    page = console_at(second["slug"])
    expect(page.locator(".org-name")).to_have_text("Second Org")
    expect(page.get_by_label("Organisation")).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text="second-key")).to_have_count(1)
    page = console_at(account.org_slug)
    expect(page.locator(".org-name")).to_have_text(account.org_slug.upper())
    expect(page.get_by_role("heading", name="API keys", level=1)).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="second-key")).to_have_count(0)
    page = console_at(stranger.org_slug, "decisions")
    expect(page.get_by_role("heading", name="Not a member of this organisation")).to_be_visible()
