"""A batch whose ids are looked up under the lock, appended after waiting for the log's
lock, goes as one COPY (issue 18): other writers then wait behind it on a busy machine,
where each further COPY's answer is one more wake-up of the client with the log locked.
A batch that did not wait still goes as overlapped COPYs. Either way every event is
stored, chained and answered alike. (A batch whose ids are left to the unique index goes
with its probe in one message instead: tests/shared/test_probed_copy.py.)"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from sqlalchemy.engine import make_url

import shared.eventstore.store as store_module
from shared.eventstore import EventStore

from .helpers import note

LOG_LOCK = 7246150312  # pg_advisory_xact_lock's key of the event log (shared_0004)


@pytest.fixture
def copies(monkeypatch) -> list[bool]:
    """Whether each batch's rows went as overlapped COPYs (True) or as one (False)."""
    seen: list[bool] = []
    copy = store_module._copy

    def spy(conn, data, *, overlapped):  # type: ignore[no-untyped-def]
        seen.append(overlapped)
        return copy(conn, data, overlapped=overlapped)

    monkeypatch.setattr(store_module, "_copy", spy)
    return seen


def _batch(stream: str, count: int = 100) -> list:
    return [note(stream, f"{stream}-{i}") for i in range(count)]


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(False)


def _behind_the_lock(url: str, append) -> object:  # type: ignore[no-untyped-def]
    """``append()`` started while another transaction holds the log's lock, which it
    lets go once the append is seen waiting for it; what ``append`` returned."""
    answer: list[object] = []
    with psycopg.connect(_plain(url)) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (LOG_LOCK,))
        thread = threading.Thread(target=lambda: answer.append(append()))
        thread.start()
        with psycopg.connect(_plain(url), autocommit=True) as watcher:
            deadline = time.monotonic() + 10
            while not watcher.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            ).fetchone()[0]:
                assert time.monotonic() < deadline, "the append never waited for the lock"
                time.sleep(0.01)
        time.sleep(0.01)  # waited past `_QUEUED_AFTER` for certain
        holder.commit()
    thread.join(timeout=30)
    assert answer, "the append did not finish"
    return answer[0]


def test_a_batch_that_did_not_wait_goes_as_overlapped_copies(pg_store, copies, monkeypatch):
    # A probe that answers within the bound did not wait. The bound is raised here: on a
    # loaded test machine (or a connection's first call) an answer may take a millisecond.
    monkeypatch.setattr(store_module, "_QUEUED_AFTER", 5.0)
    result = _looked_up(pg_store, "project-a")
    assert copies == [True]
    assert result.last_position == 100


def test_a_batch_that_waited_for_the_lock_goes_as_one_copy(pg_store, postgres_url, copies):
    assert _looked_up(pg_store, "project-a").last_position == 100
    assert len(copies) == 1
    result = _behind_the_lock(postgres_url, lambda: _looked_up(pg_store, "project-b"))
    assert len(copies) == 2 and copies[-1] is False
    assert result.last_position == 200  # type: ignore[attr-defined]
    assert [e.stream_version for e in pg_store.read_stream("project-b")] == list(range(1, 101))
    assert pg_store.verify().ok


def _looked_up(store: EventStore, stream: str):  # type: ignore[no-untyped-def]
    """A batch in a caller's transaction, every id looked up under the lock."""
    with store.writing() as conn:
        return store.append(_batch(stream), connection=conn)


@pytest.mark.parametrize(
    ("count", "queued", "plan"),
    [
        (100, False, (50, True)),
        (300, False, (100, True)),
        (100, True, (128, False)),
        (300, True, (128, False)),
        (1000, False, (128, False)),
    ],
)
def test_the_copy_plan(count, queued, plan):
    assert store_module._copy_plan(count, queued=queued) == plan
