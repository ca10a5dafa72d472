"""h7: the events table partitioned by position range on PostgreSQL (issue 18). The table
as it is becomes the first partition (its rows are not copied: one scan to check their
positions), partitions of `PARTITION_SIZE` positions follow, made ahead of the head by
``gongjian_events_extend`` (see shared.eventstore.partitions). SQLite: nothing changes.

Revision ID: shared_0006
Revises: shared_0004_tenants
Create Date: 2026-12-03
"""

from alembic import op

from shared.eventstore.partitions import partition_events, unpartition_events

revision = "shared_0006"
down_revision = "shared_0004_tenants"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        partition_events(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        unpartition_events(op.get_bind())
