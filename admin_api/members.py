"""Memberships and invitations: who belongs to an org, with which role.

ADMINs manage members but never OWNERs: making, demoting or removing an OWNER needs
``members.ownership`` (OWNERs only), and an org always keeps at least one OWNER. An invitation
is mailed to an address with a one-time token; the user signed in with that address accepts it
(``POST /api/v1/invitations/accept``) or signs up with it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import Field, field_validator
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from admin_api.audit import record
from admin_api.caller import Caller, OrgAccess, not_found
from admin_api.endpoint import Call, Endpoint
from admin_api.errors import ConflictError
from admin_api.mail import Mail, send_quietly
from admin_api.org_lock import lock_org
from admin_api.permissions import DEVELOPER_KEY_SCOPES, Permission, Role, role_permissions
from admin_api.sessions import hash_secret, new_secret, revoke_sessions
from admin_api.types import EMAIL, Timestamp
from admin_api.validation import Body, Deleted, Out
from admin_api.wire import as_utc, reply
from core.errors import InvalidRequestError, NotFoundError
from core.scopes import Scope
from core.storage.account_models import Invitation, Membership
from core.storage.models import ApiKey, Org, User

INVITATION_PREFIX = "gin_"
Email = Annotated[str, Field(min_length=3, max_length=320)]


def normalise_email(value: str) -> str:
    value = value.strip().lower()
    if not EMAIL.match(value):
        raise ValueError("not an email address")
    return value


class MemberOut(Out):
    user_id: str
    email: str
    name: str | None
    role: Role
    joined_at: Timestamp


class MemberList(Out):
    members: list[MemberOut]


class MemberUpdate(Body):
    role: Role


class InvitationCreate(Body):
    email: Email
    role: Role = Role.DEVELOPER

    _email = field_validator("email")(normalise_email)


class InvitationOut(Out):
    id: str
    org_id: str
    email: str
    role: Role
    expires_at: Timestamp
    accepted_at: Timestamp | None
    revoked_at: Timestamp | None
    created_at: Timestamp


class InvitationList(Out):
    invitations: list[InvitationOut]


class InvitationAccept(Body):
    token: Annotated[str, Field(min_length=1, max_length=200)]


class Joined(Out):
    org_id: str
    role: Role


class InvitationPreview(Out):
    org_name: str
    email: str = Field(description="the address the invitation was sent to")
    role: Role
    expires_at: Timestamp


def invitation_out(row: Invitation) -> InvitationOut:
    return InvitationOut(
        id=row.id,
        org_id=row.org_id,
        email=row.email,
        role=Role(row.role),
        expires_at=row.expires_at,
        accepted_at=row.accepted_at,
        revoked_at=row.revoked_at,
        created_at=row.created_at,
    )


async def _owners(db: AsyncSession, org_id: str) -> int:
    return int(
        await db.scalar(
            select(func.count()).where(
                Membership.org_id == org_id, Membership.role == Role.OWNER.value
            )
        )
        or 0
    )


async def _member(call: Call[Any, Any]) -> tuple[OrgAccess, Membership, User]:
    """The org (locked, see ``org_lock``) and the member the path names, read after the lock,
    with the caller's permissions as they are after the lock too."""
    access = await call.org(call.path("orgId"))
    await lock_org(call.db, access.org.id)
    if access.caller.user_id is not None and access.caller.key is None:
        access = await call.org(call.path("orgId"))  # a concurrent change may have demoted us
    row = (
        await call.db.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.org_id == access.org.id, Membership.user_id == call.path("userId"))
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None:
        raise not_found("member")
    return access, row[0], row[1]


def _member_out(membership: Membership, user: User) -> MemberOut:
    return MemberOut(
        user_id=user.id,
        email=user.email,
        name=user.name,
        role=Role(membership.role),
        joined_at=membership.created_at,
    )


async def list_members(call: Call[None, None]) -> Any:
    access = await call.org(call.path("orgId"))
    rows = await call.db.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.org_id == access.org.id)
        .order_by(User.email)
    )
    return reply(MemberList(members=[_member_out(m, u) for m, u in rows.all()]))


async def update_member(call: Call[None, MemberUpdate]) -> Any:
    access, membership, user = await _member(call)
    new_role = call.body.role
    if Role.OWNER in (Role(membership.role), new_role):
        access.require(Permission.MEMBERS_OWNERSHIP)
    if membership.role == Role.OWNER and new_role != Role.OWNER:
        if await _owners(call.db, access.org.id) <= 1:
            raise ConflictError("an org keeps at least one OWNER", code="last_owner")
    before = _member_out(membership, user)
    membership.role = new_role.value
    membership.updated_at = datetime.now(UTC)
    after = _member_out(membership, user)
    record(call.db, call.who, org_id=access.org.id, action="member.update",
           resource=f"membership:{membership.id}", before=before, after=after)  # fmt: skip
    await _disable_keys_of(
        call, access.org.id, user.id, "member.update", keeping=_scopes_a_role_may_hold(new_role)
    )
    return reply(after)


