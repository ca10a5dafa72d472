"""Which reads ask whether what they saw is durable (`shared/eventstore/durability.py`):
those through the store on PostgreSQL's primary while appends let the lock go before
their flush; and a read whose transaction failed under its caller still ends. That a
read waits when the answer is yes is tested where a flush can be held up at will
(`tests/replicas/test_early_lock_release.py`)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

import shared.eventstore.durability as durability
from shared.db import create_db_engine, is_postgres, reads_from
from shared.events import build_registry
from shared.eventstore import EventStore

from .helpers import note


@pytest.fixture
def asked(monkeypatch) -> list[bool]:
    """The answers `durability.unflushed` gave, one a read that asked."""
    answers: list[bool] = []
    ask = durability.unflushed

    def spy(conn):  # type: ignore[no-untyped-def]
        answers.append(ask(conn))
        return answers[-1]

    monkeypatch.setattr(durability, "unflushed", spy)
    return answers


def test_reads_on_the_primary_ask_and_give_what_they_read(store, asked):
    store.append([note("project-a", f"a{i}") for i in range(3)])
    asked.clear()
    assert store.head().position == 3
    assert len(store.read_stream("project-a")) == 3
    assert len(asked) == (2 if is_postgres(store.engine) else 0)
    # The read's transaction was ended with the question: the connection goes back clean.
    assert store.head().position == 3


def test_switched_off_or_on_a_replica_no_read_asks(postgres_url, asked):
    engine = create_db_engine(postgres_url, pool_size=2)
    replica = create_db_engine(postgres_url, pool_size=2)  # the same database, as a replica
    try:
        EventStore(engine, build_registry()).append([note("project-a")])
        asked.clear()
        EventStore(engine, build_registry(), release_early=False).head()
        with reads_from(engine, replica):
            assert EventStore(engine, build_registry()).head().position == 1
        assert asked == []
    finally:
        engine.dispose(), replica.dispose()


def test_a_read_whose_transaction_failed_under_its_caller_still_ends(postgres_url, asked):
    engine = create_db_engine(postgres_url, pool_size=1)
    store = EventStore(engine, build_registry())
    try:
        store.append([note("project-a")])
        asked.clear()
        with store.reading() as conn, pytest.raises(DBAPIError):
            conn.execute(text("SELECT 1 / 0"))
        assert asked == [True]  # not asked: a flush waited for all the same
        assert store.head().position == 1  # the connection is usable again
    finally:
        engine.dispose()
