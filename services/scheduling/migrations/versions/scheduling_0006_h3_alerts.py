"""Scheduling, many counties (h3): the county of each alert channel (a county's leader's or
unit's) and of each alert of the outbox; existing rows are the default county's.

Revision ID: scheduling_0006_h3_alerts
Revises: scheduling_0005
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from shared.tenancy import DEFAULT_COUNTY

revision = "scheduling_0006_h3_alerts"
down_revision = "scheduling_0005"
branch_labels = None
depends_on = None

TABLES = ("scheduling_alert_channels", "scheduling_alert_outbox")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(
            table,
            sa.Column("county", sa.String(64), nullable=False, server_default=DEFAULT_COUNTY),
        )
        op.create_index(f"ix_{table}_county", table, ["county"])


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_county", table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("county")
