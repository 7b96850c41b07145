"""tenancy: org names need not be unique (the slug is an org's handle)

A unique name let anyone learn, from a 409, whether some other org had a name. On PostgreSQL
the constraint is dropped. SQLite cannot drop a constraint: the table is rebuilt by SQLite's own
procedure (https://sqlite.org/lang_altertable.html#otheralter), with foreign keys off while it
runs, since with them on, dropping the old ``orgs`` would cascade to every row of every org.

Revision ID: 0004_tenancy
Revises: 0003
Create Date: 2026-12-06 04:45:00.000000
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import Connection

revision: str = "0004_tenancy"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME_CONSTRAINT = "orgs_name_key"  # PostgreSQL's name for 0001's unnamed UNIQUE (name)
_COLUMNS = "id, name, slug, budget_enabled, budget_on_error, created_at, updated_at"


def _orgs_sql(table: str, name_unique: bool) -> str:
    unique_name = ",\n    UNIQUE (name)" if name_unique else ""
    # The columns and constraints of 0001's orgs, as SQLAlchemy wrote them for SQLite.
    return f"""CREATE TABLE {table} (
    id VARCHAR(32) NOT NULL,
    name VARCHAR(200) NOT NULL,
    slug VARCHAR(100) NOT NULL,
    budget_enabled BOOLEAN NOT NULL,
    budget_on_error VARCHAR(16) NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (slug){unique_name}
)"""


def _rebuild_sqlite_orgs(bind: Connection, name_unique: bool) -> None:
    # PRAGMA foreign_keys is ignored inside a transaction; the driver opened one if an earlier
    # migration of this run wrote anything, so that one is committed first (it is complete).
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        bind.exec_driver_sql("COMMIT")
        bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("cannot switch SQLite's foreign keys off to rebuild the orgs table")
    bind.exec_driver_sql(_orgs_sql("orgs_rebuilt", name_unique))
    bind.exec_driver_sql(f"INSERT INTO orgs_rebuilt ({_COLUMNS}) SELECT {_COLUMNS} FROM orgs")
    bind.exec_driver_sql("DROP TABLE orgs")
    bind.exec_driver_sql("ALTER TABLE orgs_rebuilt RENAME TO orgs")
    broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"the rebuilt orgs table breaks foreign keys: {broken[:5]}")
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql("PRAGMA foreign_keys=ON")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _rebuild_sqlite_orgs(bind, name_unique=False)
    else:
        op.drop_constraint(_NAME_CONSTRAINT, "orgs", type_="unique")


def downgrade() -> None:
    # Fails if two orgs share a name by then: rename one first.
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _rebuild_sqlite_orgs(bind, name_unique=True)
    else:
        op.create_unique_constraint(_NAME_CONSTRAINT, "orgs", ["name"])
