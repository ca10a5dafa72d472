"""Registry, chain verifications sent again (h4): when the workers' timer last sent a
verification job still queued (one asked for while the broker was away).

Revision ID: registry_0004_h4_resends
Revises: registry_0003_counties
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UTCDateTime

revision = "registry_0004_h4_resends"
down_revision = "registry_0003_counties"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_verification_sends",
        sa.Column("job_id", sa.String(36), primary_key=True),
        sa.Column("sent_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("registry_verification_sends")
