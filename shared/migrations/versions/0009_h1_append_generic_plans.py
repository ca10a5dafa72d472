"""h1: PostgreSQL, a small append's function with one plan per statement for the session.

The engine's sessions plan every statement for its values (``plan_cache_mode =
force_custom_plan``, shared.db), and a plpgsql function's statements inherit that: each
call of ``gongjian_append`` planned its five statements over every partition again, which
took longer than running them (a single append is one call). ``gongjian_append_generic``
is the same function (the same batch, the same answers, the same bytes hashed) that keeps
one generic plan per statement: each is an index lookup whatever the values. The old
function stays, for a store not yet upgraded.

Revision ID: shared_0009_h1
Revises: shared_0008_h1
Create Date: 2026-12-03
"""

from alembic import op

revision = "shared_0009_h1"
down_revision = "shared_0008_h1"
branch_labels = None
depends_on = None

# The batch and the answer: as gongjian_append's (migration shared_0004).
FUNCTION = r"""
CREATE OR REPLACE FUNCTION gongjian_append_generic(p_lock_timeout text, p_batch text,
                                                   p_recorded timestamptz)
RETURNS TABLE(status text, head_position bigint, recorded timestamptz,
              start_versions jsonb, stream text, have integer, want integer)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  batch jsonb := p_batch::jsonb;
  row_ jsonb;
  versions jsonb := '{}'::jsonb;
  start_ jsonb;
  s text;
  current_ integer;
  expected_ integer;
  head_pos bigint := 0;
  head_hash varchar := repeat('0', 64);
  head_recorded timestamptz;
  recorded_ timestamptz;
  recorded_text text;
  pos bigint;
  version_ integer;
  prev varchar;
  hash_ varchar;
BEGIN
  PERFORM set_config('lock_timeout', p_lock_timeout, true);
  PERFORM pg_advisory_xact_lock(7246150312);
  FOR row_ IN SELECT jsonb_array_elements(batch->'rows') LOOP
    IF EXISTS (SELECT 1 FROM events WHERE event_id = row_->>0) THEN
      RETURN QUERY SELECT 'seen'::text, NULL::bigint, NULL::timestamptz, NULL::jsonb,
        NULL::text, NULL::integer, NULL::integer;
      RETURN;
    END IF;
  END LOOP;
  FOR s IN SELECT jsonb_array_elements_text(batch->'streams') LOOP
    SELECT coalesce(max(e.stream_version), 0) INTO current_ FROM events e WHERE e.stream_id = s;
    IF jsonb_typeof(batch->'expected'->s) = 'number' THEN
      expected_ := (batch->'expected'->>s)::integer;
      IF expected_ <> current_ THEN
        RETURN QUERY SELECT 'conflict'::text, NULL::bigint, NULL::timestamptz, NULL::jsonb,
          s, current_, expected_;
        RETURN;
      END IF;
    END IF;
    versions := versions || jsonb_build_object(s, current_);
  END LOOP;
  SELECT e.global_position, e.hash, e.recorded_at INTO head_pos, head_hash, head_recorded
    FROM events e ORDER BY e.global_position DESC LIMIT 1;
  IF NOT FOUND THEN
    head_pos := 0;
    head_hash := repeat('0', 64);
  END IF;
  -- Record time never decreases with position.
  recorded_ := greatest(p_recorded, head_recorded);
  recorded_text := to_char(recorded_ AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
  start_ := versions;
  prev := head_hash;
  pos := head_pos;
  FOR row_ IN SELECT jsonb_array_elements(batch->'rows') LOOP
    pos := pos + 1;
    s := row_->>1;
    version_ := (versions->>s)::integer + 1;
    versions := versions || jsonb_build_object(s, version_);
    hash_ := encode(sha256(convert_to(
      prev || (row_->>10) || pos::text || (row_->>11) || prev || '","recorded_at":"'
        || recorded_text || (row_->>12) || version_::text || (row_->>13),
      'UTF8')), 'hex');
    INSERT INTO events (event_id, stream_id, stream_version, global_position, type,
        schema_version, occurred_at, recorded_at, source, actor, correlation_id,
        causation_id, payload, prev_hash, hash)
      VALUES (row_->>0, s, version_, pos, row_->>2, (row_->>3)::integer,
        (row_->>4)::timestamptz, recorded_, row_->>5, row_->>6, row_->>7, row_->>8,
        row_->>9, prev, hash_);
    prev := hash_;
  END LOOP;
  RETURN QUERY SELECT 'ok'::text, head_pos, recorded_, start_,
    NULL::text, NULL::integer, NULL::integer;
END
$$
"""


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS gongjian_append_generic(text, text, timestamptz)")
