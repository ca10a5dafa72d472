"""A log of N events whose hash chain verifies, filled fast: the events are made and
chained in Python with the store's own `chain_hash`, then streamed in with PostgreSQL's
``COPY`` (SQLite: ``executemany`` in one transaction). At 10⁶ events it takes well under
a minute here, where appending them through the store would take many minutes.

`chained` and `copy_chained` take any rows in the store's shape (without ``prev_hash``
and ``hash``): the province generator (`_province`) fills its 10⁷ events through them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from shared.eventstore.envelope import GENESIS_HASH, HASHED_FIELDS, chain_hash
from shared.eventstore.partitions import PARTITION_SIZE, extend, partitions
from shared.eventstore.schema import events

STREAMS_PER_EVENTS = 100
_START = datetime(2024, 1, 1, tzinfo=UTC)
_PAYLOAD = '{"amount":"1000.00","month":"2024-01"}'
_COLUMNS = (*HASHED_FIELDS, "hash")
"""What COPY writes: the fields the chain hashes, and the hash."""
_ROWS_PER_COMMIT = 1_000_000
"""A long fill commits every so many rows (one transaction of 10⁷ rows holds its WAL)."""


def chained(rows: Iterable[dict[str, Any]], prev: str = GENESIS_HASH) -> Iterator[dict[str, Any]]:
    """Each row (positions in order, payload as its canonical text) with ``prev_hash`` the
    hash before it and its own ``hash``."""
    for row in rows:
        row["prev_hash"] = prev
        row["hash"] = prev = chain_hash(prev, row)
        yield row


def chained_rows(count: int) -> Iterator[dict[str, Any]]:
    """Events 1 … ``count`` in the store's shape, each ``prev_hash`` the hash before it."""
    streams = max(1, count // STREAMS_PER_EVENTS)

    def rows() -> Iterator[dict[str, Any]]:
        for i in range(1, count + 1):
            at = _START + timedelta(milliseconds=i)
            yield {
                "global_position": i,
                "event_id": str(uuid.UUID(int=i)),
                "stream_id": f"project-g{(i - 1) % streams}",
                "stream_version": (i - 1) // streams + 1,
                "type": "InvestmentReported",
                "schema_version": 1,
                "occurred_at": at,
                "recorded_at": at,
                "source": "fill",
                "actor": "fill",
                "correlation_id": None,
                "causation_id": None,
                "payload": _PAYLOAD,
            }

    return chained(rows())


def fill_chained(engine: Engine, count: int) -> None:
    """Fill an empty log with ``count`` correctly chained events."""
    copy_chained(engine, chained_rows(count), count)


def copy_chained(engine: Engine, rows: Iterable[dict[str, Any]], expected: int) -> int:
    """Write chained ``rows`` (``expected`` of them) into an empty log: COPY on PostgreSQL,
    into partitions made for them first when the table is partitioned, then ``VACUUM
    ANALYZE`` and a checkpoint; the number written."""
    if engine.dialect.name != "postgresql":
        written = list(rows)
        with engine.begin() as conn:
            conn.execute(insert(events), written)
        return len(written)
    with engine.connect() as conn:
        partitioned = bool(partitions(conn))
    if partitioned:
        extend(engine, expected + PARTITION_SIZE)
    written = _copy(engine, rows)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE events")
        conn.exec_driver_sql("CHECKPOINT")
    return written


def _copy(engine: Engine, rows: Iterable[dict[str, Any]]) -> int:
    raw = engine.raw_connection()
    written, iterator = 0, iter(rows)
    try:
        cursor = raw.driver_connection.cursor()  # type: ignore[union-attr]
        while True:
            before = written
            with cursor.copy(f"COPY events ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
                for row in iterator:
                    copy.write_row([row[name] for name in _COLUMNS])
                    written += 1
                    if written % _ROWS_PER_COMMIT == 0:
                        break
            raw.commit()
            if written - before < _ROWS_PER_COMMIT:
                return written
    finally:
        raw.close()
