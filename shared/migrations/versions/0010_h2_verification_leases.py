"""h2: a lease on each running chain verification job (``verification_jobs``).

A job's worker holds a lease it renews while it walks (``shared.leases``); when the worker
dies the lease runs out and the workers' timer takes the job back and sends it again.
A job left ``running`` before this revision gets a lease that has already run out.

Revision ID: shared_0010_h2
Revises: shared_0009_h1
Create Date: 2026-12-03
"""

from shared.migrations.leases import add_lease_columns, drop_lease_columns

revision = "shared_0010_h2"
down_revision = "shared_0009_h1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_lease_columns("verification_jobs", since="requested_at")


def downgrade() -> None:
    drop_lease_columns("verification_jobs")
