"""How a batch is decided: what each event is judged against, on each backend."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

from services.registry.application.handlers import Registry
from services.registry.application.submissions import ACCEPTED, REJECTED, Submission
from tests.registry.unit.builders import registration

START = datetime(2024, 3, 1, tzinfo=UTC)


def inspection(n: int, occurred_at: datetime) -> Submission:
    return Submission(
        event_id=str(uuid.uuid4()),
        type="InspectionCompleted",
        occurred_at=occurred_at,
        payload={"inspection_id": f"i{n}", "result": "passed"},
        project_id="p1",
        source="test",
    )


class Ticking:
    """A clock ten minutes later at every reading, counting them."""

    def __init__(self, start: datetime) -> None:
        self.start, self.readings = start, 0

    def __call__(self) -> datetime:
        self.readings += 1
        return self.start + timedelta(minutes=10 * (self.readings - 1))


def registered(store) -> Registry:
    registry = Registry(store)
    store.clock = lambda: START
    registry.submit(
        Submission(str(uuid.uuid4()), "ProjectRegistered", START, registration("p1"), "p1")
    )
    return registry


def test_a_batch_is_judged_against_one_reading_of_the_clock(store):
    """Every event of a batch is checked against the clock as the batch is decided, not
    against a later reading for each later event: the last event, six minutes ahead of
    that reading, is beyond the five minutes allowed, however long deciding took."""
    registry = registered(store)
    clock = store.clock = Ticking(START + timedelta(days=1))
    ahead = clock.start + timedelta(minutes=6)
    batch = [inspection(n, clock.start + timedelta(minutes=n)) for n in range(3)]
    batch.append(inspection(3, ahead))
    outcomes = registry.submit_batch(batch)
    assert [o.status for o in outcomes] == [ACCEPTED, ACCEPTED, ACCEPTED, REJECTED]
    assert outcomes[3].error is not None and outcomes[3].error.code == "in_future"  # type: ignore[attr-defined]


def test_the_clock_is_read_as_often_for_a_hundred_events_as_for_one(store):
    registry = registered(store)
    readings = []
    for size in (1, 100):
        clock = store.clock = Ticking(START + timedelta(days=size))
        batch = [inspection(1000 * size + n, clock.start) for n in range(size)]
        assert {o.status for o in registry.submit_batch(batch)} == {ACCEPTED}
        readings.append(clock.readings)
    assert readings[0] == readings[1]


def test_events_sent_with_an_offset_are_folded_as_they_are_read_back(store):
    """An approval system in China dates its events ``+08:00``: the state kept after the
    write (which later writes start from, and snapshots are written from) folds them as
    the store keeps them, in UTC, the same as a fold of the stored events."""
    registry = registered(store)
    store.clock = lambda: START + timedelta(days=1)
    china = timezone(timedelta(hours=8))
    batch = [inspection(n, datetime(2024, 3, 1, 10, n, tzinfo=china)) for n in range(3)]
    assert {o.status for o in registry.submit_batch(batch)} == {ACCEPTED}
    kept = registry.latest.take("project-p1")
    assert kept is not None
    assert kept.inspections["i2"]["at"] == "2024-03-01T02:02:00.000000Z"
    assert kept.to_snapshot() == Registry(store).state("p1").to_snapshot()
