"""Batched appends from several processes at once, beside the database's own limit for
the same: what the log's lock costs when writers queue for it (PostgreSQL).

Each of ``writers`` processes appends its share of the events in batches of ``batch``
(its own transaction each, as `EventStore.append` without a connection does), all
started together; the baseline is as many processes each taking ``LOCK TABLE events IN
EXCLUSIVE MODE`` and a ``COPY`` of its share of the very rows the store wrote (read back
from the store's database), batch by batch, on a second database. A rate is the events
over the time from the first process's start to the last one's end. Store and baseline
take turns, ``rounds`` times, each round on fresh events."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Sequence
from typing import Any

from ._eventstore_raw import PostgresLog, Row, raw_log

_FIRST = 1_000_000
"""Where the writers' events start in the seeded workload (after the main bench's); each
writer of each round takes the next share of it, so no two append the same event."""


def _store_writer(url: str, start: int, count: int, batch: int, ready: Any, go: Any) -> Any:
    from shared.db import create_db_engine
    from shared.events import build_registry
    from shared.heap import settle

    from ._eventstore_workload import configured_store, workload

    events = workload(count, start=start)
    engine = create_db_engine(url)
    store = configured_store(engine, build_registry())
    store.head()  # connected before the start
    settle()
    try:
        return _timed(
            ready, go, [events[i : i + batch] for i in range(0, count, batch)], store.append
        )
    finally:
        engine.dispose()


def _raw_writer(url: str, rows: Sequence[Row], batch: int, ready: Any, go: Any) -> Any:
    log = PostgresLog(url)
    try:
        batches = [rows[i : i + batch] for i in range(0, len(rows), batch)]
        return _timed(ready, go, batches, log.append)
    finally:
        log.close()


def _timed(ready: Any, go: Any, batches: list[Any], append: Callable[[Any], object]) -> Any:
    ready.wait()  # every writer set up
    go.wait()
    started = time.monotonic()
    for one in batches:
        append(one)
    return started, time.monotonic()


def _run(work: Callable[..., Any], args: list[tuple[Any, ...]]) -> float:
    """Seconds from the first writer's start to the last one's end, each writer a process
    of its own (spawned: nothing of this process's connections is inherited)."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        ready, go = manager.Barrier(len(args) + 1), manager.Event()
        with context.Pool(len(args)) as pool:
            pending = [pool.apply_async(work, (*a, ready, go)) for a in args]
            ready.wait()
            go.set()
            spans = [p.get() for p in pending]
    return max(end for _, end in spans) - min(start for start, _ in spans)


def concurrent_rates(
    store_url: str, raw_url: str, writers: int, batch: int, events: int, rounds: int
) -> tuple[float, float, tuple[float, ...]]:
    """The store's and the baseline's events a second over ``rounds`` turns on two fresh
    databases, and each round's ratio."""
    share = events // writers // rounds // batch * batch
    stored = raw_log(store_url)
    store_seconds = raw_seconds = 0.0
    ratios = []
    try:
        for turn in range(rounds):
            starts = [_FIRST + (turn * writers + k) * share for k in range(writers)]
            mine = _run(_store_writer, [(store_url, s, share, batch) for s in starts])
            rows = stored.read(turn * share * writers)
            parts = [rows[k * share : (k + 1) * share] for k in range(writers)]
            theirs = _run(_raw_writer, [(raw_url, part, batch) for part in parts])
            store_seconds, raw_seconds = store_seconds + mine, raw_seconds + theirs
            ratios.append(theirs / mine)
    finally:
        stored.close()
    total = share * writers * rounds
    return total / store_seconds, total / raw_seconds, tuple(ratios)
