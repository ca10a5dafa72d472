"""Scheduling (h2): the 督办 workflow's stage of each follow-up action.

An action closed before the workflow existed is 办结 (``closed``); an open one is 下发
(``issued``) until its unit signs for it.

Revision ID: scheduling_0003
Revises: scheduling_0002
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UTCDateTime

revision = "scheduling_0003"
down_revision = "scheduling_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN on both backends (a batch copy on SQLite could lose the partial
    # unique index of scheduling_0002).
    table = "scheduling_actions"
    op.add_column(table, sa.Column("stage", sa.String(20), nullable=False, server_default="issued"))
    op.add_column(table, sa.Column("stage_at", UTCDateTime()))
    op.add_column(table, sa.Column("stage_by", sa.String(200)))
    op.add_column(table, sa.Column("stage_note", sa.Text()))
    op.add_column(table, sa.Column("stage_position", sa.BigInteger()))
    op.execute(
        "UPDATE scheduling_actions SET stage = 'closed', stage_at = closed_at,"
        " stage_note = close_note WHERE status = 'closed'"
    )


def downgrade() -> None:
    with op.batch_alter_table("scheduling_actions") as batch:
        for name in ("stage_position", "stage_note", "stage_by", "stage_at", "stage"):
            batch.drop_column(name)
