"""Scoring, many counties (h2): the county of each assessment job and assessment;
existing rows are the default county's.

Revision ID: scoring_0004_h2
Revises: scoring_0003
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

DEFAULT_COUNTY = "default"

revision = "scoring_0004_h2"
down_revision = "scoring_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("scoring_jobs", "scoring_assessments"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("county", sa.String(64), nullable=False, server_default=DEFAULT_COUNTY)
            )
        op.create_index(f"ix_{table}_county", table, ["county"])


def downgrade() -> None:
    for table in ("scoring_jobs", "scoring_assessments"):
        op.drop_index(f"ix_{table}_county", table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("county")
