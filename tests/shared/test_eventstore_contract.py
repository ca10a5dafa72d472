"""The event store's contract, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from shared.eventstore import (
    NO_STREAM,
    ConcurrencyConflict,
    Cutoff,
    DuplicateEventConflict,
    EventStore,
    InvalidEnvelope,
    InvalidEventPayload,
    NewEvent,
    UnknownEventType,
)

from .helpers import T0, note, tampering


def positions(store) -> list[int]:
    return [e.global_position for e in store.iter_all()]


class TestAppendingAndReading:
    def test_events_get_stream_versions_and_global_positions_in_order(self, store):
        store.append([note("project-a", "1"), note("project-a", "2")], {"project-a": NO_STREAM})
        store.append([note("project-b", "3")], {"project-b": NO_STREAM})
        a = store.read_stream("project-a")
        assert [(e.stream_version, e.global_position) for e in a] == [(1, 1), (2, 2)]
        assert store.read_stream("project-b")[0].global_position == 3
        assert store.head().position == 3
        assert all(e.recorded_at.tzinfo is not None and e.occurred_at.tzinfo is not None for e in a)

    def test_envelope_carries_every_field_of_the_brief(self, store):
        event = NewEvent(
            stream_id="project-a",
            type="ConstructionStarted",
            payload={"note": "开工"},
            occurred_at=T0,
            source="approval-system",
            actor="clerk",
            correlation_id="c-1",
            causation_id="k-1",
        )
        store.append([event])
        recorded = store.get(event.event_id)
        assert recorded.to_dict().keys() >= {
            "event_id",
            "stream_id",
            "stream_version",
            "global_position",
            "type",
            "schema_version",
            "occurred_at",
            "recorded_at",
            "source",
            "actor",
            "correlation_id",
            "causation_id",
            "payload",
            "prev_hash",
            "hash",
        }
        assert (
            recorded.source,
            recorded.actor,
            recorded.correlation_id,
            recorded.causation_id,
        ) == ("approval-system", "clerk", "c-1", "k-1")
        assert recorded.payload == {"note": "开工"}
        assert recorded.occurred_at == T0

    def test_appending_to_several_streams_is_atomic(self, store):
        store.append([note("project-a")])
        with pytest.raises(ConcurrencyConflict):
            store.append([note("project-a"), note("project-b")], {"project-a": 0, "project-b": 0})
        assert store.head().position == 1
        assert store.read_stream("project-b") == []

    def test_a_batch_may_touch_more_streams_than_a_query_may_union(self, store):
        """SQLite takes at most 500 SELECTs in one UNION ALL, and the probe under the
        lock had one a stream: a year's events of 500 projects in one batch failed."""
        store.append([note("project-0"), note("project-1")])
        batch = [note(f"project-{n}") for n in range(1_200)]
        positions = store.append(batch, {"project-1": 1, "project-1199": NO_STREAM}).positions
        assert [p.stream_version for p in positions[:3]] == [2, 2, 1]
        assert positions[-1].global_position == 1_202
        assert store.stream_version("project-1199") == 1
        with pytest.raises(ConcurrencyConflict):
            store.append([note(f"project-{n}") for n in range(600)], {"project-599": NO_STREAM})
        again = store.append(batch)  # a retry: every id seen, under more than 500 ids
        assert again.duplicate and again.positions == positions

    def test_a_payload_of_a_large_countys_plan_is_kept_and_one_past_the_limit_refused(self, store):
        """A monthly plan of 10,000 projects is some 20 MB; the store keeps 64 MiB (its
        caller's own records: no schema here, as the services' stores of their records)."""
        records = EventStore(store.engine)
        big = note("project-plan", "计划" * 4_000_000)  # 24 MB of UTF-8
        records.append([big])
        assert records.read_stream("project-plan")[0].payload == big.payload
        with pytest.raises(InvalidEnvelope, match="至多"):
            records.append([note("project-plan", "x" * (64 * 1024 * 1024))])
        assert records.stream_version("project-plan") == 1

    def test_a_stale_expected_version_is_a_conflict_that_writes_nothing(self, store):
        store.append([note("project-a")], {"project-a": NO_STREAM})
        with pytest.raises(ConcurrencyConflict) as caught:
            store.append([note("project-a")], {"project-a": NO_STREAM})
        assert (caught.value.expected, caught.value.actual) == (0, 1)
        assert store.stream_version("project-a") == 1

    def test_a_stream_can_be_read_between_versions(self, store):
        store.append([note("project-a", str(i)) for i in range(5)])
        part = store.read_stream("project-a", from_version=2, to_version=4)
        assert [e.stream_version for e in part] == [2, 3, 4]

    def test_the_feed_pages_and_filters_by_type(self, store):
        store.append([note("project-a", str(i)) for i in range(5)])
        store.append(
            [NewEvent("project-a", "InvestmentReported", {"month": "2024-02", "amount": "10"}, T0)]
        )
        assert [e.global_position for e in store.read_all(after=2, limit=2)] == [3, 4]
        assert [e.type for e in store.read_all(types=["InvestmentReported"])] == [
            "InvestmentReported"
        ]

    def test_a_naive_datetime_is_refused(self, store):
        with pytest.raises(ValueError, match="naive"):
            store.append([note(occurred_at=datetime(2024, 3, 1))])


