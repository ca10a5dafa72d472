"""Scheduling: alerts to the people responsible — channels, the outbox, delivery
attempts, the colours last seen (h3).

Revision ID: scheduling_0004
Revises: scheduling_0003
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UTCDateTime

revision = "scheduling_0004"
down_revision = "scheduling_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _channels()
    _outbox()
    op.create_table(
        "scheduling_alert_attempts",
        sa.Column("alert_id", sa.String(36), primary_key=True),
        sa.Column("attempt", sa.Integer, primary_key=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("response_code", sa.Integer),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_table(
        "scheduling_alert_colours",
        sa.Column("project_id", sa.String(64), primary_key=True),
        sa.Column("colour", sa.String(10), nullable=False),
        sa.Column("seen_on", sa.Date, nullable=False),
    )


def _channels() -> None:
    op.create_table(
        "scheduling_alert_channels",
        sa.Column("channel_id", sa.String(64), primary_key=True),
        sa.Column("owner_kind", sa.String(10), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("secret", sa.Text),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("configured_at", UTCDateTime, nullable=False),
        sa.Column("configured_by", sa.String(200), nullable=False),
    )
    op.create_index(
        "ix_scheduling_alert_channels_owner", "scheduling_alert_channels", ["owner_kind", "owner"]
    )


def _outbox() -> None:
    op.create_table(
        "scheduling_alert_outbox",
        sa.Column("alert_id", sa.String(36), primary_key=True),
        sa.Column("cause", sa.String(300), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("delivered_at", UTCDateTime),
    )
    op.create_index(
        "uq_scheduling_alert_outbox_cause",
        "scheduling_alert_outbox",
        ["cause", "channel_id"],
        unique=True,
    )
    op.create_index(
        "ix_scheduling_alert_outbox_due", "scheduling_alert_outbox", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    for table in (
        "scheduling_alert_colours",
        "scheduling_alert_attempts",
        "scheduling_alert_outbox",
        "scheduling_alert_channels",
    ):
        op.drop_table(table)
