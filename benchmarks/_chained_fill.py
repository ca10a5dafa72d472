"""A log of N events whose hash chain verifies, filled fast: the events are made and
chained in Python with the store's own `chain_hash`, then streamed in with PostgreSQL's
``COPY`` (SQLite: ``executemany`` in one transaction). At 10⁶ events it takes well under
a minute here, where appending them through the store would take many minutes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert

from shared.eventstore.envelope import GENESIS_HASH, HASHED_FIELDS, chain_hash
from shared.eventstore.schema import events

STREAMS_PER_EVENTS = 100
_START = datetime(2024, 1, 1, tzinfo=UTC)
_PAYLOAD = '{"amount":"1000.00","month":"2024-01"}'
_COLUMNS = (*HASHED_FIELDS, "hash")
"""What COPY writes: the fields the chain hashes, and the hash."""


def chained_rows(count: int) -> Iterator[dict[str, object]]:
    """Events 1 … ``count`` in the store's shape, each ``prev_hash`` the hash before it."""
    streams = max(1, count // STREAMS_PER_EVENTS)
    prev = GENESIS_HASH
    for i in range(1, count + 1):
        at = _START + timedelta(milliseconds=i)
        row: dict[str, object] = {
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
            "prev_hash": prev,
        }
        row["hash"] = prev = chain_hash(prev, row)
        yield row


def fill_chained(engine: Engine, count: int) -> None:
    """Fill an empty log with ``count`` correctly chained events."""
    if engine.dialect.name == "postgresql":
        _copy(engine, count)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE events")
            conn.exec_driver_sql("CHECKPOINT")
        return
    rows = list(chained_rows(count))
    with engine.begin() as conn:
        conn.execute(insert(events), rows)


def _copy(engine: Engine, count: int) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY events ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for row in chained_rows(count):
                copy.write_row([row[name] for name in _COLUMNS])
        raw.commit()
    finally:
        raw.close()
