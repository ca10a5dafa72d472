"""Event-store throughput on SQLite and PostgreSQL, each next to a raw-driver baseline.

For each backend, on a fresh migrated database: the store appends single events, then
100-event batches; the raw baseline appends the very same rows (payload JSON and hashes
already computed) into the emptied table, one transaction and the same lock per batch.
Reads and verification run on the same table for both; each is the best of ``--repeat``.
Run alone: ``python -m benchmarks.bench_eventstore [--events N] [--single N] …``.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import EventStore

from ._eventstore_raw import RawLog, Row, decode_all, raw_log, verify_all
from ._eventstore_workload import postgres_database, sqlite_database, workload

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Figure:
    backend: str
    measure: str
    store: float
    raw: float

    @property
    def ratio(self) -> float:
        return self.store / self.raw if self.raw else float("nan")


def _rate(count: int, work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return count / (time.perf_counter() - started)


def _best(repeat: int, count: int, work: Callable[[], object]) -> float:
    return max(_rate(count, work) for _ in range(repeat))


def _batches(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def measure(url: str, backend: str, options: argparse.Namespace) -> list[Figure]:
    """Every figure for one migrated, empty database."""
    single = workload(options.single)
    batched = workload(options.events, start=options.single)
    total = len(single) + len(batched)
    engine = create_db_engine(url)
    store = EventStore(engine, build_registry())
    log: RawLog = raw_log(url)
    try:

        def store_single() -> None:
            for event in single:
                store.append([event])

        def store_batches() -> None:
            for batch in _batches(batched, options.batch):
                store.append(batch)

        append_single = _rate(len(single), store_single)
        append_batch = _rate(len(batched), store_batches)

        def store_read() -> None:
            for _event in store.iter_all():
                pass

        def store_verify() -> None:
            assert store.verify().ok

        def raw_verify() -> None:
            assert verify_all(log)

        read_raw = _best(options.repeat, total, lambda: decode_all(log))
        read_store = _best(options.repeat, total, store_read)
        verify_raw = _best(options.repeat, total, raw_verify)
        verify_store = _best(options.repeat, total, store_verify)

        rows: list[Row] = log.read_all()
        log.empty()

        def raw_single() -> None:
            for row in rows[: len(single)]:
                log.append([row])

        def raw_batches() -> None:
            for batch in _batches(rows[len(single) :], options.batch):
                log.append(batch)

        raw_append_single = _rate(len(single), raw_single)
        raw_append_batch = _rate(len(batched), raw_batches)
        assert store.head().position == total and store.verify().ok
    finally:
        log.close()
        engine.dispose()
    return [
        Figure(backend, "append, single events", append_single, raw_append_single),
        Figure(backend, f"append, {options.batch}-event batches", append_batch, raw_append_batch),
        Figure(backend, "read all, decoded into envelopes", read_store, read_raw),
        Figure(backend, "verify the chain", verify_store, verify_raw),
    ]


@contextmanager
def _database(backend: str) -> Iterator[str]:
    from services.composition import migration_locations

    if backend == "sqlite":
        with sqlite_database(migration_locations()) as url:
            yield url
        return
    server = os.environ.get("GONGJIAN_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    with postgres_database(server, migration_locations()) as url:
        yield url


def report(figures: Sequence[Figure]) -> str:
    lines = [
        f"| {'backend':<10} | {'measure':<33} | {'store ev/s':>10} | {'raw ev/s':>10} | ratio |",
        f"|{'-' * 12}|{'-' * 35}|{'-' * 12}|{'-' * 12}|-------|",
    ]
    for f in figures:
        lines.append(
            f"| {f.backend:<10} | {f.measure:<33} | {f.store:>10,.0f} | {f.raw:>10,.0f} |"
            f" {f.ratio:>5.2f} |"
        )
    return "\n".join(lines)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_eventstore")
    parser.add_argument("--events", type=int, default=30_000, help="events appended in batches")
    parser.add_argument("--single", type=int, default=5_000, help="events appended one by one")
    parser.add_argument("--batch", type=int, default=100, help="events per batch")
    parser.add_argument("--repeat", type=int, default=3, help="best of N for reads and verify")
    parser.add_argument(
        "--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql"
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    options = parse(argv)
    print(
        f"event store: {options.single:,} single appends, {options.events:,} events in "
        f"batches of {options.batch}; reads and verify best of {options.repeat}"
    )
    figures: list[Figure] = []
    for backend in options.backends.split(","):
        with _database(backend.strip()) as url:
            figures.extend(measure(url, backend.strip(), options))
    print(report(figures))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
