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
    # The 督办 workflow (scheduling_0003): the stage, who moved it there and when, what
    # they said, and the log position of that event (a replay never moves it back).
    Column("stage", String(20), nullable=False, server_default="issued"),
    Column("stage_at", UTCDateTime),
    Column("stage_by", String(200)),
    Column("stage_note", Text),
    Column("stage_position", BigInteger),
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
    Column("county", String(64), primary_key=True, server_default=DEFAULT_COUNTY),
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
"""Each county's stored plan versions (``county`` from the plan's stream name,
`shared.tenancy.county_stream`)."""

plan_runs = Table(
    "scheduling_plan_runs",
    metadata,
    Column("county", String(64), primary_key=True, server_default=DEFAULT_COUNTY),
    Column("cadence", String(10), primary_key=True),
    Column("period", String(10), primary_key=True),
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("claimed_by", String(200), nullable=False),
    Column("planned_at", UTCDateTime),
)
"""The scheduler's claims: the primary key lets exactly one scheduler claim a county's
period."""

# -- alerts to the people responsible (docs/alerts.md) ----------------------------------

ALERTS_CONSUMER = "scheduling-alerts"
"""The alerts' checkpoint on the log (how far meeting notices have been looked at)."""

alert_channels = Table(
    "scheduling_alert_channels",
    metadata,
    Column("channel_id", String(64), primary_key=True),
    Column("owner_kind", String(10), nullable=False),
    Column("owner", String(200), nullable=False),
    Column("format", String(10), nullable=False),
    Column("url", Text, nullable=False),
    Column("secret", Text),
    Column("target", Text, nullable=False),
    Column("configured_at", UTCDateTime, nullable=False),
    Column("configured_by", String(200), nullable=False),
    Column("county", String(64), nullable=False, server_default=DEFAULT_COUNTY, index=True),
    Index("ix_scheduling_alert_channels_owner", "owner_kind", "owner"),
)
"""Each leader's and unit's channels; ``url`` and ``secret`` sealed (shared/secrets.py),
``target`` the URL with its credentials masked; ``county``: the county whose leader or unit
it is (a county's alerts go to its own channels)."""

alert_outbox = Table(
    "scheduling_alert_outbox",
    metadata,
    Column("alert_id", String(36), primary_key=True),
    Column("cause", String(300), nullable=False),
    Column("channel_id", String(64), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime),
    Column("county", String(64), nullable=False, server_default=DEFAULT_COUNTY, index=True),
    Index("uq_scheduling_alert_outbox_cause", "cause", "channel_id", unique=True),
    Index("ix_scheduling_alert_outbox_due", "status", "next_attempt_at"),
)
"""The outbox: one row per (cause, channel), inserted with ON CONFLICT DO NOTHING, so a
cause alerts each channel once however often it is derived."""

alert_attempts = Table(
    "scheduling_alert_attempts",
    metadata,
    Column("alert_id", String(36), primary_key=True),
    Column("attempt", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("outcome", String(12), nullable=False),
    Column("response_code", Integer),
    Column("detail", Text, nullable=False),
)

alert_colours = Table(
    "scheduling_alert_colours",
    metadata,
    Column("project_id", String(64), primary_key=True),
    Column("colour", String(10), nullable=False),
    Column("seen_on", Date, nullable=False),
)
"""Each project's colour when alerts last looked: a change to red is a cause."""


site_meetings = Table(
    "scheduling_site_meetings",
    metadata,
    Column("county", String(64), primary_key=True),
    Column("record_id", String(64), primary_key=True),
    Column("project_id", String(64), nullable=False),
    Column("held_on", String(10), nullable=False),
    Column("global_position", BigInteger, nullable=False),
    Index("ix_scheduling_site_meetings_held_on", "county", "held_on"),
)
"""Each county's site meetings (``SiteMeetingRecorded``, in ``<county>:site-meeting-<id>``):
what a list reads, by county and date, before it fetches the records at their positions."""
