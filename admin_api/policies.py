"""``/api/v1/policies``: an org's policies and their tool access matrix.

The body is ``policies.body``'s, shared with ``governs policies apply``. A bad matrix entry is a
400 ``invalid_policy`` whose ``param`` names it (``toolAccessMatrix.web.email``); a custom rule
pattern that does not compile is a 400 naming ``customRules.N.pattern``. Deleting soft-deletes
(``deleted_at``). The list is the spec's bare array of every policy, switched off or on (so one
switched off can be switched on again; ``includeInactive=false`` leaves those out); a delete
answers the spec's ``message`` beside ``{id, deleted}``. A policy is changed or deleted at
``/api/v1/policies/{id}`` or, in the shape of the original spec, at ``/api/v1/policies`` with
the id as ``?id=`` or the body's ``id``.

Activating a policy (creating an active one, or a PATCH of ``isActive`` or ``priority``) while
another of the org's policies is active is a 409 ``active_policy_exists`` unless the request
says which wins: ``?replace=true`` deactivates the others, or an explicit ``priority`` differing
from theirs ranks them (``gateway.policy_activation``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import Field, RootModel
from sqlalchemy import select

from admin_api.audit import record
from admin_api.caller import not_found
from admin_api.endpoint import Call, Endpoint
from admin_api.errors import ConflictError
from admin_api.permissions import Permission
from admin_api.types import Id
from admin_api.validation import Deleted, IdBody, IdQuery, Query, target_id
from admin_api.wire import reply
from core.errors import InvalidRequestError, NotFoundError
from core.storage.models import Policy
from gateway.policy_activation import ActivationConflict, active_policies, to_deactivate
from policies.body import PolicyBody, PolicyPatch, PolicyView, policy_to_api
from policies.matrix import MatrixError


class PolicyListQuery(Query):
    org_id: str | None = Field(None, description="org id or slug; default: the caller's org")
    include_inactive: bool = Field(True, description="false: only the policies switched on")


class ReplaceQuery(Query):
    replace: bool = Field(
        False, description="deactivate the org's other active policies (each change audited)"
    )


class IdReplaceQuery(IdQuery, ReplaceQuery):
    pass


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


async def _settle_activation(
    call: Call[Any, Any], policy: Policy, *, priority_given: bool, replace: bool
) -> None:
    """Deactivate the org's other active policies if ``replace``; 409 if there are some and
    the request made no explicit choice."""
    others = await active_policies(call.db, policy.org_id, besides=policy.id)
    try:
        switched_off = to_deactivate(
            others, policy.priority, priority_given=priority_given, replace=replace
        )
    except ActivationConflict as error:
        raise ConflictError(str(error), code="active_policy_exists", param="isActive") from None
    for other in switched_off:
        before = policy_to_api(other)
        other.is_active = False
        other.updated_at = datetime.now(UTC)
        await call.db.flush()
        after = policy_to_api(other)
        record(call.db, call.who, org_id=other.org_id, action="policy.update",
               resource=f"policy:{other.id}", before=before, after=after)  # fmt: skip


async def create_policy(call: Call[ReplaceQuery, PolicyCreate]) -> Any:
    access = await call.org(call.body.org_id)
    try:
        columns = call.body.columns()
    except MatrixError as error:
        raise _invalid_matrix(error) from None
    policy = Policy(org_id=access.org.id, user_id=access.caller.user_id, **columns)
    call.db.add(policy)
    await call.db.flush()
    if policy.is_active:
        given = "priority" in call.body.model_fields_set
        await _settle_activation(call, policy, priority_given=given, replace=call.query.replace)
    await call.db.refresh(policy)
    out = policy_to_api(policy)
    record(call.db, call.who, org_id=policy.org_id, action="policy.create",
           resource=f"policy:{policy.id}", after=out)  # fmt: skip
    return reply(out, status=201)


async def _update(
    call: Call[Any, Any], policy_id: str, patch: PolicyPatch, *, replace: bool
) -> Any:
    policy = await _load(call, policy_id)
    before = policy_to_api(policy)
    try:
        changes = patch.changes(policy.defaults, policy.tool_access_matrix)
    except MatrixError as error:
        raise _invalid_matrix(error) from None
    # An activation: switched on, or re-ranked while on (an unchanged value, as a form resends
    # it, changes nothing).
    activates = (not policy.is_active and changes.get("is_active") is True) or (
        "priority" in changes and changes["priority"] != policy.priority
    )
    for column, value in changes.items():
        setattr(policy, column, value)
    policy.updated_at = datetime.now(UTC)
    await call.db.flush()
    if policy.is_active and activates:
        given = "priority" in changes
        await _settle_activation(call, policy, priority_given=given, replace=replace)
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


async def update_policy(call: Call[ReplaceQuery, PolicyPatch]) -> Any:
    return await _update(call, call.path("id"), call.body, replace=call.query.replace)


async def update_policy_by_param(call: Call[IdReplaceQuery, PolicyUpdateById]) -> Any:
    target = target_id(call.query, call.body)
    return await _update(call, target, call.body, replace=call.query.replace)


async def delete_policy(call: Call[None, None]) -> Any:
    return await _delete(call, call.path("id"))


async def delete_policy_by_param(call: Call[IdQuery, IdBody | None]) -> Any:
    return await _delete(call, target_id(call.query, call.body))


_TAG = "policies"
_W = Permission.POLICIES_WRITE
_R = Permission.POLICIES_READ
_BY_PARAM = "The policy is named by `?id=` or by `id` in the body (the same id if both)."
_ACTIVATION = (
    "Activating a policy while another of the org's is active needs an explicit choice: "
    "`?replace=true` deactivates the others, or a `priority` differing from theirs ranks them; "
    "otherwise 409 `active_policy_exists`."
)
ENDPOINTS = [
    Endpoint("GET", "/api/v1/policies", list_policies, "List the org's policies", _TAG, _R,
             query=PolicyListQuery, response=PolicyList),
    Endpoint("POST", "/api/v1/policies", create_policy, "Create a policy", _TAG, _W,
             query=ReplaceQuery, body=PolicyCreate, response=PolicyView, status=201,
             description=_ACTIVATION),
    Endpoint("PATCH", "/api/v1/policies", update_policy_by_param,
             "Change a policy named by ?id= or the body's id", _TAG, _W, query=IdReplaceQuery,
             body=PolicyUpdateById, response=PolicyView, description=_BY_PARAM),
    Endpoint("DELETE", "/api/v1/policies", delete_policy_by_param,
             "Delete (soft-delete) a policy named by ?id= or the body's id", _TAG, _W,
             query=IdQuery, body=IdBody, body_required=False, response=PolicyDeleted,
             description=_BY_PARAM),
    Endpoint("GET", "/api/v1/policies/{id}", get_policy, "One policy", _TAG, _R,
             response=PolicyView),
    Endpoint("PATCH", "/api/v1/policies/{id}", update_policy, "Change a policy", _TAG, _W,
             query=ReplaceQuery, body=PolicyPatch, response=PolicyView,
             description=_ACTIVATION),
    Endpoint("DELETE", "/api/v1/policies/{id}", delete_policy,
             "Delete (soft-delete) a policy", _TAG, _W, response=PolicyDeleted),
]  # fmt: skip