def _scopes_a_role_may_hold(role: Role) -> frozenset[str]:
    """The scopes a member of ``role`` may give their own keys (as ``api_keys`` grants them)."""
    permissions = role_permissions(role.value)
    if Permission.KEYS_MANAGE in permissions:
        return frozenset(scope.value for scope in Scope)
    if Permission.KEYS_MANAGE_OWN in permissions:
        return DEVELOPER_KEY_SCOPES
    return frozenset()


async def remove_member(call: Call[None, None]) -> Any:
    access, membership, user = await _member(call)
    if membership.role == Role.OWNER:
        access.require(Permission.MEMBERS_OWNERSHIP)
        if await _owners(call.db, access.org.id) <= 1:
            raise ConflictError("an org keeps at least one OWNER", code="last_owner")
    before = _member_out(membership, user)
    await call.db.delete(membership)
    record(call.db, call.who, org_id=access.org.id, action="member.remove",
           resource=f"membership:{membership.id}", before=before)  # fmt: skip
    await _disable_keys_of(call, access.org.id, user.id, "member.remove")
    if call.who.user_id != user.id:
        # Removed by someone else: signed out everywhere (a member who leaves stays signed in
        # for their other orgs).
        await revoke_sessions(call.db, user.id)
        call.sessions_ended()
    return reply(Deleted(id=user.id))


async def _disable_keys_of(
    call: Call[Any, Any],
    org_id: str,
    user_id: str,
    reason: str,
    keeping: frozenset[str] = frozenset(),
) -> None:
    """A removed member's API keys in the org stop working, and so do a demoted member's keys
    with a scope their new role could not grant (``keeping`` lists the scopes it can).
    Disabled, not deleted: an admin sees them, and may enable one again."""
    keys = await call.db.scalars(
        select(ApiKey).where(
            ApiKey.org_id == org_id,
            ApiKey.user_id == user_id,
            ApiKey.deleted_at.is_(None),
            ApiKey.is_active.is_(True),
        )
    )
    for key in keys.all():
        if set(key.scopes or ()) <= keeping:
            continue
        key.is_active = False
        key.updated_at = datetime.now(UTC)
        after = {"isActive": False, "reason": reason}
        record(call.db, call.who, org_id=org_id, action="key.update",
               resource=f"api_key:{key.id}", before={"isActive": True}, after=after)  # fmt: skip
        call.keys_changed(key.key_hash)


async def create_invitation(call: Call[None, InvitationCreate]) -> Any:
    access = await call.org(call.path("orgId"))
    if call.body.role == Role.OWNER:
        access.require(Permission.MEMBERS_OWNERSHIP)
    token = new_secret(INVITATION_PREFIX)
    caller = call.who
    row = Invitation(
        org_id=access.org.id,
        email=call.body.email,
        role=call.body.role.value,
        token_hash=hash_secret(token),
        invited_by_user_id=caller.user_id,
        invited_by_key_id=caller.key_id,
        expires_at=datetime.now(UTC) + timedelta(seconds=call.admin.config.invitation_ttl_seconds),
    )
    call.db.add(row)
    await call.db.flush()
    await call.db.refresh(row)
    out = invitation_out(row)
    record(call.db, caller, org_id=access.org.id, action="invitation.create",
           resource=f"invitation:{row.id}", after=out)  # fmt: skip
    base = call.admin.config.public_url.rstrip("/")
    await send_quietly(
        call.admin.mail,
        Mail(
            to=row.email,
            subject=f"You are invited to {access.org.name} on GovernsAI",
            text=(
                f"You have been invited to join {access.org.name} as {row.role}.\n\n"
                f"Invitation token: {token}\n"
                f"Accept: {base}/invitations/accept?token={token}\n\n"
                "Sign up with this address and the token, or sign in and POST it to "
                "/api/v1/invitations/accept. It expires at "
                f"{as_utc(row.expires_at).isoformat()}.\n"
            ),
        ),
    )
    return reply(out, status=201)


async def list_invitations(call: Call[None, None]) -> Any:
    access = await call.org(call.path("orgId"))
    rows = await call.db.scalars(
        select(Invitation)
        .where(Invitation.org_id == access.org.id)
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    )
    return reply(InvitationList(invitations=[invitation_out(row) for row in rows]))


