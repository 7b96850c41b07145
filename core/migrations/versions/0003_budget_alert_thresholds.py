"""budgets.alert_thresholds: alert thresholds per budget (NULL: the config's defaults)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 06:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: every existing budget keeps the config's thresholds. SQLite adds
    # such a column in place; no table copy is needed.
    json_type = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    op.add_column("budgets", sa.Column("alert_thresholds", json_type, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("budgets") as batch:
        batch.drop_column("alert_thresholds")
