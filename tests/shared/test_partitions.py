"""The events table partitioned by position range on PostgreSQL (issue 18): an existing log
becomes the first partition, the store makes partitions ahead as positions grow, and the
log reads, verifies and refuses duplicates across partitions as before. Partitions of 50
positions here (``PARTITION_SIZE``), so a few hundred events cross several."""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from services.composition import migration_locations
from shared import migrations as shared_migrations
from shared.config import Settings
from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import DuplicateEventConflict, EventStore, partitions
from shared.migrations import alembic_config, upgrade

from .helpers import note

SIZE = 50


@pytest.fixture
def small_partitions(monkeypatch) -> None:
    monkeypatch.setattr(partitions, "PARTITION_SIZE", SIZE)


@pytest.fixture
def empty_database(postgres_clones, small_partitions) -> Iterator[str]:
    """A database of its own, not migrated."""
    name = postgres_clones.empty("gj_part")
    yield postgres_clones.url(name)
    postgres_clones.give_back(name)


def _append(store: EventStore, count: int, batch: int = 10, stream: str = "project-a") -> None:
    for start in range(0, count, batch):
        store.append([note(stream, f"n{start + i}") for i in range(batch)])


def _rows_by_partition(store: EventStore) -> dict[str, int]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT tableoid::regclass::text, count(*) FROM events GROUP BY 1 ORDER BY 1")
        )
        return dict(rows.all())  # type: ignore[arg-type]


