"""Snapshots of long streams give the same state as folding every event, under any
pair of clocks, also when a later correction reaches back before the snapshot."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from services.registry.application.handlers import Registry
from services.registry.application.submissions import Submission
from services.registry.domain import KeyProject, admitted, state_at
from services.registry.readmodel.streams import SNAPSHOT_EVERY, ProjectStreams, snapshot_versions
from services.registry.readmodel.tables import snapshots
from shared.db import is_postgres
from tests.registry.unit.builders import registration

START = datetime(2024, 1, 1, tzinfo=UTC)


def inspection(n: int) -> Submission:
    return Submission(
        event_id=str(uuid.uuid4()),
        type="InspectionCompleted",
        occurred_at=START + timedelta(hours=n),
        payload={"inspection_id": f"i{n}", "result": "passed"},
        project_id="p1",
        source="test",
        actor="tester",
    )


def correction(target: str, payload: dict, moved_to: datetime | None = None) -> Submission:
    """An office correction, recorded on day 60."""
    body = {"corrected_event_id": target, "payload": payload, "reason": "复查"}
    if moved_to is not None:
        body["occurred_at"] = moved_to.isoformat()
    return Submission(
        event_id=str(uuid.uuid4()),
        type="EventCorrected",
        occurred_at=START + timedelta(days=60),
        payload=body,
        project_id="p1",
    )


@pytest.fixture
def long_project(store):
    registry = Registry(store)
    store.clock = lambda: START
    registry.submit(
        Submission(
            event_id=str(uuid.uuid4()),
            type="ProjectRegistered",
            occurred_at=START,
            payload=registration("p1"),
            project_id="p1",
        )
    )
    from services.registry.readmodel import projects  # noqa: F401  (the list is written too)

    n = 0
    for batch in range(6):
        store.clock = lambda batch=batch: START + timedelta(days=30 + batch)
        outcomes = registry.submit_batch([inspection(n + i) for i in range(100)])
        assert {o.status for o in outcomes} == {"accepted"}
        n += 100
    return registry


def test_long_streams_get_snapshots(long_project, store):
    with store.reading() as conn:
        versions = conn.execute(select(snapshots.c.stream_version)).scalars().all()
    gaps = [b - a for a, b in zip([0, *versions], versions, strict=False)]
    assert versions[-1] == 601 and min(gaps) >= SNAPSHOT_EVERY


def test_a_stream_past_two_thousand_events_gets_its_snapshots_further_apart(long_project, store):
    """Every 100 events up to 2,000, then every 200 (up to 4,000): the batch that reaches
    a mark writes the state at its end. A read between them still equals the full fold."""
    store.clock = lambda: START + timedelta(days=120)  # the last inspection is at day 100
    for n in range(600, 2_400, 100):
        outcomes = long_project.submit_batch([inspection(n + i) for i in range(100)])
        assert {o.status for o in outcomes} == {"accepted"}
    with store.reading() as conn:
        versions = conn.execute(select(snapshots.c.stream_version)).scalars().all()
    assert sorted(versions) == [v + 1 for v in snapshot_versions(2_400)]
    assert sorted(versions)[-3:] == [2_001, 2_201, 2_401]
    elsewhere = Registry(store)  # nothing kept: from the snapshot at 2,201 and the events after
    as_of = START + timedelta(hours=2_350)
    full = state_at("p1", long_project.streams.history("project-p1"), as_of)
    assert elsewhere.state("p1", as_of).to_dict() == full.to_dict()


@pytest.mark.parametrize(
    ("as_of_hours", "known_at_days"),
    [(None, None), (450, None), (250, None), (650, 33), (50, 40), (None, 31)],
)
def test_a_state_from_a_snapshot_equals_the_full_fold(long_project, as_of_hours, known_at_days):
    as_of = START + timedelta(hours=as_of_hours) if as_of_hours is not None else None
    known_at = START + timedelta(days=known_at_days) if known_at_days is not None else None
    fast = long_project.state("p1", as_of, known_at)
    full = state_at("p1", long_project.streams.history("project-p1"), as_of, known_at)
    assert fast.to_dict() == full.to_dict()


def test_a_past_date_reads_the_events_up_to_it_not_the_rest_of_the_stream(
    long_project, store, monkeypatch
):
    """As of hour 150 the state is the snapshot at 101 and the ~50 events after it; the
    ~450 later ones are not read (an early date of a long project read half of it).
    A correction of a later event that moves it before the date is still applied."""
    read: list[int] = []
    reading = store.read_stream

    def counted(*args, **kwargs):
        events = reading(*args, **kwargs)
        read.append(len(events))
        return events

    monkeypatch.setattr(store, "read_stream", counted)
    as_of = START + timedelta(hours=150)
    fresh = Registry(store)
    full = state_at("p1", long_project.streams.history("project-p1"), as_of)
    read.clear()
    assert fresh.state("p1", as_of).to_dict() == full.to_dict()
    assert sum(read) <= 60, read
    late = long_project.streams.history("project-p1")[501]  # i500, at hour 500
    store.clock = lambda: START + timedelta(days=60)
    moved = correction(late.event_id, late.payload, START + timedelta(hours=120))
    assert long_project.submit(moved).status == "accepted"
    assert "i500" in Registry(store).state("p1", as_of).inspections
    assert "i500" not in Registry(store).state("p1", START + timedelta(hours=110)).inspections


def test_a_correction_reaching_back_before_the_snapshot_is_applied(long_project, store):
    first = long_project.streams.history("project-p1")[1]
    store.clock = lambda: START + timedelta(days=60)
    long_project.submit(correction(first.event_id, {"inspection_id": "i0", "result": "failed"}))
    as_of = START + timedelta(hours=500)
    assert long_project.state("p1", as_of).inspections["i0"]["result"] == "failed"
    before = long_project.state("p1", as_of, START + timedelta(days=50))
    assert before.inspections["i0"]["result"] == "passed"


def test_a_correction_can_move_an_event_across_as_of_also_from_a_snapshot(long_project, store):
    """Inspection i450 happened at hour 450; the correction says it was at hour 50. The
    state as of hour 100 (read from the snapshot after it) now includes it, and the
    state as of hour 460 no longer shows i20 that the other correction moves to hour 700."""
    history = long_project.streams.history("project-p1")
    late, early = history[451], history[21]
    store.clock = lambda: START + timedelta(days=60)
    for target, hours, result in ((late, 50, "failed"), (early, 700, "passed")):
        moved_to = START + timedelta(hours=hours)
        outcome = long_project.submit(
            correction(target.event_id, target.payload | {"result": result}, moved_to)
        )
        assert outcome.status == "accepted"
    full = long_project.streams.history("project-p1")
    for as_of in (START + timedelta(hours=100), START + timedelta(hours=460), None):
        fast = long_project.state("p1", as_of)
        assert fast.to_dict() == state_at("p1", full, as_of).to_dict()
    assert long_project.state("p1", START + timedelta(hours=100)).inspections["i450"]["result"] == (
        "failed"
    )
    assert "i20" not in long_project.state("p1", START + timedelta(hours=460)).inspections
    before = long_project.state("p1", START + timedelta(hours=100), START + timedelta(days=50))
    assert "i450" not in before.inspections


def test_a_snapshot_taken_in_the_batch_of_a_correction_holds_the_corrected_state(
    long_project, store
):
    """The state kept and snapshotted after a batch is folded again when the batch
    holds an amendment: applied to the state as it stood, a correction would only be
    recorded, and the snapshot (and the next decisions) would miss what it corrects."""
    first = long_project.streams.history("project-p1")[1]
    store.clock = lambda: START + timedelta(days=60)
    batch = [correction(first.event_id, {"inspection_id": "i0", "result": "failed"})]
    batch += [inspection(1000 + i) for i in range(99)]
    assert {o.status for o in long_project.submit_batch(batch)} == {"accepted"}
    with store.reading() as conn:
        assert 701 in conn.execute(select(snapshots.c.stream_version)).scalars().all()
    elsewhere = Registry(store)  # reads from the snapshot
    assert elsewhere.state("p1").inspections["i0"]["result"] == "failed"
    full = state_at("p1", long_project.streams.history("project-p1"))
    assert elsewhere.state("p1").to_dict() == full.to_dict()
    kept = long_project.latest.take("project-p1")
    assert kept is not None and kept.inspections["i0"]["result"] == "failed"


def test_each_snapshot_is_dated_as_from_every_event_before_it(long_project, store):
    """A snapshot reads only the events since the one before it (all of them when one
    of those reaches back): its dates are still those of every event it folds."""
    history = long_project.streams.history("project-p1")
    store.clock = lambda: START + timedelta(days=200)
    moved = START + timedelta(hours=4000)  # i5 corrected to much later
    batch = [correction(history[6].event_id, history[6].payload, moved)]
    batch += [inspection(2000 + i) for i in range(99)]
    second = Submission(
        str(uuid.uuid4()), "ProjectRegistered", START, registration("p2", national_code=None), "p2"
    )
    batch += [second] + [replace(inspection(3000 + i), project_id="p2") for i in range(99)]
    assert {o.status for o in long_project.submit_batch(batch)} == {"accepted"}
    with store.reading() as conn:
        rows = conn.execute(select(snapshots).order_by(snapshots.c.stream_id)).all()
    assert [(r.stream_id[-2:], r.stream_version) for r in rows] == [
        *(("p1", v) for v in (101, 201, 301, 401, 501, 601, 701)),
        ("p2", 100),
    ]
    for row in rows:
        history = long_project.streams.history(row.stream_id)
        events = [e for e in history if e.stream_version <= row.stream_version]
        counted = [e for e in admitted(events) if not e.is_amendment]
        assert row.max_occurred_at == max(e.occurred_at for e in counted), row.stream_version
        assert row.recorded_at == events[-1].recorded_at
    assert rows[6].max_occurred_at == moved


def test_a_process_that_kept_nothing_decides_on_the_snapshot_and_the_events_after_it(
    long_project, store
):
    """A batch's projects not kept in process are started from their latest snapshots
    (one query for all) and brought up to date with the events after them."""
    fresh = Registry(store)
    store.clock = lambda: START + timedelta(days=40)
    outcomes = fresh.submit_batch([inspection(5), inspection(700)])  # i5 is in the snapshot
    assert [o.status for o in outcomes] == ["rejected", "accepted"]
    assert outcomes[0].errors is not None and "inspection_id" in outcomes[0].errors
    assert outcomes[1].stream_version == 602
    kept = fresh.latest.take("project-p1")
    full = state_at("p1", fresh.streams.history("project-p1"))
    assert kept is not None and kept.to_dict() == full.to_dict()


def test_a_snapshot_written_after_a_later_one_is_dated_from_the_one_before_it(long_project, store):
    """Snapshots are written after the commit: another process may have written the
    stream's next one first. The earlier one is still dated from its own events."""
    history = long_project.streams.history("project-p1")
    at_150 = state_at("p1", history[:150])
    with store.writing() as conn:
        long_project.streams.save_snapshots(conn, {"project-p1": at_150})
    with store.reading() as conn:
        row = conn.execute(select(snapshots).where(snapshots.c.stream_version == 150)).one()
    assert row.max_occurred_at == max(e.occurred_at for e in history[:150])
    assert row.recorded_at == history[149].recorded_at
    assert long_project.state("p1", START + timedelta(hours=160)).to_dict() == (
        state_at("p1", history, START + timedelta(hours=160)).to_dict()
    )


