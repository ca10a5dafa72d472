"""Event-store throughput on SQLite and PostgreSQL, each next to a raw-driver baseline.

For each backend, two fresh migrated databases: the store appends single events and
100-event batches to one; the raw baseline appends the very same rows (payload JSON and
hashes already computed, read back from the first) to the other, one transaction and the
same lock per batch. They take turns batch by batch, in ``--rounds`` rounds whose ratios
are printed beside the whole run's (the spread is the machine's noise). Reads and
verification run on the store's table for both, alternately; each is the best of
``--repeat``, with each repetition's ratio beside it.
Run alone: ``python -m benchmarks.bench_eventstore [--events N] [--single N] …``.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import EventStore, NewEvent
from shared.heap import settle

from ._eventstore_growth import grow
from ._eventstore_growth import report as growth_report
from ._eventstore_raw import decode_all, raw_log, verify_all
from ._eventstore_workload import configured_store, postgres_database, sqlite_database, workload
from ._eventstore_writers import concurrent_rates

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Figure:
    backend: str
    measure: str
    store: float
    raw: float
    baseline: str = "raw driver"
    aim: float | None = None
    """The ratio aimed at (PostgreSQL), or None where no aim is set."""
    rounds: tuple[float, ...] = ()
    """The ratio of each round (appends) or repetition (reads): its spread shows how much
    of the difference from the aim is the machine's noise."""

    @property
    def spread(self) -> str:
        if not self.rounds:
            return ""
        return f"{min(self.rounds):.2f}–{max(self.rounds):.2f}"

    @property
    def ratio(self) -> float:
        return self.store / self.raw if self.raw else float("nan")

    @property
    def verdict(self) -> str:
        if self.aim is None:
            return ""
        return f"≥ {self.aim:.2f}: {'met' if self.ratio >= self.aim else 'NOT met'}"


# What each store figure is compared with on PostgreSQL, and the ratio aimed at.
_POSTGRES_BASELINES = {
    "single": ("LOCK + 1-row INSERT, fsync", 0.8),
    "batch": ("LOCK + COPY", 0.7),
    "large": ("LOCK + COPY", 0.7),
    "read": ("SELECT + JSON decode", 0.9),
    "verify": ("SELECT + SHA-256 inline", None),
}
_SQLITE_BASELINES = {
    "single": ("BEGIN IMMEDIATE + INSERT", None),
    "batch": ("BEGIN IMMEDIATE + INSERT", None),
    "large": ("BEGIN IMMEDIATE + INSERT", None),
    "read": ("SELECT + JSON decode", None),
    "verify": ("SELECT + SHA-256 inline", None),
}


