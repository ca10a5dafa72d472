"""Scheduling figures: planning every period of a year for 300 and 10,000 projects, and
board latency.

The year is simulated as production lives it: before each period opens, the events that
happened by then are appended and the read model catches up; then the period is planned
(computed and stored with its actions), and the office closes that plan's actions.

    python -m benchmarks scheduling [--sizes 300,10000] [--postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from services.composition import migration_locations
from services.scheduling.application import SchedulingService
from services.scheduling.config import SchedulingConfig
from services.scheduling.domain.periods import CADENCES, Period, periods_between
from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import EventStore, NewEvent
from shared.migrations import upgrade

ZONE = ZoneInfo("Asia/Shanghai")
YEAR = 2025
CATEGORIES = ["breakthrough"] * 18 + ["new_start"] * 5 + ["preliminary"] * 6


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZONE).astimezone(UTC)


def project_events(i: int, rng: random.Random) -> list[NewEvent]:
    """One synthetic project's year: mostly on plan, some late, slow or blocked."""
    pid = f"p{i:05d}"
    stream = f"project-{pid}"
    category = CATEGORIES[i % len(CATEGORIES)]
    out: list[tuple[date, str, dict]] = []
    start = date(YEAR, 1, 2)
    out.append(
        (
            start,
            "ProjectRegistered",
            {
                "project_id": pid,
                "name": f"重点项目 {i}",
                "category": category,
                "sector": rng.choice(["manufacturing", "logistics", "commerce", "tourism"]),
                "town": f"镇{i % 12}",
                "year": YEAR,
                "total_investment": "50000000.00",
                "annual_plan": "12000000.00",
                "major": i % 10 == 0,
                "leader": f"领导{i % 9}",
                "lead_unit": f"单位{i % 23}",
                "owner_unit": f"业主{i}",
                "planned_start": f"{YEAR}-04-01" if category == "new_start" else None,
            },
        )
    )
    late = rng.random() < 0.1
    for n, month in enumerate((3, 6, 9)):
        due = date(YEAR, month, 15)
        out.append(
            (
                start,
                "MilestonePlanned",
                {"milestone_id": f"m{n}", "name": f"节点{n}", "due": due.isoformat()},
            )
        )
        if rng.random() < 0.03:
            out.append(
                (
                    due - timedelta(days=20),
                    "MilestoneSlipped",
                    {"milestone_id": f"m{n}", "new_due": (due + timedelta(days=30)).isoformat()},
                )
            )
            out.append(
                (
                    due + timedelta(days=10),
                    "MilestoneSlipped",
                    {"milestone_id": f"m{n}", "new_due": (due + timedelta(days=60)).isoformat()},
                )
            )
        done = due + timedelta(days=rng.randint(20, 60) if late else -rng.randint(0, 10))
        out.append((done, "MilestoneCompleted", {"milestone_id": f"m{n}"}))
    slow = rng.random() < 0.1
    skipped = rng.randint(1, 11) if rng.random() < 0.05 else None
    for month in range(1, 12):
        if month == skipped:
            continue
        amount = "600000.00" if slow else "1000000.00"
        out.append(
            (
                date(YEAR, month + 1, 3),
                "InvestmentReported",
                {"month": f"{YEAR}-{month:02d}", "amount": amount},
            )
        )
    if rng.random() < 0.1:
        raised = date(YEAR, rng.randint(2, 10), 5)
        out.append(
            (
                raised,
                "IssueRaised",
                {"issue_id": "i1", "kind": "land", "description": "用地指标", "allowed_days": 15},
            )
        )
        out.append(
            (raised + timedelta(days=rng.randint(10, 40)), "IssueResolved", {"issue_id": "i1"})
        )
    if category == "preliminary":
        out.append(
            (
                date(YEAR, 2, 10),
                "ApprovalRequested",
                {"approval_id": "a1", "kind": "eia", "allowed_days": 20},
            )
        )
        out.append(
            (
                date(YEAR, 2, 10) + timedelta(days=rng.randint(10, 40)),
                "ApprovalGranted",
                {"approval_id": "a1", "kind": "eia"},
            )
        )
    if category == "new_start":
        out.append(
            (date(YEAR, 4, 1) + timedelta(days=rng.randint(0, 50)), "ConstructionStarted", {})
        )
    if rng.random() < 0.05:
        out.append(
            (date(YEAR, 6, 10), "InspectionCompleted", {"inspection_id": "x1", "result": "failed"})
        )
        out.append(
            (date(YEAR, 8, 10), "InspectionCompleted", {"inspection_id": "x2", "result": "passed"})
        )
    out.sort(key=lambda e: e[0])
    return [
        NewEvent(
            stream_id=stream, type=t, payload=p, occurred_at=at(d), source="bench", actor="bench"
        )
        for d, t, p in out
    ]


@dataclass
class Figures:
    projects: int
    events: int = 0
    append_s: float = 0.0
    catch_up_s: float = 0.0
    plans: dict[str, list[float]] = field(default_factory=lambda: {c: [] for c in CADENCES})
    items: dict[str, list[int]] = field(default_factory=lambda: {c: [] for c in CADENCES})
    monthly: list[str] = field(default_factory=list)
    board_ms: list[float] = field(default_factory=list)
    board_replay_s: float = 0.0
    replay_monthly_s: float = 0.0


