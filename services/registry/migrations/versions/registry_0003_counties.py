"""Registry, many counties (h6): the county of each listed project and of each
integration; existing rows are the default county's.

Revision ID: registry_0003_counties
Revises: registry_0002
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from shared.tenancy import DEFAULT_COUNTY

revision = "registry_0003_counties"
down_revision = "registry_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("registry_projects", "registry_integrations"):
        op.add_column(
            table,
            sa.Column("county", sa.String(64), nullable=False, server_default=DEFAULT_COUNTY),
        )
    op.create_index("ix_registry_projects_county", "registry_projects", ["county", "project_id"])


def downgrade() -> None:
    op.drop_index("ix_registry_projects_county", "registry_projects")
    for table in ("registry_projects", "registry_integrations"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("county")
