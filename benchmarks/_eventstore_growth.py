"""How the costs of the event store grow with the size of the log.

The log is pre-filled inside the database (``generate_series`` on PostgreSQL, a recursive
CTE on SQLite) with events in the store's shape; their hashes are placeholders, so this
part measures appends and lookups, never verification. Then the store itself appends and
reads on top, as it would in a county (10⁴ events) or a province (10⁶) after a year.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from shared.eventstore import EventStore

from ._eventstore_workload import workload

STREAMS_PER_EVENTS = 100
"""One project for every hundred events of a year (a county: ~100 projects)."""

_POSTGRES_FILL = """
INSERT INTO events (event_id, stream_id, stream_version, global_position, type,
    schema_version, occurred_at, recorded_at, source, actor, payload, prev_hash, hash)
SELECT md5(i::text)::uuid::text, 'project-g' || ((i - 1) % :streams),
    (i - 1) / :streams + 1, i, 'InvestmentReported', 1,
    timestamptz '2024-01-01 00:00+00' + i * interval '1 second',
    timestamptz '2024-01-01 00:00+00' + i * interval '1 second',
    'fill', 'fill', '{"amount":"1000.00","month":"2024-01"}',
    md5((i - 1)::text) || md5((i - 1)::text), md5(i::text) || md5(i::text)
FROM generate_series(1, :count) AS i
"""

_SQLITE_FILL = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
INSERT INTO events (event_id, stream_id, stream_version, global_position, type,
    schema_version, occurred_at, recorded_at, source, actor, payload, prev_hash, hash)
SELECT printf('%036d', i), 'project-g' || ((i - 1) % :streams), (i - 1) / :streams + 1, i,
    'InvestmentReported', 1,
    datetime('2024-01-01', '+' || i || ' seconds') || '.000000',
    datetime('2024-01-01', '+' || i || ' seconds') || '.000000',
    'fill', 'fill', '{"amount":"1000.00","month":"2024-01"}',
    printf('%064d', i - 1), printf('%064d', i)
FROM n
"""


@dataclass(frozen=True)
class Growth:
    backend: str
    events: int
    megabytes: float
    append_batch: float
    """events/s, 100-event batches"""
    append_single_ms: float
    read_stream_ms: float
    read_page_ms: float
    known_at_ms: float


def fill(engine: Engine, count: int) -> None:
    streams = max(1, count // STREAMS_PER_EVENTS)
    sql = _POSTGRES_FILL if engine.dialect.name == "postgresql" else _SQLITE_FILL
    with engine.begin() as conn:
        conn.execute(text(sql), {"count": count, "streams": streams})
    if engine.dialect.name == "postgresql":
        # This server runs without autovacuum; a production one would have analysed
        # the table long before it held a year of events. The checkpoint writes the
        # fill out now, not during the commits measured next.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE events")
            conn.exec_driver_sql("CHECKPOINT")


def size_megabytes(engine: Engine) -> float:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            size = conn.exec_driver_sql("SELECT pg_total_relation_size('events')").scalar()
        return int(size or 0) / 1e6
    database = make_url(str(engine.url)).database or ""
    return sum(os.path.getsize(p) for p in (database, database + "-wal") if Path(p).exists()) / 1e6


def _median_ms(times: int, work: Callable[[], object]) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def grow(store: EventStore, backend: str, count: int, *, appended: int = 2000) -> Growth:
    """Costs on a log of ``count`` events (the store's database must be empty)."""
    fill(store.engine, count)
    streams = max(1, count // STREAMS_PER_EVENTS)
    events = workload(appended, start=count)
    started = time.perf_counter()
    for offset in range(0, appended, 100):
        store.append(events[offset : offset + 100])
    append_batch = appended / (time.perf_counter() - started)
    singles = iter(workload(50, start=count + appended))
    middle = count // 2
    known_at = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=middle)
    return Growth(
        backend,
        count,
        size_megabytes(store.engine),
        append_batch,
        _median_ms(50, lambda: store.append([next(singles)])),
        _median_ms(50, lambda: store.read_stream(f"project-g{streams // 2}")),
        _median_ms(20, lambda: store.read_all(after=middle, limit=1000)),
        _median_ms(50, lambda: store.position_known_at(known_at)),
    )


def report(rows: list[Growth]) -> str:
    lines = [
        "| backend    | events in log | size MB | append ev/s (100s) | append 1 ms "
        "| read_stream ms | 1,000-event page ms | position_known_at ms |",
        "|------------|--------------:|--------:|-------------------:|------------:"
        "|---------------:|--------------------:|---------------------:|",
    ]
    for g in rows:
        lines.append(
            f"| {g.backend:<10} | {g.events:>13,} | {g.megabytes:>7,.0f} | {g.append_batch:>18,.0f} "
            f"| {g.append_single_ms:>11.2f} | {g.read_stream_ms:>14.2f} "
            f"| {g.read_page_ms:>19.2f} | {g.known_at_ms:>20.2f} |"
        )
    return "\n".join(lines)
