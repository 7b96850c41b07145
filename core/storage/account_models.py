"""Tables of people and their access: memberships, credentials, sessions, one-time tokens,
invitations, and each org's ingest signing secret (migration ``0002``).

They sit on the same ``Base`` as ``core.storage.models``. Every secret a client holds
(session tokens, reset and verification tokens, invitation tokens) is stored as its SHA-256
hash only; passwords as Argon2id hashes. Two secrets are kept readable because the gateway
must use them again: an org's ingest signing secret (to verify HMACs) and a user's TOTP seed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.ids import new_id
from core.storage.models import Base, utcnow


def _id() -> Mapped[str]:
    return mapped_column(String(32), primary_key=True, default=new_id)


def _created() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


def _updated() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False)


def _when() -> Mapped[datetime | None]:
    return mapped_column(DateTime(timezone=True))


class Membership(Base):
    """A user's role in one org: OWNER, ADMIN, DEVELOPER or VIEWER."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("org_id", "user_id", name="uq_memberships_org_id_user_id"),
        Index("ix_memberships_user_id", "user_id"),
    )

    id: Mapped[str] = _id()
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class UserCredential(Base):
    """A user's password (Argon2id) and TOTP second factor."""

    __tablename__ = "user_credentials"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = _when()
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class UserSession(Base):
    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_id", "user_id"),)

    id: Mapped[str] = _id()
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = _when()
    created_at: Mapped[datetime] = _created()


class AccountToken(Base):
    """A one-time token mailed to a user: ``password_reset`` or ``email_verification``."""

    __tablename__ = "account_tokens"
    __table_args__ = (Index("ix_account_tokens_user_id_purpose", "user_id", "purpose"),)

    id: Mapped[str] = _id()
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = _when()
    created_at: Mapped[datetime] = _created()


class Invitation(Base):
    __tablename__ = "invitations"
    __table_args__ = (Index("ix_invitations_org_id", "org_id"),)

    id: Mapped[str] = _id()
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_user_id: Mapped[str | None] = mapped_column(String(32))
    invited_by_key_id: Mapped[str | None] = mapped_column(String(32))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = _when()
    revoked_at: Mapped[datetime | None] = _when()
    created_at: Mapped[datetime] = _created()


class SigningSecret(Base):
    """The HMAC secret an org's ingest clients sign ``decision.v1`` messages with."""

    __tablename__ = "org_signing_secrets"

    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class IngestNonce(Base):
    """A signature seen on ingest, kept for the replay window so a replay is refused."""

    __tablename__ = "ingest_nonces"
    __table_args__ = (Index("ix_ingest_nonces_seen_at", "seen_at"),)

    signature: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(32))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
