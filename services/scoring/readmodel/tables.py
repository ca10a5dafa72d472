"""Scoring's own tables (migration branch ``scoring``): assessment jobs and results."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Integer, MetaData, String, Table, Text

from shared.db import UTCDateTime
from shared.tenancy import DEFAULT_COUNTY

metadata = MetaData()

jobs = Table(
    "scoring_jobs",
    metadata,
    Column("job_id", String(64), primary_key=True),
    Column("year", Integer, nullable=False),
    Column("rulebook_version", String(64)),
    Column("as_of", String(40), nullable=False),
    Column("known_at", String(40), nullable=False),
    Column("status", String(20), nullable=False),
    Column("watermark", BigInteger),
    Column("events_total", BigInteger, nullable=False),
    Column("events_replayed", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("error", Text),
    Column("assessment_id", String(64)),
    Column("requested_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # The lease of the worker running the job, renewed by its heartbeat; a job whose
    # lease ran out is taken up again (``takeovers`` counts how often).
    Column("lease_owner", String(64)),
    Column("lease_expires_at", UTCDateTime),
    Column("heartbeat_at", UTCDateTime),
    Column("takeovers", Integer, nullable=False, server_default="0"),
    # The county assessed (many counties: docs/tenancy.md).
    Column("county", String(64), nullable=False, server_default=DEFAULT_COUNTY, index=True),
)

assessments = Table(
    "scoring_assessments",
    metadata,
    Column("assessment_id", String(64), primary_key=True),
    Column("job_id", String(64), nullable=False),
    Column("year", Integer, nullable=False),
    Column("as_of", String(40), nullable=False),
    Column("known_at", String(40), nullable=False),
    Column("rulebook_version", String(64), nullable=False),
    Column("rulebook_hash", String(64), nullable=False),
    Column("chain_head_position", BigInteger, nullable=False),
    Column("chain_head_hash", String(64), nullable=False),
    Column("result_hash", String(64), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("result", Text, nullable=False),
    Column("published_position", BigInteger),
    Column("created_at", UTCDateTime, nullable=False),
    Column("county", String(64), nullable=False, server_default=DEFAULT_COUNTY, index=True),
)

verifications = Table(
    "scoring_verifications",
    metadata,
    Column("verification_id", String(64), primary_key=True),
    Column("assessment_id", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("ok", Boolean),
    Column("recomputed_digest", String(64)),
    Column("difference", Text),
    Column("requested_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("lease_owner", String(64)),  # the running worker's lease (shared.leases)
    Column("lease_expires_at", UTCDateTime),
    Column("heartbeat_at", UTCDateTime),
    Column("takeovers", Integer, nullable=False, server_default="0"),
)
"""Verification jobs: a stored assessment recomputed from the log and compared."""
