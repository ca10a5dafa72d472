"""Raw baselines: what the database itself takes, with the plain drivers.

Appends on PostgreSQL (synchronous commit on, so every commit waits for its fsync): one
transaction per batch, ``LOCK TABLE events IN EXCLUSIVE MODE``, then ``COPY`` of the
rows (a batch) or one single-row ``INSERT`` (a single event); payload JSON and hashes
already computed. On SQLite: ``BEGIN IMMEDIATE`` and one multi-row ``INSERT``. Reads:
one plain SELECT of every column in position order, ``json.loads`` of each payload.
Verification: the same SELECT, then SHA-256 over each envelope's canonical JSON, inline.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

import psycopg
from sqlalchemy.engine import make_url

from shared.eventstore.envelope import GENESIS_HASH, HASHED_FIELDS, format_instant

COLUMNS = (*HASHED_FIELDS, "hash")  # the envelope, in the events table's column order
_SELECT = (
    f"SELECT {', '.join(COLUMNS)} FROM events WHERE global_position > {{}} ORDER BY global_position"
)
_INSERT_ONE = (
    f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
)
_COPY = f"COPY events ({', '.join(COLUMNS)}) FROM STDIN"
_PAYLOAD = COLUMNS.index("payload")
_HASHED = tuple(COLUMNS.index(name) for name in HASHED_FIELDS)
_INSTANTS = {COLUMNS.index("occurred_at"), COLUMNS.index("recorded_at")}

Row = tuple[Any, ...]


class RawLog(Protocol):
    def append(self, rows: Sequence[Row]) -> None: ...
    def read(self, after: int = 0) -> list[Row]: ...
    def close(self) -> None: ...


class PostgresLog:
    def __init__(self, url: str) -> None:
        # The same session time zone as the store's engine (shared.db): a fair baseline
        # parses instants the same way.
        self.conn = psycopg.connect(
            make_url(url).set(drivername="postgresql").render_as_string(False),
            options="-c timezone=UTC -c synchronous_commit=on",
        )

    def append(self, rows: Sequence[Row]) -> None:
        """LOCK + COPY for a batch; LOCK + one single-row INSERT for one event."""
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute("LOCK TABLE events IN EXCLUSIVE MODE")
            if len(rows) == 1:
                cur.execute(_INSERT_ONE, rows[0])
                return
            with cur.copy(_COPY) as copy:
                for row in rows:
                    copy.write_row(row)

    def read(self, after: int = 0) -> list[Row]:
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(_SELECT.format("%s"), (after,))
            return cur.fetchall()

    def close(self) -> None:
        self.conn.close()


class SqliteLog:
    def __init__(self, url: str) -> None:
        self.conn = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")

    def append(self, rows: Sequence[Row]) -> None:
        values = ", ".join(["(" + ", ".join(["?"] * len(COLUMNS)) + ")"] * len(rows))
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.execute(
                f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES {values}",
                [value for row in rows for value in row],
            )
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def read(self, after: int = 0) -> list[Row]:
        self.conn.execute("BEGIN")
        try:
            return self.conn.execute(_SELECT.format("?"), (after,)).fetchall()
        finally:
            self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


def raw_log(url: str) -> RawLog:
    return SqliteLog(url) if url.startswith("sqlite") else PostgresLog(url)


def decode_all(log: RawLog) -> int:
    """The raw read: every row, payload decoded."""
    count = 0
    for row in log.read():
        json.loads(row[_PAYLOAD])
        count += 1
    return count


def verify_all(log: RawLog) -> bool:
    """The raw verification: every row's hash recomputed over the chain."""
    prev_hash = GENESIS_HASH
    for row in log.read():
        body = {}
        for name, index in zip(HASHED_FIELDS, _HASHED, strict=True):
            value = row[index]
            if index == _PAYLOAD:
                value = json.loads(value)
            elif index in _INSTANTS:
                value = format_instant(_instant(value))
            body[name] = value
        digest = hashlib.sha256(prev_hash.encode())
        digest.update(
            json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        )
        if row[COLUMNS.index("prev_hash")] != prev_hash or digest.hexdigest() != row[-1]:
            return False
        prev_hash = row[-1]
    return True


def _instant(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    # SQLite keeps instants as UTC text without offset (see shared.eventstore.schema).
    return datetime.fromisoformat(value + "+00:00")
