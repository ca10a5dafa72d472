"""The colour record by month (红黄绿灯月度记录) at county and larger scale: the year of
synthetic projects of the scheduling benchmark, recorded as production records it (each
event on the day it happened, so every month's end knew only its past), then the whole
county's record by month in one pass, against asking the board at each month's end.

    python -m benchmarks colour_record [--sizes 300,3000] [--postgres] [--no-board]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from services.scheduling.application import SchedulingService
from services.scheduling.config import SchedulingConfig
from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import Cutoff, EventStore

from .bench_scheduling import YEAR, ZONE, _database, project_events


def _load(store: EventStore, size: int) -> int:
    """Every project's events, appended day by day with that day as the record time."""
    import random

    rng = random.Random(size)
    pending = sorted(
        (e for i in range(size) for e in project_events(i, rng)), key=lambda e: e.occurred_at
    )
    clock = {"now": datetime(YEAR, 1, 1, tzinfo=UTC)}
    store.clock = lambda: clock["now"]
    day: list = []
    for event in pending:
        if day and event.occurred_at.date() != day[0].occurred_at.date():
            _append_day(store, day, clock)
            day = []
        day.append(event)
    if day:
        _append_day(store, day, clock)
    store.clock = lambda: datetime(YEAR + 1, 1, 10, tzinfo=UTC)
    return len(pending)


def _append_day(store: EventStore, day: list, clock: dict) -> None:
    clock["now"] = max(clock["now"], day[-1].occurred_at + timedelta(hours=1))
    for chunk in range(0, len(day), 400):  # SQLite: at most 500 terms in a compound SELECT
        store.append(day[chunk : chunk + 400])


def run(size: int, url: str, board: bool) -> None:
    store = EventStore(create_db_engine(url), build_registry(), lock_timeout_ms=30000)
    service = SchedulingService(store, ZONE, SchedulingConfig())
    events = _load(store, size)
    started = time.perf_counter()
    record = service.colour_record(YEAR)
    one_pass = time.perf_counter() - started
    reds = sum(1 for r in record["projects"] if r["consecutive_red"]["longest"] >= 3)
    print(
        f"{size} projects, {events} events: record of {len(record['months'])} months "
        f"in {one_pass:.2f} s ({reds} projects red 3+ months running)"
    )
    if board:
        started = time.perf_counter()
        for month in record["months"]:
            end = Cutoff.of(as_of=date.fromisoformat(month["judged_on"]), zone=ZONE).as_of
            service.board(end, end, {"campaign": YEAR})
        print(f"  the board at each month's end instead: {time.perf_counter() - started:.2f} s")
    store.engine.dispose()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_colour_record")
    parser.add_argument("--sizes", default="300,3000")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--no-board", action="store_true", help="skip the per-month boards")
    args, _ = parser.parse_known_args(argv)
    print(f"colour record on {'PostgreSQL' if args.postgres else 'SQLite'}, year {YEAR}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            url, drop = _database(args.postgres, Path(tmp), size)
            try:
                run(size, url, not args.no_board)
            finally:
                drop()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
