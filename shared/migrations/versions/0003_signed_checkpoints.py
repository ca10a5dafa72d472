"""Signed checkpoints (append-only, like the events); the hash beside a checkpoint's
position (the verifier's own checkpoint holds both, so it can tell a rolled-back or
rewritten log from one that grew); full-verification jobs with their progress.

Revision ID: shared_0003
Revises: shared_0002
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UTCDateTime
from shared.migrations.append_only import create_triggers, drop_triggers

revision = "shared_0003"
down_revision = "shared_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signed_checkpoints",
        sa.Column("sequence", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.Column("signed_at", UTCDateTime, nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(200), nullable=False),
    )
    op.create_index("ix_signed_checkpoints_position", "signed_checkpoints", ["position"])
    create_triggers(op.get_bind(), "signed_checkpoints")
    op.add_column("checkpoints", sa.Column("hash", sa.String(64)))
    op.create_table(
        "verification_jobs",
        sa.Column("job_id", sa.String(36), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("verified", sa.BigInteger, nullable=False),
        sa.Column("total", sa.BigInteger, nullable=False),
        sa.Column("result", sa.Text),
        sa.Column("requested_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime),
    )


def downgrade() -> None:
    op.drop_table("verification_jobs")
    with op.batch_alter_table("checkpoints") as batch:
        batch.drop_column("hash")
    drop_triggers(op.get_bind(), "signed_checkpoints")
    op.drop_index("ix_signed_checkpoints_position", "signed_checkpoints")
    op.drop_table("signed_checkpoints")
