"""Registry: project list, snapshots, integrations, secrets and seen request ids.

Revision ID: registry_0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UTCDateTime

revision = "registry_0001"
down_revision = None
branch_labels = ("registry",)
depends_on = "shared_0001"


def upgrade() -> None:
    """Creates the registry's tables.

    Long because it lists every table's columns and indexes, one statement each."""
    op.create_table(
        "registry_projects",
        sa.Column("project_id", sa.String(64), primary_key=True),
        sa.Column("national_code", sa.String(24)),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("sector", sa.String(100), nullable=False),
        sa.Column("town", sa.String(100), nullable=False),
        sa.Column("leader", sa.String(200), nullable=False),
        sa.Column("lead_unit", sa.String(200), nullable=False),
        sa.Column("owner_unit", sa.String(200), nullable=False),
        sa.Column("phase", sa.String(20), nullable=False),
        sa.UniqueConstraint("national_code", name="uq_registry_projects_national_code"),
    )
    op.create_table(
        "registry_snapshots",
        sa.Column("stream_id", sa.String(200), primary_key=True),
        sa.Column("stream_version", sa.Integer, primary_key=True),
        sa.Column("max_occurred_at", UTCDateTime, nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
    )
    op.create_table(
        "registry_integrations",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("types", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("disabled_at", UTCDateTime),
    )
    op.create_table(
        "registry_integration_secrets",
        sa.Column("secret_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "integration",
            sa.String(100),
            sa.ForeignKey("registry_integrations.name"),
            nullable=False,
        ),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("retired_at", UTCDateTime),
    )
    op.create_table(
        "registry_ingest_requests",
        sa.Column("integration", sa.String(100), primary_key=True),
        sa.Column("request_id", sa.String(200), primary_key=True),
        sa.Column("received_at", UTCDateTime, nullable=False),
    )
    op.create_index(
        "ix_registry_ingest_requests_received_at", "registry_ingest_requests", ["received_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_registry_ingest_requests_received_at", "registry_ingest_requests")
    op.drop_table("registry_ingest_requests")
    op.drop_table("registry_integration_secrets")
    op.drop_table("registry_integrations")
    op.drop_table("registry_snapshots")
    op.drop_table("registry_projects")
