"""Tenancy invariants, through the running gateway (SQLite and PostgreSQL): an org never loses
its last OWNER, even to simultaneous demotions and removals; slugs cannot pass for ids and ids
win lookups; a removed member's keys and sessions stop working; org names may repeat."""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

import httpx
import pytest

from admin_api.sessions import create_session
from core.ids import new_id
from core.storage.database import create_engine, session_factory
from core.storage.models import Org
from tests.admin_api.support import Api, OrgFixture, assert_error, make_org, run
from tests.harness import RunningGateway

RACES = 30


def org_with(
    gateway: RunningGateway, roles: tuple[str, ...], scopes: tuple[str, ...] = ()
) -> OrgFixture:
    """``make_org``, its users' sessions made in the database: these tests make many orgs, and
    logging in each user would run into the login limiter of the gateway they share."""
    org = make_org(gateway, roles, scopes, log_in=False)

    async def sessions() -> None:
        engine = create_engine(gateway.settings.database)
        try:
            async with session_factory(engine).begin() as db:
                for role, user_id in org.users.items():
                    org.sessions[role] = (await create_session(db, user_id, 3600))[1]
        finally:
            await engine.dispose()

    run(sessions())
    return org


def _two_owner_org(gateway: RunningGateway, api: Api) -> OrgFixture:
    org = org_with(gateway, ("OWNER", "ADMIN"))
    promoted = api.as_(org.sessions["OWNER"]).patch(
        f"/api/v1/orgs/{org.id}/members/{org.users['ADMIN']}", json={"role": "OWNER"}
    )
    assert promoted.status_code == 200, promoted.text
    return org


async def _race(gateway: RunningGateway, org: OrgFixture, moves: tuple[str, str]) -> list[int]:
    """The two OWNERs act on each other at the same moment: each ``move`` is ``demote`` or
    ``remove``."""
    a, b = org.users["OWNER"], org.users["ADMIN"]
    plans = [(org.sessions["OWNER"], b, moves[0]), (org.sessions["ADMIN"], a, moves[1])]
    start = asyncio.Event()
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=30) as client:

        async def act(token: str, target: str, move: str) -> int:
            path = f"/api/v1/orgs/{org.id}/members/{target}"
            headers = {"Authorization": f"Bearer {token}"}
            await start.wait()
            if move == "demote":
                response = await client.patch(path, json={"role": "VIEWER"}, headers=headers)
            else:
                response = await client.delete(path, headers=headers)
            return response.status_code

        tasks = [asyncio.create_task(act(*plan)) for plan in plans]
        await asyncio.sleep(0.05)  # both connected and waiting
        start.set()
        return list(await asyncio.gather(*tasks))


def test_an_org_never_loses_its_last_owner_to_simultaneous_changes(
    gateway: RunningGateway, api: Api
) -> None:
    orgs = [_two_owner_org(gateway, api) for _ in range(RACES)]
    moves = [("demote", "demote"), ("remove", "remove"), ("demote", "remove"), ("remove", "demote")]
    outcomes = []
    for i, org in enumerate(orgs):
        statuses = run(_race(gateway, org, moves[i % len(moves)]))
        owners = gateway.rows("memberships", org_id=org.id, role="OWNER")
        outcomes.append((statuses, len(owners)))
    # Never a 500, never an org without an OWNER; one of the two wins each race. (The loser is
    # 409 last_owner, or 401/403/404 when the winner removed or demoted it first.)
    assert all(owners == 1 for _, owners in outcomes), outcomes
    assert all(sorted(statuses)[0] == 200 for statuses, _ in outcomes), outcomes
    assert all(s in (200, 401, 403, 404, 409) for statuses, _ in outcomes for s in statuses)


