"""``/api/v1/keys``: create (secret once), list, read, change, revoke (soft delete), the
collection-level PATCH and DELETE, and keys on ``/api`` going through the proxy's key cache."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event

from tests.admin_api.support import Api, OrgFixture, assert_error, make_org
from tests.harness import RunningGateway

CHAT = {"model": "echo", "messages": [{"role": "user", "content": "hi"}]}
KEY_FIELDS = {
    "id", "orgId", "userId", "name", "label", "keyPrefix", "scopes", "isActive", "env",
    "createdAt", "issuedAt", "updatedAt", "lastUsed", "expiresAt", "allowedModels",
    "requestsPerMinute", "tokensPerMinute", "cacheTtlSeconds",
}  # fmt: skip


def deleted(key_id: str) -> dict[str, Any]:
    return {"id": key_id, "deleted": True, "message": "API key deleted successfully"}


def chat(gateway: RunningGateway, key: str) -> int:
    return httpx.post(
        f"{gateway.openai_base_url}/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json=CHAT,
    ).status_code


def refused_within_cache_time(gateway: RunningGateway, api: Api, secret: str, code: str) -> None:
    """The key stops working on ``/api`` within ``auth.key_cache_seconds``, as on the proxy."""
    deadline = time.monotonic() + gateway.settings.auth.key_cache_seconds + 1.0
    while True:
        response = api.as_(secret).get("/api/v1/orgs")
        if response.status_code == 401 and response.json()["error"]["code"] == code:
            return
        assert time.monotonic() < deadline, f"still {response.status_code} {response.text}"
        time.sleep(0.1)


def test_key_lifecycle(gateway: RunningGateway, api: Api) -> None:
    org = make_org(gateway, roles=("OWNER",))
    owner = api.as_(org.sessions["OWNER"])

    created = owner.post(
        "/api/v1/keys",
        json={"orgId": org.slug, "name": "ci", "scopes": ["precheck:invoke"], "env": "dev"},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    secret = body.pop("keyValue")
    assert body.pop("key") == secret
    assert set(body) == KEY_FIELDS
    assert body["label"] == body["name"] == "ci" and body["issuedAt"] == body["createdAt"]
    assert secret.startswith("gai_") and secret.startswith(body["keyPrefix"])
    assert body["orgId"] == org.id and body["userId"] == org.users["OWNER"]
    assert body["scopes"] == ["precheck:invoke"] and body["isActive"] and body["env"] == "dev"
    assert chat(gateway, secret) == 200

    listed = owner.get("/api/v1/keys", params={"orgId": org.id}).json()
    assert [k["id"] for k in listed] == [body["id"]]
    assert "key" not in listed[0] and "keyValue" not in listed[0] and secret not in str(listed)

    fetched = owner.get(f"/api/v1/keys/{body['id']}")
    assert fetched.status_code == 200 and fetched.json()["name"] == "ci"

    changed = owner.patch(f"/api/v1/keys/{body['id']}", json={"name": "ci-2", "isActive": False})
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "ci-2" and changed.json()["isActive"] is False

    assert owner.delete(f"/api/v1/keys/{body['id']}").json() == deleted(body["id"])
    assert owner.get("/api/v1/keys", params={"orgId": org.id}).json() == []
    assert_error(owner.get(f"/api/v1/keys/{body['id']}"), 404, "api_key_not_found")
    (row,) = gateway.rows("api_keys", id=body["id"])
    assert row["deleted_at"] is not None  # soft-deleted: the row stays


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
    listed = developer.get("/api/v1/keys", params={"orgId": org_a.id}).json()
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


def test_collection_patch_and_delete_take_the_id_from_the_query_or_the_body(
    gateway: RunningGateway, api: Api, org_a: OrgFixture
) -> None:
    owner = api.as_(org_a.sessions["OWNER"])
    developer = api.as_(org_a.sessions["DEVELOPER"])
    new = {"orgId": org_a.id, "scopes": ["precheck:invoke"]}
    one = owner.post("/api/v1/keys", json={**new, "name": "one"}).json()
    two = owner.post("/api/v1/keys", json={**new, "name": "two"}).json()

    by_query = owner.patch("/api/v1/keys", params={"id": one["id"]}, json={"name": "uno"})
    assert by_query.status_code == 200, by_query.text
    assert by_query.json()["name"] == "uno" and by_query.json()["id"] == one["id"]
    by_body = owner.patch("/api/v1/keys", json={"id": two["id"], "isActive": False})
    assert by_body.json()["isActive"] is False and by_body.json()["id"] == two["id"]
    # The same checks as at /api/v1/keys/{id}: grants, and a developer's reach.
    refused = owner.patch("/api/v1/keys", json={"id": one["id"], "scopes": ["nope"]})
    assert assert_error(refused, 400, "invalid_request_body")["param"] == "scopes.0"
    for response in (
        developer.patch("/api/v1/keys", params={"id": one["id"]}, json={"name": "x"}),
        developer.delete("/api/v1/keys", params={"id": one["id"]}),
        developer.request("DELETE", "/api/v1/keys", json={"id": one["id"]}),
    ):
        assert_error(response, 404, "api_key_not_found")
    assert_error(owner.patch("/api/v1/keys", json={"name": "x"}), 400, "missing_id")
    conflicting = owner.patch(
        "/api/v1/keys", params={"id": one["id"]}, json={"id": two["id"], "name": "x"}
    )
    assert_error(conflicting, 400, "conflicting_id")

    assert owner.delete("/api/v1/keys", params={"id": one["id"]}).json() == deleted(one["id"])
    by_body = owner.request("DELETE", "/api/v1/keys", json={"id": two["id"]})
    assert by_body.json() == deleted(two["id"])
    listed = owner.get("/api/v1/keys", params={"orgId": org_a.id}).json()
    assert {one["id"], two["id"]}.isdisjoint(k["id"] for k in listed)
    for key_id in (one["id"], two["id"]):
        rows = gateway.rows("audit_logs", resource=f"api_key:{key_id}")
        rows.sort(key=lambda r: (r["created_at"], r["id"]), reverse=True)
        assert [r["action"] for r in rows] == ["key.delete", "key.update", "key.create"]
        assert {r["user_id"] for r in rows} == {org_a.users["OWNER"]}


@contextmanager
def key_lookups(gateway: RunningGateway) -> Iterator[list[str]]:
    """The SQL statements that look an API key up by its hash, run while the block runs."""
    seen: list[str] = []

    def spy(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "api_keys.key_hash" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    engine = gateway.gateway.engine.sync_engine
    event.listen(engine, "before_cursor_execute", spy)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", spy)


def new_key(gateway: RunningGateway) -> tuple[Api, dict[str, Any]]:
    """An owner's session and a new ``audit:read`` key (never used yet) of a new org."""
    org = make_org(gateway, roles=("OWNER",))
    owner = Api(gateway, org.sessions["OWNER"])
    made = owner.post(
        "/api/v1/keys", json={"orgId": org.id, "name": "reader", "scopes": ["audit:read"]}
    )
    assert made.status_code == 201, made.text
    return owner, made.json()


