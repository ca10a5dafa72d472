"""A batch's lock, probe and rows sent as one message, its COMMIT with them when the
append ends the transaction (issue 18, `shared/eventstore/probed_copy.py`): the log's lock
is held for one answer to the client instead of three. What is written beside the events
commits with them or not at all; the lock is free again after every refusal."""

from __future__ import annotations

import contextlib

import psycopg
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

import shared.eventstore.probed_copy as probed_module
import shared.eventstore.store as store_module
from shared.config import Settings
from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import (
    Ahead,
    ConcurrencyConflict,
    DuplicateEventConflict,
    EventStore,
    EventStoreError,
    LockTimeout,
    NewEvent,
)

from .helpers import T0, note

LOG_LOCK = 7246150312  # pg_advisory_xact_lock's key of the event log (shared_0004)


@pytest.fixture
def pg_store(postgres_url):
    engine = create_db_engine(postgres_url, pool_size=2)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE beside (note text)"))
    yield EventStore(engine, build_registry(), lock_timeout_ms=5000)
    engine.dispose()


def _batch(stream: str, count: int = 100) -> list[NewEvent]:
    return [note(stream, f"{stream}-{i}") for i in range(count)]


def _seen(other: psycopg.Connection) -> tuple[int, int, bool]:
    """Events and rows beside them committed, and whether the log's lock is held."""
    events = other.execute("SELECT count(*) FROM events").fetchone()[0]
    beside = other.execute("SELECT count(*) FROM beside").fetchone()[0]
    locked = other.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND ((classid::bigint << 32) | objid::bigint) = %s AND database ="
        " (SELECT oid FROM pg_database WHERE datname = current_database())",
        (LOG_LOCK,),
    ).fetchone()[0]
    return events, beside, bool(locked)


@pytest.fixture
def messages(monkeypatch) -> list[bytes]:
    """The query strings sent by `probed_copy`."""
    sent: list[bytes] = []
    send = probed_module.sent

    def spy(pgconn, how):  # type: ignore[no-untyped-def]
        class Recording:
            def send_query(self, query: bytes) -> None:
                sent.append(query)
                pgconn.send_query(query)

        return send(pgconn, lambda _: how(Recording()))

    monkeypatch.setattr(probed_module, "sent", spy)
    return sent


def _statements(store: EventStore) -> list[str]:
    """Statements sent through SQLAlchemy while the list is kept."""
    seen: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def test_a_batch_of_its_own_goes_as_one_message_with_its_commit(pg_store, other, messages):
    pg_store.append(_batch("project-z", 10))  # the log's partitions made ready first
    messages.clear()
    statements = _statements(pg_store)
    result = pg_store.append(_batch("project-a"))
    assert result.last_position == 110
    assert len(messages) == 1 and statements == []
    query = messages[0].decode()
    assert query.startswith(
        "BEGIN; SET LOCAL synchronous_commit = off; SELECT * FROM gongjian_lock_probe_written("
    )
    assert query.endswith(
        "COPY events (event_id, stream_id, stream_version, global_position, "
        "type, schema_version, occurred_at, recorded_at, source, actor, "
        "correlation_id, causation_id, payload, prev_hash, hash) "
        "FROM STDIN; COMMIT; " + probed_module.DURABLE
    )
    assert _seen(other) == (110, 0, False)
    assert pg_store.verify().ok


def test_without_early_release_the_commit_ends_the_message(postgres_url, other, messages):
    """``GONGJIAN_EARLY_LOCK_RELEASE=0``: the commit waits for its flush with the lock held,
    and nothing follows it."""
    engine = create_db_engine(postgres_url, pool_size=2)
    store = EventStore(engine, build_registry(), release_early=False)
    try:
        store.append(_batch("project-a"))
        query = messages[0].decode()
        assert query.startswith("BEGIN; SELECT * FROM gongjian_lock_probe_written(")
        assert query.endswith("FROM STDIN; COMMIT")
        assert other.execute("SELECT count(*) FROM events").fetchone() == (100,)
        assert store.verify().ok
    finally:
        engine.dispose()