class Stopwatch:
    """Seconds spent on one side of a comparison, summed over rounds."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def time(self, work: Callable[[], object]) -> None:
        started = time.perf_counter()
        work()
        self.seconds += time.perf_counter() - started

    def rate(self, count: int) -> float:
        return count / self.seconds


def _rate(count: int, work: Callable[[], object]) -> float:
    watch = Stopwatch()
    watch.time(work)
    return watch.rate(count)


def _chunks(items: Sequence, parts: int) -> list[Sequence]:
    size = -(-len(items) // parts)
    return [items[start : start + size] for start in range(0, len(items), size)]


def _batches(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def measure(
    store_url: str, raw_url: str, backend: str, options: argparse.Namespace
) -> list[Figure]:
    """Every figure for one backend; ``store_url`` and ``raw_url`` are migrated and empty.

    Store and baseline take turns, a slice of the events at a time, so that load from
    elsewhere on the machine falls on both sides of each ratio alike."""
    single = workload(options.single)
    batched = workload(options.events, start=options.single)
    large = workload(options.large_events, start=options.single + options.events)
    total = len(single) + len(batched) + len(large)
    engine = create_db_engine(store_url)
    store = configured_store(engine, build_registry())
    stored, raw = raw_log(store_url), raw_log(raw_url)
    names = ("single", "batch", "large")
    watches = {f"{raw}{name}": Stopwatch() for name in names for raw in ("", "raw ")}
    sizes = {"single": 1, "batch": options.batch, "large": options.large_batch}
    counts = {"single": len(single), "batch": len(batched), "large": len(large)}
    turns: dict[str, list[float]] = {name: [] for name in names}  # each round's ratio
    try:

        def take_turns(events: Sequence[NewEvent], name: str) -> None:
            """Batch by batch, the store appends one and the baseline the rows it stored
            (read back untimed): load from elsewhere on the machine lasting longer than
            a batch falls on both sides alike."""
            mine, theirs = Stopwatch(), Stopwatch()
            for batch in _batches(events, sizes[name]):
                after = store.head().position
                mine.time(partial(store.append, batch))
                rows = stored.read(after)
                theirs.time(partial(raw.append, rows))
            watches[name].seconds += mine.seconds
            watches[f"raw {name}"].seconds += theirs.seconds
            turns[name].append(theirs.seconds / mine.seconds)

        for turn in zip(
            *(_chunks(events, options.rounds) for events in (single, batched, large)), strict=True
        ):
            for name, events in zip(names, turn, strict=True):
                take_turns(events, name)

        def store_read() -> None:
            for _event in store.iter_all():
                pass

        # Production tables have planner statistics (autovacuum); give both sides them, so
        # the baseline's SELECT is not handicapped by a plan made without any.
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE events")
                conn.commit()
        reads, verifies = _Best(), _Best()
        for _ in range(options.repeat):
            reads.pair(_rate(total, store_read), _rate(total, lambda: decode_all(stored)))
            verifies.pair(_rate(total, store.verify), _rate(total, lambda: verify_all(stored)))
        assert store.head().position == total and store.verify().ok and verify_all(raw)
    finally:
        stored.close()
        raw.close()
        engine.dispose()
    rate = {name: watch.rate(counts[name.removeprefix("raw ")]) for name, watch in watches.items()}
    baselines = _POSTGRES_BASELINES if backend == "postgresql" else _SQLITE_BASELINES

    def figure(key: str, measure: str, name: str) -> Figure:
        return Figure(
            backend, measure, rate[name], rate[f"raw {name}"], *baselines[key], tuple(turns[name])
        )

    def best(key: str, measure: str, of: _Best) -> Figure:
        return Figure(backend, measure, of.store, of.raw, *baselines[key], tuple(of.ratios))

    return [
        figure("single", "append, single events", "single"),
        figure("batch", f"append, {options.batch}-event batches", "batch"),
        figure("large", f"append, {options.large_batch}-event batches", "large"),
        best("read", "read all, decoded into envelopes", reads),
        best("verify", "verify the chain", verifies),
    ]


class _Best:
    """The best rate of each side over repeated pairs, and each pair's ratio."""

    def __init__(self) -> None:
        self.store = self.raw = 0.0
        self.ratios: list[float] = []

    def pair(self, store: float, raw: float) -> None:
        self.store, self.raw = max(self.store, store), max(self.raw, raw)
        self.ratios.append(store / raw)


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
        f"| {'backend':<10} | {'measure':<37} | {'store ev/s':>10} | {'baseline':<26} |"
        f" {'base ev/s':>10} | ratio | rounds    | aim |",
        f"|{'-' * 12}|{'-' * 39}|{'-' * 12}|{'-' * 28}|{'-' * 12}|-------|-----------|-----|",
    ]
    for f in figures:
        lines.append(
            f"| {f.backend:<10} | {f.measure:<37} | {f.store:>10,.0f} | {f.baseline:<26} |"
            f" {f.raw:>10,.0f} | {f.ratio:>5.2f} | {f.spread:<9} | {f.verdict} |"
        )
    return "\n".join(lines)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_eventstore")
    parser.add_argument("--events", type=int, default=30_000, help="events appended in batches")
    parser.add_argument("--single", type=int, default=5_000, help="events appended one by one")
    parser.add_argument("--batch", type=int, default=100, help="events per batch")
    parser.add_argument(
        "--large-events", type=int, default=20_000, help="events appended in large batches"
    )
    parser.add_argument("--large-batch", type=int, default=1000, help="events per large batch")
    parser.add_argument(
        "--writers",
        type=int,
        default=4,
        help="processes appending batches at once, PostgreSQL (0: not measured)",
    )
    parser.add_argument(
        "--writer-events", type=int, default=24_000, help="events the writers append in all"
    )
    parser.add_argument("--rounds", type=int, default=5, help="turns store and baseline take")
    parser.add_argument("--repeat", type=int, default=3, help="best of N for reads and verify")
    parser.add_argument(
        "--grow",
        default="1e4,1e6",
        help="log sizes for the growth table, comma-separated ('' to skip)",
    )
    parser.add_argument(
        "--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql"
    )
    return parser.parse_args(argv)


def _writers_figure(options: argparse.Namespace) -> Figure:
    """Batched appends from ``--writers`` processes at once, beside as many processes of
    LOCK + COPY (`_eventstore_writers`), on two fresh databases."""
    writers, batch = options.writers, options.batch
    with _database("postgresql") as store_url, _database("postgresql") as raw_url:
        store, raw, rounds = concurrent_rates(
            store_url, raw_url, writers, batch, options.writer_events, rounds=3
        )
    measure = f"append, {batch}-event batches, {writers} writers"
    return Figure(
        "postgresql", measure, store, raw, f"LOCK + COPY, {writers} writers", None, rounds
    )


def machine() -> str:
    """nproc, CPU model and memory, as docs/benchmarks.md quotes them."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next(
        (ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines() if ln.startswith("model name")),
        "?",
    )
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    kib = next((int(ln.split()[1]) for ln in meminfo.splitlines() if ln.startswith("MemTotal")), 0)
    return f"{os.cpu_count()} CPUs ({model}), {kib / 1024**2:.0f} GiB memory, load {os.getloadavg()[0]:.1f}"


def main(argv: list[str]) -> None:
    options = parse(argv)
    settle()  # the heap settled as a deployed process's is (`shared.heap`)
    print(f"machine: {machine()}")
    print(
        f"event store: {options.single:,} single appends, {options.events:,} events in "
        f"batches of {options.batch}, {options.large_events:,} in batches of "
        f"{options.large_batch}; reads and verify best of {options.repeat}"
    )
    figures: list[Figure] = []
    for backend in options.backends.split(","):
        with _database(backend.strip()) as store_url, _database(backend.strip()) as raw_url:
            figures.extend(measure(store_url, raw_url, backend.strip(), options))
        if backend.strip() == "postgresql" and options.writers > 0:
            figures.append(_writers_figure(options))
    print(report(figures))
    sizes = [int(float(n)) for n in options.grow.split(",") if n.strip()]
    if sizes:
        print(f"\ngrowth: costs on a log of {', '.join(f'{n:,}' for n in sizes)} events")
        grown = []
        for backend in options.backends.split(","):
            for size in sizes:
                with _database(backend.strip()) as url:
                    engine = create_db_engine(url)
                    try:
                        grown.append(grow(EventStore(engine, build_registry()), backend, size))
                    finally:
                        engine.dispose()
        print(growth_report(grown))
    print(f"load after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