def test_an_admin_call_reads_no_key_from_the_database(gateway: RunningGateway, api: Api) -> None:
    owner, made = new_key(gateway)
    reader = api.as_(made["key"])
    with key_lookups(gateway) as lookups:
        assert reader.get("/api/v1/audit").status_code == 200
        assert reader.get("/api/v1/audit").status_code == 200
        assert reader.get("/api/v1/orgs").status_code == 200
    assert len(lookups) == 1, lookups  # one read per key per key_cache_seconds

    # The proxy's last_used tracking sees admin calls too.
    gateway.thread.run(gateway.gateway.keys.flush_last_used())
    assert owner.get(f"/api/v1/keys/{made['id']}").json()["lastUsed"] is not None


def test_a_disabled_or_revoked_key_stops_within_the_cache_time(
    mail_gateway: RunningGateway,
) -> None:
    # mail_gateway's key cache is short: the waits stay short.
    owner, made = new_key(mail_gateway)
    api = Api(mail_gateway)
    assert api.as_(made["key"]).get("/api/v1/audit").status_code == 200  # cached now
    owner.patch(f"/api/v1/keys/{made['id']}", json={"isActive": False})
    refused_within_cache_time(mail_gateway, api, made["key"], "inactive_api_key")
    owner.delete(f"/api/v1/keys/{made['id']}")
    refused_within_cache_time(mail_gateway, api, made["key"], "invalid_api_key")
