"""``/api/v1/policies``: CRUD, matrix validation naming the path, soft delete."""

from __future__ import annotations

from tests.admin_api.support import Api, assert_error, make_org
from tests.harness import RunningGateway

MATRIX = {"support.reply": {"email": "mask", "default": "pass_through"}, "default": {}}
POLICY_FIELDS = {
    "id", "orgId", "name", "description", "version", "toolAccessMatrix", "defaults",
    "denyTools", "allowTools", "isActive", "onError", "priority", "createdAt", "updatedAt",
}  # fmt: skip


def test_policy_lifecycle(gateway: RunningGateway, api: Api) -> None:
    org = make_org(gateway, roles=(), scopes=("policy:publish",), log_in=False)
    publisher = api.as_(org.keys["policy:publish"])
    created = publisher.post(
        "/api/v1/policies",
        json={"name": "pii", "toolAccessMatrix": MATRIX, "priority": 5, "onError": "allow"},
    )
    assert created.status_code == 201, created.text
    policy = created.json()
    assert set(policy) == POLICY_FIELDS
    assert policy["toolAccessMatrix"] == MATRIX and policy["orgId"] == org.id
    low = publisher.post("/api/v1/policies", json={"name": "low", "priority": 1}).json()

    listed = publisher.get("/api/v1/policies").json()["policies"]
    assert [p["id"] for p in listed] == [policy["id"], low["id"]]  # priority first

    changed = publisher.patch(
        f"/api/v1/policies/{policy['id']}", json={"isActive": False, "version": "v2"}
    )
    assert changed.json()["isActive"] is False and changed.json()["version"] == "v2"
    assert [p["id"] for p in publisher.get("/api/v1/policies").json()["policies"]] == [low["id"]]
    everything = publisher.get("/api/v1/policies", params={"includeInactive": "true"})
    assert len(everything.json()["policies"]) == 2

    assert publisher.delete(f"/api/v1/policies/{low['id']}").json()["deleted"] is True
    assert_error(publisher.get(f"/api/v1/policies/{low['id']}"), 404, "policy_not_found")
    (row,) = gateway.rows("policies", id=low["id"])
    assert row["deleted_at"] is not None


def test_a_bad_matrix_is_400_naming_its_path(gateway: RunningGateway, api: Api) -> None:
    org = make_org(gateway, roles=(), scopes=("admin",), log_in=False)
    admin = api.as_(org.keys["admin"])
    bad = {"web.fetch": {"email": "shred"}}
    error = assert_error(
        admin.post("/api/v1/policies", json={"name": "x", "toolAccessMatrix": bad}),
        400,
        "invalid_policy",
    )
    assert error["param"] == "toolAccessMatrix.web.fetch.email"
    policy = admin.post("/api/v1/policies", json={"name": "ok"}).json()
    error = assert_error(
        admin.patch(f"/api/v1/policies/{policy['id']}", json={"toolAccessMatrix": {"t": 3}}),
        400,
        "invalid_policy",
    )
    assert error["param"] == "toolAccessMatrix.t"
