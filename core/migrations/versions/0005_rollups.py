"""usage_rollups and decision_rollups (per org, UTC day and dimension), usage_records.end_user,
and the model and provider of each decision; the rollups are backfilled from the rows there.

Revision ID: 0005_rollups
Revises: 0004_contract
Create Date: 2026-12-06 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_rollups"
down_revision: str | None = "0005_sso"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The UTC day of a usage row: PostgreSQL keeps timestamptz; SQLite keeps UTC text.
_DAY = {
    "postgresql": "({column} AT TIME ZONE 'UTC')::date",
    "sqlite": "date({column})",
}


def upgrade() -> None:
    op.create_table(
        "usage_rollups",
        sa.Column("org_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("api_key_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("end_user", sa.String(length=200), nullable=False),
        sa.Column("tool", sa.String(length=200), nullable=False),
        sa.Column("input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("output_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cached_input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cost", sa.Numeric(precision=24, scale=10), nullable=False),
        sa.Column("requests", sa.BigInteger(), nullable=False),
        sa.Column("unpriced_requests", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(
            "org_id", "day", "model", "provider", "api_key_id", "user_id", "end_user", "tool"
        ),
    )
    op.create_table(
        "decision_rollups",
        sa.Column("org_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("tool", sa.String(length=200), nullable=False),
        sa.Column("api_key_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("decisions", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(
            "org_id", "day", "direction", "decision", "tool", "api_key_id", "user_id", "model"
        ),
    )
    with op.batch_alter_table("usage_records") as batch:
        batch.add_column(sa.Column("end_user", sa.String(length=200), nullable=True))
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("model", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("provider", sa.String(length=100), nullable=True))
        batch.create_index("ix_decisions_user_id", ["user_id"], unique=False)
        batch.create_index("ix_decisions_model", ["model"], unique=False)
    day = _DAY[op.get_bind().dialect.name].format(column="timestamp")
    # One pass over the raw rows; the writer counts every row inserted from now on.
    op.execute(
        "INSERT INTO usage_rollups (org_id, day, model, provider, api_key_id, user_id, end_user,"
        " tool, input_tokens, output_tokens, cached_input_tokens, cost, requests,"
        " unpriced_requests)"
        f" SELECT org_id, {day}, model, provider, coalesce(api_key_id, ''),"
        " coalesce(user_id, ''), '', coalesce(tool, ''), sum(input_tokens), sum(output_tokens),"
        " sum(cached_input_tokens), coalesce(sum(cost), 0), count(*),"
        " sum(CASE WHEN cost IS NULL THEN 1 ELSE 0 END)"
        f" FROM usage_records GROUP BY org_id, {day}, model, provider, api_key_id, user_id, tool"
    )
    ts_day = _DAY[op.get_bind().dialect.name].format(column="ts")
    op.execute(
        "INSERT INTO decision_rollups (org_id, day, direction, decision, tool, api_key_id,"
        " user_id, model, decisions)"
        f" SELECT org_id, {ts_day}, direction, decision, coalesce(tool, ''),"
        " coalesce(api_key_id, ''), coalesce(user_id, ''), '', count(*)"
        f" FROM decisions GROUP BY org_id, {ts_day}, direction, decision, tool, api_key_id,"
        " user_id"
    )


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_index("ix_decisions_model")
        batch.drop_index("ix_decisions_user_id")
        batch.drop_column("provider")
        batch.drop_column("model")
    with op.batch_alter_table("usage_records") as batch:
        batch.drop_column("end_user")
    op.drop_table("decision_rollups")
    op.drop_table("usage_rollups")
