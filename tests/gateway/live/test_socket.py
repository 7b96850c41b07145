"""``/ws`` against a running gateway (SQLite and PostgreSQL): authentication, channels, pushes of
proxied and ingested decisions, and the answer to every client message."""

from __future__ import annotations

import asyncio
import time
import uuid

import aiohttp
import httpx
import pytest

from core.scopes import ALL_SCOPES
from tests.gateway.live.support import Feed, Key, chat, new_key, of_request
from tests.harness import RunningGateway

READ_AND_INVOKE = ("decisions:read", "precheck:invoke")


@pytest.fixture
def key(gateway: RunningGateway) -> Key:
    return new_key(gateway, (*READ_AND_INVOKE, "ingest:write"))


def request_id() -> str:
    return f"live-{uuid.uuid4().hex}"


def decision_v1(**fields: object) -> dict[str, object]:
    return {
        "type": "decision.v1",
        "direction": "precheck",
        "decision": "allow",
        "tool": "crm.lookup",
        "payloadHash": "a" * 64,
        "idempotencyKey": uuid.uuid4().hex,
        **fields,
    }


async def test_a_subscriber_sees_proxied_decisions_within_a_second_as_the_api_returns_them(
    gateway: RunningGateway, key: Key
) -> None:
    async with await Feed.open(gateway.base_url, key.secret) as feed:
        await feed.subscribe(f"org:{key.slug}:decisions")  # the slug works as the org id
        rid = request_id()
        assert chat(gateway, key.secret, rid) == 200
        answered = time.monotonic()
        pushed = await feed.gather(lambda p: len(of_request(p, rid)) == 2, timeout=1.0)
        assert time.monotonic() - answered < 1.0

    mine = of_request(pushed, rid)
    assert {p["channel"] for p in mine} == {f"org:{key.slug}:decisions"}
    assert sorted(p["data"]["direction"] for p in mine) == ["postcheck", "precheck"]
    # Pushes go out when a row is queued; the API reads it once the writer has stored it.
    await asyncio.to_thread(gateway.flush)
    async with httpx.AsyncClient() as client:
        listed = await client.get(
            f"{gateway.base_url}/api/decisions",
            params={"correlationId": rid},
            headers={"Authorization": f"Bearer {key.secret}"},
        )
    assert listed.status_code == 200, listed.text
    by_id = {d["id"]: d for d in listed.json()["decisions"]}
    assert {p["data"]["id"]: p["data"] for p in mine} == by_id


async def test_user_and_key_channels_carry_only_their_own_decisions(
    gateway: RunningGateway,
) -> None:
    watcher = new_key(gateway, READ_AND_INVOKE)
    other = new_key(gateway, READ_AND_INVOKE, slug=watcher.slug, with_user=True)
    async with await Feed.open(gateway.base_url, watcher.secret) as feed:
        await feed.subscribe(f"org:{watcher.org_id}:key:{other.key_id}:decisions")
        await feed.subscribe(f"org:{watcher.slug}:user:{other.user_id}:decisions")
        theirs, mine = request_id(), request_id()
        assert chat(gateway, watcher.secret, mine) == 200
        assert chat(gateway, other.secret, theirs) == 200
        await feed.gather(lambda p: len(of_request(p, theirs)) == 4)
        await feed.quiet(0.3)
    assert of_request(feed.pushed, mine) == []
    assert sorted(p["channel"] for p in of_request(feed.pushed, theirs)) == sorted(
        [f"org:{watcher.org_id}:key:{other.key_id}:decisions"] * 2
        + [f"org:{watcher.slug}:user:{other.user_id}:decisions"] * 2
    )


