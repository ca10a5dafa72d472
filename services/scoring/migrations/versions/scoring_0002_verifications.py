"""Scoring: verification jobs (a stored assessment recomputed from the log and compared).

Revision ID: scoring_0002
Revises: scoring_0001
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UTCDateTime

revision = "scoring_0002"
down_revision = "scoring_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scoring_verifications",
        sa.Column("verification_id", sa.String(64), primary_key=True),
        sa.Column("assessment_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("ok", sa.Boolean),
        sa.Column("recomputed_digest", sa.String(64)),
        sa.Column("difference", sa.Text),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("scoring_verifications")
