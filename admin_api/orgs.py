"""``/api/v1/orgs``: the orgs a caller can see, creating one, changing and deleting it.

A user sees the orgs they belong to; an API key only its own. Creating an org (users with a
verified email only) makes its creator the OWNER; the new org may use no model until a gateway
operator grants it some (``admin_api.model_access``). Only an OWNER deletes one, with
everything in it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import select

from admin_api.audit import record
from admin_api.caller import require_verified
from admin_api.endpoint import Call, Endpoint
from admin_api.errors import ConflictError
from admin_api.permissions import Permission, Role
from admin_api.types import Name, Slug, Timestamp
from admin_api.validation import Body, Deleted, Out
from admin_api.wire import reply
from core.storage.account_models import Membership
from core.storage.models import ApiKey, Org


class OrgCreate(Body):
    name: Name
    slug: Slug


class OrgUpdate(Body):
    name: Name | None = None
    budget_enabled: bool | None = None
    budget_on_error: Literal["block", "allow"] | None = None


class OrgOut(Out):
    id: str
    name: str
    slug: str
    role: str | None = Field(description="the caller's role; null for an API key")
    budget_enabled: bool
    budget_on_error: str
    allowed_models: list[str] | None = Field(
        description="the models the org's keys may use (granted by an operator); null: all"
    )
    created_at: Timestamp
    updated_at: Timestamp


class OrgList(Out):
    orgs: list[OrgOut]


def org_out(org: Org, role: str | None) -> OrgOut:
    return OrgOut(
        id=org.id,
        name=org.name,
        slug=org.slug,
        role=role,
        budget_enabled=org.budget_enabled,
        budget_on_error=org.budget_on_error,
        allowed_models=org.allowed_models,
        created_at=org.created_at,
        updated_at=org.updated_at,
    )


async def list_orgs(call: Call[None, None]) -> Any:
    caller = call.who
    if caller.key is not None:
        org = await call.db.get(Org, caller.key.org_id)
        return reply(OrgList(orgs=[org_out(org, None)] if org else []))
    rows = await call.db.execute(
        select(Org, Membership.role)
        .join(Membership, Membership.org_id == Org.id)
        .where(Membership.user_id == caller.user_id)
        .order_by(Org.name)
    )
    return reply(OrgList(orgs=[org_out(org, role) for org, role in rows.all()]))


async def create_org(call: Call[None, OrgCreate]) -> Any:
    user_id = call.who.require_user()
    await require_verified(call.db, user_id)
    check_slug_free(call, call.body.slug, "slug")
    org = Org(name=call.body.name, slug=call.body.slug, allowed_models=[])
    call.db.add(org)
    await call.db.flush()
    call.db.add(Membership(org_id=org.id, user_id=user_id, role=Role.OWNER.value))
    await call.db.flush()
    await call.db.refresh(org)
    out = org_out(org, Role.OWNER.value)
    record(call.db, call.who, org_id=org.id, action="org.create", resource=f"org:{org.id}",
           after=out)  # fmt: skip
    return reply(out, status=201)


def check_slug_free(call: Call[Any, Any], slug: str, param: str) -> None:
    """The operator org's slug is reserved: whoever held it would grant models to everyone."""
    if slug == call.admin.config.operator_org:
        raise ConflictError(f"the slug {slug!r} is reserved", code="slug_reserved", param=param)


async def get_org(call: Call[None, None]) -> Any:
    access = await call.org(call.path("orgId"))
    return reply(org_out(access.org, access.role))


async def update_org(call: Call[None, OrgUpdate]) -> Any:
    access = await call.org(call.path("orgId"))
    org = access.org
    before = org_out(org, access.role)
    for name, value in call.body.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(org, name, value)
    org.updated_at = datetime.now(UTC)
    await call.db.flush()
    await call.db.refresh(org)
    after = org_out(org, access.role)
    record(call.db, call.who, org_id=org.id, action="org.update", resource=f"org:{org.id}",
           before=before, after=after)  # fmt: skip
    return reply(after)


async def delete_org(call: Call[None, None]) -> Any:
    access = await call.org(call.path("orgId"))
    before = org_out(access.org, access.role)
    hashes = await call.db.scalars(select(ApiKey.key_hash).where(ApiKey.org_id == access.org.id))
    call.keys_changed(*hashes.all())
    await call.db.delete(access.org)
    record(call.db, call.who, org_id=access.org.id, action="org.delete",
           resource=f"org:{access.org.id}", before=before)  # fmt: skip
    return reply(Deleted(id=access.org.id))


_TAG = "orgs"
ENDPOINTS = [
    Endpoint("GET", "/api/v1/orgs", list_orgs, "The orgs the caller belongs to", _TAG,
             response=OrgList),
    Endpoint("POST", "/api/v1/orgs", create_org, "Create an org (you become its OWNER)", _TAG,
             body=OrgCreate, response=OrgOut, status=201),
    Endpoint("GET", "/api/v1/orgs/{orgId}", get_org, "One org", _TAG, Permission.ORG_READ,
             response=OrgOut),
    Endpoint("PATCH", "/api/v1/orgs/{orgId}", update_org, "Change an org", _TAG,
             Permission.ORG_UPDATE, body=OrgUpdate, response=OrgOut),
    Endpoint("DELETE", "/api/v1/orgs/{orgId}", delete_org,
             "Delete an org and everything in it (OWNER only)", _TAG, Permission.ORG_DELETE,
             response=Deleted),
]  # fmt: skip
