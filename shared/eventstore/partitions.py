"""The events table partitioned by position range, on PostgreSQL (SQLite: one table).

Each partition holds ``PARTITION_SIZE`` positions (`events_p000001` holds 1,000,001 …
2,000,000, and so on); the table that existed before partitioning becomes the first
partition, whatever its size (`partition_events`, run by migration ``shared_0006``).
`event_partitions` lists them. New partitions are made ahead of the head, one full
partition at least, by ``gongjian_events_extend(through)``: a function that runs as the
tables' owner (the application role may not create tables), called by the store after an
append that comes within a partition of the last bound (`PartitionKeeper`) and by
``gongjian db partitions``. It creates each partition on its own and then attaches it, which
takes a lock that neither reads nor appends wait for, and gives up after a short lock
timeout (the next append tries again: a partition ahead is always left).

Uniqueness: the parent's primary key is the position; event ids and ``(stream_id,
stream_version)`` are unique within each partition (an index of each), and across
partitions by the store, which checks both under the log's lock before every insert, as it
always has (PostgreSQL cannot make a unique index across partitions without the partition
key in it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)

PARTITION_SIZE = 1_000_000
"""Positions per partition: ten partitions at 10⁷ events, each of its indexes a tenth."""
EXTEND_LOCK_KEY = 7_246_150_313
"""Advisory lock taken while partitions are made (one maker at a time)."""

_EXTEND = f"""
CREATE OR REPLACE FUNCTION gongjian_events_extend(through bigint, size bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  bound bigint;
  part text;
BEGIN
  PERFORM set_config('lock_timeout', '2s', true);
  PERFORM pg_advisory_xact_lock({EXTEND_LOCK_KEY});
  SELECT max(upper_bound) INTO bound FROM event_partitions;
  WHILE bound <= through LOOP
    part := format('events_p%s', lpad(((bound - 1) / size)::text, 6, '0'));
    EXECUTE format('CREATE TABLE %I (LIKE events INCLUDING DEFAULTS)', part);
    EXECUTE format('CREATE UNIQUE INDEX %I ON %I (event_id)', part || '_event_id', part);
    EXECUTE format('CREATE UNIQUE INDEX %I ON %I (stream_id, stream_version)',
                   part || '_stream_version', part);
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT'
                   ' EXECUTE FUNCTION gongjian_refuse_change()', part || '_no_truncate', part);
    EXECUTE format('ALTER TABLE events ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)',
                   part, bound, bound + size);
    INSERT INTO event_partitions (name, lower_bound, upper_bound)
      VALUES (part, bound, bound + size);
    bound := bound + size;
  END LOOP;
  RETURN bound;