def test_a_snapshot_with_no_amendment_since_the_last_is_dated_without_reading_events(
    long_project, store, monkeypatch
):
    """Dating a snapshot sums the events since the previous one up on the server
    (`EventStore.stream_spans`): none is read out and decoded unless one amends another."""
    history = long_project.streams.history("project-p1")
    at_250 = state_at("p1", history[:250])

    def no_reading(*args, **kwargs):
        raise AssertionError("events read out to date a snapshot")

    monkeypatch.setattr(store, "read_streams", no_reading)
    monkeypatch.setattr(store, "read_stream", no_reading)
    with store.writing() as conn:
        long_project.streams.save_snapshots(conn, {"project-p1": at_250})
    with store.reading() as conn:
        row = conn.execute(select(snapshots).where(snapshots.c.stream_version == 250)).one()
    assert row.max_occurred_at == max(e.occurred_at for e in history[:250])
    assert row.recorded_at == history[249].recorded_at


def test_each_stream_finds_its_own_latest_snapshot_before_its_version(store):
    """The previous snapshots of several streams in one query (built once for so many
    streams, each stream's version bound beside its id)."""
    written = {"project-a": (100, 200, 300), "project-b": (100, 200), "project-c": ()}
    rows = [
        {
            "stream_id": sid,
            "stream_version": version,
            "max_occurred_at": START + timedelta(hours=version),
            "recorded_at": START + timedelta(days=1),
            "state": "{}",
        }
        for sid, versions in written.items()
        for version in versions
    ]
    with store.writing() as conn:
        conn.execute(snapshots.insert(), rows)
    asked = {"project-a": 250, "project-b": 150, "project-c": 100}
    for streams in (asked, dict(reversed(asked.items())), {"project-b": 300}):
        projects = {sid: KeyProject(sid, version=v) for sid, v in streams.items()}
        with store.reading() as conn:
            found = ProjectStreams._previous_snapshots(conn, projects)
        expected = {
            sid: max(v for v in written[sid] if v < version)
            for sid, version in streams.items()
            if any(v < version for v in written[sid])
        }
        assert {sid: row.stream_version for sid, row in found.items()} == expected
        assert {sid: row.max_occurred_at for sid, row in found.items()} == {
            sid: START + timedelta(hours=v) for sid, v in expected.items()
        }