class TestIdempotency:
    def test_resending_the_same_event_returns_the_original_positions(self, store):
        event = note("project-a", event_id="7b2d1c9e-0000-4000-8000-000000000001")
        first = store.append([event], {"project-a": NO_STREAM})
        store.append([note("project-b")])
        again = store.append([event], {"project-a": NO_STREAM})
        assert again.duplicate and again.positions == first.positions
        assert store.head().position == 2

    def test_the_same_event_id_with_different_content_is_a_conflict(self, store):
        store.append([note("project-a", "one", event_id="7b2d1c9e-0000-4000-8000-000000000002")])
        with pytest.raises(DuplicateEventConflict):
            store.append(
                [note("project-a", "two", event_id="7b2d1c9e-0000-4000-8000-000000000002")]
            )
        assert store.head().position == 1

    def test_a_batch_mixing_stored_and_new_events_is_a_conflict(self, store):
        stored = note("project-a", event_id="7b2d1c9e-0000-4000-8000-000000000003")
        store.append([stored])
        with pytest.raises(DuplicateEventConflict):
            store.append([stored, note("project-a")])
        assert store.head().position == 1

    def test_one_id_twice_in_a_batch_is_refused(self, store):
        event = note(event_id="7b2d1c9e-0000-4000-8000-000000000004")
        with pytest.raises(DuplicateEventConflict):
            store.append([event, event])


class TestEventTypes:
    def test_unknown_types_are_refused_by_name(self, store):
        with pytest.raises(UnknownEventType, match="NoSuchThing"):
            store.append([NewEvent("project-a", "NoSuchThing", {}, T0)])

    def test_invalid_payloads_name_the_field(self, store):
        with pytest.raises(InvalidEventPayload) as caught:
            store.append(
                [
                    NewEvent(
                        "project-a", "InvestmentReported", {"month": "2024-3", "amount": "-5"}, T0
                    )
                ]
            )
        assert set(caught.value.errors) == {"month", "amount"}
        assert store.head().position == 0

    def test_old_events_are_upcast_on_read_and_never_rewritten(self, engine):
        from marshmallow import Schema, fields

        from shared.eventstore import EventStore, EventType, EventTypeRegistry

        class V1(Schema):
            amount = fields.String(required=True)

        class V2(Schema):
            amount = fields.String(required=True)
            currency = fields.String(required=True)

        old = EventStore(engine, EventTypeRegistry([EventType("Paid", V1)]))
        old.append([NewEvent("project-a", "Paid", {"amount": "5"}, T0)])
        upcast = {1: lambda p: {**p, "currency": "CNY"}}
        new = EventStore(
            engine, EventTypeRegistry([EventType("Paid", V2, version=2, upcasters=upcast)])
        )
        event = new.read_stream("project-a")[0]
        assert (event.schema_version, event.payload) == (2, {"amount": "5", "currency": "CNY"})
        stored = next(new.iter_stored())
        assert (stored["schema_version"], stored["payload"]) == (1, '{"amount":"5"}')
        assert new.verify().ok


