"""The events the event-store benchmark appends, and the throw-away databases it uses.

A county-like mix: a few hundred project streams, investment reports, milestones,
inspections and issues, ten events per stream in each 100-event batch (an ingest batch
covers a handful of projects). Seeded, so every run appends the same events.
"""

from __future__ import annotations

import random
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shared.config import Settings
from shared.eventstore import EventStore, EventTypeRegistry, NewEvent
from shared.migrations import upgrade

T0 = datetime(2024, 1, 2, 1, 0, tzinfo=UTC)


def configured_store(engine: Any, registry: EventTypeRegistry | None) -> EventStore:
    """A store set as a process's is, from the environment (`shared.runtime.build_runtime`):
    ``GONGJIAN_HOLDER_SLICE_US``, ``GONGJIAN_EARLY_LOCK_RELEASE``."""
    settings = Settings.from_env()
    return EventStore(
        engine,
        registry,
        holder_slice_us=settings.holder_slice_us,
        release_early=settings.early_lock_release,
    )


def _payload(rng: random.Random, n: int) -> tuple[str, dict[str, Any]]:
    kind = n % 5
    if kind == 0:
        month = f"2024-{rng.randint(1, 12):02d}"
        return "InvestmentReported", {"month": month, "amount": f"{rng.randint(1, 9_999_999)}.00"}
    if kind == 1:
        return "MilestonePlanned", {
            "milestone_id": f"m{n}",
            "name": "主体结构封顶",
            "due": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "kind": "progress",
        }
    if kind == 2:
        return "InspectionCompleted", {
            "inspection_id": f"i{n}",
            "result": rng.choice(("passed", "passed_with_issues", "failed")),
            "inspector": "县重点办",
            "findings": "现场施工人员到位，进度符合计划",
        }
    if kind == 3:
        return "IssueRaised", {
            "issue_id": f"q{n}",
            "kind": rng.choice(("land", "power", "financing")),
            "description": "用地指标尚未落实，需协调自然资源局",
            "allowed_days": 15,
            "owner": "自然资源局",
        }
    return "MilestoneCompleted", {"milestone_id": f"m{n - 3}", "note": "按期完成"}


def workload(
    count: int, *, streams: int = 300, per_stream: int = 10, seed: int = 2024, start: int = 0
) -> list[NewEvent]:
    """``count`` events; consecutive runs of ``per_stream`` events share a stream."""
    rng = random.Random(seed + start)
    events = []
    for n in range(start, start + count):
        type_, payload = _payload(rng, n)
        events.append(
            NewEvent(
                stream_id=f"project-p{(n // per_stream) % streams:05d}",
                type=type_,
                payload=payload,
                occurred_at=T0 + timedelta(minutes=n),
                event_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                source="bench",
                actor="bench",
                correlation_id=f"c{n // 100}",
            )
        )
    return events


@contextmanager
def postgres_database(server_url: str, locations: list[Path]) -> Iterator[str]:
    """A migrated, throw-away database on the server at ``server_url``."""
    server = make_url(server_url).set(drivername="postgresql+psycopg")
    name = f"gj_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        upgrade(url, locations)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def sqlite_database(locations: list[Path]) -> Iterator[str]:
    """A migrated SQLite file in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="gj_bench_") as directory:
        url = f"sqlite:///{Path(directory) / 'bench.db'}"
        upgrade(url, locations)
        yield url
