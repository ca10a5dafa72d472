"""The lease columns of a job table (`shared.leases`), added and dropped by migrations.

A job left ``running`` when its table gets them gets a lease that has already run out
(from ``since``, a column of the row's time): its worker died before leases existed, and
the workers' timer takes it up."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shared.db import UTCDateTime

NAMES = ("lease_owner", "lease_expires_at", "heartbeat_at", "takeovers")


def add_lease_columns(table: str, since: str) -> None:
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(64)))
        batch.add_column(sa.Column("lease_expires_at", UTCDateTime))
        batch.add_column(sa.Column("heartbeat_at", UTCDateTime))
        batch.add_column(sa.Column("takeovers", sa.Integer, nullable=False, server_default="0"))
    op.execute(f"UPDATE {table} SET lease_expires_at = {since} WHERE status = 'running'")


def drop_lease_columns(table: str) -> None:
    with op.batch_alter_table(table) as batch:
        for name in reversed(NAMES):
            batch.drop_column(name)
