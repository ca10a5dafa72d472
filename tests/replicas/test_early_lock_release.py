"""A batch's append lets the log's lock go once its commit is recorded, and answers only
once that commit is durable (early lock release, `shared/eventstore/probed_copy.py`); a
read through the store gives out nothing that is not durable yet
(`shared/eventstore/durability.py`).

On a server of the module's own whose synchronous standby never answers, a commit that
waits to be durable waits until the standby is no longer asked for: what waits for it,
and what does not, shows, with no timing to guess."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from services.composition import migration_locations
from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import EventStore, LockTimeout, NewEvent
from shared.migrations import upgrade
from tests.replicas.conftest import Standby
from tests.shared.helpers import note

LOG_LOCK = 7246150312  # pg_advisory_xact_lock's key of the event log (shared_0004)
PATIENCE = 20.0


@pytest.fixture(scope="module")
def server(pg_private: Standby) -> Standby:
    pg_private.execute("CREATE DATABASE migrated")
    upgrade(pg_private.url("migrated"), migration_locations())
    return pg_private


@pytest.fixture
def database(server: Standby, request: pytest.FixtureRequest) -> str:
    """A migrated database of the test's own (the log is append-only): its name."""
    name = request.node.name[:48].lower()
    server.execute(f"CREATE DATABASE {name} TEMPLATE migrated")
    return name


@pytest.fixture
def standby_asked(server: Standby) -> Iterator[Callable[[bool], None]]:
    """Asks for a synchronous standby that never comes (True), or no longer (False: every
    commit waiting for it is let go); none asked for after the test."""

    def ask(asked: bool) -> None:
        names = "'gj_never_connects'" if asked else "''"
        server.execute(f"ALTER SYSTEM SET synchronous_standby_names = {names}")
        server.execute("SELECT pg_reload_conf()")
        deadline = time.monotonic() + PATIENCE
        want = "gj_never_connects" if asked else ""
        while server.execute("SHOW synchronous_standby_names") != want:
            assert time.monotonic() < deadline, "the server did not reload its configuration"
            time.sleep(0.02)

    yield ask
    ask(False)


@pytest.fixture
def store(server: Standby, database: str) -> Iterator[Callable[..., EventStore]]:
    engines = []

    def make(**options: object) -> EventStore:
        engine = create_db_engine(server.url(database), pool_size=2)
        engines.append(engine)
        return EventStore(engine, build_registry(), **options)  # type: ignore[arg-type]

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def other(server: Standby, database: str) -> Iterator[psycopg.Connection]:
    url = make_url(server.url(database)).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(url, autocommit=True) as conn:
        yield conn


class Asking(threading.Thread):
    """A call in a thread of its own: what it answered, or raised."""

    def __init__(self, call: Callable[[], object]) -> None:
        super().__init__(daemon=True)
        self.call = call
        self.answer: Any = None
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self.answer = self.call()
        except BaseException as exc:  # noqa: BLE001 - kept for the test to look at
            self.error = exc


def Appending(store: EventStore, events: list[NewEvent]) -> Asking:  # noqa: N802
    return Asking(lambda: store.append(events))


def _batch(stream: str, count: int = 100) -> list[NewEvent]:
    return [note(stream, f"{stream}-{i}") for i in range(count)]


def _committed(other: psycopg.Connection) -> int:
    return other.execute("SELECT count(*) FROM events").fetchone()[0]


def _locked(other: psycopg.Connection) -> bool:
    return bool(
        other.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND ((classid::bigint << 32) | objid::bigint) = %s",
            (LOG_LOCK,),
        ).fetchone()[0]
    )