async def test_another_orgs_channel_is_refused_and_sends_nothing(
    gateway: RunningGateway, key: Key
) -> None:
    stranger = new_key(gateway, READ_AND_INVOKE)
    async with await Feed.open(gateway.base_url, key.secret) as feed:
        for channel in (
            f"org:{stranger.slug}:decisions",
            f"org:{stranger.org_id}:decisions",
            f"org:{stranger.org_id}:key:{stranger.key_id}:decisions",
            "org:no-such-org:decisions",
        ):
            answer = await feed.ask({"type": "SUBSCRIBE", "channel": channel, "id": "s1"})
            assert answer == {
                "type": "ERROR",
                "code": "channel_not_allowed",
                "message": f"you may not subscribe to {channel}",
                "for": "SUBSCRIBE",
                "id": "s1",
            }
        rid = request_id()
        assert chat(gateway, stranger.secret, rid) == 200
        await feed.quiet(0.5)
    assert feed.pushed == []


async def test_unsubscribe_stops_the_pushes(gateway: RunningGateway, key: Key) -> None:
    channel = f"org:{key.slug}:decisions"
    async with await Feed.open(gateway.base_url, key.secret) as feed:
        await feed.subscribe(channel)
        answer = await feed.ask({"type": "UNSUBSCRIBE", "channel": channel})
        assert answer == {"type": "ACK", "for": "UNSUBSCRIBE", "channel": channel}
        assert chat(gateway, key.secret, request_id()) == 200
        await feed.quiet(0.5)
    assert feed.pushed == []


async def test_ingest_is_acked_pushed_and_stored_once_however_often_it_is_sent(
    gateway: RunningGateway, key: Key
) -> None:
    message = decision_v1(decision="deny", correlationId=request_id(), reasons=["pii.ssn.deny"])
    async with await Feed.open(gateway.base_url, key.secret) as feed:
        await feed.subscribe(f"org:{key.org_id}:decisions")
        first = await feed.ask({"type": "INGEST", "data": message, "id": 7})
        again = await feed.ask({"type": "INGEST", "data": message, "id": 8})
        await feed.gather(lambda p: len(p) >= 1)
        await feed.quiet(0.3)
    assert first == {
        "type": "ACK",
        "for": "INGEST",
        "decisionId": first["decisionId"],
        "idempotencyKey": message["idempotencyKey"],
        "id": 7,
    }
    assert again["decisionId"] == first["decisionId"]
    assert len(feed.pushed) == 1
    data = feed.pushed[0]["data"]
    assert (data["id"], data["decision"], data["tool"], data["reasons"]) == (
        first["decisionId"],
        "deny",
        "crm.lookup",
        ["pii.ssn.deny"],
    )
    rows = gateway.rows("decisions", correlation_id=message["correlationId"])
    assert [(r["id"], r["org_id"], r["api_key_id"]) for r in rows] == [
        (first["decisionId"], key.org_id, key.key_id)
    ]


async def test_a_top_level_idempotency_key_stores_and_pushes_a_retried_ingest_once(
    gateway: RunningGateway, key: Key
) -> None:
    # The spec puts idempotencyKey beside data, not in it.
    message = decision_v1(correlationId=request_id())
    outer = message.pop("idempotencyKey")
    async with await Feed.open(gateway.base_url, key.secret) as feed:
        await feed.subscribe(f"org:{key.org_id}:decisions")
        first = await feed.ask({"type": "INGEST", "idempotencyKey": outer, "data": message})
        again = await feed.ask({"type": "INGEST", "idempotencyKey": outer, "data": message})
        both = await feed.ask(
            {
                "type": "INGEST",
                "idempotencyKey": outer,
                "data": {**message, "idempotencyKey": outer},
            }
        )
        clash = await feed.ask(
            {"type": "INGEST", "idempotencyKey": outer, "data": {**message, "idempotencyKey": "x"}}
        )
        bad = await feed.ask({"type": "INGEST", "idempotencyKey": 5, "data": message})
        await feed.gather(lambda p: len(p) >= 1)
        await feed.quiet(0.3)
    assert first["type"] == "ACK" and first["idempotencyKey"] == outer
    assert again["decisionId"] == both["decisionId"] == first["decisionId"]
    assert (clash["type"], clash["code"]) == ("ERROR", "invalid_message")
    assert (bad["type"], bad["code"]) == ("ERROR", "invalid_message")
    assert [p["data"]["id"] for p in feed.pushed] == [first["decisionId"]]
    await asyncio.to_thread(gateway.flush)
    rows = gateway.rows("decisions", correlation_id=message["correlationId"])
    assert [r["id"] for r in rows] == [first["decisionId"]]


