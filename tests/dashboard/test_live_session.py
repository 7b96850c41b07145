"""``admin_api.live_session``: a signed-in user on ``/ws`` and ``/api/health`` (what the
dashboard's live table and health pill use), with the scopes their role grants."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import aiohttp
import httpx
import pytest

from admin_api.live_session import role_scopes
from admin_api.permissions import Role
from admin_api.sessions import SESSION_COOKIE
from tests.dashboard.support import Api, sign_up
from tests.harness import RunningGateway


@pytest.mark.parametrize(
    ("role", "scopes"),
    [
        (Role.OWNER, {"ingest:write", "policy:publish", "decisions:read", "usage:read",
                      "audit:read", "keys:manage", "budgets:manage", "admin"}),
        (Role.ADMIN, {"ingest:write", "policy:publish", "decisions:read", "usage:read",
                      "audit:read", "keys:manage", "budgets:manage", "admin"}),
        (Role.DEVELOPER, {"decisions:read", "usage:read"}),
        (Role.VIEWER, {"decisions:read", "usage:read"}),
        ("NOBODY", set()),
    ],
)  # fmt: skip
def test_a_role_holds_the_scopes_it_has_every_permission_of(role: str, scopes: set[str]) -> None:
    assert role_scopes(role) == scopes  # never precheck:invoke: the proxy is for keys


async def _feed(base_url: str, query: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Connect to /ws?<query>, send ``messages``, and collect one answer for each."""
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"{base_url}/ws?{query}") as ws:
            answers = []
            for message in messages:
                await ws.send_json(message)
                answers.append(await asyncio.wait_for(ws.receive_json(), 5))
            return answers


def test_a_session_token_opens_the_live_feed_of_its_orgs(
    dashboard_gateway: RunningGateway,
) -> None:
    account = sign_up(dashboard_gateway)
    stranger = sign_up(dashboard_gateway)
    own, other, by_id = dashboard_gateway.thread.run(
        _feed(
            dashboard_gateway.base_url,
            f"key={account.token}",
            [
                {"type": "SUBSCRIBE", "channel": f"org:{account.org_slug}:decisions"},
                {"type": "SUBSCRIBE", "channel": f"org:{stranger.org_slug}:decisions"},
                {"type": "SUBSCRIBE", "channel": f"org:{account.org_id}:decisions"},
            ],
        )
    )
    assert own == {
        "type": "ACK",
        "for": "SUBSCRIBE",
        "channel": f"org:{account.org_slug}:decisions",
    }
    assert other["type"] == "ERROR" and other["code"] == "channel_not_allowed"
    assert by_id["type"] == "ACK"


def test_a_pushed_decision_reaches_a_session(dashboard_gateway: RunningGateway) -> None:
    account = sign_up(dashboard_gateway)
    channel = f"org:{account.org_slug}:decisions"

    async def watch() -> dict[str, Any]:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(
                f"{dashboard_gateway.base_url}/ws",
                headers={"Authorization": f"Bearer {account.token}"},
            ) as ws:
                await ws.send_json({"type": "SUBSCRIBE", "channel": channel})
                assert (await ws.receive_json())["type"] == "ACK"
                await ws.send_json(
                    {
                        "type": "INGEST",
                        "data": {"direction": "precheck", "decision": "deny", "payloadHash": "ab"},
                    }
                )
                answers = [await asyncio.wait_for(ws.receive_json(), 5) for _ in range(2)]
                return {a["type"]: a for a in answers}

    answers = dashboard_gateway.thread.run(watch())
    assert answers["ACK"]["for"] == "INGEST"  # an OWNER may ingest
    assert answers["DECISION"]["channel"] == channel
    assert answers["DECISION"]["data"]["decision"] == "deny"
    assert answers["DECISION"]["data"]["orgId"] == account.org_id


def test_a_bad_session_is_refused_before_the_upgrade(dashboard_gateway: RunningGateway) -> None:
    account = sign_up(dashboard_gateway)
    Api(dashboard_gateway, account.token).call("POST", "/api/v1/auth/logout")
    for query in (f"key={account.token}", "key=gas_not-a-session"):
        refused = httpx.get(f"{dashboard_gateway.base_url}/ws?{query}")
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "invalid_session"


def test_the_health_pill_answers_a_session(dashboard_gateway: RunningGateway) -> None:
    account = sign_up(dashboard_gateway)
    url = f"{dashboard_gateway.base_url}/api/health"
    by_header = httpx.get(url, headers={"Authorization": f"Bearer {account.token}"})
    assert by_header.status_code == 200, by_header.text
    assert set(by_header.json()) == {
        "status", "lastIngestTime", "dlqCount", "totalDecisions", "errorRate"
    }  # fmt: skip
    by_cookie = httpx.get(url, cookies={SESSION_COOKIE: account.token})
    assert by_cookie.status_code == 200
    assert by_cookie.json()["totalDecisions"] == 0
    # An API key still goes the key's way: the hook leaves it alone.
    key = Api(dashboard_gateway, account.token).call(
        "POST", "/api/v1/keys", 201, json={"name": "reader", "scopes": ["decisions:read"]}
    )["key"]
    assert httpx.get(url, headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert httpx.get(f"{url}?key={key}").status_code == 200


def test_an_unverified_email_reaches_no_org_on_the_live_feed(
    dashboard_gateway: RunningGateway,
) -> None:
    slug = f"unverified-{uuid.uuid4().hex[:8]}"
    signed = httpx.post(
        f"{dashboard_gateway.base_url}/api/v1/auth/signup",
        json={"email": f"{slug}@example.com", "password": "a long enough password",
              "orgName": slug, "orgSlug": slug},
    )  # fmt: skip
    assert signed.status_code == 201, signed.text
    (answer,) = dashboard_gateway.thread.run(
        _feed(
            dashboard_gateway.base_url,
            f"key={signed.json()['token']}",
            [{"type": "SUBSCRIBE", "channel": f"org:{slug}:decisions"}],
        )
    )
    assert answer["type"] == "ERROR" and answer["code"] == "channel_not_allowed"
