"""Console figures: server time of the 挂图作战 page for 500 projects (aim ≤ 300 ms) and of
a project page with 2,000 events (aim ≤ 150 ms), on the embedded default (SQLite).

Server time is the whole WSGI request inside the process (sign-in cookie checked, the
services' queries, the templates), without a network or a browser.

    python -m benchmarks console [--projects=500] [--events=2000] [--runs=15]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from argon2 import PasswordHasher

from services.composition import create_app, migrate, runtime_for
from services.console.accounts import Accounts
from services.registry.application.handlers import Registry
from services.registry.application.submissions import Submission
from services.registry.wiring import RegistryParts
from shared.config import Settings
from shared.eventstore import NewEvent

from .bench_registry import _long_history
from .bench_scheduling import YEAR, project_events

PASSWORD = "bench-password-0123"


def _submissions(events: list[NewEvent]) -> list[Submission]:
    return [
        Submission(
            str(uuid.uuid4()),
            e.type,
            e.occurred_at,
            e.payload,
            project_id=e.stream_id.removeprefix("project-"),
            actor="bench",
            source="bench",
        )
        for e in events
    ]


def _busy_project(events: int) -> list[Submission]:
    """p00000: a registration in the benchmark's year, then a busy history (slips,
    reassignments, inspections, problems) up to ``events`` events."""
    registration = project_events(0, random.Random(1))[0]
    start = registration.occurred_at
    history = [
        Submission(
            str(uuid.uuid4()),
            kind,
            start + timedelta(minutes=50 * (n + 1)),
            payload,
            project_id="p00000",
            actor="bench",
            source="bench",
        )
        for n, (kind, payload) in enumerate(_long_history(events - 1))
    ]
    return [*_submissions([registration]), *history]


def _load(registry: Registry, projects: int, events: int) -> int:
    """Every event through the registry's use case (the project list included); the
    number refused by its rules (a few of the synthetic histories break them)."""
    rng = random.Random(2025)
    refused = 0
    busy = _busy_project(events)
    for start in range(0, len(busy), 200):
        outcomes = registry.submit_batch(busy[start : start + 200])
        refused += sum(1 for o in outcomes if o.status != "accepted")
    for i in range(1, projects):
        outcomes = registry.submit_batch(_submissions(project_events(i, rng)))
        refused += sum(1 for o in outcomes if o.status != "accepted")
    return refused


def _timed(client, path: str, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    client.get(path)  # warm: templates compiled, read model caught up
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        out.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return out


def _report(name: str, times: list[float], aim: float) -> None:
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    median = statistics.median(times)
    verdict = "meets" if median <= aim else "misses"
    print(
        f"{name}: median {median:.0f} ms, p95 {p95:.0f} ms over {len(times)} requests ({verdict} the {aim:.0f} ms aim)"
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="benchmarks console")
    parser.add_argument("--projects", type=int, default=500)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env(
            database_url=f"sqlite:///{Path(tmp) / 'bench.db'}", redis_url="", data_dir=Path(tmp)
        )
        migrate(settings)
        runtime = runtime_for(settings)
        app = create_app(runtime)
        started = time.perf_counter()
        refused = _load(RegistryParts.of(runtime).registry, args.projects, args.events)
        print(
            f"loaded {args.projects} projects ({YEAR}) in {time.perf_counter() - started:.1f} s"
            f" ({refused} synthetic events refused by the registry's rules)"
        )
        accounts = Accounts(
            runtime.engine, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        app.extensions["console.accounts"] = accounts
        accounts.create("bench", "office", PASSWORD)
        client = app.test_client()
        client.get("/signin")
        with client.session_transaction() as session:
            session["u"], session["e"] = "bench", 1
        _report(f"挂图作战 page, {args.projects} projects", _timed(client, "/", args.runs), 300)
        path = f"/projects/p00000?as_of={YEAR}-12-31"
        _report(f"project page, {args.events} events", _timed(client, path, args.runs), 150)
        everything = _timed(client, path + "&all=1", args.runs)
        _report(f"project page, all {args.events} events listed (显示全部)", everything, 150)
        runtime.close()
