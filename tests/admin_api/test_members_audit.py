"""Roles and ownership rules of memberships, org changes, and the audit trail they leave."""

from __future__ import annotations

from tests.admin_api.support import Api, assert_error, make_org
from tests.harness import RunningGateway


def test_admins_never_touch_owners_and_an_org_keeps_an_owner(
    gateway: RunningGateway, api: Api
) -> None:
    org = make_org(gateway)
    owner = api.as_(org.sessions["OWNER"])
    admin = api.as_(org.sessions["ADMIN"])
    members = f"/api/v1/orgs/{org.id}/members"

    promoted = admin.patch(f"{members}/{org.users['VIEWER']}", json={"role": "DEVELOPER"})
    assert promoted.status_code == 200 and promoted.json()["role"] == "DEVELOPER"
    for attempt in (
        admin.patch(f"{members}/{org.users['VIEWER']}", json={"role": "OWNER"}),
        admin.patch(f"{members}/{org.users['OWNER']}", json={"role": "VIEWER"}),
        admin.delete(f"{members}/{org.users['OWNER']}"),
    ):
        assert_error(attempt, 403, "insufficient_role")
    assert_error(
        owner.patch(f"{members}/{org.users['OWNER']}", json={"role": "ADMIN"}), 409, "last_owner"
    )
    assert_error(owner.delete(f"{members}/{org.users['OWNER']}"), 409, "last_owner")

    # Handing over ownership: make the admin an owner, then step down.
    assert owner.patch(f"{members}/{org.users['ADMIN']}", json={"role": "OWNER"}).status_code == 200
    assert (
        owner.patch(f"{members}/{org.users['OWNER']}", json={"role": "VIEWER"}).status_code == 200
    )
    roles = {m["userId"]: m["role"] for m in admin.get(members).json()["members"]}
    assert roles[org.users["ADMIN"]] == "OWNER" and roles[org.users["OWNER"]] == "VIEWER"
    assert admin.delete(f"{members}/{org.users['DEVELOPER']}").status_code == 200
    # Removed by someone else: signed out (test_tenancy has the rest of what removal does).
    assert_error(
        api.as_(org.sessions["DEVELOPER"]).get(f"/api/v1/orgs/{org.id}"), 401, "invalid_session"
    )


def test_every_change_is_audited_without_secrets(gateway: RunningGateway, api: Api) -> None:
    org = make_org(gateway, roles=("OWNER",), scopes=("audit:read",))
    owner = api.as_(org.sessions["OWNER"])
    key = owner.post(
        "/api/v1/keys", json={"orgId": org.id, "name": "a", "scopes": ["precheck:invoke"]}
    ).json()
    owner.patch(f"/api/v1/keys/{key['id']}", json={"name": "b"})
    owner.delete(f"/api/v1/keys/{key['id']}")
    policy = owner.post("/api/v1/policies", json={"orgId": org.id, "name": "p"}).json()
    budget = owner.post(
        "/api/v1/budgets", json={"orgId": org.id, "name": "b", "amount": "1"}
    ).json()
    owner.patch(f"/api/v1/orgs/{org.id}", json={"name": org.slug + " renamed"})

    reader = api.as_(org.keys["audit:read"])
    page = reader.get("/api/v1/audit").json()
    entries = page["entries"]
    assert [e["action"] for e in entries] == [
        "org.update", "budget.create", "policy.create", "key.delete", "key.update", "key.create",
    ]  # fmt: skip
    by_action = {e["action"]: e for e in entries}
    update = by_action["key.update"]
    assert update["resource"] == f"api_key:{key['id']}"
    assert update["actorUserId"] == org.users["OWNER"] and update["actorApiKeyId"] is None
    assert update["details"]["before"]["name"] == "a"
    assert update["details"]["after"]["name"] == "b"
    assert by_action["policy.create"]["details"]["after"]["id"] == policy["id"]
    assert by_action["budget.create"]["details"]["after"]["amount"] == budget["amount"]
    assert key["key"] not in str(entries)

    filtered = reader.get("/api/v1/audit", params={"action": "key.update"}).json()["entries"]
    assert [e["id"] for e in filtered] == [update["id"]]
    first = reader.get("/api/v1/audit", params={"limit": 4}).json()
    rest = reader.get("/api/v1/audit", params={"limit": 4, "cursor": first["nextCursor"]}).json()
    assert [e["id"] for e in first["entries"] + rest["entries"]] == [e["id"] for e in entries]
    assert rest["nextCursor"] is None
    # startTime and endTime are the original spec's names for from and to.
    later = {"startTime": "2999-01-01T00:00:00Z"}
    assert reader.get("/api/v1/audit", params=later).json()["entries"] == []
    earlier = {"endTime": "2000-01-01T00:00:00Z"}
    assert reader.get("/api/v1/audit", params=earlier).json()["entries"] == []
    since = {"startTime": "2000-01-01T00:00:00Z", "endTime": "2999-01-01T00:00:00Z"}
    assert len(reader.get("/api/v1/audit", params=since).json()["entries"]) == len(entries)

    owner.delete(f"/api/v1/orgs/{org.id}")
    (deleted,) = gateway.rows("audit_logs", org_id=org.id, action="org.delete")
    assert deleted["user_id"] == org.users["OWNER"]