END
$$
"""


def partition_events(conn: Connection) -> None:
    """Make the existing events table the first partition of a partitioned ``events``
    (PostgreSQL; its rows stay where they are), then partitions a full size ahead."""
    from shared.migrations.append_only import create_triggers, drop_triggers

    from .store import EVENT_LOG_LOCK_KEY

    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({EVENT_LOG_LOCK_KEY})")  # no appends
    head = conn.exec_driver_sql("SELECT coalesce(max(global_position), 0) FROM events").scalar()
    bound = (int(head or 0) // PARTITION_SIZE + 1) * PARTITION_SIZE + 1
    drop_triggers(conn, "events")
    for statement in _FIRST_PARTITION:
        conn.exec_driver_sql(statement)
    conn.exec_driver_sql(
        f"ALTER TABLE events ATTACH PARTITION events_p000000 FOR VALUES FROM (MINVALUE) TO ({bound})"
    )
    conn.exec_driver_sql(
        "INSERT INTO event_partitions (name, lower_bound, upper_bound)"
        f" VALUES ('events_p000000', 1, {bound})"
    )
    create_triggers(conn, "events")  # cloned to each partition (row triggers)
    conn.exec_driver_sql(
        "CREATE TRIGGER events_p000000_no_truncate BEFORE TRUNCATE ON events_p000000"
        " FOR EACH STATEMENT EXECUTE FUNCTION gongjian_refuse_change()"
    )
    # Sent without parameters: its % are format()'s, not the driver's.
    conn.connection.driver_connection.execute(_EXTEND)  # type: ignore[union-attr]
    _extend_in(conn, int(head or 0) + PARTITION_SIZE)


_FIRST_PARTITION = (
    "ALTER TABLE events RENAME TO events_p000000",
    "ALTER INDEX events_pkey RENAME TO events_p000000_pkey",
    "ALTER TABLE events_p000000 RENAME CONSTRAINT uq_events_event_id TO events_p000000_event_id",
    "ALTER TABLE events_p000000 RENAME CONSTRAINT uq_events_stream_version"
    " TO events_p000000_stream_version",
    "ALTER INDEX ix_events_type_position RENAME TO events_p000000_type_position",
    "ALTER INDEX ix_events_recorded_at RENAME TO events_p000000_recorded_at",
    "CREATE TABLE events (LIKE events_p000000 INCLUDING DEFAULTS)"
    " PARTITION BY RANGE (global_position)",
    "ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (global_position)",
    "CREATE INDEX ix_events_type_position ON events (type, global_position)",
    "CREATE INDEX ix_events_recorded_at ON events (recorded_at)",
    "CREATE TABLE event_partitions (name varchar(63) PRIMARY KEY,"
    " lower_bound bigint NOT NULL, upper_bound bigint NOT NULL UNIQUE)",
)


def unpartition_events(conn: Connection) -> None:
    """Back to one table (the downgrade): the rows copied into it, constraints as before."""
    from shared.migrations.append_only import create_triggers, drop_triggers

    drop_triggers(conn, "events")
    for statement in (
        "CREATE TABLE events_flat (LIKE events INCLUDING DEFAULTS)",
        "INSERT INTO events_flat SELECT * FROM events ORDER BY global_position",
        "DROP TABLE events",
        "DROP TABLE event_partitions",
        "DROP FUNCTION gongjian_events_extend(bigint, bigint)",
        "ALTER TABLE events_flat RENAME TO events",
        "ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (global_position)",
        "ALTER TABLE events ADD CONSTRAINT uq_events_event_id UNIQUE (event_id)",
        "ALTER TABLE events ADD CONSTRAINT uq_events_stream_version"
        " UNIQUE (stream_id, stream_version)",
        "CREATE INDEX ix_events_type_position ON events (type, global_position)",
        "CREATE INDEX ix_events_recorded_at ON events (recorded_at)",
    ):
        conn.exec_driver_sql(statement)
    create_triggers(conn, "events")


@dataclass(frozen=True)
class Partition:
    name: str
    lower_bound: int
    upper_bound: int


def partitions(conn: Connection) -> list[Partition]:
    """The events table's partitions in position order (none: not partitioned)."""
    if conn.dialect.name != "postgresql" or not _partitioned(conn):
        return []
    rows = conn.exec_driver_sql(
        "SELECT name, lower_bound, upper_bound FROM event_partitions ORDER BY lower_bound"
    )
    return [Partition(*row) for row in rows]


def _partitioned(conn: Connection) -> bool:
    return bool(conn.exec_driver_sql("SELECT to_regclass('event_partitions') IS NOT NULL").scalar())


def extend(engine: Engine, through: int) -> int:
    """Partitions up to ``through`` at least (made as the owner); the new upper bound."""
    with engine.begin() as conn:
        return _extend_in(conn, through)


def _extend_in(conn: Connection, through: int) -> int:
    query = text("SELECT gongjian_events_extend(:through, :size)")
    return int(conn.execute(query, {"through": through, "size": PARTITION_SIZE}).scalar_one())


class PartitionKeeper:
    """Keeps a full partition ahead of the head: after an append, when the log comes
    within `PARTITION_SIZE` of the last bound, makes the next ones. Knows the bound after
    one query; does nothing on SQLite or an unpartitioned table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.bound: int | None = None if engine.dialect.name == "postgresql" else 0

    def appended(self, position: int) -> None:
        if self.bound == 0 or (self.bound is not None and position + PARTITION_SIZE < self.bound):
            return
        try:
            if self.bound is None:
                with self.engine.connect() as conn:
                    found = partitions(conn)
                self.bound = found[-1].upper_bound if found else 0
                if not found or position + PARTITION_SIZE < self.bound:
                    return
            self.bound = extend(self.engine, position + PARTITION_SIZE)
        except Exception:  # the next append tries again; a partition ahead is still there
            log.exception("could not make the next events partition", extra={"at": position})
