"""Scoring: replay throughput and peak memory of a year-end assessment on PostgreSQL.

Builds a throw-away database with ``--events`` events (default 10⁶: 100 per project,
province scale), appended in 1,000-event batches, then measures in separate forked
processes (so each peak RSS is its own):

- the raw read: every row up to the watermark, page by page, as SQL rows;
- the replay: the whole assessment (amendments, replay, scoring, roll-ups, digest).

``python -m benchmarks.bench_scoring --events 100000`` (or ``make bench BENCH="scoring --events=100000"``)
for a quick run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

EVENTS_PER_PROJECT = 100
BATCH = 1000
YEAR = 2024


def _project_events(project_id: str, n: int) -> Iterator[tuple[str, dict[str, Any], datetime]]:
    """About ``n`` events of one project over the year, as a registry would record them."""
    start = datetime(YEAR, 3, 1, 2, tzinfo=UTC)
    category = ("breakthrough", "new_start", "preliminary")[n % 3]
    yield (
        "ProjectRegistered",
        {
            "project_id": project_id,
            "name": f"Project {project_id}",
            "category": category,
            "sector": "manufacturing",
            "town": f"Town {zlib.crc32(project_id.encode()) % 20}",
            "year": YEAR,
            "total_investment": "50000000.00",
            "annual_plan": "12000000.00",
            "leader": f"Leader {zlib.crc32(project_id.encode()) % 40}",
            "lead_unit": f"Unit {zlib.crc32(project_id.encode()) % 60}",
            "owner_unit": f"Owner {project_id}",
        },
        start,
    )
    count, day = 1, 0
    while count < EVENTS_PER_PROJECT:
        day += 1
        when = start + timedelta(days=day * 2)
        step = count % 10
        if step in (1, 2):
            m = count // 10
            yield (
                "MilestonePlanned" if step == 1 else "MilestoneCompleted",
                {"milestone_id": f"m{m}", "name": f"Milestone {m}", "due": f"{YEAR}-10-31"}
                if step == 1
                else {"milestone_id": f"m{m}", "note": ""},
                when,
            )
        elif step in (3, 4):
            month = f"{YEAR}-{(count // 10) % 9 + 3:02d}"
            yield "InvestmentReported", {"month": month, "amount": "1000000.00"}, when
        elif step in (5, 6):
            i = count // 10
            yield (
                (
                    "IssueRaised",
                    {
                        "issue_id": f"i{i}",
                        "kind": "land",
                        "description": "site access",
                        "allowed_days": 15,
                    },
                    when,
                )
                if step == 5
                else ("IssueResolved", {"issue_id": f"i{i}", "resolution": "done"}, when)
            )
        elif step == 7:
            yield (
                "InspectionCompleted",
                {
                    "inspection_id": f"s{count}",
                    "result": "passed",
                    "inspector": "office",
                    "findings": "",
                },
                when,
            )
        elif step == 8:
            yield (
                "ApprovalGranted",
                {"approval_id": f"a{count}", "kind": "other", "document_no": "X-1"},
                when,
            )
        elif step == 9:
            yield (
                "SupervisionNoticeIssued",
                {"notice_id": f"n{count}", "kind": "commendation", "title": "Good progress"},
                when,
            )
        else:
            yield "ConstructionStarted", {"note": ""}, when
        count += 1


def load(url: str, events: int, progress: Callable[[int], None]) -> None:
    from shared.db import create_db_engine
    from shared.eventstore import EventStore, NewEvent

    engine = create_db_engine(url)
    store = EventStore(engine, None)  # payloads are built valid; skip validation to load fast
    store.clock = lambda: datetime(YEAR, 12, 1, tzinfo=UTC)
    batch: list[NewEvent] = []
    written = 0
    for p in range(events // EVENTS_PER_PROJECT + 1):
        project_id = f"b{p:06d}"
        for type_, payload, when in _project_events(project_id, p):
            if written + len(batch) >= events:
                break
            batch.append(
                NewEvent(
                    f"project-{project_id}",
                    type_,
                    payload,
                    when,
                    str(uuid.uuid4()),
                    1,
                    "bench",
                    "bench",
                )
            )
            if len(batch) == BATCH:
                store.append(batch)
                written += len(batch)
                batch = []
                progress(written)
                if written in (10_000, 100_000) or written % 250_000 == 0:
                    # keep the planner's statistics current as the table grows from empty,
                    # or the append's lookups degrade to sequential scans
                    with engine.connect() as conn:
                        conn.execute(text("ANALYZE events"))
                        conn.commit()
    if batch:
        store.append(batch)
        written += len(batch)
    progress(written)
    engine.dispose()


def _raw_read(url: str, watermark: int) -> int:
    from shared.db import create_db_engine
    from shared.eventstore.schema import events as table

    engine = create_db_engine(url)
    after, rows = 0, 0
    while True:
        with engine.connect() as conn:
            page = conn.execute(
                select(*table.c)
                .where(table.c.global_position > after, table.c.global_position <= watermark)
                .order_by(table.c.global_position)
                .limit(5000)
            ).all()
        rows += len(page)
        if len(page) < 5000:
            return rows
        after = page[-1].global_position


def _replay(url: str, watermark: int) -> int:
    from zoneinfo import ZoneInfo

    from services.scoring.application import assessments, rulebooks
    from shared.db import create_db_engine
    from shared.events import build_registry
    from shared.eventstore import EventStore
    from shared.tenancy import deployment_counties

    store = EventStore(create_db_engine(url), build_registry())
    end = datetime(YEAR, 12, 31, 16, tzinfo=UTC)
    rulebook = rulebooks.in_force(store, watermark)
    asked = (store, YEAR, end, end, watermark, rulebook, ZoneInfo("Asia/Shanghai"))
    # Every county of the deployment from one read of the log (a province's year end).
    records = assessments.compute_counties(*asked, deployment_counties())
    return sum(len(record["result"]) for _, record in records)


def _measure(queue: Any, name: str, url: str, watermark: int) -> None:
    work = {"raw": _raw_read, "replay": _replay, "idle": lambda url, watermark: 0}[name]
    started = time.perf_counter()
    work(url, watermark)
    elapsed = time.perf_counter() - started
    queue.put((elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def measure(name: str, url: str, watermark: int) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one measurement, in its own forked process."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_measure, args=(queue, name, url, watermark))
    process.start()
    try:
        return queue.get(timeout=3600)
    finally:
        process.join(timeout=60)
        if process.exitcode != 0:
            raise SystemExit(f"the {name} measurement failed (exit code {process.exitcode})")


def _load_database(url: str, events: int) -> None:
    from services.composition import migration_locations
    from shared.migrations import upgrade

    upgrade(url, migration_locations())
    started = time.perf_counter()
    last = [started]

    def progress(written: int) -> None:
        if time.perf_counter() - last[0] > 10:
            last[0] = time.perf_counter()
            print(f"  loading: {written:,} events", flush=True)

    load(url, events, progress)
    elapsed = time.perf_counter() - started
    print(
        f"loaded {events:,} events in {elapsed:.0f} s ({events / elapsed:,.0f} events/s appended in batches of {BATCH})"
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_scoring")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs of each read")
    parser.add_argument("--database", help="measure an already loaded (kept) database by name")
    args, _ = parser.parse_known_args(argv)
    server = os.environ.get(
        "GONGJIAN_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    admin_url = make_url(server).set(drivername="postgresql+psycopg")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = args.database or f"gj_bench_scoring_{uuid.uuid4().hex[:8]}"
    if not args.database:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    try:
        if not args.database:
            _load_database(url, args.events)
        engine = create_engine(url)
        with engine.connect() as conn:
            watermark = int(
                conn.execute(text("SELECT max(global_position) FROM events")).scalar() or 0
            )
            conn.execute(text("ANALYZE events"))
            conn.commit()
        engine.dispose()
        print(f"database {name}: {watermark:,} events")
        measure("raw", url, watermark)  # warm the cache once so both reads start alike
        _, idle_mb = measure("idle", url, watermark)
        raws, replays = [], []
        for _ in range(max(1, args.repeat)):  # alternate, so both see the same machine load
            raws.append(measure("raw", url, watermark))
            replays.append(measure("replay", url, watermark))
        raw_s, raw_mb = min(raws)
        replay_s, replay_mb = min(replays)
        print(
            f"runs (s)        : raw {', '.join(f'{s:.1f}' for s, _ in raws)}; assessment {', '.join(f'{s:.1f}' for s, _ in replays)}"
        )
        raw_rate, replay_rate = watermark / raw_s, watermark / replay_s
        print(
            f"raw read        : {raw_rate:>10,.0f} events/s  ({raw_s:.1f} s, peak RSS {raw_mb:.0f} MB)"
        )
        print(
            f"assessment      : {replay_rate:>10,.0f} events/s  ({replay_s:.1f} s, peak RSS {replay_mb:.0f} MB)"
        )
        print(f"ratio           : {replay_rate / raw_rate:.2f} x the raw read (aim >= 0.5)")
        print(f"idle process RSS: {idle_mb:.0f} MB (imports and fork baseline)")
    finally:
        if not args.keep and not args.database:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
