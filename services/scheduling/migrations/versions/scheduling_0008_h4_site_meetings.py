"""Scheduling, site meetings per county (h4): the read model keeps each county's site
meetings (county, record id, project, date, log position), what ``GET /v1/site-meetings``
reads instead of the whole log. Filled here from the ``SiteMeetingRecorded`` already
stored, each in its stream's county (a stream without one: its project's county).

Revision ID: scheduling_0008_h4_site_meetings
Revises: scheduling_0007_h1_county_plans
Create Date: 2026-12-03
"""

import json

import sqlalchemy as sa
from alembic import op

from shared.tenancy import DEFAULT_COUNTY, stream_county

revision = "scheduling_0008_h4_site_meetings"
down_revision = "scheduling_0007_h1_county_plans"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "scheduling_site_meetings",
        sa.Column("county", sa.String(64), primary_key=True),
        sa.Column("record_id", sa.String(64), primary_key=True),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("held_on", sa.String(10), nullable=False),
        sa.Column("global_position", sa.BigInteger, nullable=False),
    )
    op.create_index(
        "ix_scheduling_site_meetings_held_on", "scheduling_site_meetings", ["county", "held_on"]
    )
    conn = op.get_bind()
    project_counties: dict[str, str] = {
        project_id: county
        for project_id, county in conn.execute(
            sa.text("SELECT project_id, county FROM scheduling_projects")
        )
    }
    rows = []
    for stream_id, position, payload in conn.execute(
        sa.text(
            "SELECT stream_id, global_position, payload FROM events"
            " WHERE type = 'SiteMeetingRecorded' ORDER BY global_position"
        )
    ):
        p = json.loads(payload)
        county = stream_county(stream_id)[0]
        if county == DEFAULT_COUNTY:
            county = project_counties.get(p["project_id"]) or DEFAULT_COUNTY
        rows.append(
            {
                "county": county,
                "record_id": p["record_id"],
                "project_id": p["project_id"],
                "held_on": p["held_on"],
                "global_position": position,
            }
        )
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_index("ix_scheduling_site_meetings_held_on", "scheduling_site_meetings")
    op.drop_table("scheduling_site_meetings")
