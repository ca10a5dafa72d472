"""The store's public read API, run against SQLite and PostgreSQL alike: a stream, the
global feed after a position, pages of it, several streams, events by id and by
position; each with the two clocks, each returning upcast events."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from marshmallow import Schema, fields

from shared.events import build_registry
from shared.eventstore import (
    Cutoff,
    EventStore,
    EventType,
    EventTypeRegistry,
    NewEvent,
    all_checkpoints,
    load_checkpoint,
    save_checkpoint,
)

from .helpers import T0, note

RECORDED_IN_MARCH = datetime(2024, 3, 20, 8, tzinfo=UTC)
RECORDED_IN_APRIL = datetime(2024, 4, 2, 8, tzinfo=UTC)


@pytest.fixture
def late_report(engine) -> EventStore:
    """Project a: ``on time`` (10 March, known 20 March), then ``late`` (happened 3 March,
    known 2 April); project b: ``other`` (11 March, known 2 April)."""
    now = [RECORDED_IN_MARCH]
    store = EventStore(engine, build_registry(), clock=lambda: now[0])
    store.append([note("project-a", "on time", occurred_at=datetime(2024, 3, 10, 2, tzinfo=UTC))])
    now[0] = RECORDED_IN_APRIL
    store.append([note("project-a", "late", occurred_at=datetime(2024, 3, 3, 2, tzinfo=UTC))])
    store.append([note("project-b", "other", occurred_at=datetime(2024, 3, 11, 2, tzinfo=UTC))])
    return store


def texts(events) -> list[str]:
    return [e.payload["note"] for e in events]


class TestReadingAStream:
    def test_as_of_is_a_date_and_known_at_an_instant(self, late_report):
        def read(**cut):
            return texts(late_report.read_stream("project-a", **cut))

        assert read() == ["on time", "late"]
        assert read(as_of=date(2024, 3, 5)) == ["late"]
        assert read(known_at=RECORDED_IN_MARCH) == ["on time"]
        assert read(as_of=date(2024, 3, 31), known_at=datetime(2024, 3, 31, tzinfo=UTC)) == [
            "on time"
        ]

    def test_types_read_beyond_as_of_whatever_their_business_time(self, late_report):
        def read(*types: str, **cut):
            return texts(late_report.read_stream("project-a", beyond_as_of=types, **cut))

        assert read("ConstructionStarted", as_of=date(2024, 3, 5)) == ["on time", "late"]
        assert read("ProjectCompleted", as_of=date(2024, 3, 5)) == ["late"]
        # known_at still holds them back; without as_of there is nothing to go beyond
        assert read("ConstructionStarted", as_of=date(2024, 3, 5), known_at=RECORDED_IN_MARCH) == [
            "on time"
        ]
        assert read("ProjectCompleted", known_at=RECORDED_IN_MARCH) == ["on time"]

    def test_a_bare_known_at_date_means_the_end_of_that_day(self, late_report):
        # Known 2 April 08:00 UTC = 16:00 in Beijing: inside "known at 2 April".
        assert texts(late_report.read_stream("project-a", known_at=date(2024, 4, 1))) == ["on time"]
        assert len(late_report.read_stream("project-a", known_at=date(2024, 4, 2))) == 2

    def test_as_of_dates_are_read_in_the_stores_campaign_time_zone(self, engine):
        evening_utc = datetime(2024, 3, 31, 20, tzinfo=UTC)  # 1 April 04:00 in Beijing
        EventStore(engine, build_registry()).append([note(occurred_at=evening_utc)])
        beijing = EventStore(engine, build_registry())
        london = EventStore(engine, build_registry(), zone=ZoneInfo("Europe/London"))
        assert beijing.read_stream("project-p1", as_of=date(2024, 3, 31)) == []
        assert len(london.read_stream("project-p1", as_of=date(2024, 3, 31))) == 1

    def test_a_cutoff_and_clock_arguments_together_are_refused(self, late_report):
        with pytest.raises(ValueError, match="not both"):
            late_report.read_stream("project-a", cutoff=Cutoff(), as_of=date(2024, 3, 5))


class TestReadingTheFeed:
    def test_the_feed_after_a_position_honours_both_clocks(self, late_report):
        assert texts(late_report.read_all(after=1)) == ["late", "other"]
        assert texts(late_report.read_all(after=0, as_of=date(2024, 3, 10))) == ["on time", "late"]
        assert texts(late_report.read_all(known_at=RECORDED_IN_MARCH)) == ["on time"]
        assert late_report.read_all(after=3) == []

    def test_pages_cover_the_feed_in_order_up_to_a_position(self, store):
        store.append([note("project-a", str(i)) for i in range(7)])
        pages = list(store.pages(after=1, up_to=6, page_size=2))
        assert [[e.global_position for e in page] for page in pages] == [[2, 3], [4, 5], [6]]
        assert [e.global_position for e in store.iter_all(after=5)] == [6, 7]

    def test_pages_honour_both_clocks(self, late_report):
        pages = list(late_report.pages(as_of=date(2024, 3, 10), known_at=date(2024, 4, 30)))
        assert [texts(page) for page in pages] == [["on time", "late"]]
        assert list(late_report.pages(up_to=0)) == []

    def test_several_types_are_read_a_type_at_a_time_and_merged_in_log_order(self, engine):
        kinds = EventTypeRegistry(
            [EventType(kind, Note) for kind in ("Raised", "Decided", "Other")]
        )
        now = [RECORDED_IN_MARCH]
        store = EventStore(engine, kinds, clock=lambda: now[0])
        for k in range(9):  # interleaved over streams and types, as a live log is
            kind = ("Raised", "Decided", "Other")[k % 3]
            now[0] = RECORDED_IN_APRIL if k >= 6 else RECORDED_IN_MARCH
            store.append([NewEvent(f"esc-{k % 2}", kind, {"note": f"{kind}/{k}"}, T0)])

        def read(types, **cut):
            return texts(store.iter_types(types, **cut))

        wanted = ["Decided", "Raised", "Decided"]  # a type named twice is read once
        assert read(wanted) == texts(store.iter_all(types=["Raised", "Decided"]))
        assert read(wanted) == [
            "Raised/0",
            "Decided/1",
            "Raised/3",
            "Decided/4",
            "Raised/6",
            "Decided/7",
        ]
        assert read(["Raised", "Decided"], up_to=4) == ["Raised/0", "Decided/1", "Raised/3"]
        march = Cutoff(known_at=RECORDED_IN_MARCH)
        assert read(["Raised", "Decided"], cutoff=march) == [
            "Raised/0",
            "Decided/1",
            "Raised/3",
            "Decided/4",
        ]
        assert read(["Other"]) == ["Other/2", "Other/5", "Other/8"]
        assert read(["Missing", "Raised"]) == ["Raised/0", "Raised/3", "Raised/6"]
        assert read([]) == []

    def test_stream_pages_give_each_stream_whole_in_version_order(self, store):
        streams = ["project-b", "project-a", "project-b:x", "rulebooks", "project-c"]
        for k in range(7):  # interleaved, as a live log is
            store.append([note(stream, f"{stream}/{k}") for stream in streams])
        pages = list(store.stream_pages(up_to=30, page_size=4))
        assert all(len(page) == 4 for page in pages[:-1]) and pages[-1]
        read = [e for page in pages for e in page]
        assert len(read) == 30 and len({e.global_position for e in read}) == 30
        assert max(e.global_position for e in read) == 30
        runs = [read[0].stream_id]
        for event in read[1:]:
            if event.stream_id != runs[-1]:
                runs.append(event.stream_id)
        assert sorted(runs) == sorted(streams)  # each stream in one run
        for stream in streams:
            versions = [e.stream_version for e in read if e.stream_id == stream]
            assert versions == list(range(1, len(versions) + 1))
        assert [e for page in store.stream_pages(up_to=0) for e in page] == []


class TestReadingSeveralEvents:
    def test_several_streams_are_read_each_after_its_own_version(self, late_report):
        found = late_report.read_streams({"project-a": 1, "project-b": 0, "project-c": 0})
        assert {stream: texts(events) for stream, events in found.items()} == {
            "project-a": ["late"],
            "project-b": ["other"],
            "project-c": [],
        }
        known = late_report.read_streams({"project-a": 0}, known_at=RECORDED_IN_MARCH)
        assert texts(known["project-a"]) == ["on time"]

    def test_spans_of_streams_are_summed_up_by_type_within_their_versions(self, late_report):
        late_report.append(
            [
                NewEvent(
                    stream_id="project-a",
                    type="InspectionCompleted",
                    payload={"inspection_id": "i-1", "result": "passed"},
                    occurred_at=datetime(2024, 3, 1, 2, tzinfo=UTC),
                    source="test",
                    actor="tester",
                )
            ]
        )
        spans = late_report.stream_spans(
            {"project-a": (0, 3), "project-b": (0, 1), "project-c": (0, 5)}
        )
        assert set(spans) == {"project-a", "project-b", "project-c"}
        assert spans["project-c"] == {}
        a = spans["project-a"]
        assert set(a) == {"ConstructionStarted", "InspectionCompleted"}
        assert a["ConstructionStarted"].events == 2
        assert a["ConstructionStarted"].last_occurred_at == datetime(2024, 3, 10, 2, tzinfo=UTC)
        assert a["ConstructionStarted"].last_recorded_at == RECORDED_IN_APRIL
        assert a["InspectionCompleted"].events == 1
        assert a["InspectionCompleted"].last_occurred_at == datetime(2024, 3, 1, 2, tzinfo=UTC)
        # Only the versions asked for: after 1 up to 2 is the late note alone.
        (late,) = late_report.stream_spans({"project-a": (1, 2)})["project-a"].values()
        assert late.events == 1
        assert late.last_occurred_at == datetime(2024, 3, 3, 2, tzinfo=UTC)
        assert late.last_occurred_at.tzinfo is UTC and late.last_recorded_at.tzinfo is UTC
        assert late_report.stream_spans({}) == {}

    def test_events_are_found_by_id_and_by_position_leaving_out_unknown_ones(self, store):
        batch = [note("project-a", str(i)) for i in range(600)]  # more than one lookup
        store.append(batch)
        wanted = [batch[0].event_id, batch[599].event_id, "00000000-0000-4000-8000-000000000000"]
        by_id = store.get_many(wanted)
        assert set(by_id) == set(wanted[:2])
        assert by_id[batch[599].event_id].payload == {"note": "599"}
        by_position = store.at_positions([600, 1, 601])
        assert {p: e.payload["note"] for p, e in by_position.items()} == {1: "0", 600: "599"}
        assert store.get(batch[1].event_id).stream_version == 2


class Note(Schema):
    note = fields.String(required=True)


class V1(Schema):
    amount = fields.String(required=True)


class V2(Schema):
    amount = fields.String(required=True)
    currency = fields.String(required=True)


def test_every_read_returns_payloads_upcast_to_the_current_version(engine):
    old = EventStore(engine, EventTypeRegistry([EventType("Paid", V1)]))
    stored = NewEvent("project-a", "Paid", {"amount": "5"}, T0)
    old.append([stored])
    upcast = {1: lambda p: {**p, "currency": "CNY"}}
    new = EventStore(
        engine, EventTypeRegistry([EventType("Paid", V2, version=2, upcasters=upcast)])
    )
    reads = [
        new.read_stream("project-a")[0],
        new.read_all()[0],
        next(new.iter_all()),
        next(new.pages())[0],
        new.read_streams({"project-a": 0})["project-a"][0],
        new.get_many([stored.event_id])[stored.event_id],
        new.at_positions([1])[1],
    ]
    assert {(e.schema_version, tuple(sorted(e.payload.items()))) for e in reads} == {
        (2, (("amount", "5"), ("currency", "CNY")))
    }


def test_every_checkpoint_is_listed_by_consumer(store):
    with store.engine.begin() as conn:
        load_checkpoint(conn, "board")
        save_checkpoint(conn, "board", 3)
        load_checkpoint(conn, "agenda")
    with store.reading() as conn:
        assert all_checkpoints(conn) == {"board": 3, "agenda": 0}
