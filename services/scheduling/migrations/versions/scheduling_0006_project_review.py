"""Scheduling: project states gain the pool's stages, the 投产 day and the leaders' visits
(h10, the quarterly review): the read model is rebuilt from the log on its next catch-up,
as `gongjian scheduling rebuild` does (its three tables emptied, its checkpoint at 0).

Revision ID: scheduling_0005
Revises: scheduling_0003_counties
Create Date: 2026-12-03
"""

from alembic import op

revision = "scheduling_0005"
down_revision = "scheduling_0003_counties"
branch_labels = None
depends_on = None

READ_MODEL = ("scheduling_projects", "scheduling_actions", "scheduling_plans")


def upgrade() -> None:
    for table in READ_MODEL:
        op.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
    op.execute("UPDATE checkpoints SET position = 0 WHERE consumer = 'scheduling'")


def downgrade() -> None:
    """Nothing to undo: the read model is derived and follows the log again."""
