"""No policy changes silently: a typo'd PII class, action or field is refused naming the nearest
valid one, and activating a second policy next to an active one needs an explicit choice
(``?replace=true`` or a ``priority`` of its own)."""

from __future__ import annotations

import openai
import pytest

from tests.admin_api.support import Api, OrgFixture, assert_error, make_org
from tests.harness import RunningGateway

RULE = {"class": "employee_id", "pattern": r"EMP-\d{6}"}


@pytest.fixture
def publisher(gateway: RunningGateway, api: Api) -> tuple[OrgFixture, Api]:
    org = make_org(gateway, roles=(), scopes=("admin", "precheck:invoke"), log_in=False)
    return org, api.as_(org.keys["admin"])


@pytest.mark.parametrize(
    ("matrix", "param", "nearest"),
    [
        ({"default": {"ssnn": "deny"}}, "toolAccessMatrix.default.ssnn", "'ssn'"),
        ({"support.reply": {"emails": "mask"}}, "toolAccessMatrix.support.reply.emails", "'email'"),
        ({"web": {"credit-card": "deny"}}, "toolAccessMatrix.web.credit-card", "'credit_card'"),
        ({"web": {"email": "masc"}}, "toolAccessMatrix.web.email", "'mask'"),
    ],
)
def test_typos_in_the_matrix_are_refused_naming_the_nearest(
    publisher: tuple[OrgFixture, Api], matrix: dict, param: str, nearest: str
) -> None:
    _, admin = publisher
    refused = admin.post("/api/v1/policies", json={"name": "p", "toolAccessMatrix": matrix})
    error = assert_error(refused, 400, "invalid_policy")
    assert error["param"] == param and f"did you mean {nearest}" in error["message"]
    assert admin.get("/api/v1/policies").json() == []  # nothing was stored


def test_unknown_classes_and_fields_are_refused(publisher: tuple[OrgFixture, Api]) -> None:
    _, admin = publisher
    unknown = admin.post(
        "/api/v1/policies", json={"name": "p", "toolAccessMatrix": {"t": {"zzzz": "deny"}}}
    )
    assert "valid: address, credit_card" in assert_error(unknown, 400, "invalid_policy")["message"]
    field = admin.post("/api/v1/policies", json={"name": "p", "toolAccesMatrix": {}})
    error = assert_error(field, 400, "invalid_request_body")
    assert error["param"] == "toolAccesMatrix"
    assert "did you mean 'toolAccessMatrix'" in error["message"]
    nested = admin.post(
        "/api/v1/policies", json={"name": "p", "customRules": [{"clas": "x", "pattern": "y"}]}
    )
    assert "did you mean 'class'" in assert_error(nested, 400)["message"]

    # An org's own class is known once a custom rule defines it, and only while it does.
    own = admin.post(
        "/api/v1/policies",
        json={"name": "own", "toolAccessMatrix": {"t": {"employee_id": "mask"}},
              "customRules": [RULE]},
    )  # fmt: skip
    assert own.status_code == 201, own.text
    orphaned = admin.patch(f"/api/v1/policies/{own.json()['id']}", json={"customRules": []})
    assert (
        assert_error(orphaned, 400, "invalid_policy")["param"] == "toolAccessMatrix.t.employee_id"
    )


def test_a_second_active_policy_needs_an_explicit_choice(
    gateway: RunningGateway, publisher: tuple[OrgFixture, Api]
) -> None:
    org, admin = publisher
    working = {"name": "working", "toolAccessMatrix": {"default": {"email": "mask"}}}
    first = admin.post("/api/v1/policies", json=working).json()

    # The case: a new policy would silently shadow the working one.
    shadow = {"name": "shadow", "toolAccessMatrix": {"default": {"ssn": "deny"}}}
    refused = admin.post("/api/v1/policies", json=shadow)
    error = assert_error(refused, 409, "active_policy_exists")
    assert "'working'" in error["message"] and "replace" in error["message"]
    tie = admin.post("/api/v1/policies", json={**shadow, "priority": 0})
    assert_error(tie, 409, "active_policy_exists")  # the same priority decides nothing

    # Choice one: a priority of its own ranks them; both stay active, the higher applies.
    ranked = admin.post("/api/v1/policies", json={**shadow, "priority": 10})
    assert ranked.status_code == 201, ranked.text
    active = admin.get("/api/v1/policies", params={"includeInactive": "false"}).json()
    assert [p["name"] for p in active] == ["shadow", "working"]
    # Editing one that stays as it was ranked is no activation (a form resends the priority).
    edited = admin.patch(
        f"/api/v1/policies/{first['id']}", json={"priority": 0, "description": "edited"}
    )
    assert edited.status_code == 200, edited.text

    # Choice two: replace, which switches the others off, each change audited.
    third = {"name": "third", "toolAccessMatrix": {"default": {"email": "remove"}}}
    replaced = admin.post("/api/v1/policies", params={"replace": "true"}, json=third)
    assert replaced.status_code == 201, replaced.text
    switched_on = admin.get("/api/v1/policies", params={"includeInactive": "false"}).json()
    assert [p["name"] for p in switched_on] == ["third"]
    switched_off = {
        row["resource"]
        for row in gateway.rows("audit_logs", org_id=org.id, action="policy.update")
        if row["details"]["after"]["isActive"] is False
    }
    assert switched_off == {f"policy:{first['id']}", f"policy:{ranked.json()['id']}"}

    # Switching an old one back on is an activation too.
    back_on = admin.patch(f"/api/v1/policies/{first['id']}", json={"isActive": True})
    assert_error(back_on, 409, "active_policy_exists")
    ranked_back = admin.patch(
        f"/api/v1/policies/{first['id']}", json={"isActive": True, "priority": -1}
    )
    assert ranked_back.status_code == 200, ranked_back.text

    # The proxy applies the policy in force: 'third' removes emails, 'working' would mask.
    gateway.thread.run(gateway.gateway.policies.refresh())
    client = openai.OpenAI(
        base_url=gateway.openai_base_url, api_key=org.keys["precheck:invoke"], max_retries=0
    )
    answer = client.chat.completions.create(
        model="echo", messages=[{"role": "user", "content": "mail jane.doe@example.com"}]
    )
    text = answer.choices[0].message.content or ""
    assert "jane.doe@example.com" not in text and "*" not in text