async def _remove_while_creating(gateway: RunningGateway, org: OrgFixture) -> list[int]:
    """The OWNER removes the ADMIN while the ADMIN makes keys, all at the same moment."""
    start = asyncio.Event()
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=30) as client:

        async def call(token: str, method: str, path: str, body: Any = None) -> int:
            await start.wait()
            headers = {"Authorization": f"Bearer {token}"}
            response = await client.request(method, path, json=body, headers=headers)
            return response.status_code

        admin, owner = org.sessions["ADMIN"], org.sessions["OWNER"]
        key = {"name": "racing", "scopes": ["admin"]}
        tasks = [
            asyncio.create_task(call(admin, "POST", "/api/v1/keys", key)) for _ in range(3)
        ] + [
            asyncio.create_task(
                call(owner, "DELETE", f"/api/v1/orgs/{org.id}/members/{org.users['ADMIN']}")
            )
        ]
        await asyncio.sleep(0.05)
        start.set()
        return list(await asyncio.gather(*tasks))


def test_a_member_removed_while_making_keys_keeps_no_working_key(
    gateway: RunningGateway,
) -> None:
    for _ in range(RACES // 2):
        org = org_with(gateway, ("OWNER", "ADMIN"))
        statuses = run(_remove_while_creating(gateway, org))
        assert statuses[-1] == 200, statuses
        assert all(s in (201, 401, 404) for s in statuses[:-1]), statuses
        keys = gateway.rows("api_keys", org_id=org.id, user_id=org.users["ADMIN"])
        assert [k for k in keys if k["is_active"]] == [], statuses


def test_a_slug_cannot_be_an_id_and_lookups_prefer_the_id(
    gateway: RunningGateway, api: Api
) -> None:
    victim = org_with(gateway, ("OWNER",), ("admin",))
    stranger = org_with(gateway, ("OWNER",))
    as_stranger = api.as_(stranger.sessions["OWNER"])
    for slug in (victim.id, new_id()):
        refused = as_stranger.post("/api/v1/orgs", json={"name": "Squatter", "slug": slug})
        assert assert_error(refused, 400, "invalid_request_body")["param"] == "slug"
    signup = api.post(
        "/api/v1/auth/signup",
        json={"email": f"{uuid.uuid4().hex[:8]}@example.com", "password": "x" * 12,
              "orgName": "Squatter", "orgSlug": victim.id},
    )  # fmt: skip
    assert assert_error(signup, 400, "invalid_request_body")["param"] == "orgSlug"
    # A slug 27 characters long, or with a '-', is fine.
    made = as_stranger.post("/api/v1/orgs", json={"name": "Fine", "slug": victim.id + "x"})
    assert made.status_code == 201, made.text

    # A row left from before the rule: another org whose slug is the victim's id.
    async def squat() -> str:
        engine = create_engine(gateway.settings.database)
        try:
            async with session_factory(engine).begin() as session:
                org = Org(name="Legacy squatter", slug=victim.id)
                session.add(org)
                await session.flush()
                return org.id
        finally:
            await engine.dispose()

    run(squat())
    as_key = api.as_(victim.keys["admin"])
    for _ in range(5):
        mine = as_key.get(f"/api/v1/orgs/{victim.id}")
        assert mine.status_code == 200, mine.text
        assert mine.json()["id"] == victim.id
    as_owner = api.as_(victim.sessions["OWNER"])
    assert as_owner.get(f"/api/v1/orgs/{victim.id}").json()["id"] == victim.id
    assert as_owner.get("/api/v1/keys", params={"orgId": victim.id}).status_code == 200


def test_a_removed_admin_loses_their_keys_and_sessions(gateway: RunningGateway, api: Api) -> None:
    org = org_with(gateway, ("OWNER", "ADMIN", "DEVELOPER"))
    owner = api.as_(org.sessions["OWNER"])
    admin = api.as_(org.sessions["ADMIN"])
    made = admin.post("/api/v1/keys", json={"name": "admin's", "scopes": ["admin"]})
    assert made.status_code == 201, made.text
    admin_key, key_id = made.json()["key"], made.json()["id"]
    proxy_key = owner.post("/api/v1/keys", json={"name": "shared", "scopes": ["admin"]})
    assert proxy_key.status_code == 201
    as_admin_key = api.as_(admin_key)
    assert as_admin_key.get(f"/api/v1/orgs/{org.id}/members").status_code == 200

    removed = owner.delete(f"/api/v1/orgs/{org.id}/members/{org.users['ADMIN']}")
    assert removed.status_code == 200, removed.text
    # At once on this instance (no wait for the key cache), and the session is over too.
    assert_error(as_admin_key.get(f"/api/v1/orgs/{org.id}/members"), 401, "inactive_api_key")
    assert_error(admin.get("/api/v1/auth/me"), 401, "invalid_session")
    # The owner's own key is untouched; the admin's key is listed, disabled.
    assert api.as_(proxy_key.json()["key"]).get(f"/api/v1/orgs/{org.id}").status_code == 200
    keys = {k["id"]: k for k in owner.get("/api/v1/keys").json()}
    assert keys[key_id]["isActive"] is False
    audit = gateway.rows("audit_logs", org_id=org.id, resource=f"api_key:{key_id}")
    assert [row["details"]["after"] for row in audit if row["action"] == "key.update"] == [
        {"isActive": False, "reason": "member.remove"}
    ]

    # A member who leaves on their own stays signed in (for their other orgs).
    promoted = owner.patch(
        f"/api/v1/orgs/{org.id}/members/{org.users['DEVELOPER']}", json={"role": "ADMIN"}
    )
    assert promoted.status_code == 200
    developer = api.as_(org.sessions["DEVELOPER"])
    left = developer.delete(f"/api/v1/orgs/{org.id}/members/{org.users['DEVELOPER']}")
    assert left.status_code == 200, left.text
    assert developer.get("/api/v1/auth/me").status_code == 200
    assert_error(developer.get(f"/api/v1/orgs/{org.id}"), 404, "org_not_found")


@pytest.mark.parametrize("same_slug", [False, True])
def test_org_names_may_repeat_and_the_slug_is_the_handle(
    gateway: RunningGateway, api: Api, same_slug: bool
) -> None:
    first = org_with(gateway, ("OWNER",))
    second = org_with(gateway, ("OWNER",))
    name = f"Acme {random.randrange(10**9)}"
    slug = f"acme-{uuid.uuid4().hex[:8]}"
    made = api.as_(first.sessions["OWNER"]).post("/api/v1/orgs", json={"name": name, "slug": slug})
    assert made.status_code == 201, made.text
    other_slug = slug if same_slug else slug + "-2"
    body: dict[str, Any] = {"name": name, "slug": other_slug}
    again = api.as_(second.sessions["OWNER"]).post("/api/v1/orgs", json=body)
    if same_slug:
        error = assert_error(again, 409)
        assert name not in error["message"]
    else:
        assert again.status_code == 201, again.text
        assert again.json()["name"] == name and again.json()["id"] != made.json()["id"]


def test_a_demoted_member_keeps_only_the_keys_their_new_role_could_grant(
    gateway: RunningGateway, api: Api
) -> None:
    org = org_with(gateway, ("OWNER", "ADMIN"))
    owner = api.as_(org.sessions["OWNER"])
    admin = api.as_(org.sessions["ADMIN"])
    keys = {}
    for name, scopes in (("full", ["admin"]), ("proxy", ["precheck:invoke"])):
        made = admin.post("/api/v1/keys", json={"name": name, "scopes": scopes})
        assert made.status_code == 201, made.text
        keys[name] = made.json()["key"]
    member = f"/api/v1/orgs/{org.id}/members/{org.users['ADMIN']}"

    assert owner.patch(member, json={"role": "DEVELOPER"}).status_code == 200
    assert_error(api.as_(keys["full"]).get(f"/api/v1/orgs/{org.id}"), 401, "inactive_api_key")
    assert api.as_(keys["proxy"]).get(f"/api/v1/orgs/{org.id}").status_code == 200

    assert owner.patch(member, json={"role": "VIEWER"}).status_code == 200
    assert_error(api.as_(keys["proxy"]).get(f"/api/v1/orgs/{org.id}"), 401, "inactive_api_key")
    reasons = [
        row["details"]["after"]["reason"]
        for row in gateway.rows("audit_logs", org_id=org.id, action="key.update")
    ]
    assert reasons == ["member.update", "member.update"]