def _until(question: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not question():
        assert time.monotonic() < deadline, f"not seen in {PATIENCE:.0f} s: {what}"
        time.sleep(0.02)


def test_the_lock_goes_at_the_commit_and_the_answer_waits_until_it_is_durable(
    store, standby_asked, other
):
    writer = store()
    writer.append(_batch("project-z", 10))  # the log's partitions made ready first
    standby_asked(True)
    first = Appending(writer, _batch("project-a"))
    _until(lambda: _committed(other) == 110, "the first batch committed")
    assert not _locked(other)  # the lock let go while its commit is not durable
    second = Appending(writer, _batch("project-b"))  # takes the lock, chained on the first
    _until(lambda: _committed(other) == 210, "the second batch committed")
    time.sleep(0.2)
    assert first.is_alive() and second.is_alive()  # neither answered: neither is durable

    standby_asked(False)
    first.join(PATIENCE), second.join(PATIENCE)
    assert first.error is None and second.error is None
    assert {first.answer.last_position, second.answer.last_position} == {110, 210}
    assert writer.verify().ok
    assert [e.stream_version for e in writer.read_stream("project-b")] == list(range(1, 101))


def test_switched_off_the_lock_is_held_until_the_commit_is_durable(store, standby_asked, other):
    """``GONGJIAN_EARLY_LOCK_RELEASE=0``: as before, the rows are not seen and the lock not
    let go while the commit waits; another writer waits for the lock, and may give up."""
    writer = store(release_early=False)
    writer.append(_batch("project-z", 10))
    standby_asked(True)
    first = Appending(writer, _batch("project-a"))
    _until(lambda: _locked(other), "the lock taken")
    impatient = store(release_early=False, lock_timeout_ms=300)
    with pytest.raises(LockTimeout):
        impatient.append(_batch("project-b"))
    assert _committed(other) == 10 and _locked(other) and first.is_alive()

    standby_asked(False)
    first.join(PATIENCE)
    assert first.error is None and first.answer.last_position == 110
    assert _committed(other) == 110 and writer.verify().ok


def test_a_read_gives_out_what_it_saw_only_once_it_is_durable(store, standby_asked, other):
    writer, auditor = store(), store()
    writer.append(_batch("project-z", 10))
    standby_asked(True)
    appending = Appending(writer, _batch("project-a"))
    _until(lambda: _committed(other) == 110, "the batch committed")
    reading = Asking(auditor.head)  # sees position 110 committed, not yet durable
    time.sleep(0.3)
    assert reading.is_alive() and appending.is_alive()

    standby_asked(False)
    reading.join(PATIENCE), appending.join(PATIENCE)
    assert reading.error is None and reading.answer.position == 110


def test_a_read_when_everything_is_flushed_writes_and_waits_for_nothing(store, other):
    """What is durable already is given out at once: no record written, no flush waited
    for. (A first read may prune pages, which writes to the WAL: that one waits.)"""
    writer = store()
    writer.append(_batch("project-z", 10))
    writer.head(), writer.read_stream("project-z")

    def wal() -> tuple[str, bool]:
        return other.execute(
            "SELECT pg_current_wal_insert_lsn()::text,"
            " pg_current_wal_flush_lsn() >= pg_current_wal_insert_lsn()"
        ).fetchone()

    _until(lambda: wal()[1], "the WAL flushed")
    before = wal()[0]
    head, events = writer.head(), writer.read_stream("project-z")
    assert head.position == 10 and len(events) == 10
    assert wal()[0] == before


def test_a_retry_is_answered_as_stored_only_once_what_it_found_is_durable(
    store, standby_asked, other
):
    writer, retrying = store(), store()
    writer.append(_batch("project-z", 10))
    standby_asked(True)
    batch = _batch("project-a")
    appending = Appending(writer, batch)
    _until(lambda: _committed(other) == 110, "the batch committed")
    retry = Appending(retrying, batch)  # finds every id stored, not yet durable
    time.sleep(0.3)
    assert retry.is_alive() and appending.is_alive()

    standby_asked(False)
    retry.join(PATIENCE), appending.join(PATIENCE)
    assert retry.error is None and retry.answer.duplicate
    assert retry.answer.last_position == appending.answer.last_position == 110


def test_the_registry_answers_a_batch_found_stored_only_once_it_is_durable(
    store, standby_asked, other
):
    from services.registry.application.handlers import Registry
    from tests.registry.integration.test_stored_meanwhile import inspections, with_two_projects

    first = with_two_projects(store())
    batch = inspections("p1", 0)
    standby_asked(True)
    sending = Asking(lambda: first.submit_batch(batch))
    _until(lambda: _committed(other) == 2 + len(batch), "the batch committed")
    again = Asking(lambda: Registry(store()).submit_batch(batch))  # another process
    time.sleep(0.3)
    assert again.is_alive() and sending.is_alive()

    standby_asked(False)
    again.join(PATIENCE), sending.join(PATIENCE)
    assert again.error is None and {o.status for o in again.answer} == {"duplicate"}
    assert {o.status for o in sending.answer} == {"accepted"}
