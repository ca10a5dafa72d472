"""h4: PostgreSQL, the lock and probe of a batched append in one server-side call.
``gongjian_lock_probe`` sets the lock timeout, takes the log's lock and answers the probe
(stored ids among the batch's, each stream's version, the head) in the caller's
transaction: one statement and one round trip, sent with a plain cursor. The store sent
the three statements together in psycopg's pipeline before, whose wait polled an
always-writable socket and spun a core the server needed (issue 18).

Revision ID: shared_0007_h4
Revises: shared_0006
Create Date: 2026-12-03
"""

from alembic import op

revision = "shared_0007_h4"
down_revision = "shared_0006"
branch_labels = None
depends_on = None

# Answers rows (kind, key, number, recorded_at) as the store's probe always did:
# ('e', event id, position, NULL) for each id already stored, ('s', stream id, its version
# or NULL, NULL) for each stream, ('h', hash, position, recorded_at) for the head. The lock
# is held until the caller's transaction ends; each statement of a plpgsql function takes
# its snapshot when it starts, so the probe sees every append committed before the lock.
_FUNCTION = r"""
CREATE OR REPLACE FUNCTION gongjian_lock_probe(p_lock_timeout text, p_ids varchar[],
                                               p_streams varchar[])
RETURNS TABLE(kind text, key varchar, number bigint, recorded_at timestamptz)
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('lock_timeout', p_lock_timeout, true);
  -- A generic plan for the id lookup compares every row with every id when the table
  -- looks small to the planner: plan the probe for its ids each time.
  PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
  PERFORM pg_advisory_xact_lock(7246150312);
  -- Each id looked up in the event-id index of each partition (a join per id: with
  -- "event_id = ANY(ids)" the planner scanned whole partitions once a batch had some
  -- hundreds of ids, comparing every row with every id).
  RETURN QUERY
    SELECT 'e'::text, found.event_id, found.global_position, NULL::timestamptz
      FROM unnest(p_ids) AS i(id),
           LATERAL (SELECT e.event_id, e.global_position FROM events e
                     WHERE e.event_id = i.id LIMIT 1) AS found
    UNION ALL
    SELECT 's'::text, s, (SELECT max(e.stream_version)::bigint FROM events e
                           WHERE e.stream_id = s), NULL::timestamptz
      FROM unnest(p_streams) AS s
    UNION ALL
    SELECT 'h'::text, h.hash, h.global_position, h.recorded_at
      FROM (SELECT e.hash, e.global_position, e.recorded_at FROM events e
             ORDER BY e.global_position DESC LIMIT 1) h;
END
$$
"""


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS gongjian_lock_probe(text, varchar[], varchar[])")
