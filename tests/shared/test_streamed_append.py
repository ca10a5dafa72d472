"""A batch on PostgreSQL is checked as its rows are sent (issue 18): an event beyond a
limit or its schema halfway through still refuses the whole batch with the error a check
before the lock gives, before any conflict or retry it also is, and nothing is written;
the store goes on appending afterwards."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import (
    ConcurrencyConflict,
    DuplicateEventConflict,
    EventStore,
    InvalidEnvelope,
    InvalidEventPayload,
    UnknownEventType,
)

from .helpers import note


@pytest.fixture
def pg_store(postgres_url):
    engine = create_db_engine(postgres_url, pool_size=1)
    yield EventStore(engine, build_registry(), lock_timeout_ms=2000)
    engine.dispose()


def _batch(stream: str, count: int = 300) -> list:
    return [note(stream, f"n{i}") for i in range(count)]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"payload": {"note": "a\x00b"}}, InvalidEnvelope),
        ({"payload": {"note": 7}}, InvalidEventPayload),
        ({"type": "NoSuchType"}, UnknownEventType),
        ({"actor": "a" * 201}, InvalidEnvelope),
    ],
)
def test_a_bad_event_late_in_a_batch_refuses_it_whole(pg_store, change, error):
    stored = _batch("project-a", 10)
    pg_store.append(stored)
    batch = _batch("project-b")
    batch[250] = replace(batch[250], **change)  # after the first chunks were sent
    with pytest.raises(error):
        pg_store.append(batch)
    # the same with a stream that moved on and with a retry of a stored batch: the bad
    # event is named, as a check before the lock names it
    with pytest.raises(error):
        pg_store.append(batch, {"project-a": 3})
    with pytest.raises(error):  # ids stored, the last event changed
        pg_store.append([*stored[:9], replace(stored[9], **change)])
    assert pg_store.head().position == 10
    fine = _batch("project-b")
    assert pg_store.append(fine).last_position == 310  # one pooled connection, still good
    assert pg_store.verify().ok


def test_a_good_batch_with_a_stream_moved_on_conflicts(pg_store):
    pg_store.append(_batch("project-a", 10))
    with pytest.raises(ConcurrencyConflict):
        pg_store.append(_batch("project-a", 20), {"project-a": 3})
    first = _batch("project-c", 20)
    pg_store.append(first, {"project-c": 0})
    again = pg_store.append(first, {"project-c": 0})
    assert again.duplicate and again.last_position == 30
    assert pg_store.head().position == 30 and pg_store.verify().ok


def test_a_refused_batch_leaves_no_transaction_open_on_its_connection(pg_store):
    pg_store.append(_batch("project-a", 10))
    with pytest.raises(ConcurrencyConflict):
        pg_store.append(_batch("project-a", 20), {"project-a": 3})
    stored = _batch("project-b", 20)
    pg_store.append(stored)
    with pytest.raises(DuplicateEventConflict):  # stored ids in a different batch
        pg_store.append([*stored[:10], *_batch("project-c", 10)])
    with pg_store.engine.connect() as conn:
        driver = conn.connection.driver_connection
        assert driver.autocommit is False
        assert driver.info.transaction_status == 0  # idle: nothing left open
    assert pg_store.head().position == 30
    assert pg_store.append(_batch("project-d", 10)).last_position == 40
