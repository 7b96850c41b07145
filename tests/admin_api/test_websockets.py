"""``/api/websockets/connections`` and ``/api/websockets/activity``: real ``/ws`` sessions of the
running gateway, as the org's members see them, and nothing of them in another org."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.admin_api.support import Api, assert_error, make_org
from tests.gateway.live.support import Feed
from tests.harness import RunningGateway


async def eventually(check: Any, timeout: float = 3.0) -> Any:
    """``check()``'s value once it is truthy (a closed socket is noticed by the server soon)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await asyncio.to_thread(check)
        if value:
            return value
        assert asyncio.get_running_loop().time() < deadline, "not within the time"
        await asyncio.sleep(0.05)


async def test_sessions_and_their_activity_per_org(gateway: RunningGateway, api: Api) -> None:
    org = await asyncio.to_thread(
        make_org, gateway, ("OWNER", "VIEWER"), ("decisions:read", "ingest:write")
    )
    stranger = await asyncio.to_thread(make_org, gateway, ("OWNER",))
    owner = api.as_(org.sessions["OWNER"])
    viewer = api.as_(org.sessions["VIEWER"])
    channel = f"org:{org.id}:decisions"

    def connections(reader: Api = owner, **params: str) -> dict[str, Any]:
        response = reader.get("/api/websockets/connections", params=params or {"orgId": org.id})
        assert response.status_code == 200, response.text
        return response.json()

    def activity(**params: str) -> list[dict[str, Any]]:
        response = owner.get("/api/websockets/activity", params={"orgId": org.id, **params})
        assert response.status_code == 200, response.text
        return response.json()["activity"]

    assert connections() == {
        "success": True,
        "connections": [],
        "stats": {"total": 0, "active": 0, "inactive": 0},
    }
    # A user's session (as the console opens it) and a key's.
    async with (
        await Feed.open(gateway.base_url, org.sessions["VIEWER"]) as person,
        await Feed.open(gateway.base_url, org.keys["decisions:read"]) as machine,
    ):
        await person.subscribe(channel)
        assert (await machine.ask({"type": "PING"}))["type"] == "PONG"
        assert (await machine.ask({"type": "HELLO"}))["code"] == "unknown_type"
        listed = connections()
        assert listed["stats"] == {"total": 2, "active": 2, "inactive": 0}
        by_kind = {"user" if c["userId"] else "key": c for c in listed["connections"]}
        user, key = by_kind["user"], by_kind["key"]
        assert user["userId"] == org.users["VIEWER"] and user["channels"] == [channel]
        assert user["userEmail"] == org.emails["VIEWER"]  # the owner may read the members
        assert (key["apiKeyId"], key["apiKeyName"]) == (
            org.key_ids["decisions:read"],
            "decisions:read",
        )
        assert key["channels"] == [] and key["isActive"] and key["closedAt"] is None
        assert user["id"] == user["sessionId"] and user["orgId"] == org.id
        # A VIEWER sees the sessions, not who is behind them; the spec's orgSlug works.
        seen = connections(viewer, orgSlug=org.slug)["connections"]
        assert {c["sessionId"] for c in seen} == {user["sessionId"], key["sessionId"]}
        assert {c["userEmail"] for c in seen} == {None}

    closed = await eventually(lambda: connections()["stats"]["active"] == 0 and connections())
    assert closed["stats"] == {"total": 2, "active": 0, "inactive": 2}
    assert all(c["closedAt"] is not None for c in closed["connections"])

    log = activity()
    mine = [(e["activityType"], e["data"]) for e in log if e["sessionId"] == key["sessionId"]]
    assert mine == [  # newest first
        ("disconnection", {}),
        ("error", {"code": "unknown_type"}),
        ("message", {"type": "unknown"}),
        ("message", {"type": "PING"}),
        ("connection", {}),
    ]
    assert [e["activityType"] for e in activity(limit="1")] == [log[0]["activityType"]]

    # The spec's POST: a sender logs an event of one of the org's sessions.
    sender = api.as_(org.keys["ingest:write"])
    body = {"sessionId": key["sessionId"], "activityType": "message", "data": {"n": 1}}
    logged = sender.post("/api/websockets/activity", json=body)
    assert (logged.status_code, logged.json()) == (201, {"success": True})
    assert (activity()[0]["sessionId"], activity()[0]["data"]) == (key["sessionId"], {"n": 1})
    unknown = sender.post("/api/websockets/activity", json={**body, "sessionId": "nope"})
    assert_error(unknown, 404, "session_not_found")
    big = sender.post("/api/websockets/activity", json={**body, "data": {"x": "y" * 5000}})
    assert assert_error(big, 400, "invalid_request_body")["param"] == "data"

    # Another org sees none of it, and may not name this org.
    other = api.as_(stranger.sessions["OWNER"])
    assert other.get("/api/websockets/connections").json()["connections"] == []
    assert other.get("/api/websockets/activity").json()["activity"] == []
    refused = other.get("/api/websockets/connections", params={"orgId": org.id})
    assert_error(refused, 404, "org_not_found")
    both = owner.get("/api/websockets/activity", params={"orgId": org.id, "orgSlug": "x"})
    assert assert_error(both, 400, "invalid_query_parameter")["param"] == "orgSlug"