def test_in_a_callers_transaction_its_commit_ends_it(pg_store, other, messages):
    """The registry's path: its own rows written first, the append's COMMIT ends both."""
    with pg_store.writing() as conn:
        conn.execute(text("INSERT INTO beside VALUES ('listed')"))
        result = pg_store.append(
            _batch("project-a"), connection=conn, look_up_ids=False, commit=True
        )
        # Committed, and the lock let go, before the caller's block ends.
        assert _seen(other) == (100, 1, False)
    assert result.last_position == 100
    assert len(messages) == 1
    assert messages[0].decode().endswith("FROM STDIN; COMMIT; " + probed_module.DURABLE)
    assert [e.stream_version for e in pg_store.read_stream("project-a")] == list(range(1, 101))


def test_without_commit_the_caller_commits(pg_store, other, messages):
    with pg_store.writing() as conn:
        conn.execute(text("INSERT INTO beside VALUES ('listed')"))
        pg_store.append(_batch("project-a"), connection=conn, look_up_ids=False)
        assert _seen(other) == (0, 0, True)  # locked and not committed yet
    assert _seen(other) == (100, 1, False)
    assert len(messages) == 1 and messages[0].decode().endswith("FROM STDIN")


def test_a_stream_moved_on_writes_nothing(pg_store, other):
    pg_store.append(_batch("project-a", 10))
    with pytest.raises(ConcurrencyConflict), pg_store.writing() as conn:
        conn.execute(text("INSERT INTO beside VALUES ('listed')"))
        pg_store.append(
            _batch("project-b"),
            {"project-a": 3},
            connection=conn,
            look_up_ids=False,
            commit=True,
        )
    assert _seen(other) == (10, 0, False)


def test_an_id_stored_already_writes_nothing(pg_store, other):
    first = _batch("project-a")
    pg_store.append(first)
    again = _batch("project-b", 99) + [first[50]]
    with pytest.raises(DuplicateEventConflict), pg_store.writing() as conn:
        conn.execute(text("INSERT INTO beside VALUES ('listed')"))
        pg_store.append(again, connection=conn, look_up_ids=False, commit=True)
    assert _seen(other) == (100, 0, False)
    # Its own retry of an identical batch is answered as a duplicate, positions and all.
    retried = pg_store.append(first)
    assert retried.duplicate and retried.last_position == 100


def test_the_lock_not_had_in_time(postgres_url, other):
    engine = create_db_engine(postgres_url, pool_size=2)
    store = EventStore(engine, build_registry(), lock_timeout_ms=200)
    try:
        other.execute("BEGIN")
        other.execute("SELECT pg_advisory_xact_lock(%s)", (LOG_LOCK,))
        with pytest.raises(LockTimeout):
            store.append(_batch("project-a"))
        with pytest.raises(LockTimeout), store.writing() as conn:
            store.append(_batch("project-a"), connection=conn, look_up_ids=False, commit=True)
        other.execute("COMMIT")
        assert store.append(_batch("project-a")).last_position == 100
    finally:
        engine.dispose()


def test_an_event_refused_while_the_rows_are_made_stores_none(pg_store, other):
    """A batch of its own is checked event by event as its rows are made, under the lock:
    one refused there ends the COPY refused, and its COMMIT with it."""
    batch = _batch("project-a")
    batch[70] = NewEvent("project-a", "ConstructionStarted", {"no": 1}, batch[0].occurred_at)
    with pytest.raises(EventStoreError):
        pg_store.append(batch)
    assert _seen(other) == (0, 0, False)
    assert pg_store.append(_batch("project-a")).last_position == 100


