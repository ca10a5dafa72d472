"""Scoring (h2): a lease on each running verification (``scoring_verifications``), as on
assessment jobs: a verification whose worker died is taken up again. One left
``running`` before this revision gets a lease that has already run out.

Revision ID: scoring_0005_h2
Revises: scoring_0004_h2
Create Date: 2026-12-03
"""

from shared.migrations.leases import add_lease_columns, drop_lease_columns

revision = "scoring_0005_h2"
down_revision = "scoring_0004_h2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_lease_columns("scoring_verifications", since="updated_at")


def downgrade() -> None:
    drop_lease_columns("scoring_verifications")
