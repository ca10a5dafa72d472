"""Small appends on PostgreSQL go through connections kept for them (`kept_connections`):
one is reused from append to append, outside the engine's pool; one the server ended is
replaced before it is used; one that fails in a call is closed and the error raised as
before (a lock held too long is `LockTimeout`); the engine's ``dispose()`` closes them; a
forked child appends on its own and leaves its parent's alone; threads share them."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from shared.events import build_registry
from shared.eventstore import EventStore, LockTimeout
from shared.eventstore.kept_connections import for_engine
from shared.eventstore.store import EVENT_LOG_LOCK_KEY

from .helpers import note


@pytest.fixture
def database_url(postgres_url):
    """PostgreSQL only: the conftest's ``engine`` and ``store`` are made on it."""
    return postgres_url


@pytest.fixture
def admin(engine):
    with engine.connect() as conn:
        yield conn.execution_options(isolation_level="AUTOCOMMIT")


def _kept_pids(engine) -> list[int]:
    return [c.info.backend_pid for c in for_engine(engine)._idle]


def _alive(admin, pid: int) -> bool:
    query = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
    return admin.execute(query, {"pid": pid}).scalar_one() == 1


def _gone_soon(admin, pid: int) -> bool:
    """Whether the backend exits within 5 s (a closed connection's backend takes a moment)."""
    for _ in range(500):
        if not _alive(admin, pid):
            return True
        threading.Event().wait(0.01)
    return False


def test_one_connection_kept_outside_the_pool_serves_append_after_append(store, engine):
    store.append([note("project-a", "1")])
    (pid,) = _kept_pids(engine)
    for n in range(2, 6):
        store.append([note("project-a", str(n))])
    assert _kept_pids(engine) == [pid]
    assert engine.pool.checkedout() == 0  # nothing of the pool's held meanwhile
    assert [e.stream_version for e in store.read_stream("project-a")] == [1, 2, 3, 4, 5]


def test_a_connection_the_server_ended_is_replaced_before_it_is_used(store, engine, admin):
    store.append([note("project-a", "1")])
    (pid,) = _kept_pids(engine)
    admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    assert _gone_soon(admin, pid)
    store.append([note("project-a", "2")])
    (replaced,) = _kept_pids(engine)
    assert replaced != pid
    assert store.head().position == 2 and store.verify().ok


def test_the_log_locked_too_long_is_a_lock_timeout_and_the_connection_stays(store, engine, admin):
    store.append([note("project-a", "1")])
    (pid,) = _kept_pids(engine)
    with engine.connect() as blocker:
        blocker.execute(text(f"SELECT pg_advisory_xact_lock({EVENT_LOG_LOCK_KEY})"))
        with pytest.raises(LockTimeout):
            store.append([note("project-a", "2")])
        blocker.rollback()
    store.append([note("project-a", "2")])
    assert _kept_pids(engine) == [pid]
    assert [e.payload["note"] for e in store.read_stream("project-a")] == ["1", "2"]


def test_a_connection_lost_during_a_call_raises_and_is_not_kept(store, engine, admin):
    store.append([note("project-a", "1")])
    (pid,) = _kept_pids(engine)
    failed: list[BaseException] = []

    def append() -> None:
        try:
            EventStore(engine, build_registry(), lock_timeout_ms=5000).append(
                [note("project-a", "lost")]
            )
        except BaseException as exc:  # noqa: BLE001 - asserted below
            failed.append(exc)

    with engine.connect() as blocker:
        blocker.execute(text(f"SELECT pg_advisory_xact_lock({EVENT_LOG_LOCK_KEY})"))
        waiting = threading.Thread(target=append)
        waiting.start()
        _until_waiting_for_the_lock(admin, pid)
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        waiting.join(10)
        blocker.rollback()
    assert len(failed) == 1 and isinstance(failed[0], OperationalError)
    assert _kept_pids(engine) == []
    store.append([note("project-a", "2")])
    assert [e.payload["note"] for e in store.read_stream("project-a")] == ["1", "2"]


def _until_waiting_for_the_lock(admin, pid: int) -> None:
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE pid = :pid AND wait_event_type = 'Lock'"
    )
    for _ in range(500):
        if admin.execute(query, {"pid": pid}).scalar_one():
            return
        threading.Event().wait(0.01)
    raise AssertionError("the append never waited for the lock")


def test_dispose_closes_the_kept_connections(store, engine, admin):
    store.append([note("project-a", "1")])
    (pid,) = _kept_pids(engine)
    engine.dispose()
    assert _kept_pids(engine) == []
    assert _gone_soon(admin, pid)
    store.append([note("project-a", "2")])  # the engine is usable after, as its pool is
    assert store.head().position == 2


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork: POSIX only")
def test_a_forked_child_appends_on_its_own_and_leaves_the_parents_alone(store, engine, admin):
    store.append([note("project-a", "1")])
    (pid,) = _kept_pids(engine)
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's outcome is its exit status
        code = 1
        try:
            store.append([note("project-a", "child")])
            code = 0 if pid not in _kept_pids(engine) else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert _alive(admin, pid)
    store.append([note("project-a", "parent")])
    assert _kept_pids(engine) == [pid]
    notes = [e.payload["note"] for e in store.read_stream("project-a")]
    assert notes == ["1", "child", "parent"]


def test_threads_share_them_and_no_more_are_kept_than_the_pool_holds(engine):
    store = EventStore(engine, build_registry(), lock_timeout_ms=30_000)
    failed: list[BaseException] = []

    def appends(worker: int) -> None:
        try:
            for n in range(20):
                store.append([note(f"project-t{worker}", str(n))])
        except BaseException as exc:  # noqa: BLE001 - asserted below
            failed.append(exc)

    threads = [threading.Thread(target=appends, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failed == []
    assert store.head().position == 160 and store.verify().ok
    assert 1 <= len(_kept_pids(engine)) <= engine.pool.size()
    for worker in range(8):
        versions = [e.stream_version for e in store.read_stream(f"project-t{worker}")]
        assert versions == list(range(1, 21))
