"""Members and the audit trail in the browser: inviting someone (the mailed token used to sign
up), changing their role, revoking an invitation, removing a member, the last OWNER kept, what
an ADMIN may not touch; then reading, filtering and paging the audit trail, with what changed."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.admin_api.support import mail_to, token_in
from tests.dashboard.support import (
    AFTER_HELD_ANSWER_MS,
    PASSWORD,
    Api,
    contrast_failures,
    hold_first_answer,
    join_as,
    open_console,
    screenshot,
    sign_up,
)
from tests.harness import RunningGateway


def members_by_email(api: Api, org_id: str) -> dict[str, str]:
    members = api.call("GET", f"/api/v1/orgs/{org_id}/members")["members"]
    return {m["email"]: m["role"] for m in members}


def member_row(page: Page, email: str) -> Any:
    return page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=re.compile(re.escape(email)))
    )


def test_inviting_changing_and_removing_members(
    new_page: Any, dashboard_gateway: RunningGateway
) -> None:
    owner = sign_up(dashboard_gateway)
    api = Api(dashboard_gateway, owner.token)
    page = new_page()
    open_console(page, owner, "decisions")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", name="Members", level=1)).to_be_visible()
    expect(member_row(page, owner.email)).to_contain_text("(you)")
    expect(page.get_by_label(f"Role of {owner.email}")).to_have_value("OWNER")

    # An invitation, used to sign up: the new member shows with the role it named.
    invite = page.locator("form.invite-form")
    invite.get_by_label("Email").fill("not an address")
    invite.get_by_role("button", name="Send invitation").click()
    expect(invite.get_by_role("alert")).to_have_text("Enter an email address.")
    newcomer = f"newcomer-{uuid.uuid4().hex[:8]}@example.com"
    invite.get_by_label("Email").fill(newcomer)
    invite.get_by_label("Role").select_option("DEVELOPER")
    invite.get_by_role("button", name="Send invitation").click()
    pending = page.get_by_role("row").filter(has_text=newcomer)
    expect(pending).to_contain_text("pending")
    mail_directory = Path(dashboard_gateway.settings.admin.mail.directory)
    token = token_in(mail_to(mail_directory, newcomer)[-1], "gin_")
    joined = httpx.post(
        f"{dashboard_gateway.base_url}/api/v1/auth/signup",
        json={"email": newcomer, "password": PASSWORD, "invitationToken": token},
        timeout=30,
    )
    assert joined.status_code == 201, joined.text
    page.reload()
    expect(page.get_by_label(f"Role of {newcomer}")).to_have_value("DEVELOPER")
    expect(
        page.get_by_role("row").filter(has_text=newcomer).filter(has_text="accepted")
    ).to_be_visible()

    # A role changed in place.
    page.get_by_label(f"Role of {newcomer}").select_option("VIEWER")
    expect(page.get_by_label(f"Role of {newcomer}")).to_be_enabled()
    expect(page.locator("#announcer")).to_have_text(f"{newcomer} is now viewer.")
    assert members_by_email(api, owner.org_id)[newcomer] == "VIEWER"

    # An invitation revoked before use.
    unwanted = f"unwanted-{uuid.uuid4().hex[:8]}@example.com"
    invite.get_by_label("Email").fill(unwanted)
    invite.get_by_role("button", name="Send invitation").click()
    page.get_by_role("button", name=f"Revoke the invitation of {unwanted}").click()
    page.get_by_role("dialog").get_by_role("button", name="Revoke invitation").click()
    expect(page.get_by_role("row").filter(has_text=unwanted)).to_contain_text("revoked")
    unused = mail_to(mail_directory, unwanted)[-1]
    refused = httpx.post(
        f"{dashboard_gateway.base_url}/api/v1/auth/signup",
        json={"email": unwanted, "password": PASSWORD, "invitationToken": token_in(unused, "gin_")},
        timeout=30,
    )
    assert refused.status_code == 404

    # The only OWNER cannot step down: the API's refusal shows, the role stays.
    page.get_by_label(f"Role of {owner.email}").select_option("ADMIN")
    expect(page.get_by_role("alert")).to_contain_text("an org keeps at least one OWNER")
    expect(page.get_by_label(f"Role of {owner.email}")).to_have_value("OWNER")
    screenshot(page, "members", full_page=True, readme=True)
    assert contrast_failures(page) == []

    # Removing a member, after a confirmation.
    page.get_by_role("button", name=f"Remove {newcomer}").click()
    expect(page.get_by_role("dialog")).to_contain_text("Their API keys in this org are disabled")
    page.get_by_role("dialog").get_by_role("button", name="Remove member").click()
    expect(page.get_by_label(f"Role of {newcomer}")).to_have_count(0)
    assert set(members_by_email(api, owner.org_id)) == {owner.email}


def test_an_admin_cannot_touch_owners(new_page: Any, dashboard_gateway: RunningGateway) -> None:
    owner = sign_up(dashboard_gateway)
    admin = join_as(dashboard_gateway, owner, "ADMIN")
    page = new_page()
    open_console(page, admin, "members")
    expect(member_row(page, owner.email)).to_contain_text("Owner")
    expect(page.get_by_label(f"Role of {owner.email}")).to_have_count(0)
    expect(page.get_by_role("button", name=f"Remove {owner.email}")).to_have_count(0)
    roles = page.locator("form.invite-form").get_by_label("Role").locator("option")
    expect(roles).to_have_count(3)
    expect(roles).not_to_contain_text(["Owner: everything"])


def test_other_roles_have_no_members_or_audit_page(
    new_page: Any, dashboard_gateway: RunningGateway
) -> None:
    owner = sign_up(dashboard_gateway)
    developer = join_as(dashboard_gateway, owner, "DEVELOPER")
    page = new_page()
    open_console(page, developer, "members")  # falls back to the first page
    expect(page.get_by_role("heading", name="Decisions", level=1)).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Members")).to_have_count(0)
    expect(nav.get_by_role("link", name="Audit trail")).to_have_count(0)


def test_the_audit_trail_filtered_paged_and_explained(
    new_page: Any, dashboard_gateway: RunningGateway
) -> None:
    owner = sign_up(dashboard_gateway)
    api = Api(dashboard_gateway, owner.token)
    admin_key = api.call(
        "POST", "/api/v1/keys", 201, json={"name": "terraform", "scopes": ["admin"]}
    )
    budget = api.call("POST", "/api/v1/budgets", 201, json={"name": "Ops", "amount": "10"})
    for amount in range(11, 66):  # 55 updates: more than one page of 50
        api.call("PATCH", f"/api/v1/budgets/{budget['id']}", json={"amount": str(amount)})
    by_key = Api(dashboard_gateway, admin_key["key"])
    by_key.call("PATCH", f"/api/v1/budgets/{budget['id']}", json={"name": "Ops (renamed)"})

    page = new_page()
    open_console(page, owner, "audit")
    expect(page.get_by_role("heading", name="Audit trail", level=1)).to_be_visible()
    rows = page.locator("table.audit-table tbody tr")
    expect(rows).to_have_count(50)
    newest = rows.first
    expect(newest).to_contain_text("key terraform")  # the key's change is the newest
    expect(newest).to_contain_text("budget.update")
    expect(rows.nth(1)).to_contain_text(owner.email)
    expect(page.get_by_role("status").filter(has_text="entries shown")).to_have_text(
        "50 entries shown, older ones to load."
    )
    page.get_by_role("button", name="Load older entries").click()
    # org.create, the operator's org.models_grant, key, budget, 55 updates, the rename
    expect(rows).to_have_count(60)
    expect(page.get_by_role("button", name="Load older entries")).to_be_hidden()
    expect(rows.last).to_contain_text("org.create")
    expect(rows.nth(50).get_by_role("button", name=re.compile("^Details"))).to_be_focused()

    # Filtered to one action; its details say what changed, field by field.
    page.get_by_label("Action").fill("budget.create")
    page.get_by_role("button", name="Show").click()
    expect(rows).to_have_count(1)
    page.get_by_label("Action").fill("budget.update")
    page.get_by_label("Resource").fill(f"budget:{budget['id']}")
    page.get_by_role("button", name="Show").click()
    expect(rows).to_have_count(50)
    rows.first.get_by_role("button", name=re.compile("^Details")).click()
    drawer = page.get_by_role("dialog", name=f"budget.update on budget:{budget['id']}")
    changed = drawer.locator("table.changes tbody tr")
    expect(changed.filter(has_text="name")).to_contain_text('"Ops"')
    expect(changed.filter(has_text="name")).to_contain_text('"Ops (renamed)"')
    expect(changed.filter(has=page.get_by_role("rowheader", name="amount"))).to_have_count(0)
    expect(drawer).to_contain_text("key terraform")
    screenshot(page, "audit-details", readme=True)
    assert contrast_failures(page) == []
    page.keyboard.press("Escape")
    expect(drawer).to_have_count(0)

    # Filtered to who did it: the key made one change, the owner all the rest.
    page.get_by_role("button", name="Clear").click()
    page.get_by_label("Who").select_option(label="key terraform")
    page.get_by_role("button", name="Show").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("budget.update")
    page.get_by_label("Who").select_option(label=owner.email)
    page.get_by_role("button", name="Show").click()
    expect(rows).to_have_count(50)
    expect(rows.filter(has_text="key terraform")).to_have_count(0)

    page.get_by_role("button", name="Clear").click()
    expect(page.get_by_label("Who")).to_have_value("")
    expect(rows).to_have_count(50)
    page.get_by_label("From").fill("2001-01-01")
    page.get_by_label("To").fill("2001-12-31")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("No entries for these filters.")).to_be_visible()


def _show_budget_creations_while_held(
    new_page: Any, dashboard_gateway: RunningGateway, held: str
) -> tuple[Any, Any]:
    """The audit page opened with the first answer from ``held`` held back, filtered to the
    one budget created, "Show" pressed at once; the page and its rows."""
    owner = sign_up(dashboard_gateway)
    api = Api(dashboard_gateway, owner.token)
    api.call("POST", "/api/v1/budgets", 201, json={"name": "Ops", "amount": "10"})
    page = new_page()
    hold_first_answer(page, held)
    open_console(page, owner, "audit")
    page.get_by_label("Action").fill("budget.create")
    page.get_by_role("button", name="Show").click()
    return page, page.locator("table.audit-table tbody tr")


def test_a_slow_first_audit_page_never_adds_to_the_filtered_one(
    new_page: Any, dashboard_gateway: RunningGateway
) -> None:
    page, rows = _show_budget_creations_while_held(new_page, dashboard_gateway, "/api/v1/audit?")
    expect(rows).to_have_count(1)
    page.wait_for_timeout(AFTER_HELD_ANSWER_MS)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("budget.create")


def test_show_pressed_while_the_actors_still_load(
    new_page: Any, dashboard_gateway: RunningGateway
) -> None:
    # The filter form is on the page before the actors' names have loaded: "Show" pressed
    # then filters as it would later, and the page logs no error (the fixture checks).
    page, rows = _show_budget_creations_while_held(new_page, dashboard_gateway, "/api/v1/orgs/")
    page.wait_for_timeout(AFTER_HELD_ANSWER_MS)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("budget.create")