def test_snapshots_are_compressed_with_lz4_where_the_server_has_it(long_project, store):
    """Migration ``registry_0005_h1_lz4``: the state column compressed with lz4 on
    PostgreSQL built with it; a snapshot written so reads back the same state."""
    if is_postgres(store.engine):
        with store.reading() as conn:
            offered = conn.exec_driver_sql(
                "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"
            ).scalar()
            method = conn.exec_driver_sql(
                "SELECT attcompression FROM pg_attribute"
                " WHERE attrelid = 'registry_snapshots'::regclass AND attname = 'state'"
            ).scalar()
            used = conn.exec_driver_sql(
                "SELECT pg_column_compression(state) FROM registry_snapshots"
                " ORDER BY stream_version DESC LIMIT 1"
            ).scalar()
        has_lz4 = offered is not None and "lz4" in offered
        assert (method, used) == (("l", "lz4") if has_lz4 else ("", "pglz"))
    fresh = Registry(store)  # nothing parsed in process: the stored text is read back
    history = fresh.streams.history("project-p1")
    assert fresh.state("p1").to_dict() == state_at("p1", history).to_dict()
    as_of = START + timedelta(hours=350)
    assert fresh.state("p1", as_of).to_dict() == state_at("p1", history, as_of).to_dict()


def test_a_snapshot_commits_without_waiting_for_its_wal_on_postgresql(
    long_project, store, monkeypatch
):
    """`Registry._save_snapshots`: ``synchronous_commit`` off for the snapshot's own
    transaction alone (the events' commit waits as ever)."""
    settings: list[str | None] = []
    save = long_project.streams.save_snapshots

    def saving(conn, projects):  # type: ignore[no-untyped-def]
        if is_postgres(store.engine):
            settings.append(conn.exec_driver_sql("SHOW synchronous_commit").scalar())
        else:
            settings.append(None)
        return save(conn, projects)

    monkeypatch.setattr(long_project.streams, "save_snapshots", saving)
    store.clock = lambda: START + timedelta(days=60)
    outcomes = long_project.submit_batch([inspection(700 + i) for i in range(100)])
    assert {o.status for o in outcomes} == {"accepted"}
    assert settings == (["off"] if is_postgres(store.engine) else [None])
    with store.reading() as conn:
        assert 701 in conn.execute(select(snapshots.c.stream_version)).scalars().all()
        if is_postgres(store.engine):
            assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