def test_a_connection_lost_while_the_rows_are_sent_raises_and_the_next_append_works(
    pg_store, other, monkeypatch
):
    """The server gone between the probe's answer and the rows: the driver's error as
    SQLAlchemy raises it (answered 503 over HTTP), nothing stored, the connection not
    used again."""
    chained = store_module._chained_copy_text

    def cut(*args, **kwargs):  # type: ignore[no-untyped-def]
        other.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        yield from chained(*args, **kwargs)

    monkeypatch.setattr(store_module, "_chained_copy_text", cut)
    with pytest.raises(OperationalError):
        pg_store.append(_batch("project-a"))
    monkeypatch.setattr(store_module, "_chained_copy_text", chained)
    assert _seen(other) == (0, 0, False)
    assert pg_store.append(_batch("project-a")).last_position == 100


def test_ids_and_streams_with_quotes_backslashes_and_chinese_go_as_literals(pg_store, other):
    """The probe's arguments are written into the message as literals (libpq's escaping)."""
    odd = [
        NewEvent(
            f"project-o'k\\{n % 3}-县",
            "ConstructionStarted",
            {"note": "x"},
            T0,
            event_id=f"id'\\\"{n}-é",
        )
        for n in range(20)
    ]
    assert pg_store.append(odd).last_position == 20
    assert [e.event_id for e in pg_store.read_stream("project-o'k\\1-县")] == [
        f"id'\\\"{n}-é" for n in range(1, 20, 3)
    ]
    assert pg_store.append(odd).duplicate  # found again by the same literals
    assert pg_store.verify().ok


class Refused(Exception):
    """What the statements ahead in these tests raise when they change no row."""


class Failed(Exception):
    """What they raise when the server refuses them."""


def _ahead(note_text: str, rows: int = 1, check: str = "true") -> Ahead:
    """A row of ``beside`` inserted when ``check`` holds, its note as a literal."""
    return Ahead(
        "INSERT INTO beside SELECT %(note)s WHERE " + check,
        {"note": note_text},
        rows=rows,
        refused=lambda: Refused(note_text),
        failed=lambda error: Failed(type(error).__name__),
    )


def test_statements_ahead_go_in_the_append_message_and_commit_with_it(pg_store, other, messages):
    """The registry's request id: written before the probe asks for the lock, with no
    round trip (nor ``BEGIN``) of its own, committed with the rows."""
    pg_store.append(_batch("project-z", 10))
    messages.clear()
    with pg_store.writing() as conn:
        statements = _statements(pg_store)
        result = pg_store.append(
            _batch("project-a"),
            connection=conn,
            look_up_ids=False,
            commit=True,
            ahead=(_ahead("req-1'\\县"), _ahead("req-2")),
        )
        assert statements == []
    assert result.last_position == 110
    assert len(messages) == 1
    query = messages[0].decode()
    assert query.startswith("BEGIN; INSERT INTO beside SELECT  E'req-1''\\\\县' WHERE true; ")
    assert query.index("req-1") < query.index("req-2") < query.index("lock_probe_written")
    assert _seen(other) == (110, 2, False)
    notes = [row[0] for row in other.execute("SELECT note FROM beside ORDER BY note")]
    assert notes == ["req-1'\\县", "req-2"]


def test_a_statement_ahead_that_changes_no_row_writes_nothing(pg_store, other, messages):
    with pytest.raises(Refused), pg_store.writing() as conn:
        pg_store.append(
            _batch("project-a"),
            connection=conn,
            look_up_ids=False,
            commit=True,
            ahead=(_ahead("kept"), _ahead("stale", check="false")),
        )
    assert _seen(other) == (0, 0, False)
    assert pg_store.append(_batch("project-a")).last_position == 100


def test_a_statement_ahead_the_server_refuses_raises_what_the_caller_makes_of_it(pg_store, other):
    other.execute("CREATE UNIQUE INDEX beside_once ON beside (note)")
    pg_store.append(_batch("project-z", 10))
    for stream in ("project-a", "project-b"):
        with contextlib.suppress(Failed), pg_store.writing() as conn:
            pg_store.append(
                _batch(stream),
                connection=conn,
                look_up_ids=False,
                commit=True,
                ahead=(_ahead("req-1"),),
            )
    assert _seen(other) == (110, 1, False)
    with pytest.raises(Failed, match="UniqueViolation"), pg_store.writing() as conn:
        pg_store.append(
            _batch("project-c"), connection=conn, look_up_ids=False, ahead=(_ahead("req-1"),)
        )


