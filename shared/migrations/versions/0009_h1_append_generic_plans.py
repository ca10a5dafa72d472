"""h1: PostgreSQL, a small append's function with one plan per statement for the session.

The engine's sessions plan every statement for its values (``plan_cache_mode =
force_custom_plan``, shared.db), and a plpgsql function's statements inherit that: each
call of ``gongjian_append`` planned its five statements over every partition again, which
took longer than running them (a single append is one call). The function now keeps one
generic plan per statement (its own ``SET plan_cache_mode``): each is an index lookup
whatever the values. Its body, batch, answers and hashed bytes do not change.

Revision ID: shared_0009_h1
Revises: shared_0008_h1
Create Date: 2026-12-03
"""

from alembic import op

revision = "shared_0009_h1"
down_revision = "shared_0008_h1"
branch_labels = None
depends_on = None

_SIGNATURE = "gongjian_append(text, text, timestamptz)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER FUNCTION {_SIGNATURE} SET plan_cache_mode = force_generic_plan")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER FUNCTION {_SIGNATURE} RESET plan_cache_mode")
