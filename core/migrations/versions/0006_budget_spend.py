"""spend_totals: priced spend per org, UTC month and budget scope (org, key, user), what a
budget's current spend reads; filled from usage_rollups

Revision ID: 0006_budget_spend
Revises: 0005_cache_saved
Create Date: 2026-12-06 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_budget_spend"
down_revision: str | None = "0005_cache_saved"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The first day of a rollup day's month.
_MONTH = {
    "postgresql": "date_trunc('month', day)::date",
    "sqlite": "date(day, 'start of month')",
}
# Each scope's id in usage_rollups; '' there is "no key" / "no user", which no budget names.
_SCOPES = (("org", "''"), ("key", "api_key_id"), ("user", "user_id"))


def upgrade() -> None:
    op.create_table(
        "spend_totals",
        sa.Column("org_id", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("scope_id", sa.String(length=32), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("cost", sa.Numeric(precision=24, scale=10), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("org_id", "scope", "scope_id", "month"),
    )
    month = _MONTH[op.get_bind().dialect.name]
    # The rollups hold every usage row written since 0005 (and backfilled those before): one
    # pass over them per scope; the record writer counts every row inserted from now on.
    for scope, column in _SCOPES:
        if scope == "org":
            where, group = "", f"org_id, {month}"  # a '' literal cannot be grouped by
        else:
            where, group = f" WHERE {column} <> ''", f"org_id, {column}, {month}"
        op.execute(
            "INSERT INTO spend_totals (org_id, scope, scope_id, month, cost)"
            f" SELECT org_id, '{scope}', {column}, {month}, sum(cost) FROM usage_rollups"
            f"{where} GROUP BY {group}"
        )


def downgrade() -> None:
    op.drop_table("spend_totals")