@pytest.mark.parametrize("count", [3, 100])
def test_an_append_not_sent_as_one_message_runs_the_statements_ahead_first(pg_store, other, count):
    """A few events (chained on the server) or every id looked up: the statements
    ahead run on their own first, in the same transaction, answered the same way."""
    with pg_store.writing() as conn:
        pg_store.append(_batch("project-a", count), connection=conn, ahead=(_ahead("ok"),))
    assert _seen(other) == (count, 1, False)
    with pytest.raises(Refused), pg_store.writing() as conn:
        pg_store.append(
            _batch("project-b", count), connection=conn, ahead=(_ahead("no", check="false"),)
        )
    assert _seen(other) == (count, 1, False)


def test_statements_ahead_need_the_callers_connection(pg_store):
    with pytest.raises(ValueError, match="ahead"):
        pg_store.append(_batch("project-a"), ahead=(_ahead("x"),))


@pytest.mark.parametrize("count", [100, 300])
@pytest.mark.parametrize("callers", [False, True])
def test_rows_go_in_the_connections_own_encoding_and_hash_as_utf8(
    postgres_url, other, callers, count
):
    """The rows are made as UTF-8 bytes before the lock: a connection in another client
    encoding (GB18030 here) gets them in its own, and the chain, hashed in UTF-8, verifies
    (300 events go as overlapped COPYs where the caller's connection is given)."""
    url = make_url(postgres_url).update_query_dict({"client_encoding": "GB18030"})
    engine = create_db_engine(url.render_as_string(False))
    try:
        store = EventStore(engine, build_registry())
        batch = [note(f"project-县{n % 7}", f"开工{n}：土方‘完成’\\t") for n in range(count)]
        if callers:
            with engine.connect() as conn:
                assert conn.connection.driver_connection.info.encoding == "gb18030"
                store.append(batch, connection=conn, look_up_ids=False, commit=True)
        else:
            store.append(batch)
        stored = other.execute(
            "SELECT payload FROM events WHERE stream_id = 'project-县3' ORDER BY stream_version"
        ).fetchall()
        assert [row[0] for row in stored] == [
            f'{{"note":"开工{n}：土方‘完成’\\\\t"}}' for n in range(3, count, 7)
        ]
        assert store.verify().ok
    finally:
        engine.dispose()


def test_early_release_is_a_setting_of_the_environment(monkeypatch):
    monkeypatch.delenv("GONGJIAN_EARLY_LOCK_RELEASE", raising=False)
    assert Settings.from_env().early_lock_release is True
    for off in ("0", "false", "off", "no", " OFF "):
        monkeypatch.setenv("GONGJIAN_EARLY_LOCK_RELEASE", off)
        assert Settings.from_env().early_lock_release is False
    monkeypatch.setenv("GONGJIAN_EARLY_LOCK_RELEASE", "1")
    assert Settings.from_env().early_lock_release is True
    monkeypatch.setenv("GONGJIAN_EARLY_LOCK_RELEASE", "sometimes")
    with pytest.raises(ValueError, match="GONGJIAN_EARLY_LOCK_RELEASE"):
        Settings.from_env()


def test_the_registry_bench_says_when_the_servers_appends_let_the_lock_go(monkeypatch):
    from benchmarks.bench_registry import _release

    monkeypatch.delenv("GONGJIAN_EARLY_LOCK_RELEASE", raising=False)
    assert _release() == "let go at the commit, its flush waited for after"
    monkeypatch.setenv("GONGJIAN_EARLY_LOCK_RELEASE", "0")
    assert _release() == "held until the commit is flushed"
