"""``/api/v1/policies``: CRUD, matrix and custom rule validation naming the path, soft delete,
the collection-level PATCH and DELETE, and the one body the API and ``governs policies`` share."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from core.errors import ConfigError
from governs.cli_policies import apply_policy, list_policies, read_policy_file
from tests.admin_api.support import Api, assert_error, make_org
from tests.harness import RunningGateway

MATRIX = {"support.reply": {"email": "mask", "default": "pass_through"}, "default": {}}
POLICY_FIELDS = {
    "id", "orgId", "name", "description", "version", "toolAccessMatrix", "isActive", "onError",
    "outputTool", "customRules", "priority", "denyTools", "allowTools", "createdAt", "updatedAt",
}  # fmt: skip
RULE = {"class": "employee_id", "pattern": r"EMP-\d{6}", "score": 0.8, "ignoreCase": True}


def test_policy_lifecycle(gateway: RunningGateway, api: Api) -> None:
    org = make_org(gateway, roles=(), scopes=("policy:publish",), log_in=False)
    publisher = api.as_(org.keys["policy:publish"])
    created = publisher.post(
        "/api/v1/policies",
        json={"name": "pii", "toolAccessMatrix": MATRIX, "priority": 5, "onError": "pass"},
    )
    assert created.status_code == 201, created.text
    policy = created.json()
    assert set(policy) == POLICY_FIELDS
    assert policy["toolAccessMatrix"] == MATRIX and policy["orgId"] == org.id
    assert policy["onError"] == "pass" and policy["customRules"] == []
    low = publisher.post("/api/v1/policies", json={"name": "low", "priority": 1}).json()

    listed = publisher.get("/api/v1/policies").json()
    assert [p["id"] for p in listed] == [policy["id"], low["id"]]  # priority first

    changed = publisher.patch(
        f"/api/v1/policies/{policy['id']}", json={"isActive": False, "version": "v2"}
    )
    assert changed.json()["isActive"] is False and changed.json()["version"] == "v2"
    # Every policy is listed, switched off or on (so one switched off can be switched on again).
    everything = publisher.get("/api/v1/policies").json()
    assert [(p["id"], p["isActive"]) for p in everything] == [
        (policy["id"], False), (low["id"], True),
    ]  # fmt: skip
    active = publisher.get("/api/v1/policies", params={"includeInactive": "false"}).json()
    assert [p["id"] for p in active] == [low["id"]]

    assert publisher.delete(f"/api/v1/policies/{low['id']}").json() == {
        "id": low["id"], "deleted": True, "message": "Policy deleted successfully",
    }  # fmt: skip
    assert_error(publisher.get(f"/api/v1/policies/{low['id']}"), 404, "policy_not_found")
    (row,) = gateway.rows("policies", id=low["id"])
    assert row["deleted_at"] is not None
    # "allow" was never an on-error mode the gateway knows: the modes are block and pass.
    refused = publisher.post("/api/v1/policies", json={"name": "x", "onError": "allow"})
    assert assert_error(refused, 400, "invalid_request_body")["param"] == "onError"


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


@pytest.mark.parametrize(
    "pattern",
    ["(EMP-", "a*", r"\p{NoSuchProperty}"],
    ids=["unbalanced", "matches-empty-text", "unknown-property"],
)
def test_a_custom_rule_pattern_that_does_not_compile_is_400_naming_it(
    gateway: RunningGateway, api: Api, pattern: str, tmp_path: Path
) -> None:
    org = make_org(gateway, roles=(), scopes=("admin",), log_in=False)
    admin = api.as_(org.keys["admin"])
    rules = [RULE, {"class": "bad", "pattern": pattern}]
    error = assert_error(
        admin.post("/api/v1/policies", json={"name": "x", "customRules": rules}),
        400,
        "invalid_request_body",
    )
    assert error["param"] == "customRules.1.pattern"
    policy = admin.post("/api/v1/policies", json={"name": "ok"}).json()
    error = assert_error(
        admin.patch(f"/api/v1/policies/{policy['id']}", json={"customRules": rules[::-1]}),
        400,
        "invalid_request_body",
    )
    assert error["param"] == "customRules.0.pattern"
    # The CLI checks a policy file with the same model.
    path = tmp_path / "policy.yaml"
    path.write_text(f"name: x\ncustomRules:\n  - {{class: bad, pattern: '{pattern}'}}\n")
    with pytest.raises(ConfigError, match=r"customRules\.0\.pattern"):
        read_policy_file(path)


def test_the_api_and_the_cli_share_one_body_and_one_shape(
    gateway: RunningGateway, api: Api, tmp_path: Path
) -> None:
    org = make_org(gateway, roles=(), scopes=("admin",), log_in=False)
    admin = api.as_(org.keys["admin"])
    path = tmp_path / "policy.yaml"
    path.write_text(
        "name: from-cli\n"
        "toolAccessMatrix: {ai.generate: {employee_id: tokenize}}\n"
        "onError: pass\n"
        "outputTool: support.reply\n"
        "customRules:\n"
        r"  - {class: employee_id, pattern: 'EMP-\d{6}', score: 0.8, ignoreCase: true}" "\n"
        "priority: 7\n"
    )  # fmt: skip
    asyncio.run(apply_policy(gateway.settings, org.slug, read_policy_file(path)))
    from_api = admin.post(
        "/api/v1/policies",
        json={
            "name": "from-api",
            "toolAccessMatrix": {"ai.generate": {"employee_id": "tokenize"}},
            "onError": "pass",
            "outputTool": "support.reply",
            "customRules": [RULE],
            "priority": 3,
        },
    )
    assert from_api.status_code == 201, from_api.text

    through_api = admin.get("/api/v1/policies").json()
    through_cli = asyncio.run(list_policies(gateway.settings, org.id))
    assert sorted(through_api, key=lambda p: p["name"]) == sorted(
        through_cli, key=lambda p: p["name"]
    )
    api_made, cli_made = sorted(through_api, key=lambda p: p["name"])  # from-api, from-cli
    for made in (cli_made, api_made):
        assert made["customRules"] == [RULE] and made["outputTool"] == "support.reply"
        assert made["onError"] == "pass"
        # Stored where gateway.policy_store reads it.
        (row,) = gateway.rows("policies", id=made["id"])
        assert row["on_error"] == "pass"
        assert row["defaults"] == {"outputTool": "support.reply", "customRules": [RULE]}

    gateway.thread.run(gateway.gateway.policies.refresh())
    live = gateway.gateway.policies.for_org(org.id)
    assert live is not None and live.id == cli_made["id"]  # priority 7 wins
    assert live.fail_open and live.output_tool == "support.reply"
    assert [(r.pii_class, r.pattern, r.ignore_case) for r in live.custom_rules] == [
        ("employee_id", RULE["pattern"], True)
    ]


def test_a_patch_changes_only_what_it_names(gateway: RunningGateway, api: Api) -> None:
    org = make_org(gateway, roles=(), scopes=("admin",), log_in=False)
    admin = api.as_(org.keys["admin"])
    body = {"name": "p", "description": "d", "outputTool": "support.reply", "customRules": [RULE]}
    policy = admin.post("/api/v1/policies", json=body).json()
    url = f"/api/v1/policies/{policy['id']}"

    renamed = admin.patch(url, json={"name": "q", "priority": None}).json()
    assert renamed["name"] == "q" and renamed["priority"] == 0  # null: left alone
    assert renamed["customRules"] == [RULE] and renamed["outputTool"] == "support.reply"
    cleared = admin.patch(url, json={"outputTool": None, "description": None}).json()
    assert cleared["outputTool"] is None and cleared["description"] is None
    assert cleared["customRules"] == [RULE]
    assert admin.patch(url, json={"customRules": []}).json()["customRules"] == []
    (row,) = gateway.rows("policies", id=policy["id"])
    assert row["defaults"] == {}


def test_collection_patch_and_delete_take_the_id_from_the_query_or_the_body(
    gateway: RunningGateway, api: Api
) -> None:
    org = make_org(gateway, roles=(), scopes=("admin", "audit:read"), log_in=False)
    admin = api.as_(org.keys["admin"])
    one = admin.post("/api/v1/policies", json={"name": "one"}).json()
    two = admin.post("/api/v1/policies", json={"name": "two", "priority": 1}).json()

    by_query = admin.patch("/api/v1/policies", params={"id": one["id"]}, json={"priority": 4})
    assert by_query.status_code == 200, by_query.text
    assert by_query.json()["priority"] == 4 and by_query.json()["id"] == one["id"]
    by_body = admin.patch("/api/v1/policies", json={"id": two["id"], "onError": "pass"})
    assert by_body.json()["onError"] == "pass" and by_body.json()["id"] == two["id"]
    both = admin.patch(
        "/api/v1/policies", params={"id": one["id"]}, json={"id": one["id"], "name": "uno"}
    )
    assert both.json()["name"] == "uno"

    missing = admin.patch("/api/v1/policies", json={"priority": 1})
    assert assert_error(missing, 400, "missing_id")["param"] == "id"
    conflicting = admin.request(
        "DELETE", "/api/v1/policies", params={"id": one["id"]}, json={"id": two["id"]}
    )
    assert assert_error(conflicting, 400, "conflicting_id")["param"] == "id"
    assert_error(admin.delete("/api/v1/policies"), 400, "missing_id")
    unknown = admin.patch("/api/v1/policies", params={"id": "nope"}, json={"priority": 1})
    assert_error(unknown, 404, "policy_not_found")
    bad = admin.patch("/api/v1/policies", json={"id": one["id"], "toolAccessMatrix": {"t": 1}})
    assert assert_error(bad, 400, "invalid_policy")["param"] == "toolAccessMatrix.t"

    message = {"deleted": True, "message": "Policy deleted successfully"}
    deleted = admin.delete("/api/v1/policies", params={"id": one["id"]})
    assert deleted.json() == {"id": one["id"], **message}
    deleted = admin.request("DELETE", "/api/v1/policies", json={"id": two["id"]})
    assert deleted.json() == {"id": two["id"], **message}
    assert admin.get("/api/v1/policies").json() == []

    audit = api.as_(org.keys["audit:read"]).get("/api/v1/audit").json()["entries"]
    assert [(e["action"], e["resource"]) for e in audit] == [
        ("policy.delete", f"policy:{two['id']}"),
        ("policy.delete", f"policy:{one['id']}"),
        ("policy.update", f"policy:{one['id']}"),
        ("policy.update", f"policy:{two['id']}"),
        ("policy.update", f"policy:{one['id']}"),
        ("policy.create", f"policy:{two['id']}"),
        ("policy.create", f"policy:{one['id']}"),
    ]
    assert audit[2]["details"]["before"]["name"] == "one"
    assert audit[2]["details"]["after"]["name"] == "uno"
