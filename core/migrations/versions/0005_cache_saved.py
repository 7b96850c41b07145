"""usage_records.saved: what a response-cache hit would have cost; api_keys.cache_ttl_seconds;
the same saved amount and the cache hits summed in usage_rollups

Revision ID: 0005_cache_saved
Revises: 0005_rollups
Create Date: 2026-12-06 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_cache_saved"
down_revision: str | None = "0005_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: existing rows reached a provider and saved nothing. Both databases
    # add such a column in place, without rewriting the table.
    op.add_column("usage_records", sa.Column("saved", sa.Numeric(20, 10), nullable=True))
    op.add_column("api_keys", sa.Column("cache_ttl_seconds", sa.Integer(), nullable=True))
    # No row answered from the cache before this revision: the sums start at zero.
    op.add_column(
        "usage_rollups",
        sa.Column("saved", sa.Numeric(24, 10), nullable=False, server_default="0"),
    )
    op.add_column(
        "usage_rollups",
        sa.Column("cache_hits", sa.BigInteger(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    with op.batch_alter_table("usage_rollups") as batch:
        batch.drop_column("cache_hits")
        batch.drop_column("saved")
    with op.batch_alter_table("usage_records") as batch:
        batch.drop_column("saved")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("cache_ttl_seconds")
