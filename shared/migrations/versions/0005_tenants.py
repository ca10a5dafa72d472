"""Many counties (h6): the tenant of each API token; existing tokens are the default county's.

Revision ID: shared_0004_tenants
Revises: shared_0004
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from shared.tenancy import DEFAULT_COUNTY

revision = "shared_0004_tenants"
down_revision = "shared_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "api_tokens",
        sa.Column("tenant", sa.String(64), nullable=False, server_default=DEFAULT_COUNTY),
    )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("tenant")
