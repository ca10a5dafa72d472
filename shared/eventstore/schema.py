"""Tables of the event store; Alembic migrations create them (never ``create_all``)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from ..db import UTCDateTime

# `UTCDateTime` lives in `shared.db`; re-exported for migration files that imported it here.
__all__ = ["UTCDateTime", "checkpoints", "events", "metadata"]

metadata = MetaData()

events = Table(
    "events",
    metadata,
    Column(
        "global_position",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("stream_id", String(200), nullable=False),
    Column("stream_version", Integer, nullable=False),
    Column("type", String(100), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("source", String(200), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("correlation_id", String(100)),
    Column("causation_id", String(100)),
    # Canonical JSON text, exactly as hashed: JSONB would re-render it.
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("stream_id", "stream_version", name="uq_events_stream_version"),
    Index("ix_events_type_position", "type", "global_position"),
    Index("ix_events_recorded_at", "recorded_at"),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("consumer", String(100), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # The hash at ``position``: kept by the verifier (``chain.verified``), not by consumers.
    Column("hash", String(64)),
)

signed_checkpoints = Table(
    "signed_checkpoints",
    metadata,
    Column("sequence", Integer, primary_key=True, autoincrement=True),
    Column("position", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("count", BigInteger, nullable=False),
    Column("signed_at", UTCDateTime, nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("signature", String(200), nullable=False),
    Index("ix_signed_checkpoints_position", "position"),
)

verification_jobs = Table(
    "verification_jobs",
    metadata,
    Column("job_id", String(36), primary_key=True),
    Column("status", String(20), nullable=False),  # queued | running | retrying | done | failed
    Column("verified", BigInteger, nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("result", Text),  # the Verification as JSON once done
    Column("requested_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    # The running worker's lease (shared.leases); shared_0010_h2.
    Column("lease_owner", String(64)),
    Column("lease_expires_at", UTCDateTime),
    Column("heartbeat_at", UTCDateTime),
    Column("takeovers", Integer, nullable=False, server_default="0"),
)