def run(size: int, url: str) -> Figures:
    store = EventStore(create_db_engine(url), build_registry(), lock_timeout_ms=30000)
    service = SchedulingService(store, ZONE, SchedulingConfig())
    rng = random.Random(size)
    pending = sorted(
        (e for i in range(size) for e in project_events(i, rng)), key=lambda e: e.occurred_at
    )
    figures = Figures(size, events=len(pending))
    periods = sorted(
        (
            p
            for c in CADENCES
            for p in periods_between(c, date(YEAR, 1, 1), date(YEAR, 12, 31))
            if p.start.year == YEAR
        ),
        key=lambda p: (p.start, CADENCES.index(p.cadence)),
    )
    cursor = 0
    for period in periods:
        opens = at(period.start, 0)
        batch = []
        while cursor < len(pending) and pending[cursor].occurred_at < opens:
            batch.append(pending[cursor])
            cursor += 1
        started = time.perf_counter()
        for chunk in range(0, len(batch), 2000):
            store.append(batch[chunk : chunk + 2000])
        figures.append_s += time.perf_counter() - started
        started = time.perf_counter()
        service.catch_up()
        figures.catch_up_s += time.perf_counter() - started
        started = time.perf_counter()
        record, _ = service.plan(period.cadence, period.label)
        figures.plans[period.cadence].append(time.perf_counter() - started)
        items = [i for g in record.plan["groups"] for i in g["items"]]
        figures.items[period.cadence].append(len(items))
        if period.cadence == "monthly":
            new = sum(1 for i in items if i["action"]["status"] == "new")
            figures.monthly.append(
                f"{period.label} {figures.plans['monthly'][-1]:.2f} s ({len(items)} items, {new} new actions)"
            )
        _close_actions(service, store)
    store.append([pending[-1].__class__(**{**_fields(pending[-1]), "event_id": str(uuid.uuid4())})])
    for _ in range(6):  # the first after an append computes, the others reuse it
        started = time.perf_counter()
        service.board(filters={"status": "red"})
        figures.board_ms.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    service.board(as_of=at(date(YEAR, 6, 30), 23))
    figures.board_replay_s = time.perf_counter() - started
    started = time.perf_counter()
    service.compute_plan("monthly", Period.parse("monthly", f"{YEAR}-06"), datetime.now(UTC))
    figures.replay_monthly_s = time.perf_counter() - started
    store.engine.dispose()
    return figures


def _fields(event: NewEvent) -> dict:
    return {name: getattr(event, name) for name in NewEvent.__dataclass_fields__}


def _close_actions(service: SchedulingService, store: EventStore) -> None:
    """The office closes this plan's actions before the next meeting (not timed): those of
    the simulated campaign, not of the campaign of today's date (which left every action open,
    and each plan carried all the earlier ones)."""
    actions = service.actions(status="open", limit=100_000, campaign=YEAR)
    events = [
        NewEvent(
            stream_id=f"actions-{a['project_id']}",
            type="ActionClosed",
            payload={"action_id": a["action_id"], "note": "done"},
            occurred_at=datetime.now(UTC),
        )
        for a in actions
    ]
    for chunk in range(0, len(events), 2000):
        store.append(events[chunk : chunk + 2000])
    service.catch_up()


def report(f: Figures) -> None:
    total = sum(sum(v) for v in f.plans.values())
    print(f"\n### {f.projects} projects, {f.events} project events in {YEAR}")
    print(
        f"- appending the year's events: {f.append_s:.1f} s ({f.events / f.append_s:,.0f} events/s)"
    )
    print(
        f"- read model catch-up (all periods): {f.catch_up_s:.1f} s ({f.events / max(f.catch_up_s, 1e-9):,.0f} events/s)"
    )
    print(
        f"- planning all {sum(len(v) for v in f.plans.values())} periods of the year (compute + store + actions): {total:.1f} s"
    )
    for cadence, times in f.plans.items():
        print(
            f"  - {cadence}: {len(times)} plans, mean {statistics.mean(times):.2f} s, "
            f"max {max(times):.2f} s, items mean {statistics.mean(f.items[cadence]):.0f}"
        )
    print(f"  - monthly, one by one: {'; '.join(f.monthly)}")
    print(
        f"- board (read model, red filter): {f.board_ms[0]:.0f} ms after an append, "
        f"then median {statistics.median(f.board_ms[1:]):.0f} ms"
    )
    print(f"- board as of a past date (replay): {f.board_replay_s:.2f} s")
    print(f"- monthly plan for a past period (replay of the log): {f.replay_monthly_s:.2f} s")


def _database(postgres: bool, workdir: Path, size: int) -> tuple[str, callable]:  # type: ignore[valid-type]
    if not postgres:
        url = f"sqlite:///{workdir / f'bench-{size}.db'}"
        upgrade(url, migration_locations())
        return url, lambda: None
    server = make_url(
        os.environ.get(
            "GONGJIAN_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        )
    ).set(drivername="postgresql+psycopg")
    name = f"gj_bench_sched_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    upgrade(url, migration_locations())

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_scheduling")
    parser.add_argument("--sizes", default="300,10000")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="PostgreSQL (GONGJIAN_BENCH_POSTGRES_URL) instead of SQLite",
    )
    args, _ = parser.parse_known_args(argv)
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"scheduling on {backend}: a simulated year ({YEAR}), planned period by period")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            url, drop = _database(args.postgres, Path(tmp), size)
            try:
                report(run(size, url))
            finally:
                drop()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
