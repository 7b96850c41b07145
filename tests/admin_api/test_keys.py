"""``/api/v1/keys``: create (secret once), list, read, change, revoke (soft delete)."""

from __future__ import annotations

import httpx

from tests.admin_api.support import Api, OrgFixture, assert_error, make_org
from tests.harness import RunningGateway

CHAT = {"model": "echo", "messages": [{"role": "user", "content": "hi"}]}
KEY_FIELDS = {
    "id", "orgId", "userId", "name", "keyPrefix", "scopes", "isActive", "env", "createdAt",
    "updatedAt", "lastUsed", "expiresAt",
}  # fmt: skip


def chat(gateway: RunningGateway, key: str) -> int:
    return httpx.post(
        f"{gateway.openai_base_url}/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json=CHAT,
    ).status_code


def test_key_lifecycle(gateway: RunningGateway, api: Api) -> None:
    org = make_org(gateway, roles=("OWNER",))
    owner = api.as_(org.sessions["OWNER"])

    created = owner.post(
        "/api/v1/keys",
        json={"orgId": org.slug, "name": "ci", "scopes": ["precheck:invoke"], "env": "dev"},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    secret = body.pop("key")
    assert set(body) == KEY_FIELDS
    assert secret.startswith("gai_") and secret.startswith(body["keyPrefix"])
    assert body["orgId"] == org.id and body["userId"] == org.users["OWNER"]
    assert body["scopes"] == ["precheck:invoke"] and body["isActive"] and body["env"] == "dev"
    assert chat(gateway, secret) == 200

    listed = owner.get("/api/v1/keys", params={"orgId": org.id}).json()["keys"]
    assert [k["id"] for k in listed] == [body["id"]]
    assert "key" not in listed[0] and secret not in str(listed)

    fetched = owner.get(f"/api/v1/keys/{body['id']}")
    assert fetched.status_code == 200 and fetched.json()["name"] == "ci"

    changed = owner.patch(f"/api/v1/keys/{body['id']}", json={"name": "ci-2", "isActive": False})
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "ci-2" and changed.json()["isActive"] is False

    deleted = owner.delete(f"/api/v1/keys/{body['id']}")
    assert deleted.json() == {"id": body["id"], "deleted": True}
    assert owner.get("/api/v1/keys", params={"orgId": org.id}).json()["keys"] == []
    assert_error(owner.get(f"/api/v1/keys/{body['id']}"), 404, "api_key_not_found")
    (row,) = gateway.rows("api_keys", id=body["id"])
    assert row["deleted_at"] is not None  # soft-deleted: the row stays
    assert_error(api.as_(secret).get("/api/v1/keys"), 401, "invalid_api_key")


def test_a_key_manages_keys_of_its_own_org_only_with_scopes_it_holds(
    gateway: RunningGateway, api: Api, org_a: OrgFixture, org_b: OrgFixture
) -> None:
    manager = api.as_(org_a.keys["keys:manage"])
    made = manager.post("/api/v1/keys", json={"name": "m", "scopes": ["keys:manage"]})
    assert made.status_code == 201 and made.json()["orgId"] == org_a.id
    refused = manager.post("/api/v1/keys", json={"name": "x", "scopes": ["admin"]})
    assert_error(refused, 403, "scope_not_grantable")
    # Naming another org, by id or slug, is the same as naming one that does not exist.
    for ref in (org_b.id, org_b.slug, "no-such-org"):
        body = {"orgId": ref, "name": "x", "scopes": ["keys:manage"]}
        assert_error(manager.post("/api/v1/keys", json=body), 404, "org_not_found")
        assert_error(manager.get("/api/v1/keys", params={"orgId": ref}), 404, "org_not_found")


def test_a_developer_manages_only_own_keys_with_developer_scopes(
    gateway: RunningGateway, api: Api, org_a: OrgFixture
) -> None:
    developer = api.as_(org_a.sessions["DEVELOPER"])
    owner = api.as_(org_a.sessions["OWNER"])
    theirs = owner.post(
        "/api/v1/keys", json={"orgId": org_a.id, "name": "owner's", "scopes": ["admin"]}
    ).json()
    assert_error(
        developer.post(
            "/api/v1/keys", json={"orgId": org_a.id, "name": "d", "scopes": ["usage:read"]}
        ),
        403,
        "scope_not_grantable",
    )
    mine = developer.post(
        "/api/v1/keys",
        json={"orgId": org_a.id, "name": "dev", "scopes": ["precheck:invoke", "ingest:write"]},
    )
    assert mine.status_code == 201, mine.text
    listed = developer.get("/api/v1/keys", params={"orgId": org_a.id}).json()["keys"]
    assert {k["id"] for k in listed} == {mine.json()["id"]}
    for method in ("GET", "PATCH", "DELETE"):
        kwargs = {"json": {"name": "x"}} if method == "PATCH" else {}
        response = developer.request(method, f"/api/v1/keys/{theirs['id']}", **kwargs)
        assert_error(response, 404, "api_key_not_found")
    assert developer.delete(f"/api/v1/keys/{mine.json()['id']}").status_code == 200


def test_invalid_key_bodies_name_the_param(api: Api, org_a: OrgFixture) -> None:
    owner = api.as_(org_a.sessions["OWNER"])
    for body, param in [
        ({"scopes": ["admin"]}, "name"),
        ({"name": "x", "scopes": ["nope"]}, "scopes.0"),
        ({"name": "x", "scopes": []}, "scopes"),
        ({"name": "x", "scopes": ["admin"], "env": "Prod!"}, "env"),
        ({"name": "x", "scopes": ["admin"], "surprise": 1}, "surprise"),
    ]:
        error = assert_error(
            owner.post("/api/v1/keys", json={"orgId": org_a.id, **body}),
            400,
            "invalid_request_body",
        )
        assert error["param"] == param
    assert_error(owner.post("/api/v1/keys", content=b"{nope"), 400, "invalid_json")
