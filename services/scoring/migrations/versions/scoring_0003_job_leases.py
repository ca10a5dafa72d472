"""Scoring: a lease with a heartbeat on each running assessment job.

Revision ID: scoring_0003
Revises: scoring_0002
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UTCDateTime

revision = "scoring_0003"
down_revision = "scoring_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scoring_jobs") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(64)))
        batch.add_column(sa.Column("lease_expires_at", UTCDateTime))
        batch.add_column(sa.Column("heartbeat_at", UTCDateTime))
        batch.add_column(sa.Column("takeovers", sa.Integer, nullable=False, server_default="0"))
    op.create_index("ix_scoring_jobs_status", "scoring_jobs", ["status"])


def downgrade() -> None:
    op.drop_index("ix_scoring_jobs_status", "scoring_jobs")
    with op.batch_alter_table("scoring_jobs") as batch:
        for name in ("takeovers", "heartbeat_at", "lease_expires_at", "lease_owner"):
            batch.drop_column(name)
