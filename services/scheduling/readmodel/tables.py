"""Tables of the scheduling read model; the migration branch ``scheduling`` creates them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from shared.db import UTCDateTime
from shared.tenancy import DEFAULT_COUNTY

CONSUMER = "scheduling"
"""The read model's checkpoint name."""

metadata = MetaData()

projects = Table(
    "scheduling_projects",
    metadata,
    Column("project_id", String(64), primary_key=True),
    Column("state", Text, nullable=False),
    Column("last_occurred_at", UTCDateTime),
    Column("position", BigInteger, nullable=False),
    Column("county", String(64), nullable=False, server_default=DEFAULT_COUNTY, index=True),
)
"""The read model's projects; ``county`` is what `readmodel.queries` scopes reading by."""

actions = Table(
    "scheduling_actions",
    metadata,
    Column("action_id", String(64), primary_key=True),
    Column("project_id", String(64), nullable=False, index=True),
    Column("item", String(200), nullable=False),
    Column("assignee", String(200), nullable=False),
    Column("due", Date, nullable=False),
    Column("period", String(20), nullable=False),
    Column("description", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("assigned_at", UTCDateTime, nullable=False),
    Column("assigned_event_id", String(36), nullable=False),
    Column("closed_at", UTCDateTime),
    Column("closed_event_id", String(36)),
    Column("close_note", Text),
)

OPEN_ITEM = Index(
    "uq_scheduling_actions_open_item",
    actions.c.project_id,
    actions.c.item,
    unique=True,
    postgresql_where=actions.c.status == "open",
    sqlite_where=actions.c.status == "open",
)
"""One open action per agenda item (project + rule + subject): planners and the
projection insert with ON CONFLICT DO NOTHING, and this key decides who holds the item."""

plans = Table(
    "scheduling_plans",
    metadata,
    Column("cadence", String(10), primary_key=True),
    Column("period", String(10), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("known_at", String(40), nullable=False),
    Column("meeting_date", String(10), nullable=False),
    Column("items", Integer, nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("global_position", BigInteger, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)

plan_runs = Table(
    "scheduling_plan_runs",
    metadata,
    Column("cadence", String(10), primary_key=True),
    Column("period", String(10), primary_key=True),
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("claimed_by", String(200), nullable=False),
    Column("planned_at", UTCDateTime),
)
"""The scheduler's claims: the primary key lets exactly one scheduler claim a period."""
