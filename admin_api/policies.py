"""``/api/v1/policies``: an org's policies and their tool access matrix.

The body is ``policies.body``'s, shared with ``governs policies apply``. A bad matrix entry is a
400 ``invalid_policy`` whose ``param`` names it (``toolAccessMatrix.web.email``); a custom rule
pattern that does not compile is a 400 naming ``customRules.N.pattern``. Deleting soft-deletes
(``deleted_at``). The list is the spec's bare array of every policy, switched off or on (so one
switched off can be switched on again; ``includeInactive=false`` leaves those out); a delete
answers the spec's ``message`` beside ``{id, deleted}``. A policy is changed or deleted at
``/api/v1/policies/{id}`` or, in the shape of the original spec, at ``/api/v1/policies`` with
the id as ``?id=`` or the body's ``id``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import Field, RootModel
from sqlalchemy import select

from admin_api.audit import record
from admin_api.caller import not_found
from admin_api.endpoint import Call, Endpoint
from admin_api.permissions import Permission
from admin_api.types import Id
from admin_api.validation import Deleted, IdBody, IdQuery, Query, target_id
from admin_api.wire import reply
from gateway.errors import InvalidRequestError, NotFoundError
from gateway.storage.models import Policy
from policies.body import PolicyBody, PolicyPatch, PolicyView, policy_to_api
from policies.matrix import MatrixError


class PolicyListQuery(Query):
    org_id: str | None = Field(None, description="org id or slug; default: the caller's org")
    include_inactive: bool = Field(True, description="false: only the policies switched on")


class PolicyCreate(PolicyBody):
    org_id: str | None = Field(None, description="org id or slug; default: the caller's org")


class PolicyUpdateById(PolicyPatch):
    id: Id | None = Field(None, description="the policy's id, unless sent as ?id=")


class PolicyList(RootModel[list[PolicyView]]):
    """The spec's bare array of policies."""


class PolicyDeleted(Deleted):
    message: str = "Policy deleted successfully"


def _invalid_matrix(error: MatrixError) -> InvalidRequestError:
    param = "toolAccessMatrix" + (f".{error.path}" if error.path else "")
    return InvalidRequestError(str(error), code="invalid_policy", param=param)


async def _load(call: Call[Any, Any], policy_id: str) -> Policy:
    policy = await call.db.get(Policy, policy_id)
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
    return reply([policy_to_api(row) for row in rows])


async def get_policy(call: Call[None, None]) -> Any:
    return reply(policy_to_api(await _load(call, call.path("id"))))


async def create_policy(call: Call[None, PolicyCreate]) -> Any:
    access = await call.org(call.body.org_id)
    try:
        columns = call.body.columns()
    except MatrixError as error:
        raise _invalid_matrix(error) from None
    policy = Policy(org_id=access.org.id, user_id=access.caller.user_id, **columns)
    call.db.add(policy)
    await call.db.flush()
    await call.db.refresh(policy)
    out = policy_to_api(policy)
    record(call.db, call.who, org_id=policy.org_id, action="policy.create",
           resource=f"policy:{policy.id}", after=out)  # fmt: skip
    return reply(out, status=201)


async def _update(call: Call[Any, Any], policy_id: str, patch: PolicyPatch) -> Any:
    policy = await _load(call, policy_id)
    before = policy_to_api(policy)
    try:
        changes = patch.changes(policy.defaults)
    except MatrixError as error:
        raise _invalid_matrix(error) from None
    for column, value in changes.items():
        setattr(policy, column, value)
    policy.updated_at = datetime.now(UTC)
    await call.db.flush()
    await call.db.refresh(policy)
    after = policy_to_api(policy)
    record(call.db, call.who, org_id=policy.org_id, action="policy.update",
           resource=f"policy:{policy.id}", before=before, after=after)  # fmt: skip
    return reply(after)


async def _delete(call: Call[Any, Any], policy_id: str) -> Any:
    policy = await _load(call, policy_id)
    before = policy_to_api(policy)
    policy.deleted_at = datetime.now(UTC)
    policy.is_active = False
    record(call.db, call.who, org_id=policy.org_id, action="policy.delete",
           resource=f"policy:{policy.id}", before=before)  # fmt: skip
    return reply(PolicyDeleted(id=policy.id))


async def update_policy(call: Call[None, PolicyPatch]) -> Any:
    return await _update(call, call.path("id"), call.body)


async def update_policy_by_param(call: Call[IdQuery, PolicyUpdateById]) -> Any:
    return await _update(call, target_id(call.query, call.body), call.body)


async def delete_policy(call: Call[None, None]) -> Any:
    return await _delete(call, call.path("id"))


async def delete_policy_by_param(call: Call[IdQuery, IdBody | None]) -> Any:
    return await _delete(call, target_id(call.query, call.body))


_TAG = "policies"
_W = Permission.POLICIES_WRITE
_R = Permission.POLICIES_READ
_BY_PARAM = "The policy is named by `?id=` or by `id` in the body (the same id if both)."
ENDPOINTS = [
    Endpoint("GET", "/api/v1/policies", list_policies, "List the org's policies", _TAG, _R,
             query=PolicyListQuery, response=PolicyList),
    Endpoint("POST", "/api/v1/policies", create_policy, "Create a policy", _TAG, _W,
             body=PolicyCreate, response=PolicyView, status=201),
    Endpoint("PATCH", "/api/v1/policies", update_policy_by_param,
             "Change a policy named by ?id= or the body's id", _TAG, _W, query=IdQuery,
             body=PolicyUpdateById, response=PolicyView, description=_BY_PARAM),
    Endpoint("DELETE", "/api/v1/policies", delete_policy_by_param,
             "Delete (soft-delete) a policy named by ?id= or the body's id", _TAG, _W,
             query=IdQuery, body=IdBody, body_required=False, response=PolicyDeleted,
             description=_BY_PARAM),
    Endpoint("GET", "/api/v1/policies/{id}", get_policy, "One policy", _TAG, _R,
             response=PolicyView),
    Endpoint("PATCH", "/api/v1/policies/{id}", update_policy, "Change a policy", _TAG, _W,
             body=PolicyPatch, response=PolicyView),
    Endpoint("DELETE", "/api/v1/policies/{id}", delete_policy,
             "Delete (soft-delete) a policy", _TAG, _W, response=PolicyDeleted),
]  # fmt: skip
