"""Event store, consumer checkpoints and API tokens.

Revision ID: shared_0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UTCDateTime

revision = "shared_0001"
down_revision = None
branch_labels = ("shared",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column(
            "global_position",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("stream_id", sa.String(200), nullable=False),
        sa.Column("stream_version", sa.Integer, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("occurred_at", UTCDateTime, nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("correlation_id", sa.String(100)),
        sa.Column("causation_id", sa.String(100)),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("event_id", name="uq_events_event_id"),
        sa.UniqueConstraint("stream_id", "stream_version", name="uq_events_stream_version"),
    )
    op.create_index("ix_events_type_position", "events", ["type", "global_position"])
    op.create_index("ix_events_recorded_at", "events", ["recorded_at"])
    op.create_table(
        "checkpoints",
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "api_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("source", sa.String(200)),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("revoked_at", UTCDateTime),
    )


def downgrade() -> None:
    op.drop_table("api_tokens")
    op.drop_table("checkpoints")
    op.drop_index("ix_events_recorded_at", "events")
    op.drop_index("ix_events_type_position", "events")
    op.drop_table("events")
