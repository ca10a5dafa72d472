"""Scheduling read model: project states, follow-up actions, plan index, scheduler claims.

Revision ID: scheduling_0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UTCDateTime

revision = "scheduling_0001"
down_revision = None
branch_labels = ("scheduling",)
depends_on = "shared_0001"


def upgrade() -> None:
    op.create_table(
        "scheduling_projects",
        sa.Column("project_id", sa.String(64), primary_key=True),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("last_occurred_at", UTCDateTime),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "scheduling_actions",
        sa.Column("action_id", sa.String(64), primary_key=True),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("item", sa.String(200), nullable=False),
        sa.Column("assignee", sa.String(200), nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("period", sa.String(20), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("assigned_at", UTCDateTime, nullable=False),
        sa.Column("assigned_event_id", sa.String(36), nullable=False),
        sa.Column("closed_at", UTCDateTime),
        sa.Column("closed_event_id", sa.String(36)),
        sa.Column("close_note", sa.Text),
    )
    op.create_index("ix_scheduling_actions_project_id", "scheduling_actions", ["project_id"])
    op.create_table(
        "scheduling_plans",
        sa.Column("cadence", sa.String(10), primary_key=True),
        sa.Column("period", sa.String(10), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("known_at", sa.String(40), nullable=False),
        sa.Column("meeting_date", sa.String(10), nullable=False),
        sa.Column("items", sa.Integer, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("global_position", sa.BigInteger, nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "scheduling_plan_runs",
        sa.Column("cadence", sa.String(10), primary_key=True),
        sa.Column("period", sa.String(10), primary_key=True),
        sa.Column("claimed_at", UTCDateTime, nullable=False),
        sa.Column("claimed_by", sa.String(200), nullable=False),
        sa.Column("planned_at", UTCDateTime),
    )


def downgrade() -> None:
    op.drop_table("scheduling_plan_runs")
    op.drop_table("scheduling_plans")
    op.drop_index("ix_scheduling_actions_project_id", "scheduling_actions")
    op.drop_table("scheduling_actions")
    op.drop_table("scheduling_projects")
