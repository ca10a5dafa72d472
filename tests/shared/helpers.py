"""Builders shared by the event-store tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine

from shared.eventstore import NewEvent
from shared.migrations.append_only import create_triggers, drop_triggers
from shared.migrations.roles import APPEND_ONLY_TABLES

T0 = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)


def note(
    stream: str = "project-p1",
    text: str = "x",
    *,
    event_id: str | None = None,
    occurred_at: datetime = T0,
) -> NewEvent:
    """A small valid event (``ConstructionStarted`` with a note)."""
    kwargs = {"event_id": event_id} if event_id else {}
    return NewEvent(
        stream_id=stream,
        type="ConstructionStarted",
        payload={"note": text},
        occurred_at=occurred_at,
        source="test",
        actor="tester",
        **kwargs,
    )


@contextmanager
def tampering(engine: Engine) -> Iterator[Connection]:
    """A transaction in which the append-only triggers are off: what someone who owns
    the tables (or the file) can do, and what verification must then catch."""
    with engine.begin() as conn:
        for table in APPEND_ONLY_TABLES:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            else:
                drop_triggers(conn, table)
        yield conn
        for table in APPEND_ONLY_TABLES:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            else:
                create_triggers(conn, table)
