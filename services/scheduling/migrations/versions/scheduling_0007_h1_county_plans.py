"""Scheduling, plans per county (h1): the plan index and the scheduler's claims are keyed
by county too; what is there is the default county's (plans were kept for the whole
deployment under the default county's stream names).

Each table is made anew with ``county`` in its primary key and its rows copied over
(the same on SQLite and PostgreSQL).

Revision ID: scheduling_0007_h1_county_plans
Revises: scheduling_0005
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UTCDateTime
from shared.tenancy import DEFAULT_COUNTY

revision = "scheduling_0007_h1_county_plans"
down_revision = "scheduling_0006_h3_alerts"
branch_labels = None
depends_on = None

PLAN_COLUMNS = (
    "cadence, period, version, digest, known_at, meeting_date, items, event_id,"
    " global_position, recorded_at"
)
RUN_COLUMNS = "cadence, period, claimed_at, claimed_by, planned_at"


def _plans(name: str, *, county: bool) -> None:
    keyed = [sa.Column("county", sa.String(64), primary_key=True)] if county else []
    op.create_table(
        name,
        *keyed,
        sa.Column("cadence", sa.String(10), primary_key=True),
        sa.Column("period", sa.String(10), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("known_at", sa.String(40), nullable=False),
        sa.Column("meeting_date", sa.String(10), nullable=False),
        sa.Column("items", sa.Integer, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("global_position", sa.BigInteger, nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
    )


def _runs(name: str, *, county: bool) -> None:
    keyed = [sa.Column("county", sa.String(64), primary_key=True)] if county else []
    op.create_table(
        name,
        *keyed,
        sa.Column("cadence", sa.String(10), primary_key=True),
        sa.Column("period", sa.String(10), primary_key=True),
        sa.Column("claimed_at", UTCDateTime, nullable=False),
        sa.Column("claimed_by", sa.String(200), nullable=False),
        sa.Column("planned_at", UTCDateTime),
    )


def _swap(table: str, make, columns: str, *, county: bool) -> None:  # type: ignore[no-untyped-def]
    new = f"{table}_{'v2' if county else 'v1'}"  # distinct names of the new keys
    make(new, county=county)
    if county:
        op.execute(
            f"INSERT INTO {new} (county, {columns}) "  # noqa: S608 - fixed names
            f"SELECT '{DEFAULT_COUNTY}', {columns} FROM {table}"
        )
    else:
        op.execute(
            f"INSERT INTO {new} ({columns}) SELECT {columns} FROM {table} "  # noqa: S608
            f"WHERE county = '{DEFAULT_COUNTY}'"
        )
    op.drop_table(table)
    op.rename_table(new, table)


def upgrade() -> None:
    _swap("scheduling_plans", _plans, PLAN_COLUMNS, county=True)
    _swap("scheduling_plan_runs", _runs, RUN_COLUMNS, county=True)


def downgrade() -> None:
    """Back to the deployment's one set of plans: the default county's."""
    _swap("scheduling_plans", _plans, PLAN_COLUMNS, county=False)
    _swap("scheduling_plan_runs", _runs, RUN_COLUMNS, county=False)
