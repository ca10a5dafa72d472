"""Events are append-only in the database itself: triggers refuse UPDATE, DELETE and
TRUNCATE, whoever asks (the owner too). Grants for the application role are given by
`gongjian db upgrade` (shared.migrations.roles), since the role's name is the deployment's.

Revision ID: shared_0002
Revises: shared_0001
Create Date: 2026-12-03
"""

from alembic import op

from shared.migrations.append_only import create_triggers, drop_triggers

revision = "shared_0002"
down_revision = "shared_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_triggers(op.get_bind(), "events")


def downgrade() -> None:
    drop_triggers(op.get_bind(), "events")
