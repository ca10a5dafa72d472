"""Migrations: two replicas starting at once do not race (PostgreSQL advisory lock)."""

from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import create_engine, inspect

from services.composition import migration_locations
from shared.migrations import upgrade


def _migrate(url: str) -> None:
    upgrade(url, migration_locations())


@pytest.mark.slow
def test_two_processes_migrating_one_database_at_once_both_succeed(postgres_clones):
    name = postgres_clones.empty("gj_mig")
    url = postgres_clones.url(name)
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
        postgres_clones.give_back(name)
