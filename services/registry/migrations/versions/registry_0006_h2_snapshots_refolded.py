"""Registry, snapshots written before events sent with an offset were folded in UTC (h2):
dropped, to be written again.

Before this release an event whose ``occurred_at`` carried an offset other than UTC
(``+08:00``, as approval systems in China send it) was folded into the state the
registry keeps after a write at its own wall clock labelled UTC, eight hours off, while
its stored copy (and every fold of the stored events) is in UTC. Snapshots are written
from that kept state, so a snapshot may carry such times (an inspection's ``at``, the
state's latest times). A snapshot is a shortcut: without one a stream is read from its
first event, and the next crossing of `SNAPSHOT_EVERY` writes a new one from a state
folded in UTC. The events and the read models' rows are not touched.

Revision ID: registry_0006_h2_refolded
Revises: registry_0005_h1_lz4
Create Date: 2026-12-04
"""

from alembic import op

revision = "registry_0006_h2_refolded"
down_revision = "registry_0005_h1_lz4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM registry_snapshots")


def downgrade() -> None:
    pass  # snapshots are written again as streams grow, whatever the revision
