"""Access: models an org and a key may use, and a key's own rate limits

orgs.allowed_models         NULL: every configured model; a list: only those (empty: none)
api_keys.allowed_models     NULL: whatever its org may use; a list: only those, within the org's
api_keys.requests_per_minute, api_keys.tokens_per_minute
                            NULL: the config's rate_limits.per_key

Revision ID: 0004_access
Revises: 0004_tenancy
Create Date: 2026-12-06 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_access"
down_revision: str | None = "0004_tenancy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: existing orgs and keys keep every model and the config's limits.
    # SQLite adds such columns in place; no table copy is needed.
    json_type = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    op.add_column("orgs", sa.Column("allowed_models", json_type, nullable=True))
    op.add_column("api_keys", sa.Column("allowed_models", json_type, nullable=True))
    op.add_column("api_keys", sa.Column("requests_per_minute", sa.Integer(), nullable=True))
    op.add_column("api_keys", sa.Column("tokens_per_minute", sa.Integer(), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild of orgs would drop the old table with
    # foreign keys on, and its keys and members with it.
    for column in ("tokens_per_minute", "requests_per_minute", "allowed_models"):
        op.drop_column("api_keys", column)
    op.drop_column("orgs", "allowed_models")
