"""Single sign-on (OpenID Connect)

sso_identities      a user's (issuer, sub) at an identity provider
sso_logins          sign-ins sent to a provider: hashed state, nonce, PKCE verifier, used once
orgs.require_sso    members sign in through the provider (OWNERs keep a password)

Revision ID: 0005_sso
Revises: 0004_contract
Create Date: 2026-12-06 07:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_sso"
down_revision: str | None = "0004_contract"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A server default fills existing orgs in place (no table copy on SQLite).
    op.add_column(
        "orgs", sa.Column("require_sso", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.create_table(
        "sso_identities",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("issuer", sa.String(500), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("issuer", "subject", name="uq_sso_identities_issuer_subject"),
    )
    op.create_index("ix_sso_identities_user_id", "sso_identities", ["user_id"])
    op.create_table(
        "sso_logins",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("state_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sso_logins_expires_at", "sso_logins", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_sso_logins_expires_at", table_name="sso_logins")
    op.drop_table("sso_logins")
    op.drop_index("ix_sso_identities_user_id", table_name="sso_identities")
    op.drop_table("sso_identities")
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild of orgs would cascade to its rows.
    op.drop_column("orgs", "require_sso")
