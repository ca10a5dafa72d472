"""The registry's own tables (its Alembic branch creates them): the project list,
snapshots of long streams, integrations with their secrets, and seen request ids."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from shared.db import UTCDateTime
from shared.tenancy import DEFAULT_COUNTY

metadata = MetaData()

projects = Table(
    "registry_projects",
    metadata,
    Column("project_id", String(64), primary_key=True),
    Column("national_code", String(24), unique=True),
    Column("name", String(200), nullable=False),
    Column("category", String(30), nullable=False),
    Column("sector", String(100), nullable=False),
    Column("town", String(100), nullable=False),
    Column("leader", String(200), nullable=False),
    Column("lead_unit", String(200), nullable=False),
    Column("owner_unit", String(200), nullable=False),
    Column("phase", String(20), nullable=False),
    Column("county", String(64), nullable=False, server_default=DEFAULT_COUNTY),
    Index("ix_registry_projects_county", "county", "project_id"),
)
"""One row per project, its current identity and phase: what the list filters on; its
county is what every registry query is scoped by (`readmodel.projects`)."""

snapshots = Table(
    "registry_snapshots",
    metadata,
    Column("stream_id", String(200), primary_key=True),
    Column("stream_version", Integer, primary_key=True),
    Column("max_occurred_at", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("state", Text, nullable=False),
)
"""The state after a stream's first ``stream_version`` events, all of them admitted."""

integrations = Table(
    "registry_integrations",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("types", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime),
    Column("county", String(64), nullable=False, server_default=DEFAULT_COUNTY),
)

integration_secrets = Table(
    "registry_integration_secrets",
    metadata,
    Column("secret_id", Integer, primary_key=True, autoincrement=True),
    Column("integration", String(100), ForeignKey("registry_integrations.name"), nullable=False),
    Column("secret", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("retired_at", UTCDateTime),
)
"""HMAC keys must be readable to check a signature, so they are kept as issued."""

ingest_requests = Table(
    "registry_ingest_requests",
    metadata,
    Column("integration", String(100), primary_key=True),
    Column("request_id", String(200), primary_key=True),
    Column("received_at", UTCDateTime, nullable=False),
    Index("ix_registry_ingest_requests_received_at", "received_at"),
)
"""Request ids seen within the replay window."""

verification_sends = Table(
    "registry_verification_sends",
    metadata,
    Column("job_id", String(36), primary_key=True),
    Column("sent_at", UTCDateTime, nullable=False),
)
"""When the workers' timer last sent a chain verification job (``verification_jobs``)
that was still queued: each is sent again at most once a period
(`application.chain_verifications`)."""
