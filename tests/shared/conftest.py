"""Fixtures of the event-store tests on PostgreSQL."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy.engine import make_url

from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import EventStore


@pytest.fixture
def other(postgres_url):
    """A connection of another client, in autocommit: what it sees is committed."""
    url = make_url(postgres_url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(url, autocommit=True) as conn:
        yield conn


@pytest.fixture
def pg_store(postgres_url):
    """A store on PostgreSQL with two pooled connections, waiting 5 s for the log's lock."""
    engine = create_db_engine(postgres_url, pool_size=2)
    yield EventStore(engine, build_registry(), lock_timeout_ms=5000)
    engine.dispose()
