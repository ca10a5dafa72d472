"""A batch may touch as many projects as it has items (1,000), on SQLite as on
PostgreSQL. SQLite takes at most 500 SELECTs in one UNION ALL and refuses ``a OR b OR …``
deeper than 1,000 conditions: the probe under the lock, the catch-up of kept states and
the snapshots' queries had one a stream, and a batch of 1,000 projects failed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from services.registry.application.handlers import Registry
from services.registry.application.submissions import Submission
from services.registry.readmodel.tables import snapshots
from tests.registry.unit.builders import registration

START = datetime(2024, 1, 1, tzinfo=UTC)
PROJECTS = 1_000


def inspections(day: int) -> list[Submission]:
    return [
        Submission(
            str(uuid.uuid4()),
            "InspectionCompleted",
            START + timedelta(days=day),
            {"inspection_id": f"i{day}", "result": "passed"},
            project_id=f"p{n}",
        )
        for n in range(PROJECTS)
    ]


def test_a_batch_of_a_thousand_projects_is_decided_stored_and_snapshotted(store):
    store.clock = lambda: START + timedelta(days=30)
    registry = Registry(store)
    registered = registry.submit_batch(
        [
            Submission(
                str(uuid.uuid4()),
                "ProjectRegistered",
                START,
                registration(f"p{n}", national_code=f"2403-330000-04-01-{n:06d}"),
                project_id=f"p{n}",
            )
            for n in range(PROJECTS)
        ]
    )
    assert {o.status for o in registered} == {"accepted"}
    assert {o.status for o in registry.submit_batch(inspections(1))} == {"accepted"}
    fresh = Registry(store)  # nothing kept: every state from the log
    outcomes = fresh.submit_batch(inspections(2))
    assert {o.status for o in outcomes} == {"accepted"}
    assert {o.stream_version for o in outcomes} == {3}
    with store.writing() as conn:
        states = {f"project-p{n}": fresh.state(f"p{n}") for n in range(PROJECTS)}
        fresh.streams.save_snapshots(conn, states)
    with store.reading() as conn:
        assert conn.execute(select(func.count()).select_from(snapshots)).scalar() == PROJECTS
    later = Registry(store)  # from the 1,000 snapshots
    assert {o.status for o in later.submit_batch(inspections(3))} == {"accepted"}
    assert later.state("p999").inspections.keys() == {"i1", "i2", "i3"}