def _with_lock_probe(engine) -> None:
    """Today's store writes its batches through ``gongjian_lock_probe_written``
    (shared_0008_h1): made here by hand, so that it can write the log of a database at
    ``shared_0003``."""
    path = Path(shared_migrations.__file__).parent / "versions" / "0008_h1_lock_probe_written.py"
    spec = importlib.util.spec_from_file_location("lock_probe", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    with engine.begin() as conn:
        conn.exec_driver_sql(module.FUNCTION)


@pytest.fixture
def upgraded_log(empty_database) -> Iterator[EventStore]:
    """120 events written before the migration, then ``gongjian db upgrade``'s migrations."""
    command.upgrade(alembic_config(empty_database, migration_locations()), "shared_0003")
    engine = create_db_engine(empty_database)
    _with_lock_probe(engine)
    store = EventStore(engine, build_registry(), lock_timeout_ms=5000)
    _append(store, 60, stream="project-a")
    _append(store, 60, stream="project-b")
    upgrade(empty_database, migration_locations())
    yield EventStore(engine, build_registry(), lock_timeout_ms=5000)
    engine.dispose()


def test_an_existing_log_becomes_the_first_partition_with_one_made_ahead(upgraded_log):
    store = upgraded_log
    with store.engine.connect() as conn:
        found = partitions.partitions(conn)
        kind = conn.execute(text("SELECT relkind FROM pg_class WHERE relname = 'events'")).scalar()
    assert kind == "p"
    assert [(p.name, p.lower_bound, p.upper_bound) for p in found] == [
        ("events_p000000", 1, 151),
        ("events_p000003", 151, 201),
    ]
    assert _rows_by_partition(store) == {"events_p000000": 120}
    assert store.verify().ok and store.head().position == 120
    assert [e.payload["note"] for e in store.read_stream("project-b")][:2] == ["n0", "n1"]


def test_appends_cross_partitions_that_the_store_makes_ahead(upgraded_log):
    store = upgraded_log
    _append(store, 200, stream="project-a")  # positions 121 … 320
    assert _rows_by_partition(store) == {
        "events_p000000": 150,
        "events_p000003": 50,
        "events_p000004": 50,
        "events_p000005": 50,
        "events_p000006": 20,
    }
    with store.engine.connect() as conn:
        assert partitions.partitions(conn)[-1].upper_bound > 320 + SIZE  # a full one ahead
    assert store.verify().ok
    versions = [e.stream_version for e in store.read_stream("project-a")]
    assert versions == list(range(1, 261))


def test_duplicates_are_refused_across_partitions(upgraded_log):
    store = upgraded_log
    first = store.read_all(limit=1)[0]
    _append(store, 100)
    again = note(first.stream_id, first.payload["note"], event_id=first.event_id)
    again = replace(again, occurred_at=first.occurred_at)
    assert store.append([again]).duplicate  # an idempotent retry: the stored position
    with pytest.raises(DuplicateEventConflict):
        store.append([note("project-z", "other", event_id=first.event_id)])
    assert store.head().position == 220 and store.verify().ok


def test_a_retried_batch_is_answered_whichever_partition_holds_it(upgraded_log):
    """Batches (COPY) leave the ids of the partition they are written to to its unique
    index (shared_0008_h1): a retry stored there, in an older partition, or one whose
    expected version has moved on is still the stored positions, and a batch that
    repeats one stored id anywhere is refused, nothing written."""
    store = upgraded_log  # positions 1 … 120 in events_p000000 (up to 150)
    batch = [note("project-c", f"c{i}") for i in range(10)]
    first = store.append(batch, {"project-c": 0})
    assert not first.duplicate and first.last_position == 130
    for expected in (None, {"project-c": 0}):  # the COPY refused; the version moved on
        again = store.append(batch, expected)
        assert again.duplicate and again.positions == first.positions
    _append(store, 50, stream="project-d")  # positions 131 … 180: the head moves on to p3
    assert store.append(batch).positions == first.positions  # in an older partition now
    newer = [note("project-d", f"d{i}") for i in range(10)]
    assert not store.append(newer).duplicate  # 181 … 190
    stored_id = store.read_all(after=185, limit=1)[0].event_id
    for mixed in (
        [note("project-e", "e", event_id=batch[3].event_id)],  # in an older partition
        [note("project-e", "e", event_id=stored_id)],  # in the partition written
    ):
        with pytest.raises(DuplicateEventConflict):
            store.append([*(note("project-e", f"e{i}") for i in range(9)), *mixed])
    assert store.head().position == 190 and store.verify().ok


def test_the_old_table_and_new_partitions_refuse_changes(upgraded_log):
    store = upgraded_log
    _append(store, 100)
    for statement in (
        "UPDATE events SET actor = 'x' WHERE global_position = 200",
        "DELETE FROM events_p000000 WHERE global_position = 1",
        "TRUNCATE events_p000004",
        "TRUNCATE events",
    ):
        with pytest.raises(DBAPIError, match="append-only|refused"), store.engine.begin() as conn:
            conn.execute(text(statement))
    assert store.head().position == 220 and store.verify().ok


def test_the_downgrade_puts_the_rows_back_into_one_table(upgraded_log, empty_database):
    store = upgraded_log
    _append(store, 100)
    command.downgrade(alembic_config(empty_database, migration_locations()), "shared_0003")
    with store.engine.connect() as conn:
        kind = conn.execute(text("SELECT relkind FROM pg_class WHERE relname = 'events'")).scalar()
    assert kind == "r"
    store = EventStore(store.engine, build_registry())
    assert store.head().position == 220 and store.verify().ok
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE global_position = 1"))


def test_the_application_role_appends_across_partitions_but_cannot_change_one(
    empty_database,
):
    from services.composition import migrate

    role = f"gj_app_{uuid.uuid4().hex[:8]}"
    owner = create_engine(make_url(empty_database))
    with owner.begin() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    app_url = make_url(empty_database).set(username=role).render_as_string(hide_password=False)
    migrate(Settings(database_url=app_url, migrate_database_url=empty_database))
    engine = create_db_engine(app_url)
    try:
        store = EventStore(engine, build_registry(), lock_timeout_ms=5000)
        _append(store, 200)
        assert len(_rows_by_partition(store)) == 4 and store.verify().ok
        for statement in (
            "UPDATE events_p000000 SET actor = 'x' WHERE global_position = 1",
            "DELETE FROM events_p000002",
            "INSERT INTO event_partitions VALUES ('x', 1000, 2000)",
        ):
            with pytest.raises(DBAPIError, match="permission denied"), engine.begin() as conn:
                conn.execute(text(statement))
    finally:
        engine.dispose()
        with owner.begin() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
        owner.dispose()


def test_the_maintenance_command_lists_partitions_and_makes_more_ahead(
    upgraded_log, empty_database, monkeypatch
):
    from click.testing import CliRunner

    from services.cli import main

    monkeypatch.setenv("GONGJIAN_DATABASE_URL", empty_database)
    monkeypatch.delenv("GONGJIAN_REDIS_URL", raising=False)
    result = CliRunner().invoke(main, ["db", "partitions", "--ahead", "3"])
    assert result.exit_code == 0, result.output
    assert "events_p000000\t1—150" in result.output
    assert "events_p000004\t201—250" in result.output
    assert "共 4 个分区；当前位置 120，已预留至 300。" in result.output
    upgraded_log.append([note("project-a", "after")])
    assert upgraded_log.verify().ok


def test_the_maintenance_command_says_sqlite_is_not_partitioned(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from services.cli import main

    monkeypatch.setenv("GONGJIAN_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("GONGJIAN_REDIS_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(main, ["db", "partitions"])
    assert result.exit_code == 0 and "事件表未分区" in result.output