class TestTwoClocks:
    def test_as_of_and_known_at_bound_business_and_record_time(self, engine):
        from shared.events import build_registry
        from shared.eventstore import EventStore

        now = [datetime(2024, 3, 20, 8, tzinfo=UTC)]
        store = EventStore(engine, build_registry(), clock=lambda: now[0])
        store.append(
            [note("project-a", "on time", occurred_at=datetime(2024, 3, 10, 2, tzinfo=UTC))]
        )
        now[0] = datetime(2024, 4, 2, 8, tzinfo=UTC)  # reported late: happened 3 March
        store.append([note("project-a", "late", occurred_at=datetime(2024, 3, 3, 2, tzinfo=UTC))])

        def texts(**kw):
            return [
                e.payload["note"] for e in store.read_stream("project-a", cutoff=Cutoff.of(**kw))
            ]

        assert texts(as_of=date(2024, 3, 31), known_at=date(2024, 3, 31)) == ["on time"]
        assert texts(as_of=date(2024, 3, 31)) == ["on time", "late"]
        assert texts(as_of=date(2024, 3, 5)) == ["late"]
        assert texts(known_at=date(2024, 3, 19)) == []

    def test_a_date_means_the_end_of_that_day_in_the_campaign_time_zone(self, store):
        # 23:30 on 31 March in Beijing is 15:30 UTC: inside "as of 31 March".
        store.append([note(occurred_at=datetime(2024, 3, 31, 15, 30, tzinfo=UTC))])
        store.append([note(occurred_at=datetime(2024, 3, 31, 16, 30, tzinfo=UTC))])
        events = store.read_stream("project-p1", cutoff=Cutoff.of(as_of=date(2024, 3, 31)))
        assert len(events) == 1

    def test_record_time_never_decreases_with_position(self, engine):
        from shared.events import build_registry
        from shared.eventstore import EventStore

        times = iter([datetime(2024, 3, 2, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC)])
        store = EventStore(engine, build_registry(), clock=lambda: next(times))
        store.append([note()])
        store.append([note()])
        first, second = store.read_all()
        assert second.recorded_at >= first.recorded_at


