"""Console, many counties (h6): the tenant of each account; existing accounts are the
default county's.

Revision ID: console_0002_tenants
Revises: console_0001
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from shared.tenancy import DEFAULT_COUNTY

revision = "console_0002_tenants"
down_revision = "console_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "console_users",
        sa.Column("tenant", sa.String(64), nullable=False, server_default=DEFAULT_COUNTY),
    )


def downgrade() -> None:
    with op.batch_alter_table("console_users") as batch:
        batch.drop_column("tenant")
