"""Who an OpenID Connect sign-in lets in, and as what.

``admit`` turns a validated ID token's claims into a user of the provider's org: the email must
be verified by the provider (``email_verified``) and its domain in ``allowed_domains``; the user
is found by the issuer's ``sub`` (else by email, then linked), or created just in time; their
role in the org is the one ``role_claim`` maps to through ``role_map`` (else ``default_role``),
re-applied at every sign-in. Every creation and role change gets its audit row; a refusal is an
``SsoRefused`` that the caller audits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from admin_api.audit import record
from admin_api.members import normalise_email
from admin_api.permissions import Role
from core.settings import SsoProviderConfig
from core.storage.account_models import Membership, SsoIdentity
from core.storage.models import Org, User

RANK = {Role.VIEWER: 0, Role.DEVELOPER: 1, Role.ADMIN: 2, Role.OWNER: 3}


class SsoRefused(Exception):
    """A sign-in the gateway refuses: ``reason`` goes to the console and the audit row."""

    def __init__(
        self,
        reason: str,
        message: str,
        *,
        org_id: str | None = None,
        user_id: str | None = None,
        provider: str | None = None,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.org_id = org_id
        self.user_id = user_id
        self.provider = provider


@dataclass(frozen=True, slots=True)
class Admitted:
    user: User
    org: Org
    role: Role
    created: bool


def mapped_role(config: SsoProviderConfig, claims: dict[str, Any]) -> Role:
    """The highest role any value of the role claim maps to; ``default_role`` if none does."""
    raw = claims.get(config.role_claim) if config.role_claim else None
    values = raw if isinstance(raw, list) else [raw] if raw is not None else []
    mapping = config.role_map
    roles = [Role(mapping[v]) for v in values if isinstance(v, str) and v in mapping]
    return max(roles, key=RANK.__getitem__) if roles else Role(config.default_role)


def _verified_email(config: SsoProviderConfig, claims: dict[str, Any], org: Org) -> str:
    try:
        email = normalise_email(str(claims.get("email") or ""))
    except ValueError:
        raise SsoRefused("email_missing", "the provider sent no usable email address",
                         org_id=org.id) from None  # fmt: skip
    # Some providers send the flag as a string.
    if claims.get("email_verified") not in (True, "true"):
        raise SsoRefused("email_unverified", f"the provider has not verified {email}",
                         org_id=org.id)  # fmt: skip
    domain = email.rpartition("@")[2]
    if domain not in config.allowed_domains:
        raise SsoRefused("domain_not_allowed", f"{domain} is not an allowed domain here",
                         org_id=org.id)  # fmt: skip
    return email


async def admit(
    db: AsyncSession, config: SsoProviderConfig, issuer: str, claims: dict[str, Any]
) -> Admitted:
    org = await db.scalar(select(Org).where(Org.slug == config.org))
    if org is None:
        raise SsoRefused("org_missing", f"the org {config.org!r} of {config.name} does not exist")
    email = _verified_email(config, claims, org)
    now = datetime.now(UTC)
    subject = str(claims["sub"])
    identity = await db.scalar(
        select(SsoIdentity).where(SsoIdentity.issuer == issuer, SsoIdentity.subject == subject)
    )
    user = await db.get(User, identity.user_id) if identity else None
    user = user or await db.scalar(select(User).where(User.email == email))
    created = user is None
    if user is None:
        name = claims.get("name") if isinstance(claims.get("name"), str) else None
        user = User(email=email, name=(name or None) and name[:200], email_verified=now)
        db.add(user)
        await db.flush()
        record(db, None, org_id=org.id, action="user.sso_create", resource=f"user:{user.id}",
               user_id=user.id, after={"email": email, "provider": config.name})  # fmt: skip
    elif user.email_verified is None:
        user.email_verified = now  # the provider vouches for the address
    if identity is None:
        identity = SsoIdentity(user_id=user.id, provider=config.name, issuer=issuer,
                               subject=subject)  # fmt: skip
        db.add(identity)
    identity.provider = config.name
    identity.last_login_at = now
    role = await _apply_role(db, config, org, user, mapped_role(config, claims))
    return Admitted(user=user, org=org, role=role, created=created)


async def _apply_role(
    db: AsyncSession, config: SsoProviderConfig, org: Org, user: User, role: Role
) -> Role:
    membership = await db.scalar(
        select(Membership).where(Membership.org_id == org.id, Membership.user_id == user.id)
    )
    if membership is None:
        db.add(Membership(org_id=org.id, user_id=user.id, role=role.value))
        record(db, None, org_id=org.id, action="member.sso_join", resource=f"user:{user.id}",
               user_id=user.id, after={"role": role.value, "provider": config.name})  # fmt: skip
        return role
    if membership.role == role.value:
        return role
    before = membership.role
    if before == Role.OWNER.value and await _owners(db, org.id) == 1:
        # Demoting the last OWNER would leave nobody able to manage ownership.
        kept = {"role": before, "mapped": role.value, "reason": "last_owner",
                "provider": config.name}  # fmt: skip
        record(db, None, org_id=org.id, action="member.sso_role_kept", resource=f"user:{user.id}",
               user_id=user.id, after=kept)  # fmt: skip
        return Role(before)
    membership.role = role.value
    record(db, None, org_id=org.id, action="member.role_change", resource=f"user:{user.id}",
           user_id=user.id, before={"role": before},
           after={"role": role.value, "via": "sso", "provider": config.name})  # fmt: skip
    return role


async def _owners(db: AsyncSession, org_id: str) -> int:
    count = await db.scalar(
        select(func.count()).where(Membership.org_id == org_id, Membership.role == Role.OWNER.value)
    )
    return int(count or 0)
