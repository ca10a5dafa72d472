"""`/v1/chain` at a province's size: the chain status from the verifier's checkpoint.

The log is pre-filled in the database (10⁶ events by default, `_eventstore_growth.fill`),
verified up to its head and signed there, as the nightly verification and the daily
checkpoint leave it; then the store appends a day's events on top. Measured: the chain
status (`shared.eventstore.status.chain_status`, what `GET /v1/chain` returns) with a
day's events since the last verification, and with none.
Run alone: ``python -m benchmarks.bench_chain [--events N] [--day N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

from sqlalchemy import text

from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import EventStore
from shared.eventstore.audit import VERIFIED, hash_at, save_signed, save_verified_head
from shared.eventstore.signed import Keyring, SigningKey
from shared.eventstore.status import chain_status

from ._eventstore_growth import fill
from ._eventstore_workload import postgres_database, sqlite_database, workload

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def _median_ms(times: int, work: Callable[[], object], before: Callable[[], object]) -> float:
    samples = []
    for _ in range(times):
        before()
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def measure(url: str, events: int, day: int) -> tuple[float, float]:
    """(ms with ``day`` events since the last verification, ms with none)."""
    engine = create_db_engine(url)
    store = EventStore(engine, build_registry())
    key = SigningKey.generate()
    try:
        fill(engine, events)
        verified = (events, hash_at(store, events) or "")
        save_verified_head(store, *verified)
        save_signed(store, key.sign(*verified, events, store.head().recorded_at))  # type: ignore[arg-type]
        batch = workload(day, start=events)
        for offset in range(0, day, 100):
            store.append(batch[offset : offset + 100])
        ring = Keyring([key.public])

        def back_to_fill() -> None:  # the nightly verification's state
            with engine.begin() as conn:
                conn.execute(
                    text("UPDATE checkpoints SET position = :p, hash = :h WHERE consumer = :c"),
                    {"p": verified[0], "h": verified[1], "c": VERIFIED},
                )

        since = _median_ms(7, lambda: chain_status(store, ring), back_to_fill)
        assert chain_status(store, ring)["ok"]
        none = _median_ms(21, lambda: chain_status(store, ring), lambda: None)
        return since, none
    finally:
        engine.dispose()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_chain")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--day", type=int, default=2_700, help="events appended since")
    parser.add_argument("--backends", default="postgresql,sqlite")
    args = parser.parse_args(argv)
    from services.composition import migration_locations

    server = os.environ.get("GONGJIAN_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    print("| backend | events in log | since last verification | `/v1/chain` ms | nothing new ms |")
    print("|---|---:|---:|---:|---:|")
    for backend in args.backends.split(","):
        database = (
            postgres_database(server, migration_locations())
            if backend == "postgresql"
            else sqlite_database(migration_locations())
        )
        with database as url:
            since, none = measure(url, args.events, args.day)
        print(f"| {backend} | {args.events:,} | {args.day:,} | {since:.1f} | {none:.1f} |")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