async def revoke_invitation(call: Call[None, None]) -> Any:
    access = await call.org(call.path("orgId"))
    row = await call.db.get(Invitation, call.path("id"))
    if row is None or row.org_id != access.org.id:
        raise not_found("invitation")
    before = invitation_out(row)
    if row.revoked_at is None and row.accepted_at is None:
        row.revoked_at = datetime.now(UTC)
    after = invitation_out(row)
    record(call.db, call.who, org_id=access.org.id, action="invitation.revoke",
           resource=f"invitation:{row.id}", before=before, after=after)  # fmt: skip
    return reply(after)


async def _usable_invitation(db: AsyncSession, token: str, email: str | None) -> Invitation:
    """The pending invitation ``token`` (for ``email``, when given); 404 otherwise."""
    row = await db.scalar(select(Invitation).where(Invitation.token_hash == hash_secret(token)))
    if (
        row is None
        or row.revoked_at is not None
        or row.accepted_at is not None
        or as_utc(row.expires_at) <= datetime.now(UTC)
        or (email is not None and row.email != email.lower())
    ):
        raise NotFoundError(
            "no such invitation for this account (or it expired)", code="invitation_not_found"
        )
    return row


async def join_with_invitation(
    db: AsyncSession, caller: Caller | None, user: User, token: str
) -> Membership:
    """Accept the invitation ``token`` for ``user``; 404 unless it is valid and theirs."""
    row = await _usable_invitation(db, token, user.email)
    existing = await db.scalar(
        select(Membership).where(Membership.org_id == row.org_id, Membership.user_id == user.id)
    )
    if existing is not None:
        raise ConflictError("you already belong to this org", code="already_member")
    row.accepted_at = datetime.now(UTC)
    if user.email_verified is None:
        # The invitation was mailed to this very address: using its token proves the address.
        user.email_verified = row.accepted_at
    membership = Membership(org_id=row.org_id, user_id=user.id, role=row.role)
    db.add(membership)
    await db.flush()
    record(db, caller, org_id=row.org_id, action="member.join",
           resource=f"membership:{membership.id}", user_id=user.id,
           after={"userId": user.id, "role": row.role, "invitationId": row.id})  # fmt: skip
    return membership


async def accept_invitation(call: Call[None, InvitationAccept]) -> Any:
    user_id = call.who.require_user()
    user = await call.db.get(User, user_id)
    if user is None:
        raise InvalidRequestError("unknown user", code="invalid_session")
    membership = await join_with_invitation(call.db, call.who, user, call.body.token)
    org = await call.db.get(Org, membership.org_id)
    assert org is not None
    return reply(Joined(org_id=org.id, role=Role(membership.role)))


async def preview_invitation(call: Call[None, InvitationAccept]) -> Any:
    """For the console's "Join an organisation" screen: whoever holds the token (it was mailed
    to the address) learns what it is for; nothing else is revealed, and nothing changes."""
    row = await _usable_invitation(call.db, call.body.token, None)
    org = await call.db.get(Org, row.org_id)
    assert org is not None
    return reply(
        InvitationPreview(
            org_name=org.name, email=row.email, role=Role(row.role), expires_at=row.expires_at
        )
    )


_TAG = "members"
_MEMBERS = "/api/v1/orgs/{orgId}/members"
_INVITES = "/api/v1/orgs/{orgId}/invitations"
ENDPOINTS = [
    Endpoint("GET", _MEMBERS, list_members, "The org's members and their roles", _TAG,
             Permission.MEMBERS_READ, response=MemberList),
    Endpoint("PATCH", _MEMBERS + "/{userId}", update_member, "Change a member's role", _TAG,
             Permission.MEMBERS_MANAGE, body=MemberUpdate, response=MemberOut),
    Endpoint("DELETE", _MEMBERS + "/{userId}", remove_member, "Remove a member", _TAG,
             Permission.MEMBERS_MANAGE, response=Deleted),
    Endpoint("POST", _INVITES, create_invitation, "Invite an email address with a role",
             _TAG, Permission.MEMBERS_MANAGE, body=InvitationCreate, response=InvitationOut,
             status=201),
    Endpoint("GET", _INVITES, list_invitations, "The org's invitations", _TAG,
             Permission.MEMBERS_READ, response=InvitationList),
    Endpoint("DELETE", _INVITES + "/{id}", revoke_invitation, "Revoke an invitation", _TAG,
             Permission.MEMBERS_MANAGE, response=InvitationOut),
    Endpoint("POST", "/api/v1/invitations/accept", accept_invitation,
             "Accept an invitation for the signed-in user", _TAG, body=InvitationAccept,
             response=Joined),
    Endpoint("POST", "/api/v1/invitations/preview", preview_invitation,
             "What a pending invitation is for (org name, address, role)", _TAG, public=True,
             body=InvitationAccept, response=InvitationPreview),
]  # fmt: skip
