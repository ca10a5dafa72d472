"""Events are append-only in the database: triggers refuse changes whoever asks, and on
PostgreSQL the application role does not even hold the privileges."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from shared.config import Settings
from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import EventStore, catch_up

from .helpers import note


def _fill(store: EventStore, n: int = 3) -> None:
    for i in range(n):
        store.append([note("project-a", f"event {i}")])


@pytest.mark.parametrize(
    "statement",
    [
        'UPDATE events SET payload = \'{"note":"forged"}\' WHERE global_position = 2',
        "DELETE FROM events WHERE global_position = 3",
        "DELETE FROM events",
    ],
)
def test_the_owner_cannot_update_or_delete_an_event_either(store, statement):
    _fill(store)
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text(statement))
    assert store.verify().ok and store.head().position == 3


def test_the_owner_cannot_truncate_the_events_on_postgres(postgres_url):
    engine = create_db_engine(postgres_url)
    try:
        _fill(EventStore(engine, build_registry()))
        with pytest.raises(DBAPIError, match="TRUNCATE refused"), engine.begin() as conn:
            conn.execute(text("TRUNCATE events"))
    finally:
        engine.dispose()


@pytest.fixture
def application_url(postgres_url) -> Iterator[str]:
    """A login role of its own, given its privileges the way `gongjian db upgrade` does."""
    from services.composition import migrate

    role = f"gj_app_{uuid.uuid4().hex[:8]}"
    owner = create_engine(make_url(postgres_url).set(drivername="postgresql+psycopg"))
    with owner.begin() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    app_url = make_url(postgres_url).set(username=role).render_as_string(hide_password=False)
    migrate(Settings(database_url=app_url, migrate_database_url=postgres_url))
    yield app_url
    with owner.begin() as conn:
        conn.execute(text(f'DROP OWNED BY "{role}"'))
        conn.execute(text(f'DROP ROLE "{role}"'))
    owner.dispose()


def test_the_application_role_appends_reads_and_keeps_checkpoints(application_url):
    engine = create_db_engine(application_url)
    try:
        store = EventStore(engine, build_registry(), lock_timeout_ms=2000)
        _fill(store)
        # A batch by COPY, its flush waited for by a record of its own (early lock release).
        store.append([note("project-b", f"batched {i}") for i in range(100)])

        class Counter:
            name, types, seen = "test.counter", None, 0

            def handle(self, conn, event):  # type: ignore[no-untyped-def]
                Counter.seen += 1

        assert catch_up(store, Counter()).position == 103 and Counter.seen == 103
        assert store.verify().ok
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET actor = 'someone else' WHERE global_position = 1",
        "DELETE FROM events WHERE global_position = 3",
        "TRUNCATE events",
    ],
)
def test_the_application_role_cannot_change_or_remove_an_event(application_url, statement):
    engine = create_db_engine(application_url)
    try:
        _fill(EventStore(engine, build_registry()))
        refused = pytest.raises(DBAPIError, match="permission denied for table events")
        with refused, engine.begin() as conn:
            conn.execute(text(statement))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM events")).scalar() == 3
    finally:
        engine.dispose()
