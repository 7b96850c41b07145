"""decisions.payload_hash: up to 512 characters (the spec sets no limit; "sha256:"-prefixed and
longer hashes are common)

Revision ID: 0004_contract
Revises: 0004_access
Create Date: 2026-12-06 05:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_contract"
down_revision: str | None = "0004_access"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # PostgreSQL widens a varchar in place (no rewrite); SQLite copies the table once.
    with op.batch_alter_table("decisions") as batch:
        batch.alter_column(
            "payload_hash", existing_type=sa.String(64), type_=sa.String(512), nullable=False
        )


def downgrade() -> None:
    # Hashes longer than the old limit would not fit: cut them (they are digests, not data).
    op.execute("UPDATE decisions SET payload_hash = substr(payload_hash, 1, 64)")
    with op.batch_alter_table("decisions") as batch:
        batch.alter_column(
            "payload_hash", existing_type=sa.String(512), type_=sa.String(64), nullable=False
        )
