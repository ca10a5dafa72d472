"""The bench's concurrent appends (benchmarks/_eventstore_writers.py): writer processes
append through the store, then as many append the very rows it wrote by LOCK + COPY to a
second database. Tiny here (2 writers, 10-event batches); `make bench` runs it at size."""

from __future__ import annotations

from benchmarks._eventstore_raw import raw_log, verify_all
from benchmarks._eventstore_writers import concurrent_rates
from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import EventStore


def test_the_writers_store_a_chain_and_the_baseline_the_same_rows(postgres_url, postgres_clones):
    name = postgres_clones.take()
    raw_url = postgres_clones.url(name)
    try:
        store_rate, raw_rate, rounds = concurrent_rates(
            postgres_url, raw_url, writers=2, batch=10, events=80, rounds=2
        )
        assert store_rate > 0 and raw_rate > 0 and len(rounds) == 2
        engine = create_db_engine(postgres_url)
        try:
            store = EventStore(engine, build_registry())
            assert store.head().position == 80  # 2 rounds × 2 writers × 20 events
            assert store.verify().ok
        finally:
            engine.dispose()
        stored, copied = raw_log(postgres_url), raw_log(raw_url)
        try:
            assert sorted(copied.read(0)) == sorted(stored.read(0))
            assert verify_all(copied)
        finally:
            stored.close()
            copied.close()
    finally:
        postgres_clones.give_back(name)
