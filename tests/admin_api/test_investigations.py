"""Who sent what: ``/api/decisions`` and the live feed name the key (id and name), its user (id
and email), the model and the provider of each decision; a billed call's postcheck links its
usage row; decisions filter by key, user and model."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import openai
from sqlalchemy import delete

from core.ids import new_id
from core.storage.database import create_engine, session_factory
from core.storage.keys import create_key
from core.storage.models import Decision, Org
from core.storage.rollups import insert_decisions
from tests.admin_api.support import Api, OrgFixture, make_org, run
from tests.gateway.live.support import Feed, of_request
from tests.harness import RunningGateway


def user_key(gateway: RunningGateway, org: OrgFixture, role: str, label: str) -> tuple[str, str]:
    """A key of ``role``'s user (secret, id) that may call models and read decisions."""

    async def make() -> tuple[str, str]:
        engine = create_engine(gateway.settings.database)
        try:
            async with session_factory(engine).begin() as session:
                row = await session.get(Org, org.id)
                key, secret = await create_key(
                    session,
                    row,
                    label=label,
                    scopes=("precheck:invoke", "decisions:read"),
                    user_id=org.users[role],
                )
                return secret, key.id
        finally:
            await engine.dispose()

    return run(make())


async def call_while_listening(
    gateway: RunningGateway, secret: str, org_id: str, correlation: str
) -> list[dict]:
    async with await Feed.open(gateway.base_url, secret) as feed:
        await feed.subscribe(f"org:{org_id}:decisions")
        sdk = openai.AsyncOpenAI(base_url=gateway.openai_base_url, api_key=secret, max_retries=0)
        await sdk.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "who am I"}],
            extra_headers={"X-Request-ID": correlation},
        )
        pushed = await feed.gather(lambda p: len(of_request(p, correlation)) == 2, timeout=5.0)
    return of_request(pushed, correlation)


def test_decisions_name_who_and_what_in_the_api_and_the_feed(
    gateway: RunningGateway, api: Api
) -> None:
    org = make_org(gateway, roles=("OWNER", "DEVELOPER"))
    secret, key_id = user_key(gateway, org, "DEVELOPER", "ci-bot")
    other, other_id = user_key(gateway, org, "OWNER", "owner-laptop")
    correlation = f"inv-{uuid.uuid4().hex}"
    pushed = asyncio.run(call_while_listening(gateway, secret, org.id, correlation))
    openai.OpenAI(base_url=gateway.openai_base_url, api_key=other, max_retries=0).embeddings.create(
        model="text-embedding-3-small", input="hello"
    )
    gateway.flush()

    reader = api.as_(secret)
    page = reader.get("/api/decisions", params={"correlationId": correlation}).json()
    listed = {d["direction"]: d for d in page["decisions"]}
    for decision in listed.values():
        assert decision["apiKeyId"] == key_id and decision["keyName"] == "ci-bot"
        assert decision["userId"] == org.users["DEVELOPER"]
        assert decision["userEmail"] == org.emails["DEVELOPER"]
        assert decision["model"] == "gpt-4o-mini"
    assert listed["precheck"]["provider"] is None  # chosen later, by routing
    assert listed["postcheck"]["provider"] == "fake-openai"
    assert listed["precheck"]["usage"] is None
    (usage_row,) = gateway.rows("usage_records", correlation_id=correlation)
    link = listed["postcheck"]["usage"]
    assert link["id"] == usage_row["id"] and link["cost"] != "0.0"
    assert link["inputTokens"] == usage_row["input_tokens"]
    # The feed pushes the same shape, names included, as the API lists.
    assert {p["data"]["id"]: p["data"] for p in pushed} == {d["id"]: d for d in page["decisions"]}

    def ids(**params: str) -> set[str]:
        response = reader.get("/api/decisions", params=params)
        assert response.status_code == 200, response.text
        return {d["id"] for d in response.json()["decisions"]}

    mine = {d["id"] for d in page["decisions"]}
    assert ids(apiKeyId=key_id) == mine
    assert ids(userId=org.users["DEVELOPER"]) == mine
    assert ids(model="gpt-4o-mini") == mine
    theirs = ids(apiKeyId=other_id)
    assert len(theirs) == 2 and not theirs & mine
    assert ids(userId=org.users["OWNER"], model="text-embedding-3-small") == theirs
    assert ids(model="no-such-model") == set()
    stats = reader.get(
        "/api/decisions", params={"apiKeyId": other_id, "includeStats": "true"}
    ).json()["stats"]
    assert stats["total"] == 2


def test_stats_count_whole_days_from_rollups_and_edges_from_raw_rows(
    gateway: RunningGateway, api: Api
) -> None:
    org = make_org(gateway, roles=(), scopes=("decisions:read",), log_in=False)
    day = datetime(2026, 3, 2, tzinfo=UTC)

    def row(when: datetime, verdict: str, model: str = "m1") -> dict:
        return {
            "id": new_id(),
            "org_id": org.id,
            "direction": "precheck",
            "decision": verdict,
            "tool": "t",
            "payload_hash": "h",
            "model": model,
            "api_key_id": "k1",
            "ts": when,
        }

    async def add_and_drop() -> None:
        engine = create_engine(gateway.settings.database)
        try:
            async with engine.begin() as connection:
                await insert_decisions(
                    connection,
                    [
                        row(day - timedelta(minutes=30), "allow"),  # 03-01 23:30
                        row(day + timedelta(hours=1), "deny"),  # 03-02 01:00
                        row(day + timedelta(hours=2), "allow", "m2"),
                        row(day + timedelta(days=1, hours=1), "allow"),  # 03-03 01:00
                    ],
                )
            async with engine.begin() as connection:  # 03-02's raw rows gone (retention)
                await connection.execute(
                    delete(Decision).where(
                        Decision.org_id == org.id,
                        Decision.ts >= day,
                        Decision.ts < day + timedelta(days=1),
                    )
                )
        finally:
            await engine.dispose()

    run(add_and_drop())
    reader = api.as_(org.keys["decisions:read"])

    def stats(**params: str) -> dict:
        response = reader.get("/api/decisions", params={"includeStats": "true", **params})
        assert response.status_code == 200, response.text
        return response.json()["stats"]

    everything = stats()
    assert everything["total"] == 4 and everything["byDecision"]["deny"] == 1
    assert everything["byTool"] == {"t": 4}
    assert stats(model="m2")["total"] == 1
    assert stats(apiKeyId="k1", decision="allow")["total"] == 3
    edges = stats(**{"from": "2026-03-01T23:45:00Z", "to": "2026-03-03T00:59:59Z"})
    assert edges["total"] == 2  # 03-02 whole (rollups); the edge rows fall outside
    wider = stats(**{"from": "2026-03-01T23:00:00Z", "to": "2026-03-03T01:00:00Z"})
    assert wider["total"] == 4
