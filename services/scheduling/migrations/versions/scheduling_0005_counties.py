"""Scheduling, many counties (h6): the county of each project of the read model;
existing rows are the default county's.

Revision ID: scheduling_0003_counties
Revises: scheduling_0004
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from shared.tenancy import DEFAULT_COUNTY

revision = "scheduling_0003_counties"
down_revision = "scheduling_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "scheduling_projects",
        sa.Column("county", sa.String(64), nullable=False, server_default=DEFAULT_COUNTY),
    )
    op.create_index("ix_scheduling_projects_county", "scheduling_projects", ["county"])


def downgrade() -> None:
    op.drop_index("ix_scheduling_projects_county", "scheduling_projects")
    with op.batch_alter_table("scheduling_projects") as batch:
        batch.drop_column("county")
