"""The registry bench's watch on the event log's lock (benchmarks/bench_registry.py): it
sees the very lock the store takes, held or free, and what its holder is doing."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from benchmarks.bench_registry import LOG_LOCK, _LockWatch

MIGRATIONS = Path(__file__).resolve().parents[2] / "shared" / "migrations" / "versions"


def _key() -> int:
    classid, objid = LOG_LOCK
    return classid << 32 | objid


def test_it_watches_the_lock_the_store_takes():
    takers = [p for p in MIGRATIONS.glob("*.py") if "pg_advisory_xact_lock(" in p.read_text()]
    assert takers  # the append function and the lock probes
    for path in takers:
        assert f"pg_advisory_xact_lock({_key()})" in path.read_text(), path.name


def _watched(url: str, seconds: float = 0.3) -> str:
    with _LockWatch(url) as watch:
        time.sleep(seconds)
    return watch.summary()


def test_a_free_lock_is_never_held(postgres_url):
    assert _watched(postgres_url).startswith("held in 0% of ")


def test_a_holder_between_its_statements_is_waiting_for_its_client(postgres_url):
    plain = make_url(postgres_url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(plain) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (_key(),))
        summary = _watched(postgres_url)
        holder.rollback()
    assert summary.startswith("held in 100% of ")
    assert summary.endswith("its holder then waiting for its client 100%")


def test_a_holder_running_a_statement_is_running(postgres_url):
    plain = make_url(postgres_url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(plain) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (_key(),))
        busy = threading.Thread(
            target=lambda: holder.execute(  # busy on the server for 0.6 s
                "DO $$ BEGIN WHILE clock_timestamp() < statement_timestamp() "
                "+ interval '0.6 seconds' LOOP END LOOP; END $$"
            )
        )
        busy.start()
        time.sleep(0.05)
        summary = _watched(postgres_url, 0.3)
        busy.join()
        holder.rollback()
    assert summary.startswith("held in 100% of ")
    running = re.search(r"running (\d+)%", summary)
    assert running is not None and int(running.group(1)) >= 50, summary


def test_the_same_lock_held_in_another_database_is_not_this_logs(postgres_url):
    """Advisory locks are per database: tests and benches running beside this one, each
    on a database of its own, take the same key without touching this log."""
    elsewhere = make_url(postgres_url).set(drivername="postgresql", database="postgres")
    with psycopg.connect(elsewhere.render_as_string(False)) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (_key(),))
        summary = _watched(postgres_url)
        holder.rollback()
    assert summary.startswith("held in 0% of "), summary
