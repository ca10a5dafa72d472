"""Scheduling: one open follow-up action per agenda item (project + rule + subject).

Open duplicates left by earlier concurrent planners are dropped from the read model first
(the earliest assigned stays, as a rebuild keeps the first in log order).

Revision ID: scheduling_0002
Revises: scheduling_0001
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "scheduling_0002"
down_revision = "scheduling_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "DELETE FROM scheduling_actions WHERE status = 'open' AND EXISTS ("
        " SELECT 1 FROM scheduling_actions AS first"
        " WHERE first.project_id = scheduling_actions.project_id"
        " AND first.item = scheduling_actions.item AND first.status = 'open'"
        " AND (first.assigned_at < scheduling_actions.assigned_at"
        " OR (first.assigned_at = scheduling_actions.assigned_at"
        " AND first.action_id < scheduling_actions.action_id)))"
    )
    op.create_index(
        "uq_scheduling_actions_open_item",
        "scheduling_actions",
        ["project_id", "item"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
        sqlite_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("uq_scheduling_actions_open_item", "scheduling_actions")
