"""Registry, snapshots compressed with lz4 (h1): on PostgreSQL built with lz4, the
state text of a snapshot (every inspection, report and approval of the project, some
hundred kB for a long stream) is compressed by lz4 instead of pglz: in the ingest
benchmark (`python -m benchmarks registry --only=ingest --batches=200`) an insert took
0.09–0.13 ms a row, 0.64–0.70 with pglz (pg_stat_statements). Rows written before stay
pglz (both are read alike). Nothing on SQLite, nor on a server without lz4 (before
PostgreSQL 14, or built without it).

Revision ID: registry_0005_h1_lz4
Revises: registry_0004_h4_resends
Create Date: 2026-12-05
"""

from alembic import op

revision = "registry_0005_h1_lz4"
down_revision = "registry_0004_h4_resends"
branch_labels = None
depends_on = None


def _has_lz4() -> bool:
    """Whether the server compresses TOAST with lz4: ``default_toast_compression``
    (PostgreSQL 14 on) offers it only where the server was built with it."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    offered = bind.exec_driver_sql(
        "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"
    ).scalar()
    return offered is not None and "lz4" in offered


def upgrade() -> None:
    if _has_lz4():
        op.execute("ALTER TABLE registry_snapshots ALTER COLUMN state SET COMPRESSION lz4")


def downgrade() -> None:
    if _has_lz4():
        op.execute("ALTER TABLE registry_snapshots ALTER COLUMN state SET COMPRESSION DEFAULT")