class TestConcurrency:
    def test_exactly_one_of_eight_writers_wins_each_version(self, store):
        winners: list[int] = []
        conflicts: list[int] = []
        lock = threading.Lock()
        for version in range(5):
            barrier = threading.Barrier(8)

            def write(v=version, barrier=barrier):
                barrier.wait()
                try:
                    store.append([note("project-race")], {"project-race": v})
                    with lock:
                        winners.append(v)
                except ConcurrencyConflict:
                    with lock:
                        conflicts.append(v)

            threads = [threading.Thread(target=write) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        assert sorted(winners) == [0, 1, 2, 3, 4]
        assert len(conflicts) == 5 * 7
        assert positions(store) == [1, 2, 3, 4, 5]

    def test_many_writers_to_many_streams_leave_gapless_positions_and_a_valid_chain(self, store):
        def write(worker: int) -> None:
            for i in range(15):
                store.append([note(f"project-{worker}-{i % 3}", str(i)) for _ in range(2)])

        threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert positions(store) == list(range(1, 8 * 15 * 2 + 1))
        recorded = [e.recorded_at for e in store.iter_all()]
        assert recorded == sorted(recorded)
        assert store.verify().ok

    def test_a_reader_never_sees_a_later_position_before_an_earlier_one(self, store):
        stop = threading.Event()
        seen: list[int] = []
        anomalies: list[str] = []

        def read() -> None:
            last = 0
            while not stop.is_set() or last < store.head().position:
                for event in store.read_all(after=last, limit=50):
                    if event.global_position != last + 1:
                        anomalies.append(f"after {last} saw {event.global_position}")
                    last = event.global_position
                    seen.append(last)

        def write(worker: int) -> None:
            for i in range(20):
                store.append([note(f"project-w{worker}", str(i))])

        reader = threading.Thread(target=read)
        writers = [threading.Thread(target=write, args=(w,)) for w in range(4)]
        reader.start()
        for t in writers:
            t.start()
        for t in writers:
            t.join()
        stop.set()
        reader.join(timeout=60)
        assert anomalies == []
        assert seen == list(range(1, 81))

    def test_a_rolled_back_append_leaves_no_gap(self, store):
        store.append([note()])
        with pytest.raises(RuntimeError), store.engine.begin() as conn:
            store.append([note()], connection=conn)
            raise RuntimeError("the caller's transaction fails after appending")
        with pytest.raises(ConcurrencyConflict):
            store.append([note()], {"project-p1": 7})
        store.append([note()])
        assert positions(store) == [1, 2]
        assert store.verify().ok


class TestVerification:
    def _fill(self, store, n: int = 6) -> None:
        for i in range(n):
            store.append([note("project-a", f"event {i}")])

    def test_an_untouched_log_verifies_with_its_head(self, store):
        self._fill(store)
        result = store.verify()
        assert result.ok and result.head_position == 6 and result.head_hash == store.head().hash

    def test_a_changed_payload_is_named_by_position(self, store):
        self._fill(store)
        with tampering(store.engine) as conn:
            conn.execute(
                text('UPDATE events SET payload = \'{"note":"forged"}\' WHERE global_position = 4')
            )
        result = store.verify()
        assert (result.ok, result.bad_position) == (False, 4)
        assert result.reason.startswith("changed")

    def test_a_deleted_event_is_named_by_position(self, store):
        self._fill(store)
        with tampering(store.engine) as conn:
            conn.execute(text("DELETE FROM events WHERE global_position = 3"))
        result = store.verify()
        assert (result.ok, result.bad_position) == (False, 3)
        assert result.reason.startswith("missing")

    def test_two_swapped_events_are_named_by_the_first_position(self, store):
        self._fill(store)
        with tampering(store.engine) as conn:
            conn.execute(text("UPDATE events SET global_position = -2 WHERE global_position = 2"))
            conn.execute(text("UPDATE events SET global_position = 2 WHERE global_position = 5"))
            conn.execute(text("UPDATE events SET global_position = 5 WHERE global_position = -2"))
        result = store.verify()
        assert (result.ok, result.bad_position) == (False, 2)
        assert result.reason.startswith("out_of_order")


@pytest.fixture
def quick_timeout_store(postgres_url):
    """A PostgreSQL store that waits at most 300 ms for the log's lock."""
    from shared.db import create_db_engine
    from shared.events import build_registry
    from shared.eventstore import EventStore

    engine = create_db_engine(postgres_url)
    yield EventStore(engine, build_registry(), lock_timeout_ms=300)
    engine.dispose()


@contextmanager
def stuck_writer(store):
    """Another transaction holding the log's lock until the block ends."""
    from shared.eventstore.store import EVENT_LOG_LOCK_KEY

    blocker = store.engine.connect()
    blocker.begin()
    blocker.execute(text(f"SELECT pg_advisory_xact_lock({EVENT_LOG_LOCK_KEY})"))
    try:
        yield
    finally:
        blocker.rollback()
        blocker.close()


@pytest.mark.parametrize("size", [1, 50])  # one statement alone; a streamed batch
def test_a_stuck_writer_produces_a_lock_timeout_not_a_hang(quick_timeout_store, size):
    import time

    from shared.eventstore import LockTimeout

    store = quick_timeout_store
    with stuck_writer(store):
        started = time.monotonic()
        with pytest.raises(LockTimeout):
            store.append([note(text=str(i)) for i in range(size)])
        assert time.monotonic() - started < 5
    with store.engine.connect() as conn:  # no transaction left open, none in autocommit
        assert conn.connection.driver_connection.autocommit is False
    store.append([note(text=str(i)) for i in range(size)])
    assert store.head().position == size


def test_a_stuck_writer_times_out_a_transaction_of_the_callers_own_as_lock_timeout(
    quick_timeout_store,
):
    from shared.eventstore import LockTimeout

    store = quick_timeout_store
    with stuck_writer(store), pytest.raises(LockTimeout), store.writing() as conn:
        store.append([note()], connection=conn)
    with store.writing() as conn:
        store.append([note()], connection=conn)
    assert store.head().position == 1


def test_record_time_is_stamped_under_the_lock(store):
    before = datetime.now(UTC) - timedelta(seconds=1)
    store.append([note()])
    assert store.head().recorded_at >= before
