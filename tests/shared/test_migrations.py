"""Migrations: two replicas starting at once do not race (PostgreSQL advisory lock)."""

from __future__ import annotations

import multiprocessing
import uuid

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from services.composition import migration_locations
from shared.migrations import upgrade


def _migrate(url: str) -> None:
    upgrade(url, migration_locations())


@pytest.mark.slow
def test_two_processes_migrating_one_database_at_once_both_succeed(postgres_server_url):
    server = make_url(postgres_server_url)
    name = f"gj_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        context = multiprocessing.get_context("spawn")
        processes = [context.Process(target=_migrate, args=(url,)) for _ in range(2)]
        for process in processes:
            process.start()
        for process in processes:
            process.join(timeout=120)
        assert [p.exitcode for p in processes] == [0, 0]
        engine = create_engine(url)
        assert {"events", "checkpoints", "api_tokens"} <= set(inspect(engine).get_table_names())
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
