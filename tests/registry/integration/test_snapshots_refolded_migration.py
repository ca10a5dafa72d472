"""``registry_0006_h2_refolded`` drops the snapshots written before events sent with an
offset were folded in UTC (such a snapshot may hold times eight hours off); the states
then come from the events, and the next crossing writes a snapshot again."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import func, insert, select

from services.composition import migration_locations
from services.registry.readmodel.tables import snapshots
from shared.db import create_db_engine
from shared.migrations import alembic_config, upgrade

BEFORE = "registry_0005_h1_lz4"


def test_the_migration_drops_every_snapshot_written_before_it(database_url):
    command.downgrade(alembic_config(database_url, migration_locations()), BEFORE)
    engine = create_db_engine(database_url)
    try:
        written = datetime(2026, 3, 1, 2, tzinfo=UTC)
        with engine.begin() as conn:
            conn.execute(
                insert(snapshots),
                [
                    {
                        "stream_id": f"project-p{n}",
                        "stream_version": 100,
                        "max_occurred_at": written,
                        "recorded_at": written,
                        "state": '{"latest": "2026-03-01T10:00:00Z"}',
                    }
                    for n in range(3)
                ],
            )
        upgrade(database_url, migration_locations())
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(snapshots)).scalar_one() == 0
    finally:
        engine.dispose()
