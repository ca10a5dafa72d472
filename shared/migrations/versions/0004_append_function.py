"""PostgreSQL: a small append in one round trip. ``gongjian_append`` takes the log's lock,
checks ids and stream versions, and chains and inserts the rows on the server, so that a
single event costs one statement (sent with its COMMIT) instead of a locked probe and an
insert. The store prepares every byte that is hashed except the four that only the locked
log knows (the position, the stream version, the previous hash and the record time), and
the function splices those in: the hashes are the very ones `chain_hash` gives.

Revision ID: shared_0004
Revises: shared_0003
Create Date: 2026-12-03
"""

from alembic import op

revision = "shared_0004"
down_revision = "shared_0003"
branch_labels = None
depends_on = None

# p_batch (JSON): {"streams": [stream ids, in the order conflicts are reported],
# "expected": {stream id: version or null}, "rows": [[event_id, stream_id, type,
# schema_version, occurred_at, source, actor, correlation_id, causation_id, payload,
# text before the position, text from the position to the previous hash, text from the
# record time to the stream version, text after the stream version], ...]}.
# Answers one row: ('ok', the head's position before the append, the record time used,
# each stream's version before the append),
# ('seen', ...) when an id is stored already (nothing written), or ('conflict', stream
# id, its version, the expected one) when an expected version differs (nothing written).
_FUNCTION = r"""
CREATE OR REPLACE FUNCTION gongjian_append(p_lock_timeout text, p_batch text, p_recorded timestamptz)
RETURNS TABLE(status text, head_position bigint, recorded timestamptz,
              start_versions jsonb, stream text, have integer, want integer)
LANGUAGE plpgsql AS $$
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
        bind.exec_driver_sql(_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS gongjian_append(text, text, timestamptz)")
