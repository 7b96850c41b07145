"""Every admin endpoint refuses every role and scope that must not reach it (403), every caller
from another org (404, exactly as for an org that does not exist), and keys on the endpoints
that need a person (403). The expectations come from ``admin_api.permissions``' table; a new
endpoint without a case here fails ``test_every_endpoint_has_a_case``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from admin_api.app import ENDPOINTS
from admin_api.permissions import ROLE_PERMISSIONS, Permission, Role, scope_permissions
from core.scopes import ALL_SCOPES
from core.storage.account_models import Invitation
from core.storage.database import create_engine, session_factory
from tests.admin_api.support import ROLES, Api, OrgFixture, assert_error, run
from tests.harness import RunningGateway

P = Permission


@dataclass(frozen=True)
class Case:
    method: str
    route: str  # as declared
    permission: Permission | None  # None: needs a user session, any role
    path: str = ""  # with {org}, {key}, {policy}, {budget}, {member}, {invitation}
    params: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        return f"{self.method} {self.route}"


ORG_Q = {"orgId": "{org}"}
INGEST = {"orgId": "{org}", "direction": "precheck", "decision": "allow", "payloadHash": "ab"}
CASES = [
    Case("GET", "/api/v1/keys", P.KEYS_MANAGE_OWN, params=ORG_Q),
    Case("POST", "/api/v1/keys", P.KEYS_MANAGE_OWN,
         body={"orgId": "{org}", "name": "x", "scopes": ["precheck:invoke"]}),
    Case("GET", "/api/v1/keys/{id}", P.KEYS_MANAGE_OWN, "/api/v1/keys/{key}"),
    Case("PATCH", "/api/v1/keys/{id}", P.KEYS_MANAGE_OWN, "/api/v1/keys/{key}",
         body={"name": "y"}),
    Case("DELETE", "/api/v1/keys/{id}", P.KEYS_MANAGE_OWN, "/api/v1/keys/{key}"),
    Case("PATCH", "/api/v1/keys", P.KEYS_MANAGE_OWN, params={"id": "{key}"}, body={"name": "y"}),
    Case("DELETE", "/api/v1/keys", P.KEYS_MANAGE_OWN, body={"id": "{key}"}),
    Case("GET", "/api/v1/policies", P.POLICIES_READ, params=ORG_Q),
    Case("POST", "/api/v1/policies", P.POLICIES_WRITE, body={"orgId": "{org}", "name": "x"}),
    Case("GET", "/api/v1/policies/{id}", P.POLICIES_READ, "/api/v1/policies/{policy}"),
    Case("PATCH", "/api/v1/policies/{id}", P.POLICIES_WRITE, "/api/v1/policies/{policy}",
         body={"priority": 3}),
    Case("DELETE", "/api/v1/policies/{id}", P.POLICIES_WRITE, "/api/v1/policies/{policy}"),
    Case("PATCH", "/api/v1/policies", P.POLICIES_WRITE, body={"id": "{policy}", "priority": 3}),
    Case("DELETE", "/api/v1/policies", P.POLICIES_WRITE, params={"id": "{policy}"}),
    Case("GET", "/api/decisions", P.DECISIONS_READ, params=ORG_Q),
    Case("POST", "/api/v1/ingest/decision", P.INGEST_WRITE, body=INGEST),
    Case("GET", "/api/websockets/connections", P.DECISIONS_READ, params=ORG_Q),
    Case("GET", "/api/websockets/activity", P.DECISIONS_READ, params={"orgSlug": "{org}"}),
    Case("POST", "/api/websockets/activity", P.INGEST_WRITE, params=ORG_Q,
         body={"sessionId": "nope", "activityType": "message"}),
    Case("GET", "/api/v1/orgs/{orgId}/signing-secret", P.SIGNING_MANAGE,
         "/api/v1/orgs/{org}/signing-secret"),
    Case("POST", "/api/v1/orgs/{orgId}/signing-secret", P.SIGNING_MANAGE,
         "/api/v1/orgs/{org}/signing-secret"),
    Case("DELETE", "/api/v1/orgs/{orgId}/signing-secret", P.SIGNING_MANAGE,
         "/api/v1/orgs/{org}/signing-secret"),
    Case("GET", "/api/v1/budgets", P.BUDGETS_READ, params=ORG_Q),
    Case("POST", "/api/v1/budgets", P.BUDGETS_MANAGE,
         body={"orgId": "{org}", "name": "x", "amount": "1"}),
    Case("GET", "/api/v1/budgets/{id}", P.BUDGETS_READ, "/api/v1/budgets/{budget}"),
    Case("PATCH", "/api/v1/budgets/{id}", P.BUDGETS_MANAGE, "/api/v1/budgets/{budget}",
         body={"amount": "3"}),
    Case("DELETE", "/api/v1/budgets/{id}", P.BUDGETS_MANAGE, "/api/v1/budgets/{budget}"),
    Case("GET", "/api/v1/usage", P.USAGE_READ, params=ORG_Q),
    Case("GET", "/api/v1/audit", P.AUDIT_READ, params=ORG_Q),
    Case("GET", "/api/v1/orgs/{orgId}", P.ORG_READ, "/api/v1/orgs/{org}"),
    Case("PATCH", "/api/v1/orgs/{orgId}", P.ORG_UPDATE, "/api/v1/orgs/{org}",
         body={"budgetEnabled": True}),
    Case("DELETE", "/api/v1/orgs/{orgId}", P.ORG_DELETE, "/api/v1/orgs/{org}"),
    Case("GET", "/api/v1/orgs/{orgId}/members", P.MEMBERS_READ, "/api/v1/orgs/{org}/members"),
    Case("PATCH", "/api/v1/orgs/{orgId}/members/{userId}", P.MEMBERS_MANAGE,
         "/api/v1/orgs/{org}/members/{member}", body={"role": "VIEWER"}),
    Case("DELETE", "/api/v1/orgs/{orgId}/members/{userId}", P.MEMBERS_MANAGE,
         "/api/v1/orgs/{org}/members/{member}"),
    Case("POST", "/api/v1/orgs/{orgId}/invitations", P.MEMBERS_MANAGE,
         "/api/v1/orgs/{org}/invitations", body={"email": "new@example.com", "role": "VIEWER"}),
    Case("GET", "/api/v1/orgs/{orgId}/invitations", P.MEMBERS_READ,
         "/api/v1/orgs/{org}/invitations"),
    Case("DELETE", "/api/v1/orgs/{orgId}/invitations/{id}", P.MEMBERS_MANAGE,
         "/api/v1/orgs/{org}/invitations/{invitation}"),
    # A person's own endpoints: any role, but never an API key.
    Case("GET", "/api/v1/orgs", None),
    Case("POST", "/api/v1/orgs", None, body={"name": "n", "slug": "never-made"}),
    Case("POST", "/api/v1/invitations/accept", None, body={"token": "gin_nope"}),
    Case("POST", "/api/v1/auth/logout", None),
    Case("GET", "/api/v1/auth/me", None),
    Case("POST", "/api/v1/auth/password", None,
         body={"currentPassword": "x", "newPassword": "y"}),
    Case("POST", "/api/v1/auth/email/verify/request", None),
    Case("GET", "/api/v1/auth/mfa/totp", None),
    Case("POST", "/api/v1/auth/mfa/totp/setup", None),
    Case("POST", "/api/v1/auth/mfa/totp/enable", None, body={"code": "123456"}),
    Case("POST", "/api/v1/auth/mfa/totp/verify", None, body={"code": "123456"}),
    Case("POST", "/api/v1/auth/mfa/totp/disable", None, body={"code": "123456"}),
    # The gateway's operators only (admin.operator_org): every org's own people and keys get 403.
    Case("GET", "/api/v1/orgs/{orgId}/models", None, "/api/v1/orgs/{org}/models"),
    Case("PUT", "/api/v1/orgs/{orgId}/models", None, "/api/v1/orgs/{org}/models",
         body={"allowedModels": None}),
]  # fmt: skip
# Keys may call GET /api/v1/orgs (they see their own org): checked in test_org_listings.
KEY_ALLOWED = {("GET", "/api/v1/orgs")}
OPERATOR_ONLY = {("GET", "/api/v1/orgs/{orgId}/models"), ("PUT", "/api/v1/orgs/{orgId}/models")}


@pytest.fixture(scope="session")
def targets(gateway: RunningGateway, org_a: OrgFixture) -> dict[str, str]:
    owner = Api(gateway, org_a.sessions["OWNER"])
    key = owner.post(
        "/api/v1/keys", json={"orgId": org_a.id, "name": "target", "scopes": ["admin"]}
    )
    policy = owner.post("/api/v1/policies", json={"orgId": org_a.id, "name": "target"})
    budget = owner.post("/api/v1/budgets", json={"orgId": org_a.id, "name": "t", "amount": "5"})
    for response in (key, policy, budget):
        assert response.status_code == 201, response.text

    async def invite() -> str:
        engine = create_engine(gateway.settings.database)
        try:
            async with session_factory(engine).begin() as session:
                row = Invitation(
                    org_id=org_a.id,
                    email="target@example.com",
                    role="VIEWER",
                    token_hash="0" * 64 + "",
                    expires_at=datetime.now(UTC) + timedelta(days=1),
                )
                session.add(row)
                await session.flush()
                return row.id
        finally:
            await engine.dispose()

    return {
        "org": org_a.id,
        "key": key.json()["id"],
        "policy": policy.json()["id"],
        "budget": budget.json()["id"],
        "member": org_a.users["VIEWER"],
        "invitation": run(invite()),
    }


def _fill(value: Any, targets: dict[str, str]) -> Any:
    if isinstance(value, str):
        for name, target in targets.items():
            value = value.replace("{" + name + "}", target)
        return value
    if isinstance(value, dict):
        return {k: _fill(v, targets) for k, v in value.items()}
    return value


def call(api: Api, case: Case, token: str, targets: dict[str, str]) -> Any:
    kwargs: dict[str, Any] = {"params": _fill(case.params, targets)}
    if case.body is not None:
        kwargs["json"] = _fill(case.body, targets)
    return api.as_(token).request(case.method, _fill(case.path or case.route, targets), **kwargs)


def test_every_endpoint_has_a_case() -> None:
    declared = {(e.method, e.path) for e in ENDPOINTS if not e.public}
    assert declared == {(c.method, c.route) for c in CASES}
    for case in CASES:
        endpoint = next(e for e in ENDPOINTS if (e.method, e.path) == (case.method, case.route))
        assert endpoint.permission == case.permission, case.id


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_refused_roles_and_scopes(
    gateway: RunningGateway,
    org_a: OrgFixture,
    org_b: OrgFixture,
    targets: dict[str, str],
    case: Case,
) -> None:
    api = Api(gateway)
    failures = []

    def expect(who: str, token: str, status: int, code: str) -> None:
        response = call(api, case, token, targets)
        try:
            assert_error(response, status, code)
        except AssertionError:
            failures.append(f"{who}: {response.status_code} {response.text[:200]}")

    if (case.method, case.route) in OPERATOR_ONLY:
        for org in (org_a, org_b):
            for who, token in [*org.sessions.items(), *org.keys.items()]:
                expect(f"{org.slug} {who}", token, 403, "operator_required")
    elif case.permission is None:
        if (case.method, case.route) not in KEY_ALLOWED:
            for scope in ALL_SCOPES:
                expect(f"key {scope}", org_a.keys[scope], 403, "session_required")
    else:
        for role in ROLES:
            if case.permission not in ROLE_PERMISSIONS[Role(role)]:
                expect(f"role {role}", org_a.sessions[role], 403, "insufficient_role")
        for scope in ALL_SCOPES:
            if case.permission not in scope_permissions(frozenset({scope})):
                expect(f"key {scope}", org_a.keys[scope], 403, "insufficient_scope")
        # Strangers: the owner of another org and its admin key see nothing here.
        for who, token in (
            ("org_b owner", org_b.sessions["OWNER"]),
            ("org_b key", org_b.keys["admin"]),
        ):
            response = call(api, case, token, targets)
            if response.status_code != 404 or not response.json()["error"]["code"].endswith(
                "_not_found"
            ):
                failures.append(f"{who}: {response.status_code} {response.text[:200]}")
    assert not failures, "\n".join(failures)


def test_org_listings_show_only_the_callers_orgs(
    gateway: RunningGateway, org_a: OrgFixture, org_b: OrgFixture
) -> None:
    api = Api(gateway)
    mine = api.as_(org_b.sessions["OWNER"]).get("/api/v1/orgs").json()["orgs"]
    assert [o["id"] for o in mine] == [org_b.id]
    assert mine[0]["role"] == "OWNER"
    keyed = api.as_(org_b.keys["admin"]).get("/api/v1/orgs").json()["orgs"]
    assert [(o["id"], o["role"]) for o in keyed] == [(org_b.id, None)]
    assert org_a.id not in str(mine + keyed)


def test_missing_or_bad_credentials_are_401(gateway: RunningGateway) -> None:
    api = Api(gateway)
    assert_error(api.get("/api/v1/keys"), 401, "missing_api_key")
    assert_error(api.as_("gai_nope").get("/api/v1/keys"), 401, "invalid_api_key")
    assert_error(api.as_("gas_nope").get("/api/v1/keys"), 401, "invalid_session")
