"""Reads that go past SQLAlchemy to the driver's own cursor (the feed's pages, several
streams at once) when the server drops the connection: they raise what SQLAlchemy raises
(`OperationalError`, which the services answer 503, not 500; seen in the fault suite as
a 500 from a project's catch-up), and the dropped connection leaves the pool."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import OperationalError

from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import EventStore, NewEvent

STREAM = "project-p1"

READS: dict[str, Callable[..., object]] = {
    "read_streams": lambda store, conn: store.read_streams({STREAM: 0}, connection=conn),
    "read_streams up_to": lambda store, conn: store.read_streams(
        {STREAM: 0}, up_to=10, connection=conn
    ),
    "read_all": lambda store, conn: store.read_all(connection=conn),
}


@pytest.mark.parametrize("read", sorted(READS))
def test_a_dropped_connection_is_sqlalchemys_error_and_the_next_read_works(postgres_url, read):
    engine = create_db_engine(postgres_url)
    store = EventStore(engine, build_registry())
    try:
        store.append(
            [
                NewEvent(
                    stream_id=STREAM,
                    type="InspectionCompleted",
                    payload={"inspection_id": "i-1", "result": "passed"},
                    occurred_at=datetime(2024, 3, 1, tzinfo=UTC),
                    source="测试",
                    actor="tester",
                )
            ]
        )
        with engine.connect() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            conn.commit()
            with engine.connect() as other:
                other.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
            with pytest.raises(OperationalError):
                READS[read](store, conn)
            assert conn.invalidated
        assert [e.stream_id for e in store.read_streams({STREAM: 0})[STREAM]] == [STREAM]
        assert len(store.read_all()) == 1
    finally:
        engine.dispose()