async def test_ingest_checks_the_message_the_scope_and_the_org(
    gateway: RunningGateway, key: Key
) -> None:
    reader = new_key(gateway, ("decisions:read",))
    async with await Feed.open(gateway.base_url, key.secret) as feed:
        answer = await feed.ask({"type": "INGEST", "data": decision_v1(direction="sideways")})
        assert answer["type"] == "ERROR" and answer["code"] == "invalid_message"
        assert answer["message"].startswith("data.direction: ")
        answer = await feed.ask({"type": "INGEST", "data": {"decision": "allow"}})
        assert answer["code"] == "invalid_message"
        answer = await feed.ask({"type": "INGEST", "data": "not an object"})
        assert answer["code"] == "invalid_message"
        answer = await feed.ask({"type": "INGEST", "data": decision_v1(orgId=reader.org_id)})
        assert (answer["type"], answer["code"]) == ("ERROR", "org_not_found")
        answer = await feed.ask({"type": "INGEST", "data": decision_v1(orgId=key.slug)})
        assert answer["type"] == "ACK"
    async with await Feed.open(gateway.base_url, reader.secret) as feed:
        answer = await feed.ask({"type": "INGEST", "data": decision_v1()})
        assert (answer["type"], answer["code"], answer["for"]) == (
            "ERROR",
            "insufficient_scope",
            "INGEST",
        )


async def test_every_client_message_gets_one_answer(gateway: RunningGateway, key: Key) -> None:
    async with await Feed.open(gateway.base_url, key.secret) as feed:
        assert await feed.ask({"type": "PING", "id": "p-1"}) == {"type": "PONG", "id": "p-1"}
        await feed.ws.send_str("{not json")
        assert (await feed.next_answer())["code"] == "invalid_json"
        await feed.ws.send_str("[1, 2]")
        assert (await feed.next_answer())["code"] == "invalid_json"
        await feed.ws.send_bytes(b'{"type": "PING"}')
        assert (await feed.next_answer())["code"] == "invalid_json"
        answer = await feed.ask({"type": "HELLO"})
        assert (answer["code"], answer["for"]) == ("unknown_type", "HELLO")
        for channel in ("decisions", "org:x", "org:x:audit", "org::decisions", 42):
            answer = await feed.ask({"type": "SUBSCRIBE", "channel": channel})
            assert answer["code"] == "invalid_channel", channel
        assert await feed.ask({"type": "PING"}) == {"type": "PONG"}


async def test_a_key_that_may_not_read_is_told_so_on_subscribe(gateway: RunningGateway) -> None:
    writer = new_key(gateway, ("ingest:write",))
    async with await Feed.open(gateway.base_url, writer.secret) as feed:
        answer = await feed.ask({"type": "SUBSCRIBE", "channel": f"org:{writer.slug}:decisions"})
    assert (answer["type"], answer["code"]) == ("ERROR", "insufficient_scope")


@pytest.mark.parametrize(
    ("credential", "status", "code"),
    [
        (None, 401, "missing_api_key"),
        ("gai_not-a-real-key", 401, "invalid_api_key"),
        ("invoke-only", 403, "insufficient_scope"),
    ],
)
async def test_connecting_needs_a_key_that_may_read_or_ingest(
    gateway: RunningGateway, credential: str | None, status: int, code: str
) -> None:
    if credential == "invoke-only":
        credential = new_key(gateway, ("precheck:invoke",)).secret
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await Feed.open(gateway.base_url, credential)
    assert refused.value.status == status
    async with httpx.AsyncClient() as client:
        response = await client.get(
            f"{gateway.base_url}/ws", params={"key": credential} if credential else {}
        )
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)


async def test_the_key_may_come_in_the_authorization_header(gateway: RunningGateway) -> None:
    key = new_key(gateway, ALL_SCOPES)
    async with await Feed.open(
        gateway.base_url, headers={"Authorization": f"Bearer {key.secret}"}
    ) as feed:
        await feed.subscribe(f"org:{key.slug}:decisions")
