"""h1: PostgreSQL, a batched append's probe without looking up ids the insert checks anyway.

``gongjian_lock_probe`` looked every id of a batch up in the event-id index of every
partition before the COPY: for 1,000 ids some 10-30 ms, as long as the COPY of the rows
itself (issue 18). The partition the rows are written to checks their ids as it takes
them (its unique index on ``event_id``), so ``gongjian_lock_probe_written`` looks ids up
only at positions below that partition, when the whole batch lands in it (elsewhere, or
when the store cannot take a refusal of the insert, every id is looked up as before). The
ids and streams come as JSON text: parsed only when needed, and the client writes them
faster than psycopg dumps a list. The old function stays, for a store not yet upgraded.

Revision ID: shared_0008_h1
Revises: shared_0007_h4
Create Date: 2026-12-03
"""

from alembic import op

revision = "shared_0008_h1"
down_revision = "shared_0007_h4"
branch_labels = None
depends_on = None

# p_ids, p_streams: JSON arrays of strings. p_count: how many rows the caller will write
# after the head (0: look every id up). Answers rows (kind, key, number, recorded_at) as
# gongjian_lock_probe does: ('e', event id, position, NULL) for each id stored (below the
# partition written, see above), ('s', stream id, its version or NULL, NULL) for each
# stream, ('h', hash, position, recorded_at) for the head.
FUNCTION = r"""
CREATE OR REPLACE FUNCTION gongjian_lock_probe_written(p_lock_timeout text, p_ids text,
                                                       p_streams text, p_count bigint)
RETURNS TABLE(kind text, key varchar, number bigint, recorded_at timestamptz)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  head_hash varchar;
  head_pos bigint := 0;
  head_recorded timestamptz;
  below bigint;
BEGIN
  PERFORM set_config('lock_timeout', p_lock_timeout, true);
  PERFORM pg_advisory_xact_lock(7246150312);
  SELECT e.hash, e.global_position, e.recorded_at INTO head_hash, head_pos, head_recorded
    FROM events e ORDER BY e.global_position DESC LIMIT 1;
  head_pos := coalesce(head_pos, 0);
  IF p_count > 0 THEN
    IF to_regclass('event_partitions') IS NULL THEN
      below := 1;  -- one table, its unique index over every id
    ELSE
      SELECT p.lower_bound INTO below FROM event_partitions p
        WHERE p.lower_bound <= head_pos + 1 AND head_pos + p_count < p.upper_bound;
    END IF;
  END IF;
  IF below IS NULL OR below > 1 THEN
    -- A generic plan for the id lookup compares every row with every id when the table
    -- looks small to the planner: plan it for its ids (and bound) each time. The other
    -- statements keep one plan for the session (planning them over the partitions each
    -- time, as the engine's sessions would, cost more than running them).
    PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
    RETURN QUERY
      SELECT 'e'::text, found.event_id, found.global_position, NULL::timestamptz
        FROM jsonb_array_elements_text(p_ids::jsonb) AS i(id),
             LATERAL (SELECT e.event_id, e.global_position FROM events e
                       WHERE e.event_id = i.id
                         AND e.global_position < coalesce(below, 9223372036854775807)
                       LIMIT 1) AS found;
    PERFORM set_config('plan_cache_mode', 'force_generic_plan', true);
  END IF;
  RETURN QUERY
    SELECT 's'::text, s::varchar, (SELECT max(e.stream_version)::bigint FROM events e
                                    WHERE e.stream_id = s), NULL::timestamptz
      FROM jsonb_array_elements_text(p_streams::jsonb) AS s;
  IF head_hash IS NOT NULL THEN
    RETURN QUERY SELECT 'h'::text, head_hash, head_pos, head_recorded;
  END IF;
END
$$
"""


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS gongjian_lock_probe_written(text, text, text, bigint)")
