"""Console accounts for people (sign-in with a password) and failed sign-ins (rate limit).

Revision ID: console_0001
Revises:
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UTCDateTime

revision = "console_0001"
down_revision = None
branch_labels = ("console",)
depends_on = "shared_0001"


def upgrade() -> None:
    op.create_table(
        "console_users",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("session_epoch", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("password_changed_at", UTCDateTime, nullable=False),
        sa.Column("disabled_at", UTCDateTime),
    )
    op.create_table(
        "console_signin_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_console_signin_failures_key_at", "console_signin_failures", ["key", "at"])


def downgrade() -> None:
    op.drop_index("ix_console_signin_failures_key_at", "console_signin_failures")
    op.drop_table("console_signin_failures")
    op.drop_table("console_users")
