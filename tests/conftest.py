"""Fixtures for both backends and both brokers.

PostgreSQL and Redis tests use ``GONGJIAN_TEST_POSTGRES_URL`` (a server URL; each test
session creates and drops its own database) and ``GONGJIAN_TEST_REDIS_URL``. Where they
are unset the tests skip, except with ``GONGJIAN_REQUIRE_SERVICES=1`` (CI), where a
missing service fails them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shared.config import Settings
from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import EventStore
from shared.migrations import upgrade

REQUIRE_SERVICES = os.environ.get("GONGJIAN_REQUIRE_SERVICES") == "1"


def _service_missing(what: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required here (GONGJIAN_REQUIRE_SERVICES=1) but not configured")
    pytest.skip(f"service: {what} not configured")


def migration_locations() -> list:
    from services.composition import migration_locations as locations

    return locations()


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    url = os.environ.get("GONGJIAN_TEST_POSTGRES_URL")
    if not url:
        _service_missing("PostgreSQL (GONGJIAN_TEST_POSTGRES_URL)")
    server = make_url(url).set(drivername="postgresql+psycopg")
    name = f"gj_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        if REQUIRE_SERVICES:
            raise
        pytest.skip(f"service: PostgreSQL unreachable: {exc}")
    test_url = server.set(database=name).render_as_string(hide_password=False)
    upgrade(test_url, migration_locations())
    yield test_url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = (
            conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"
                )
            )
            .scalars()
            .all()
        )
        if tables:
            conn.execute(
                text(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
            )
    engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'gongjian.db'}"
    upgrade(url, migration_locations())
    return url


@pytest.fixture
def postgres_url(request) -> str:
    url = request.getfixturevalue("postgres_server_url")
    _truncate_all(url)
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request) -> str:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def engine(database_url):
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine) -> EventStore:
    return EventStore(engine, build_registry(), lock_timeout_ms=2000)


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("GONGJIAN_TEST_REDIS_URL")
    if not url:
        _service_missing("Redis (GONGJIAN_TEST_REDIS_URL)")
    import redis

    try:
        redis.Redis.from_url(url).ping()
    except Exception as exc:  # noqa: BLE001
        if REQUIRE_SERVICES:
            raise
        pytest.skip(f"service: Redis unreachable: {exc}")
    return url


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings.from_env(database_url=database_url, redis_url="", data_dir=tmp_path)
