"""``/api/v1/policies``: an org's policies and their tool access matrix.

The matrix is checked by ``policies.matrix.validate_matrix``; a bad entry is a 400 whose
``param`` names it (``toolAccessMatrix.web.email``). Deleting soft-deletes (``deleted_at``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import Field
from sqlalchemy import select

from admin_api.audit import record
from admin_api.caller import not_found
from admin_api.endpoint import Call, Endpoint
from admin_api.permissions import Permission
from admin_api.types import Name, Timestamp
from admin_api.validation import Body, Deleted, Out, Query
from admin_api.wire import reply
from gateway.errors import InvalidRequestError, NotFoundError
from gateway.storage.models import Policy
from policies.matrix import MatrixError, validate_matrix

OnError = Literal["block", "allow"]
Version = Annotated[str, Field(min_length=1, max_length=32)]
Description = Annotated[str, Field(max_length=10_000)]
Priority = Annotated[int, Field(ge=-1_000_000, le=1_000_000)]
Matrix = dict[str, dict[str, str]]
Tools = Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(max_length=1000)]


class PolicyListQuery(Query):
    org_id: str | None = Field(None, description="org id or slug; default: the caller's org")
    include_inactive: bool = False


class PolicyCreate(Body):
    org_id: str | None = None
    name: Name
    description: Description | None = None
    version: Version = "v1"
    tool_access_matrix: dict[str, Any] = Field(default_factory=dict)
    defaults: dict[str, Any] = Field(default_factory=dict)
    deny_tools: Tools = Field(default_factory=list)
    allow_tools: Tools = Field(default_factory=list)
    on_error: OnError = "block"
    priority: Priority = 0
    is_active: bool = True


class PolicyUpdate(Body):
    name: Name | None = None
    description: Description | None = None
    version: Version | None = None
    tool_access_matrix: dict[str, Any] | None = None
    defaults: dict[str, Any] | None = None
    deny_tools: Tools | None = None
    allow_tools: Tools | None = None
    on_error: OnError | None = None
    priority: Priority | None = None
    is_active: bool | None = None


class PolicyOut(Out):
    id: str
    org_id: str
    name: str
    description: str | None
    version: str
    tool_access_matrix: Matrix
    defaults: dict[str, Any]
    deny_tools: list[str]
    allow_tools: list[str]
    is_active: bool
    on_error: str
    priority: int
    created_at: Timestamp
    updated_at: Timestamp


class PolicyList(Out):
    policies: list[PolicyOut]


def policy_out(policy: Policy) -> PolicyOut:
    return PolicyOut(
        id=policy.id,
        org_id=policy.org_id,
        name=policy.name,
        description=policy.description,
        version=policy.version,
        tool_access_matrix=policy.tool_access_matrix or {},
        defaults=policy.defaults or {},
        deny_tools=list(policy.deny_tools or ()),
        allow_tools=list(policy.allow_tools or ()),
        is_active=policy.is_active,
        on_error=policy.on_error,
        priority=policy.priority,
        created_at=policy.created_at,
        updated_at=policy.updated_at,
    )


def _matrix(value: dict[str, Any]) -> Matrix:
    try:
        return validate_matrix(value)
    except MatrixError as error:
        param = "toolAccessMatrix" + (f".{error.path}" if error.path else "")
        raise InvalidRequestError(str(error), code="invalid_policy", param=param) from None


async def _load(call: Call[Any, Any]) -> Policy:
    policy = await call.db.get(Policy, call.path("id"))
    if policy is None or policy.deleted_at is not None:
        raise not_found("policy")
    try:
        await call.org(policy.org_id)
    except NotFoundError:
        raise not_found("policy") from None
    return policy


async def list_policies(call: Call[PolicyListQuery, None]) -> Any:
    access = await call.org(call.query.org_id, Permission.POLICIES_READ)
    query = select(Policy).where(Policy.org_id == access.org.id, Policy.deleted_at.is_(None))
    if not call.query.include_inactive:
        query = query.where(Policy.is_active.is_(True))
    rows = await call.db.scalars(
        query.order_by(Policy.priority.desc(), Policy.created_at.desc(), Policy.id.desc())
    )
    return reply(PolicyList(policies=[policy_out(row) for row in rows]))


async def get_policy(call: Call[None, None]) -> Any:
    return reply(policy_out(await _load(call)))


async def create_policy(call: Call[None, PolicyCreate]) -> Any:
    body = call.body
    access = await call.org(body.org_id)
    policy = Policy(
        org_id=access.org.id,
        user_id=access.caller.user_id,
        name=body.name,
        description=body.description,
        version=body.version,
        tool_access_matrix=_matrix(body.tool_access_matrix),
        defaults=body.defaults,
        deny_tools=body.deny_tools,
        allow_tools=body.allow_tools,
        on_error=body.on_error,
        priority=body.priority,
        is_active=body.is_active,
    )
    call.db.add(policy)
    await call.db.flush()
    await call.db.refresh(policy)
    out = policy_out(policy)
    record(call.db, call.who, org_id=policy.org_id, action="policy.create",
           resource=f"policy:{policy.id}", after=out)  # fmt: skip
    return reply(out, status=201)


async def update_policy(call: Call[None, PolicyUpdate]) -> Any:
    policy = await _load(call)
    before = policy_out(policy)
    changes = {k: v for k, v in call.body.model_dump(exclude_unset=True).items()}
    if "tool_access_matrix" in changes and changes["tool_access_matrix"] is not None:
        changes["tool_access_matrix"] = _matrix(changes["tool_access_matrix"])
    for name, value in changes.items():
        if value is not None or name == "description":
            setattr(policy, name, value)
    policy.updated_at = datetime.now(UTC)
    await call.db.flush()
    await call.db.refresh(policy)
    after = policy_out(policy)
    record(call.db, call.who, org_id=policy.org_id, action="policy.update",
           resource=f"policy:{policy.id}", before=before, after=after)  # fmt: skip
    return reply(after)


async def delete_policy(call: Call[None, None]) -> Any:
    policy = await _load(call)
    before = policy_out(policy)
    policy.deleted_at = datetime.now(UTC)
    policy.is_active = False
    record(call.db, call.who, org_id=policy.org_id, action="policy.delete",
           resource=f"policy:{policy.id}", before=before)  # fmt: skip
    return reply(Deleted(id=policy.id))


_TAG = "policies"
_W = Permission.POLICIES_WRITE
_R = Permission.POLICIES_READ
ENDPOINTS = [
    Endpoint("GET", "/api/v1/policies", list_policies, "List the org's policies", _TAG, _R,
             query=PolicyListQuery, response=PolicyList),
    Endpoint("POST", "/api/v1/policies", create_policy, "Create a policy", _TAG, _W,
             body=PolicyCreate, response=PolicyOut, status=201),
    Endpoint("GET", "/api/v1/policies/{id}", get_policy, "One policy", _TAG, _R,
             response=PolicyOut),
    Endpoint("PATCH", "/api/v1/policies/{id}", update_policy, "Change a policy", _TAG, _W,
             body=PolicyUpdate, response=PolicyOut),
    Endpoint("DELETE", "/api/v1/policies/{id}", delete_policy,
             "Delete (soft-delete) a policy", _TAG, _W, response=Deleted),
]  # fmt: skip
