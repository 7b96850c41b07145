"""SQLAlchemy models of every table the gateway keeps.

Tables and columns are snake_case versions of the GovernsAI spec's models. Ids are made by the
gateway (``core.ids.new_id``) so that rows written in batches, or replayed from the spool,
are idempotent. Money is ``Numeric`` end to end. API keys are stored as a SHA-256 hash and a
short visible prefix, never the secret.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.ids import new_id

JSONType = JSON().with_variant(JSONB(), "postgresql")
Money = Numeric(20, 10)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


def _id_column() -> Mapped[str]:
    return mapped_column(String(32), primary_key=True, default=new_id)


def _created() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


def _updated() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False)


class Org(Base):
    __tablename__ = "orgs"

    id: Mapped[str] = _id_column()
    name: Mapped[str] = mapped_column(String(200))  # not unique: the slug is the handle
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    budget_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    budget_on_error: Mapped[str] = mapped_column(String(16), default="block")
    # NULL: every configured model; a list: only those (empty: none, a new self-service org).
    allowed_models: Mapped[list[str] | None] = mapped_column(JSONType)
    # Members sign in through the org's identity provider (admin.sso); OWNERs keep their
    # password as the break-glass way in.
    require_sso: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = _id_column()
    email: Mapped[str] = mapped_column(String(320), unique=True)
    email_verified: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    name: Mapped[str | None] = mapped_column(String(200))
    image: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class ApiKey(Base):
    __tablename__ = "api_keys"
    __table_args__ = (
        Index("ix_api_keys_org_id", "org_id"),
        Index("ix_api_keys_user_id", "user_id"),
        Index("ix_api_keys_is_active", "is_active"),
        Index("ix_api_keys_last_used", "last_used"),
    )

    id: Mapped[str] = _id_column()
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scopes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    env: Mapped[str] = mapped_column(String(32), default="prod")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_used: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ip_allow: Mapped[list[str] | None] = mapped_column(JSONType)
    # NULL: the org's models; a list: only those of them. NULL limits: rate_limits.per_key.
    allowed_models: Mapped[list[str] | None] = mapped_column(JSONType)
    requests_per_minute: Mapped[int | None] = mapped_column(Integer)
    tokens_per_minute: Mapped[int | None] = mapped_column(Integer)
    # NULL: the key's requests use the response cache only when they ask for it.
    cache_ttl_seconds: Mapped[int | None] = mapped_column(Integer)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class Policy(Base):
    __tablename__ = "policies"
    __table_args__ = (
        Index("ix_policies_org_id", "org_id"),
        Index("ix_policies_user_id", "user_id"),
        Index("ix_policies_org_id_is_active", "org_id", "is_active"),
        Index("ix_policies_org_id_user_id_is_active", "org_id", "user_id", "is_active"),
        Index("ix_policies_priority", "priority"),
    )

    id: Mapped[str] = _id_column()
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    version: Mapped[str] = mapped_column(String(32), default="v1")
    defaults: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    tool_access_matrix: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    deny_tools: Mapped[list[str]] = mapped_column(JSONType, default=list)
    allow_tools: Mapped[list[str]] = mapped_column(JSONType, default=list)
    on_error: Mapped[str] = mapped_column(String(16), default="block")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class Decision(Base):
    __tablename__ = "decisions"
    __table_args__ = (
        Index("ix_decisions_org_id_ts", "org_id", "ts"),
        Index("ix_decisions_decision", "decision"),
        Index("ix_decisions_direction", "direction"),
        Index("ix_decisions_tool", "tool"),
        Index("ix_decisions_correlation_id", "correlation_id"),
        Index("ix_decisions_policy_id", "policy_id"),
        Index("ix_decisions_api_key_id", "api_key_id"),
        Index("ix_decisions_user_id", "user_id"),
        Index("ix_decisions_model", "model"),
    )

    id: Mapped[str] = _id_column()
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(16))
    decision: Mapped[str] = mapped_column(String(16))
    tool: Mapped[str | None] = mapped_column(String(200))
    scope: Mapped[str | None] = mapped_column(String(200))
    detector_summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    payload_hash: Mapped[str] = mapped_column(String(512))
    payload_out: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    policy_id: Mapped[str | None] = mapped_column(String(32))
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    correlation_id: Mapped[str | None] = mapped_column(String(128))
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    api_key_id: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(String(32))
    # The model asked for and the provider that answered (None: ingested, or not known yet).
    model: Mapped[str | None] = mapped_column(String(200))
    provider: Mapped[str | None] = mapped_column(String(100))
    ts: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class UsageRecord(Base):
    __tablename__ = "usage_records"
    __table_args__ = (
        Index("ix_usage_records_org_id_timestamp", "org_id", "timestamp"),
        Index("ix_usage_records_user_id_timestamp", "user_id", "timestamp"),
        Index("ix_usage_records_api_key_id_timestamp", "api_key_id", "timestamp"),
        Index("ix_usage_records_provider", "provider"),
        Index("ix_usage_records_tool", "tool"),
        Index("ix_usage_records_correlation_id", "correlation_id"),
    )

    id: Mapped[str] = _id_column()
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    user_id: Mapped[str | None] = mapped_column(String(32))
    api_key_id: Mapped[str | None] = mapped_column(String(32))
    provider: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(200))
    input_tokens: Mapped[int] = mapped_column(Integer)
    output_tokens: Mapped[int] = mapped_column(Integer)
    cached_input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    # None means the model has no price: recorded as unknown, never silently zero.
    cost: Mapped[Decimal | None] = mapped_column(Money)
    cost_type: Mapped[str] = mapped_column(String(16), default="external")
    # A response-cache hit costs 0: what the call would have cost (None for every other row).
    saved: Mapped[Decimal | None] = mapped_column(Money)
    tool: Mapped[str | None] = mapped_column(String(200))
    # The request's own end-user field (OpenAI ``user``, Anthropic ``metadata.user_id``).
    end_user: Mapped[str | None] = mapped_column(String(200))
    correlation_id: Mapped[str | None] = mapped_column(String(128))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# A rollup's dimension that a usage row leaves empty: '' rather than NULL, so the composite
# primary key matches it (NULLs never conflict) and an upsert can add to the row.
NONE = ""
CACHE_COST = "cache"  # the cost_type of an answer from the response cache


class UsageRollup(Base):
    """Usage summed per org, UTC day and every dimension a report groups or filters by.

    Kept by the record writer in the transaction that inserts the usage rows, counting only the
    rows that transaction inserted (``gateway.storage.rollups``), so a replayed row is never
    counted twice. Raw rows may be deleted (``records.retention_days``); these stay.
    """

    __tablename__ = "usage_rollups"

    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    model: Mapped[str] = mapped_column(String(200), primary_key=True)
    provider: Mapped[str] = mapped_column(String(100), primary_key=True)
    api_key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    end_user: Mapped[str] = mapped_column(String(200), primary_key=True)
    tool: Mapped[str] = mapped_column(String(200), primary_key=True)
    input_tokens: Mapped[int] = mapped_column(BigInteger)
    output_tokens: Mapped[int] = mapped_column(BigInteger)
    cached_input_tokens: Mapped[int] = mapped_column(BigInteger)
    cost: Mapped[Decimal] = mapped_column(Numeric(24, 10))  # priced requests only
    requests: Mapped[int] = mapped_column(BigInteger)
    unpriced_requests: Mapped[int] = mapped_column(BigInteger)
    saved: Mapped[Decimal] = mapped_column(Numeric(24, 10), default=0, server_default="0")
    cache_hits: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class SpendTotal(Base):
    """Priced spend per org, UTC calendar month and budget scope: the whole org (``scope``
    ``org``, ``scope_id`` ``''``), one API key (``key``) or one user (``user``).

    What a budget's current spend reads: one row for a monthly budget, twelve for a yearly one,
    however many usage rows, models, end users and tools the month held. Kept by the record
    writer with ``UsageRollup``, from the same rows, in the same transaction (so a replayed row
    is counted once); migration ``0006_budget_spend`` filled it from the rollups.
    """

    __tablename__ = "spend_totals"

    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    scope_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the month's first day
    cost: Mapped[Decimal] = mapped_column(Numeric(24, 10))


class Budget(Base):
    __tablename__ = "budgets"
    __table_args__ = (
        Index("ix_budgets_org_id", "org_id"),
        Index("ix_budgets_user_id", "user_id"),
        Index("ix_budgets_api_key_id", "api_key_id"),
    )

    id: Mapped[str] = _id_column()
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    api_key_id: Mapped[str | None] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money)
    period: Mapped[str] = mapped_column(String(16), default="monthly")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Percent of the limit at which alerts fire; NULL: the config's budgets.alerts.thresholds.
    alert_thresholds: Mapped[list[int] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class AuditLog(Base):
    __tablename__ = "audit_logs"
    __table_args__ = (
        Index("ix_audit_logs_user_id_created_at", "user_id", "created_at"),
        Index("ix_audit_logs_org_id_created_at", "org_id", "created_at"),
        Index("ix_audit_logs_action_created_at", "action", "created_at"),
    )

    id: Mapped[str] = _id_column()
    user_id: Mapped[str | None] = mapped_column(String(32))
    org_id: Mapped[str | None] = mapped_column(String(32))
    api_key_id: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(100))
    resource: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = _created()


class DecisionRollup(Base):
    """Decisions counted per org, UTC day and every dimension ``/api/decisions`` filters by
    (all but the correlation id): what its stats read. Kept like ``UsageRollup``."""

    __tablename__ = "decision_rollups"

    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    direction: Mapped[str] = mapped_column(String(16), primary_key=True)
    decision: Mapped[str] = mapped_column(String(16), primary_key=True)
    tool: Mapped[str] = mapped_column(String(200), primary_key=True)
    api_key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    model: Mapped[str] = mapped_column(String(200), primary_key=True)
    decisions: Mapped[int] = mapped_column(BigInteger)
