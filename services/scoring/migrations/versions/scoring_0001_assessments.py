"""Scoring: assessment jobs and their results.

Revision ID: scoring_0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UTCDateTime

revision = "scoring_0001"
down_revision = None
branch_labels = ("scoring",)
depends_on = "shared_0001"


def upgrade() -> None:
    op.create_table(
        "scoring_jobs",
        sa.Column("job_id", sa.String(64), primary_key=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("rulebook_version", sa.String(64)),
        sa.Column("as_of", sa.String(40), nullable=False),
        sa.Column("known_at", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("watermark", sa.BigInteger),
        sa.Column("events_total", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("events_replayed", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.Text),
        sa.Column("assessment_id", sa.String(64)),
        sa.Column("requested_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "scoring_assessments",
        sa.Column("assessment_id", sa.String(64), primary_key=True),
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("as_of", sa.String(40), nullable=False),
        sa.Column("known_at", sa.String(40), nullable=False),
        sa.Column("rulebook_version", sa.String(64), nullable=False),
        sa.Column("rulebook_hash", sa.String(64), nullable=False),
        sa.Column("chain_head_position", sa.BigInteger, nullable=False),
        sa.Column("chain_head_hash", sa.String(64), nullable=False),
        sa.Column("result_hash", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("published_position", sa.BigInteger),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_scoring_assessments_year", "scoring_assessments", ["year"])


def downgrade() -> None:
    op.drop_index("ix_scoring_assessments_year", "scoring_assessments")
    op.drop_table("scoring_assessments")
    op.drop_table("scoring_jobs")
