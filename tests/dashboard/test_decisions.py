"""The Decisions page in the browser: a proxied request's decisions appear live, the detail
drawer works from the keyboard, filters and pages narrow the table."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import openai
import websockets.sync.client
from playwright.sync_api import expect

from tests.dashboard.support import (
    AFTER_HELD_ANSWER_MS,
    Api,
    focused,
    hold_first_answer,
    open_console,
    screenshot,
    sign_up,
)
from tests.harness import RunningGateway

LIVE_WITHIN_MS = 2000


def test_a_proxied_request_appears_live(new_page: Any, dashboard_gateway: RunningGateway) -> None:
    account = sign_up(dashboard_gateway)
    api = Api(dashboard_gateway, account.token)
    key = api.create_proxy_key()
    page = new_page()
    open_console(page, account, "decisions")
    expect(page.get_by_role("heading", name="Decisions", level=1)).to_be_visible()
    expect(page.get_by_text("No decisions match these filters yet.")).to_be_visible()
    expect(page.locator(".live-status")).to_have_attribute("data-state", "live")

    correlation = f"live-{uuid.uuid4().hex[:8]}"
    client = openai.OpenAI(base_url=dashboard_gateway.openai_base_url, api_key=key, max_retries=0)
    client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "what is our refund policy?"}],
        extra_headers={"X-Request-ID": correlation, "X-Governs-Tool": "support.reply"},
    )
    answered = time.monotonic()
    rows = page.locator(f'tbody tr[data-correlation-id="{correlation}"]')
    expect(rows).to_have_count(2, timeout=LIVE_WITHIN_MS)  # precheck and postcheck
    assert time.monotonic() - answered < LIVE_WITHIN_MS / 1000
    expect(rows.first).to_contain_text("support.reply")
    expect(rows.first).to_contain_text("allow")
    expect(page.locator('[data-stat="total"] .stat-value')).to_have_text("2")
    expect(page.locator('[data-stat="allowed"] .stat-value')).to_have_text("2")
    screenshot(page, "decisions", readme=True)

    # The drawer, from the keyboard: Enter opens it, Escape closes it, focus comes back.
    details = rows.first.get_by_role("button", name="Details", exact=False)
    details.focus()
    page.keyboard.press("Enter")
    drawer = page.get_by_role("dialog")
    expect(drawer).to_be_visible()
    event = json.loads(drawer.get_by_label("The decision as JSON").inner_text())
    assert event["correlationId"] == correlation
    assert event["orgId"] == account.org_id
    assert event["tool"] == "support.reply"
    screenshot(page, "decisions-drawer", readme=True)
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    expect(details).to_be_focused()

    # The rows are the ones the API has.
    stored = api.call("GET", "/api/decisions", params={"correlationId": correlation})
    assert {d["id"] for d in stored["decisions"]} == set(
        rows.evaluate_all("rows => rows.map((r) => r.dataset.id)")
    )

    # A filter that excludes them, then one that keeps one of them.
    page.get_by_label("Decision", exact=True).select_option("deny")
    page.get_by_role("button", name="Apply filters").click()
    expect(rows).to_have_count(0)
    expect(page.locator('[data-stat="total"] .stat-value')).to_have_text("0")
    page.get_by_role("button", name="Clear").click()
    expect(rows).to_have_count(2)
    page.get_by_label("Direction").select_option("postcheck")
    page.get_by_label("Tool").fill("support.reply")
    page.get_by_role("button", name="Apply filters").click()
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("postcheck")


def ingest_decisions(api: Api, count: int, prefix: str) -> None:
    """``count`` precheck decisions a minute apart, two hours ago: allow, transform, deny in
    turn, four tools, correlation ids ``<prefix>-00`` upwards."""
    start = datetime.now(UTC) - timedelta(hours=2)
    for index in range(count):
        api.call(
            "POST",
            "/api/v1/ingest/decision",
            202,
            json={
                "type": "decision.v1",
                "direction": "precheck",
                "decision": ("allow", "transform", "deny")[index % 3],
                "tool": f"tool.{index % 4}",
                "payloadHash": f"{index:016x}",
                "correlationId": f"{prefix}-{index:02d}",
                "ts": (start + timedelta(minutes=index)).isoformat(),
                "detectorSummary": {"piiDetected": [{"class": "email", "count": 1}]}
                if index % 3 == 1
                else {},
            },
        )


def test_pages_of_decisions(new_page: Any, dashboard_gateway: RunningGateway) -> None:
    account = sign_up(dashboard_gateway)
    ingest_decisions(Api(dashboard_gateway, account.token), 30, "page")
    dashboard_gateway.flush()
    page = new_page()
    open_console(page, account, "decisions")
    page.get_by_label("Rows per page").select_option("25")
    page.get_by_role("button", name="Apply filters").click()
    position = page.locator(".page-position")
    expect(position).to_have_text("Page 1: 1\N{EN DASH}25 of 30")
    expect(page.locator('[data-stat="denied"] .stat-value')).to_have_text("10")
    expect(page.locator(".decisions-table tbody tr").first).to_have_attribute(
        "data-correlation-id", "page-29"
    )
    newer = page.get_by_role("button", name="Newer")
    expect(newer).to_be_disabled()
    page.get_by_role("button", name="Older").click()
    expect(position).to_have_text("Page 2: 26\N{EN DASH}30 of 30")
    expect(page.locator(".decisions-table tbody tr")).to_have_count(5)
    expect(page.locator(".decisions-table tbody tr").first).to_have_attribute(
        "data-correlation-id", "page-04"
    )
    expect(page.get_by_role("button", name="Older")).to_be_disabled()
    newer.click()
    expect(position).to_have_text("Page 1: 1\N{EN DASH}25 of 30")
    assert focused(page)  # something keeps the focus while pages change


def test_the_live_feed_connections_are_shown(
    new_page: Any, dashboard_gateway: RunningGateway
) -> None:
    account = sign_up(dashboard_gateway)
    api = Api(dashboard_gateway, account.token)
    key = api.call("POST", "/api/v1/keys", 201, json={"label": "watcher", "scopes": ["admin"]})
    page = new_page()
    open_console(page, account, "decisions")
    expect(page.locator(".live-status")).to_have_attribute("data-state", "live")
    section = page.get_by_role("region", name="Live feed connections")
    table = page.get_by_role("region", name="Live feed connections table")
    # A second client, with a key, connects and pings; Refresh shows it beside this tab's own.
    ws_url = dashboard_gateway.base_url.replace("http", "ws", 1) + f"/ws?key={key['keyValue']}"
    with websockets.sync.client.connect(ws_url) as client:
        client.send(json.dumps({"type": "PING"}))
        assert json.loads(client.recv(timeout=5))["type"] == "PONG"
        section.get_by_role("button", name="Refresh").click()
        expect(section.get_by_role("status")).to_have_text("2 open, 0 recently closed")
        tab = table.get_by_role("row").filter(has_text=f"org:{account.org_id}:decisions")
        expect(tab).to_contain_text("open")
        expect(tab).to_contain_text(account.email)
        watcher = table.get_by_role("row").filter(has_text="key watcher")
        expect(watcher).to_contain_text(f"key watcher of {account.email}")
        expect(watcher).to_contain_text("open")
    section.get_by_role("button", name="Refresh").click()
    expect(section.get_by_role("status")).to_have_text("1 open, 1 recently closed")
    expect(table.get_by_role("row").filter(has_text="key watcher")).to_contain_text("closed")
    log = section.locator(".activity-log li")
    expect(log.first).to_contain_text("disconnection")
    expect(log.filter(has_text='{"type":"PING"}')).to_have_count(1)


def test_a_slow_first_page_never_overwrites_the_filtered_one(
    new_page: Any, dashboard_gateway: RunningGateway
) -> None:
    # The page's first load answers late (held back in the browser): the filtered load asked
    # for after it must stay on screen whatever order the answers arrive in.
    account = sign_up(dashboard_gateway)
    ingest_decisions(Api(dashboard_gateway, account.token), 30, "slow")
    dashboard_gateway.flush()
    page = new_page()
    hold_first_answer(page, "/api/decisions?")
    open_console(page, account, "decisions")
    page.get_by_label("Rows per page").select_option("25")
    page.get_by_role("button", name="Apply filters").click()
    position = page.locator(".page-position")
    expect(position).to_have_text("Page 1: 1\N{EN DASH}25 of 30")
    page.wait_for_timeout(AFTER_HELD_ANSWER_MS)
    expect(position).to_have_text("Page 1: 1\N{EN DASH}25 of 30")
    expect(page.locator(".decisions-table tbody tr")).to_have_count(25)
