"""``scheduling_0008_h4_site_meetings`` fills the read model's site meetings from the
records already stored: each in its stream's county, one written before ids were per
county (a stream without a county) in its project's county; the list then finds them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alembic import command
from sqlalchemy import insert, select

from services.composition import migration_locations
from services.scheduling.application import site_meetings
from services.scheduling.readmodel.queries import site_meeting_positions
from services.scheduling.readmodel.tables import projects
from services.scheduling.readmodel.tables import site_meetings as rows
from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import EventStore
from shared.migrations import alembic_config, upgrade

BEFORE = "scheduling_0007_h1_county_plans"


def _meeting(record_id: str, project_id: str, held_on: str) -> dict:
    body = {
        "kind": "site_office",
        "project_id": project_id,
        "place": "项目现场",
        "held_on": date.fromisoformat(held_on),
        "attendees": ["县长"],
        "decisions": [{"text": "落实用地", "owner": "自然资源局", "due": date(2026, 4, 30)}],
    }
    return site_meetings.recorded_payload(record_id, body)


def test_the_migration_fills_each_countys_site_meetings_from_the_log(database_url):
    command.downgrade(alembic_config(database_url, migration_locations()), BEFORE)
    engine = create_db_engine(database_url)
    try:
        now = datetime(2026, 3, 12, tzinfo=UTC)
        store = EventStore(engine, build_registry())
        store.append(
            [
                site_meetings.recorded_event(_meeting("S1", "pb", "2026-03-10"), now, "b"),
                site_meetings.recorded_event(_meeting("S1", "pa", "2026-03-09"), now),
                # Recorded before ids were per county: the stream names no county.
                site_meetings.recorded_event(_meeting("S2", "pd", "2025-11-02"), now),
            ]
        )
        with engine.begin() as conn:
            conn.execute(
                insert(projects),
                [
                    {"project_id": p, "state": "{}", "position": 0, "county": county}
                    for p, county in (("pa", "default"), ("pb", "b"), ("pd", "d"))
                ],
            )
        upgrade(database_url, migration_locations())
        with engine.connect() as conn:
            found = conn.execute(
                select(rows.c.county, rows.c.record_id, rows.c.project_id, rows.c.held_on)
            ).all()
        assert sorted(found) == [
            ("b", "S1", "pb", "2026-03-10"),
            ("d", "S2", "pd", "2025-11-02"),
            ("default", "S1", "pa", "2026-03-09"),
        ]
        assert [c for c, _ in site_meeting_positions(engine, ["b", "d"], year=2026)] == ["b"]
        assert [c for c, _ in site_meeting_positions(engine, ["d"], year=2025)] == ["d"]
    finally:
        engine.dispose()
